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
from typing import NoReturn

from lettergen.errors import InputError, Problem
from lettergen.read import limits
from lettergen.read.regular import NotRegular, open_regular, os_reason, read_regular, too_big

SEPARATORS = (";", "\t", ",")
_SEPARATOR_NAMES = {";": "point-virgule", "\t": "tabulation", ",": "virgule"}

# Characters a header name may differ by: case, accents, spaces, hyphens, underscores, apostrophes.
_HEADER_DROP = re.compile(r"[\s\-_'’.\u00a0\u202f]+")
# Stray spaces around a cell, including the no-break spaces Excel and Word leave behind.
_STRIP = " \t\r\n\u00a0\u202f\u2007\u2009\ufeff"


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
        with open_regular(path) as handle:
            head = handle.read(8)
            size = os.fstat(handle.fileno()).st_size
    except NotRegular as error:
        raise TableError(error.reason, name) from None
    except OSError as error:
        raise TableError(os_reason(error), name) from None
    if size > limits.FILE_BYTES:
        raise TableError(too_big(size, limits.FILE_BYTES), name)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, name, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(_compound_file_problem(path), name)
    if sheet is not None:
        raise TableError(
            f"feuille « {sheet} » demandée, mais ce fichier est un CSV, pas un classeur XLSX", name
        )
    try:
        data = read_regular(path, limits.FILE_BYTES)
    except NotRegular as error:
        raise TableError(error.reason, name) from None
    return _open_csv(data, name, skip_title_line)


