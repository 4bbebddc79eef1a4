"""What a recipients or figures table may hold: beyond these, a file is refused with a French line.

The limits are far above any real campaign (every French commune's mayor is 35,000 rows, a
recipients table has a few dozen columns) and low enough that a hostile file costs seconds and
a few hundred megabytes, never the machine. Each is checked before the work it bounds.
The zip limits (members, inflated sizes, ratio) are in :mod:`lettergen.read.package`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

FILE_BYTES = 100 << 20  # a CSV or XLSX file on disk (35,000 mayors: 5 MB of CSV)
ROWS = 200_000  # the last line or row number a value may sit on
COLUMNS = 1_000  # the last column a value may sit in (Excel's own limit is 16,384)
CELL_CHARS = 1_000  # one cell: an address of several lines is 200
NAME_CHARS = 100  # a first name or a name: the longest French names are under 60 characters
FIGURE_DIGITS = 15  # a figure: up to 999 billion, and int() stays far from its own 4,300 digits
MERGED_CELLS = 1_000_000  # cells inside merged areas, all areas of a sheet together
MERGES = 100_000  # merged areas in a sheet
SHOWN_CHARS = 40  # of a value too long, the start shown in the message
CSV_FIELD_BYTES = 10 << 20  # one CSV field as the csv module reads it, before CELL_CHARS is checked


def shown(value: str) -> str:
    """The start of a long value, as a message quotes it: « AAAAAAAA… »."""
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"


def number(value: int) -> str:
    """``200000`` → ``200 000`` (a narrow no-break space, as French groups digits)."""
    return f"{value:,}".replace(",", "\u202f")


def next_row(reader: Iterator[list[str]], field_limit: int = CSV_FIELD_BYTES) -> list[str] | None:
    """The next row of a ``csv.reader`` read with fields of at most ``field_limit`` characters.

    csv's limit is the process's, not the reader's: it is set for this one row and put back, so
    that no reader (the bundled official tables need a higher one) changes another's bound.
    A field over it raises ``csv.Error``; None at the end.
    """
    previous = csv.field_size_limit(field_limit)
    try:
        return next(reader, None)
    finally:
        csv.field_size_limit(previous)
