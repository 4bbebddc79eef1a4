"""Read a table (CSV or XLSX) the way a user made it, row by row, with the row number they see.

CSV: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252 (as Excel writes it),
decoded strictly (UTF-8 first, then Windows-1252: no guessing, no silent replacement);
separator ``;``, TAB or ``,`` detected on the header line. XLSX: openpyxl in read-only mode for the
workbook, the sheet's XML streamed by :mod:`lettergen.read.xlsx` (same values as openpyxl's
``iter_rows``, without an object per cell), first sheet or a named one, merged cells filled from
their top-left cell, row numbers as Excel shows them. The file type is taken from the bytes, not
from the extension.

Every problem is an :class:`~lettergen.errors.Problem`; a file that cannot be read at all raises
:class:`TableError` (an ``InputError``) when the table is opened, never a Python exception.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from lettergen.errors import InputError, Problem

SEPARATORS = (";", "\t", ",")
_SEPARATOR_NAMES = {";": "point-virgule", "\t": "tabulation", ",": "virgule"}

# Characters a header name may differ by: case, accents, spaces, hyphens, underscores, apostrophes.
_HEADER_DROP = re.compile(r"[\s\-_'’.\u00a0\u202f]+")
# Stray spaces around a cell, including the no-break spaces Excel and Word leave behind.
_STRIP = " \t\r\n\u00a0\u202f\u2007\u2009\ufeff"

csv.field_size_limit(10 * 1024 * 1024)


class TableError(InputError):
    """A file that cannot be read as a table at all (missing, binary, empty, undecodable…)."""


def header_key(name: str) -> str:
    """The key a header is matched on: ``Code postal`` = ``CODE_POSTAL`` = ``code-postal``."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _HEADER_DROP.sub("", text).casefold()


def clean(value: str) -> str:
    """A cell's text without the stray spaces around it."""
    return value.strip(_STRIP)


@dataclass(frozen=True)
class Row:
    """One data row: its line as the user sees it and its cells, stripped, one per header column."""

    line: int
    cells: tuple[str, ...]


@dataclass
class Table:
    """An opened table: header, where it is, and a stream of rows.

    Iterating ``rows`` may add problems (a row with too many or too few fields) to ``problems``.
    """

    file: str
    header: tuple[str, ...]
    header_line: int
    rows: Iterator[Row]
    problems: list[Problem] = field(default_factory=list)
    kind: str = "csv"  # "csv" or "xlsx"
    encoding: str = ""
    separator: str = ""


