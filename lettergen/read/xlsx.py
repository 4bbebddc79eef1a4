"""Fast read of an XLSX sheet's values: openpyxl's results, without an object per cell.

openpyxl (read-only mode) still does the workbook part: content types, workbook and sheet
relations, styles (date formats), epoch, sheet names — :func:`load` runs its own ``ExcelReader``
with two steps replaced:

* shared strings are read with a fast path for plain ``<si><t>…</t></si>`` entries; anything else
  (rich text runs, phonetic runs, attributes) goes through openpyxl's own ``Text`` parser;
* a sheet's size (``<dimension ref=…>``) is read from the bytes before ``<sheetData``, instead of
  openpyxl parsing the whole sheet at open when a sheet has no dimension.

:func:`iter_values` then streams the sheet XML (``lxml.etree.iterparse`` on ``<row>``, each row
cleared and dropped once read) and yields exactly what ``worksheet.iter_rows(values_only=True)``
yields: same row padding, same gaps, same dimension limits, same value types (int / float / str /
bool / dates for date-styled numbers), same exceptions on damaged cells.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from warnings import warn

from lxml import etree
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse as _et_iterparse

_ROW = f"{{{SHEET_MAIN_NS}}}row"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"
_INLINE = f"{{{SHEET_MAIN_NS}}}is"
_T = f"{{{SHEET_MAIN_NS}}}t"
_SI = f"{{{SHEET_MAIN_NS}}}si"
_FORMULA = f"{{{SHEET_MAIN_NS}}}f"
_NUMBER_CHARS = 400  # longer than any double Excel writes (17 digits and an exponent)
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s/>]")


def text_content(node) -> str:
    """``Text.from_tree(node).content``, fast for a plain ``<t>`` list, openpyxl's parser otherwise."""
    if not node.attrib:
        last = None
        for child in node:
            if child.tag != _T:
                break
            last = child
        else:
            if last is None:
                return ""
            return last.text or ""
    return Text.from_tree(node).content


def read_string_table(source) -> list[str]:
    """openpyxl's ``read_string_table`` (same strings, same ``x005F_`` removal), faster."""
    strings: list[str] = []
    append = strings.append
    for _, node in _et_iterparse(source):
        if node.tag == _SI:
            append(text_content(node).replace("x005F_", ""))
            node.clear()
    return strings


class Sheet(ReadOnlyWorksheet):
    """A read-only worksheet whose size is read from the bytes before ``<sheetData``."""

    def _get_size(self):
        with self._get_source() as src:
            head = b""
            while True:
                chunk = src.read(1 << 16)
                data = head + chunk
                match = _SHEET_DATA.search(data)
                if match or not chunk:
                    break
                head = data
        if match is None:  # no sheetData start tag: let openpyxl decide, as it would
            with self._get_source() as src:
                dimensions = WorkSheetParser(src, []).parse_dimensions()
        else:
            head = data[: match.start()]
            dimensions = None
            if b"dimension" in head:
                try:
                    dimensions = WorkSheetParser(io.BytesIO(head), []).parse_dimensions()
                except SyntaxError:  # truncated head without a dimension element
                    dimensions = None
        if dimensions is not None:
            self._min_column, self._min_row, self._max_column, self._max_row = dimensions


class _Reader(ExcelReader):
    def __init__(self, archive) -> None:  # noqa: D107 (ExcelReader's, on an archive already open)
        self.archive = archive
        self.valid_files = archive.namelist()
        self.read_only = True
        self.keep_vba = False
        self.data_only = True
        self.keep_links = False  # links to other workbooks: never read, never followed
        self.rich_text = False
        self.shared_strings: list[str] = []

    def read_strings(self):
        ct = self.package.find(SHARED_STRINGS)
        if ct is not None:
            with self.archive.open(ct.PartName[1:]) as src:
                self.shared_strings = read_string_table(src)

    def read_worksheets(self):
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            ws = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            ws.sheet_state = sheet.state
            self.wb._sheets.append(ws)


def load(source):
    """``openpyxl.load_workbook(source, read_only=True, data_only=True)``, with :class:`Sheet` sheets.

    ``source`` is a path or an open :class:`zipfile.ZipFile`; a path is opened as a
    :class:`~lettergen.read.package.BoundedZip`, so every part openpyxl reads is bounded.
    The workbook closes the archive.
    """
    from lettergen.read.package import BoundedZip

    archive = source if isinstance(source, zipfile.ZipFile) else BoundedZip.from_path(source)
    reader = _Reader(archive)
    reader.read()
    return reader.wb


@dataclass(frozen=True)
class UncachedFormula:
    """A formula cell saved without its computed value (written by a program, never recalculated)."""

    formula: str


def iter_cells(worksheet: Sheet) -> Iterator[tuple[int, list[tuple[int, object]]]]:
    """(row number, [(column, value)…]) of each ``<row>`` the sheet stores, in order, nothing padded.

    Unlike :func:`iter_values`, the sheet's declared ``dimension`` only cuts (a sparse
    ``A1:XFD1048576`` costs nothing: no row or cell is made up), a formula without a cached value is an
    :class:`UncachedFormula` instead of None, and a number too long for ``int`` stays text.
    """
    max_row, max_col = worksheet.max_row, worksheet.max_column  # a smaller dimension cuts, as openpyxl
    last = 0
    with worksheet._get_source() as src:
        for number, cells in _parse_rows(src, worksheet, lenient=True):
            if max_row is not None and number > max_row:
                break
            if number <= last:  # a row out of order: openpyxl's reader skips it too
                continue
            last = number
            yield number, cells if max_col is None else [(c, v) for c, v in cells if c <= max_col]