def _compound_file_problem(path: Path) -> str:
    """What an OLE compound file is: a workbook under a password (its ``EncryptionInfo`` stream), or an .xls.

    Excel saves a workbook protected by a password (« Chiffrer avec mot de passe ») as a
    compound file holding ``EncryptionInfo`` and ``EncryptedPackage``: it is no old .xls, and
    saying so would send the user the wrong way. The stream names are in the file's directory,
    in UTF-16; the file is at most :data:`limits.FILE_BYTES` (checked by the caller).
    """
    data = read_regular(path, limits.FILE_BYTES)
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        return (
            "classeur protégé par un mot de passe : lettergen ne peut pas le lire ; enregistrez-en "
            "une copie sans mot de passe (Fichier > Informations > Protéger le classeur) ou en CSV"
        )
    return "classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le au format .xlsx ou CSV"


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
        raise _nul_problem(data, name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise _undecodable(data, utf8_error, name, "utf-8") from None


def _nul_problem(data: bytes, name: str) -> TableError:
    """A text with a NUL byte: the line of the first one; a file full of them is binary."""
    sample = data[:4096]
    if sum(1 for b in sample if b < 32 and b not in b"\t\r\n") > max(2, len(sample) // 20):
        return TableError("ce fichier n'est pas un tableau CSV ou XLSX (contenu binaire)", name)
    offset = data.index(b"\x00")
    line = data.count(b"\n", 0, offset) + 1
    return TableError(
        "octet nul (0x00) dans le texte : le fichier est endommagé ou n'est pas un CSV ; "
        "enregistrez-le de nouveau au format CSV",
        name,
        line,
    )


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
    if text.count("\n") + (not text.endswith("\n")) > limits.ROWS:  # before any row is read
        raise TableError(_too_many_rows(name, 0).message, name, limits.ROWS + 1)
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
    try:
        header_cells = limits.next_row(csv.reader([first], delimiter=separator)) or []
    except csv.Error:
        raise TableError(_field_too_long(), name, header_line) from None
    header = tuple(clean(c) for c in header_cells)
    _check_header(header, name, header_line)
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
    while True:
        line = header_line + previous + 1
        try:
            cells = limits.next_row(reader)
        except csv.Error:  # a field over the limit: nothing after it is reliable
            table.problems.append(Problem(table.file, line, _field_too_long()))
            return
        if cells is None:
            return
        previous = reader.line_num
        if line > limits.ROWS:
            table.problems.append(_too_many_rows(table.file, line))
            return
        values = [clean(c) for c in cells]
        if not any(values) or values[0].startswith("#"):
            continue  # blank line, or a comment line
        row = _fit(values, width, line, table)
        if row is not None:
            yield row


def _field_too_long() -> str:
    return (
        f"ligne illisible : un champ dépasse {limits.number(limits.CSV_FIELD_BYTES)} caractères "
        "(un guillemet ouvert et jamais refermé ?) ; la suite du fichier n'est pas lue"
    )


def _too_many_rows(file: str, line: int) -> Problem:
    return Problem(
        file,
        line,
        f"plus de {limits.number(limits.ROWS)} lignes, au-delà de la limite : "
        "découpez le fichier en plusieurs campagnes",
    )


def _fit(values: list[str], width: int, line: int, table: Table) -> Row | None:
    """Check a row's field count and cell sizes against the header; report and drop a row that misfits."""
    if len(values) > width:
        extra = values[width:]
        if any(extra):
            table.problems.append(
                Problem(
                    table.file,
                    line,
                    f"{len(values)} champs sur la ligne, l'en-tête en a {width} "
                    f"(champ en trop : « {limits.shown(next(v for v in extra if v))} »)",
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
    long = [i for i, value in enumerate(values) if len(value) > limits.CELL_CHARS]
    for index in long:
        table.problems.append(Problem(table.file, line, _too_long(table.header[index], values[index])))
    return None if long else Row(line, tuple(values))


def _too_long(column: str, value: str) -> str:
    return (
        f"colonne « {column} » : valeur de {limits.number(len(value))} caractères "
        f"(« {limits.shown(value)} »), au-delà de la limite de {limits.number(limits.CELL_CHARS)}"
    )


# -------------------------------------------------------------------------------------- XLSX


def _open_xlsx(path: Path, name: str, sheet: str | None) -> Table:
    from lettergen.read.package import BoundedZip, PackageError
    from lettergen.read.xlsx import load  # imported here: CSV-only runs do not pay for openpyxl

    try:
        archive = BoundedZip.from_path(path)
    except NotRegular as error:
        raise TableError(error.reason, name) from None
    except PackageError as error:
        raise TableError(f"classeur XLSX {error.verdict} : {error}", name) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise TableError(f"classeur XLSX illisible ({type(error).__name__})", name) from None
    try:
        _refuse_other_packages(archive, name)
        workbook = load(archive)
    except TableError:
        archive.close()
        raise
    except PackageError as error:
        archive.close()
        raise TableError(f"classeur XLSX {error.verdict} : {error}", name) from None
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        archive.close()
        raise TableError(f"classeur XLSX illisible ({type(error).__name__})", name) from None
    try:
        return _xlsx_table(path, name, sheet, workbook)
    except TableError:
        workbook.close()
        raise
    except PackageError as error:
        workbook.close()
        raise TableError(f"classeur XLSX {error.verdict} : {error}", name) from None
    except Exception as error:
        workbook.close()
        raise TableError(f"classeur XLSX illisible ({type(error).__name__})", name) from None


def _refuse_other_packages(archive: zipfile.ZipFile, name: str) -> None:
    """A zip that is an OpenDocument spreadsheet or a Word document, named as such."""
    names = set(archive.namelist())
    if "mimetype" in names:
        with archive.open("mimetype") as source:
            mimetype = source.read(100)
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            raise TableError(
                "classeur OpenDocument (.ods) non pris en charge : enregistrez-le au format .xlsx "
                "ou CSV (LibreOffice : Fichier > Enregistrer sous)",
                name,
            )
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise TableError("document OpenDocument, pas un classeur XLSX ni un CSV", name)
    if "word/document.xml" in names:
        raise TableError("document Word, pas un classeur XLSX ni un CSV", name)


def _xlsx_table(path: Path, name: str, sheet: str | None, workbook) -> Table:
    worksheet = _choose_sheet(workbook, sheet, name)
    merges = _merged_ranges(workbook, worksheet, name)
    rows = _xlsx_values(worksheet, merges, name)
    header_line = 0
    header: tuple[str, ...] = ()
    for number, values, formulas in rows:
        if any(values) or formulas:
            if formulas:
                raise TableError(_uncached(formulas[0][1], "l'en-tête"), name, number)
            header_line, header = number, tuple(values)
            break
    if not header_line:
        first = workbook.sheetnames[0] == worksheet.title
        which = "la feuille" if sheet is not None else "la première feuille" + ("" if first else " visible")
        raise TableError(f"{which} « {worksheet.title} » est vide", name)
    while header and not header[-1]:
        header = header[:-1]
    _check_header(header, name, header_line)
    table = Table(f"{name}", header, header_line, iter(()), kind="xlsx", encoding="xlsx")
    table.rows = _xlsx_rows(rows, len(header), table, workbook)
    return table


def _choose_sheet(workbook, sheet: str | None, name: str):
    """The sheet asked for, or the first **visible** worksheet: a hidden one is never used unasked."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    names = workbook.sheetnames
    if sheet is not None:
        if sheet not in names:
            listed = ", ".join(f"« {n} »" for n in names)
            raise TableError(f"feuille « {sheet} » introuvable (feuilles : {listed})", name)
        return workbook[sheet]
    sheets = [workbook[n] for n in names]
    for candidate in sheets:
        if isinstance(candidate, ReadOnlyWorksheet) and candidate.sheet_state == "visible":
            return candidate
    if not sheets:
        raise TableError("classeur XLSX sans feuille", name)
    hidden = ", ".join(f"« {n} »" for n in names)
    raise TableError(
        f"aucune feuille visible (feuilles masquées : {hidden}) : indiquez-en une avec --sheet", name
    )


def _check_header(header: tuple[str, ...], name: str, line: int) -> None:
    """A header too wide or with a name too long for every message that will quote it."""
    if len(header) > limits.COLUMNS:
        raise TableError(
            f"{limits.number(len(header))} colonnes, au-delà de la limite de {limits.number(limits.COLUMNS)}",
            name,
            line,
        )
    for cell in header:
        if len(cell) > limits.CELL_CHARS:
            raise TableError(
                f"nom de colonne de {limits.number(len(cell))} caractères (« {limits.shown(cell)} »), "
                f"au-delà de la limite de {limits.number(limits.CELL_CHARS)}",
                name,
                line,
            )


def _uncached(formula: str, where: str) -> str:
    return (
        f"{where} : formule sans valeur calculée (« ={limits.shown(formula)} ») ; ouvrez le classeur "
        "dans Excel ou LibreOffice et enregistrez-le pour que les formules soient calculées"
    )


def _xlsx_rows(rows: Iterator[XlsxRow], width: int, table: Table, workbook) -> Iterator[Row]:
    from lettergen.read.package import PackageError

    try:
        for number, values, formulas in rows:
            for column, formula in formulas:
                where = f"colonne « {table.header[column - 1]} »" if column <= width else f"colonne {column}"
                table.problems.append(Problem(table.file, number, _uncached(formula, where)))
            if formulas or not any(values):
                continue
            row = _fit(values, width, number, table)
            if row is not None:
                yield row
    except TableError as error:
        table.problems.append(error.problem)
    except PackageError as error:
        table.problems.append(Problem(table.file, None, f"classeur XLSX {error.verdict} : {error}"))
    except Exception as error:  # a damaged sheet part found while streaming
        table.problems.append(Problem(table.file, None, f"classeur XLSX illisible ({type(error).__name__})"))
    finally:
        workbook.close()


# (Excel row number, cell texts up to the last filled column, [(column, formula)] of formulas
# saved without their value)
XlsxRow = tuple[int, list[str], list[tuple[int, str]]]


@dataclass(frozen=True)
class Merge:
    """A merged area: its top-left cell holds the value every cell of the area shows."""

    top: int
    left: int
    bottom: int
    right: int


def _xlsx_values(worksheet, merges: list[Merge], name: str) -> Iterator[XlsxRow]:
    """Each stored row's texts, merged areas filled from their top-left cell, limits enforced.

    Only the rows the sheet stores are read, whatever its ``dimension`` says; a merged area
    fills the rows of it that are stored (the others hold nothing of their own).
    """
    from lettergen.read.xlsx import UncachedFormula, iter_cells  # see _open_xlsx

    waiting = iter(merges)  # sorted by top row
    following = next(waiting, None)
    active: dict[Merge, str] = {}  # area → its top-left cell's text
    for number, cells in iter_cells(worksheet):
        values: list[str] = []
        formulas: list[tuple[int, str]] = []
        for column, value in cells:
            if value is None:
                continue
            if column > limits.COLUMNS or number > limits.ROWS:
                _refuse_far_cell(number, column, name)
            if isinstance(value, UncachedFormula):
                formulas.append((column, value.formula))
                continue
            text = cell_text(value)
            if text:
                values.extend([""] * (column - len(values)))
                values[column - 1] = text
        while following is not None and following.top <= number:
            active[following] = ""
            following = next(waiting, None)
        if active:
            _fill_merges(values, number, active)
        yield number, values, formulas


def _refuse_far_cell(number: int, column: int, name: str) -> NoReturn:
    from openpyxl.utils.cell import get_column_letter

    if number > limits.ROWS:
        raise TableError(_too_many_rows(name, number).message, name, number)
    raise TableError(
        f"valeur en colonne {get_column_letter(column)}, au-delà de la limite de "
        f"{limits.number(limits.COLUMNS)} colonnes",
        name,
        number,
    )


def _fill_merges(values: list[str], number: int, active: dict[Merge, str]) -> None:
    for merge in list(active):
        if merge.bottom < number:
            del active[merge]
            continue
        if merge.top == number:
            active[merge] = values[merge.left - 1] if len(values) >= merge.left else ""
        anchor = active[merge]
        if not anchor:
            continue
        values.extend([""] * (merge.right - len(values)))
        for column in range(merge.left, merge.right + 1):
            values[column - 1] = anchor


_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s>/]")
_MERGE_AREA = re.compile(rb"([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})")


def _merged_ranges(workbook, worksheet, name: str) -> list[Merge]:
    """The sheet's merged areas, sorted by top row, read from its XML (read-only mode hides them).

    Refused when there are more than :data:`limits.MERGES` or they cover more than
    :data:`limits.MERGED_CELLS` cells together: a merge over the whole sheet is 17 billion cells.
    The same scan counts the rows: a sheet of more than :data:`limits.ROWS` is refused before
    any row is read (a row-count bomb would otherwise cost every row up to the limit).
    """
    part = getattr(worksheet, "_worksheet_path", None)
    if not part:
        return []
    refs: dict[bytes, None] = {}
    rows = 0
    with workbook._archive.open(part.lstrip("/")) as source:
        tail = b""
        while True:  # a byte scan: much faster than parsing the sheet's XML twice
            chunk = source.read(1 << 20)
            if not chunk:
                break
            rows += len(_ROW_TAG.findall(chunk))  # a tag cut between two chunks is missed: harmless
            if rows > limits.ROWS:
                raise TableError(_too_many_rows(name, 0).message, name)
            data = tail + chunk
            if b"mergeCell" in data:
                refs.update(dict.fromkeys(_MERGE_REF.findall(data)))
                tail = b""
            else:
                tail = data[-200:]
            if len(refs) > limits.MERGES:
                raise TableError(
                    f"plus de {limits.number(limits.MERGES)} zones de cellules fusionnées "
                    "(au-delà de la limite)",
                    name,
                )
    return _merge_areas(refs, name)


def _merge_areas(refs: dict[bytes, None], name: str) -> list[Merge]:
    from openpyxl.utils.cell import column_index_from_string

    merges, total = [], 0
    for ref in refs:
        match = _MERGE_AREA.fullmatch(ref)
        if match is None:
            continue
        left, right = (column_index_from_string(match[i].decode()) for i in (1, 3))
        top, bottom = int(match[2]), int(match[4])
        top, bottom, left, right = min(top, bottom), max(top, bottom), min(left, right), max(left, right)
        total += (bottom - top + 1) * (right - left + 1)
        if total > limits.MERGED_CELLS:
            raise TableError(
                f"cellules fusionnées {ref.decode()} : plus de {limits.number(limits.MERGED_CELLS)} "
                "cellules fusionnées en tout, au-delà de la limite ; défusionnez-les",
                name,
            )
        merges.append(Merge(top, left, bottom, right))
    return sorted(merges, key=lambda merge: merge.top)


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