def open_table(
    path: str | os.PathLike[str],
    sheet: str | None = None,
    display_name: str | None = None,
    skip_title_line: str | None = None,
) -> Table:
    """Open a CSV or XLSX table; raise :class:`TableError` if it cannot be read as a table.

    ``display_name`` is the file name shown in messages (default: the path as given).
    ``skip_title_line``: if the first line is exactly this text (the RNE's ``Titre du rapport``),
    the header is the next line.
    """
    path = Path(path)
    name = display_name if display_name is not None else str(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise TableError("fichier introuvable", name) from None
    except IsADirectoryError:
        raise TableError("c'est un dossier, pas un fichier", name) from None
    except OSError as error:
        raise TableError(f"fichier illisible ({error.strerror or error})", name) from None
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, name, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(
            "classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le au format .xlsx ou CSV", name
        )
    if sheet is not None:
        raise TableError(
            f"feuille « {sheet} » demandée, mais ce fichier est un CSV, pas un classeur XLSX", name
        )
    data = path.read_bytes()
    return _open_csv(data, name, skip_title_line)


# --------------------------------------------------------------------------------------- CSV


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode a CSV file's bytes: (text, encoding). Strict: UTF-8, then Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = ""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise _undecodable(data, error, name, encoding) from None
    if b"\x00" in data:
        raise TableError("ce fichier n'est pas un tableau CSV ou XLSX (contenu binaire)", name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise _undecodable(data, utf8_error, name, "utf-8") from None


def _undecodable(data: bytes, error: UnicodeDecodeError, name: str, encoding: str) -> TableError:
    offset = error.start
    if encoding == "utf-16":
        line = data[:offset].decode("utf-16", errors="replace").count("\n") + 1
    else:
        line = data.count(b"\n", 0, offset) + 1
    byte = data[offset : offset + 1].hex().upper()
    label = "UTF-16" if encoding == "utf-16" else "UTF-8 ni en Windows-1252"
    if encoding == "utf-16":
        message = f"octets illisibles (0x{byte}) : le fichier n'est pas en UTF-16 valide"
    else:
        message = f"octets illisibles (0x{byte}) : le fichier n'est ni en {label}"
    return TableError(message, name, line)


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
_HTML = re.compile(r"\A\s*(<!doctype\s+html|<html|<\?xml|<head|<body|<table)", re.IGNORECASE)


def _open_csv(data: bytes, name: str, skip_title_line: str | None) -> Table:
    text, encoding = decode(data, name)
    if not text.strip(_STRIP):
        raise TableError("fichier vide", name)
    if _HTML.match(text):
        raise TableError(
            "ce fichier est une page web (HTML) ou du XML, pas un tableau CSV : "
            "enregistrez le tableau au format CSV ou XLSX",
            name,
        )
    if _looks_binary(text):
        raise TableError("ce fichier n'est pas un tableau CSV ou XLSX (contenu binaire)", name)

    lines = io.StringIO(text, newline="")
    line_no = 0
    first = ""
    while True:
        raw = lines.readline()
        if not raw:
            raise TableError("fichier vide", name)
        line_no += 1
        if raw.strip(_STRIP) and not raw.lstrip(_STRIP).startswith("#"):  # "# …" lines are comments
            first = raw
            break
    if skip_title_line is not None and clean(first) == skip_title_line:
        while True:
            raw = lines.readline()
            if not raw:
                raise TableError("aucune ligne d'en-tête après le titre", name, line_no)
            line_no += 1
            if raw.strip(_STRIP):
                first = raw
                break
    separator = _detect_separator(first)
    header_line = line_no
    header_cells = next(csv.reader([first], delimiter=separator), [])
    header = tuple(clean(c) for c in header_cells)
    table = Table(name, header, header_line, iter(()), kind="csv", encoding=encoding, separator=separator)
    table.rows = _csv_rows(lines, separator, header_line, len(header), table)
    return table


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\r\n\f\v") or c == "\ufffd")
    return controls > max(2, len(sample) // 100)


def _detect_separator(header: str) -> str:
    """The separator of a CSV, from its header line: the most frequent of ``;`` TAB ``,`` outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # ties: ; before TAB before ,
    return best if counts[best] else ";"


def _csv_rows(
    lines: io.StringIO, separator: str, header_line: int, width: int, table: Table
) -> Iterator[Row]:
    reader = csv.reader(lines, delimiter=separator, strict=False)
    previous = 0
    for cells in reader:
        line = header_line + previous + 1
        previous = reader.line_num
        values = [clean(c) for c in cells]
        if not any(values) or values[0].startswith("#"):
            continue  # blank line, or a comment line
        row = _fit(values, width, line, table)
        if row is not None:
            yield row


def _fit(values: list[str], width: int, line: int, table: Table) -> Row | None:
    """Check a row's field count against the header; report and drop a row that does not fit."""
    if len(values) > width:
        extra = values[width:]
        if any(extra):
            table.problems.append(
                Problem(
                    table.file,
                    line,
                    f"{len(values)} champs sur la ligne, l'en-tête en a {width} "
                    f"(champ en trop : « {next(v for v in extra if v)} »)",
                )
            )
            return None
        values = values[:width]
    elif len(values) < width:
        if table.kind == "xlsx":
            values = values + [""] * (width - len(values))
        else:
            table.problems.append(
                Problem(
                    table.file,
                    line,
                    f"{len(values)} champs sur la ligne, l'en-tête en a {width} "
                    f"(séparateur : {_SEPARATOR_NAMES.get(table.separator, table.separator)})",
                )
            )
            return None
    return Row(line, tuple(values))


# -------------------------------------------------------------------------------------- XLSX


def _open_xlsx(path: Path, name: str, sheet: str | None) -> Table:
    from lettergen.read.xlsx import load  # imported here: CSV-only runs do not pay for openpyxl

    try:
        workbook = load(path)
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        TypeError,
        AttributeError,
        ElementTree.ParseError,
        IndexError,
    ) as error:
        raise TableError(f"classeur XLSX illisible ({type(error).__name__})", name) from None
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        raise TableError(f"classeur XLSX illisible ({type(error).__name__})", name) from None
    try:
        names = workbook.sheetnames
        if sheet is None:
            if not names:
                raise TableError("classeur XLSX sans feuille", name)
            worksheet = workbook[names[0]]
        elif sheet in names:
            worksheet = workbook[sheet]
        else:
            listed = ", ".join(f"« {n} »" for n in names)
            raise TableError(f"feuille « {sheet} » introuvable (feuilles : {listed})", name)
        title = worksheet.title
        merged = _merged_ranges(path, worksheet)
        rows = _xlsx_values(worksheet, merged)
        header_line = 0
        header: tuple[str, ...] = ()
        for number, values in rows:
            if any(values):
                header_line, header = number, tuple(values)
                break
        if not header_line:
            workbook.close()
            which = "la première feuille" if sheet is None else "la feuille"
            raise TableError(f"{which} « {title} » est vide", name)
        while header and not header[-1]:
            header = header[:-1]
    except TableError:
        workbook.close()
        raise
    except Exception as error:
        workbook.close()
        raise TableError(f"classeur XLSX illisible ({type(error).__name__})", name) from None
    table = Table(f"{name}", header, header_line, iter(()), kind="xlsx", encoding="xlsx")
    table.rows = _xlsx_rows(rows, len(header), table, workbook)
    return table


def _xlsx_rows(rows: Iterator[tuple[int, list[str]]], width: int, table: Table, workbook) -> Iterator[Row]:
    try:
        for number, values in rows:
            if not any(values):
                continue
            row = _fit(values, width, number, table)
            if row is not None:
                yield row
    except Exception as error:  # a damaged sheet part found while streaming
        table.problems.append(Problem(table.file, None, f"classeur XLSX illisible ({type(error).__name__})"))
    finally:
        workbook.close()


def _xlsx_values(
    worksheet, merged: dict[tuple[int, int], tuple[int, int]]
) -> Iterator[tuple[int, list[str]]]:
    """(Excel row number, cell texts) for each row, merged cells filled from their top-left cell."""
    from lettergen.read.xlsx import iter_values  # see _open_xlsx

    anchors: dict[tuple[int, int], str] = {}
    for number, cells in enumerate(iter_values(worksheet), start=1):
        values = [cell_text(v) for v in cells]
        if merged:
            for col in range(len(values)):
                key = (number, col + 1)
                if key in merged:
                    top = merged[key]
                    if top == key:
                        anchors[key] = values[col]
                    else:
                        values[col] = anchors.get(top, "")
            # a merged area may reach past the cells this row stores
            extra = [c for (r, c) in merged if r == number and c > len(values)]
            if extra:
                values += [""] * (max(extra) - len(values))
                for col in extra:
                    values[col - 1] = anchors.get(merged[(number, col)], "")
        yield number, values


def _merged_ranges(path: Path, worksheet) -> dict[tuple[int, int], tuple[int, int]]:
    """Cell → top-left cell of its merged area, read from the sheet's XML (read-only mode hides them)."""
    from openpyxl.utils.cell import range_boundaries

    part = getattr(worksheet, "_worksheet_path", None)
    if not part:
        return {}
    result: dict[tuple[int, int], tuple[int, int]] = {}
    with zipfile.ZipFile(path) as archive, archive.open(part.lstrip("/")) as source:
        tail = b""
        refs: list[bytes] = []
        while True:  # a byte scan: much faster than parsing the sheet's XML twice
            chunk = source.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            if b"mergeCell" in data:
                refs.extend(_MERGE_REF.findall(data))
                tail = b""
            else:
                tail = data[-200:]
    for ref in dict.fromkeys(refs):
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        except (ValueError, TypeError, UnicodeDecodeError):
            continue
        if (
            min_row is None
            or max_row is None
            or (max_row - min_row + 1) * (max_col - min_col + 1) > 1_000_000
        ):
            continue  # a whole-column merge: nothing useful to fill
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                result[(r, c)] = (min_row, min_col)
    return result


def cell_text(value: object) -> str:
    """A cell value as text: ``12.0`` → ``"12"``, a date → ``"2026-05-06"``, None → ``""``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return clean(str(value))