def _cast_number(value: str):
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def iter_values(worksheet) -> Iterator[Sequence[object]]:
    """What ``worksheet.iter_rows(values_only=True)`` yields, from a streaming parse of the sheet."""
    if not isinstance(worksheet, Sheet):
        yield from worksheet.iter_rows(values_only=True)
        return
    max_col = worksheet.max_column
    max_row = worksheet.max_row
    # A list when the size is unknown: openpyxl's own empty row, kept for an identical result.
    empty_row: Sequence[object] = (None,) * max_col if max_col is not None else []
    counter = 1
    idx = 1
    with worksheet._get_source() as src:
        for idx, cells in _parse_rows(src, worksheet):
            if max_row is not None and idx > max_row:
                break
            for _ in range(counter, idx):
                counter += 1
                yield empty_row
            if counter <= idx:
                counter += 1
                if not cells and not max_col:
                    yield ()
                    continue
                width = max_col or cells[-1][0]
                values: list[object] = [None] * width
                for column, value in cells:
                    if 1 <= column <= width:
                        values[column - 1] = value
                yield tuple(values)
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield empty_row


def _parse_rows(src, worksheet, lenient: bool = False) -> Iterator[tuple[int, list[tuple[int, object]]]]:
    """(row number, [(column, value)…]) per ``<row>``, as openpyxl's ``WorkSheetParser.parse_row``.

    The parser resolves no entity, loads no DTD and fetches nothing (the package reader has
    already refused any DTD: this is the second lock).
    """
    cells_of = _RowCells(worksheet, lenient)
    row_counter = 0
    rows = etree.iterparse(
        src,
        events=("end",),
        tag=_ROW,
        remove_comments=True,
        remove_pis=True,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    )
    for _, row in rows:
        row_counter = _row_number(row.get("r"), row_counter)
        cells = cells_of(row)
        row.clear(keep_tail=True)
        while row.getprevious() is not None:
            del row.getparent()[0]
        yield row_counter, cells


def _row_number(r: str | None, previous: int) -> int:
    """The row's ``r`` attribute (``"5"``, ``"5.0"``), or the row after the previous one."""
    if r is None:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        val = float(r)
        if val.is_integer():
            return int(val)
        raise ValueError(f"{r} is not a valid row number") from None


class _RowCells:
    """The (column, value) pairs of one ``<row>`` element, with the workbook's strings and formats."""

    def __init__(self, worksheet: Sheet, lenient: bool = False) -> None:
        workbook = worksheet.parent
        self.lenient = lenient
        self.shared = worksheet._shared_strings
        self.epoch = workbook.epoch
        self.date_formats = workbook._date_formats
        self.timedelta_formats = workbook._timedelta_formats
        self.columns: dict[str, int] = {}  # "C" → 3, cached: the same letters come back every row

    def __call__(self, row) -> list[tuple[int, object]]:
        columns, digits = self.columns, "0123456789"
        col_counter = 0
        cells: list[tuple[int, object]] = []
        for el in row:
            get = el.get
            data_type = get("t", "n")
            style_id = get("s", 0)
            if style_id:
                style_id = int(style_id)
            value: object = None if data_type == "inlineStr" else el.findtext(_VALUE, None) or None
            coordinate = get("r")
            if coordinate:
                letters = coordinate.rstrip(digits)  # "C5" → "C"; anything unusual: openpyxl's parser
                column = columns.get(letters) if len(letters) < len(coordinate) else None
                if column is None:
                    if letters.isascii() and letters.isalpha() and len(letters) < len(coordinate):
                        column = columns[letters] = column_index_from_string(letters)
                    else:
                        column = coordinate_to_tuple(coordinate)[1]
                col_counter = column
            else:
                col_counter += 1
                column = col_counter
            if value is not None:
                value = self.value(data_type, value, style_id, coordinate)
            elif data_type == "inlineStr":
                child = el.find(_INLINE)
                if child is not None:
                    value = text_content(child)
            elif self.lenient and (formula := el.find(_FORMULA)) is not None:
                value = UncachedFormula(formula.text or "")
            cells.append((column, value))
        return cells

    def value(self, data_type: str, text, style_id, coordinate: str | None) -> object:
        """A cell's typed value from its ``<v>`` text, as openpyxl converts it."""
        if data_type == "n":
            if self.lenient and len(text) > _NUMBER_CHARS:
                return text  # 5,000 digits: int() refuses them; the reader's limits name the cell
            number = _cast_number(text)
            if style_id in self.date_formats:
                try:
                    return from_excel(number, self.epoch, timedelta=style_id in self.timedelta_formats)
                except (OverflowError, ValueError):
                    warn(
                        f"Cell {coordinate} is marked as a date but the serial value {number} is "
                        "outside the limits for dates. The cell will be treated as an error.",
                        stacklevel=2,
                    )
                    return "#VALUE!"
            return number
        if data_type == "s":
            return self.shared[int(text)]
        if data_type == "b":
            return bool(int(text))
        if data_type == "d":
            return from_ISO8601(text)
        return text
