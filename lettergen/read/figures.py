"""Local figures: non-negative integers, French or plain spelling; blank means unknown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lettergen.errors import Problem
from lettergen.french import identifier
from lettergen.read.cells import CellError, check_departement
from lettergen.read.limits import FIGURE_DIGITS, number, shown
from lettergen.read.tables import Table, TableError, header_key, open_table

# Thousands separators users and spreadsheets write: space, no-break space, narrow no-break space, thin space.
_GROUPING = re.compile(r"[ \u00a0\u202f\u2009\u2007']")
_INTEGER = re.compile(r"\d+(?:[.,]0+)?")  # "1234", and "12.0" / "12,0" as Excel writes whole numbers


class FigureError(CellError):
    """A figure cell that is not a non-negative integer; the message is the French explanation."""


def parse_figure(text: str) -> int | None:
    """``"1 234"`` → 1234 ; ``""`` → None (unknown); raise :class:`FigureError` otherwise."""
    value = text.strip()
    if not value:
        return None
    compact = _GROUPING.sub("", value)
    if compact.startswith("-") and _INTEGER.fullmatch(compact[1:]):
        raise FigureError(f"« {shown(value)} » est négatif (un chiffre est un entier positif ou nul)")
    if compact.startswith("+"):
        compact = compact[1:]
    if not _INTEGER.fullmatch(compact):
        raise FigureError(f"« {shown(value)} » n'est pas un nombre entier")
    digits = re.split(r"[.,]", compact)[0].lstrip("0") or "0"
    if len(digits) > FIGURE_DIGITS:
        raise FigureError(
            f"« {shown(value)} » a {number(len(digits))} chiffres, au-delà de la limite de {FIGURE_DIGITS}"
        )
    return int(digits)


def column_label(name: str) -> str:
    """The column as the message names it: « salaries »."""
    return f"colonne « {name} »"


@dataclass
class FiguresFile:
    """A figures file read and checked: figures by département code, and where each row was."""

    names: tuple[str, ...] = ()
    by_departement: dict[str, dict[str, int | None]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    file: str = ""
    problems: list[Problem] = field(default_factory=list)


def read_figures(path: str | Path, sheet: str | None = None) -> FiguresFile:
    """Read a figures file keyed by ``departement``; every problem collected, nothing raised."""
    name = str(path)
    result = FiguresFile(file=name)
    try:
        table = open_table(path, sheet=sheet, display_name=name)
    except TableError as error:
        result.problems.append(error.problem)
        return result
    keys = [header_key(h) for h in table.header]
    if "departement" not in keys:
        result.problems.append(Problem(name, table.header_line, "colonne « departement » manquante"))
        _drain(table)
        result.problems.extend(table.problems)
        return result
    dep_index = keys.index("departement")
    figure_columns, header_problems = figure_columns_of(table, exclude={"departement"})
    result.problems.extend(header_problems)
    result.names = tuple(n for _, n, _ in figure_columns)
    for row in table.rows:
        code, problem = check_departement(row.cells[dep_index], name, row.line, table.header[dep_index])
        if problem:
            result.problems.append(problem)
            continue
        values, problems = parse_figures(row.cells, figure_columns, name, row.line)
        result.problems.extend(problems)
        if code in result.lines:
            result.problems.append(
                Problem(
                    name,
                    row.line,
                    f"colonne « {table.header[dep_index]} » : département « {code} » "
                    f"déjà présent ligne {result.lines[code]}",
                )
            )
            continue
        result.lines[code] = row.line
        if not problems:
            result.by_departement[code] = values
    result.problems.extend(table.problems)
    return result


def figure_columns_of(table: Table, exclude: set[str]) -> tuple[list[tuple[int, str, str]], list[Problem]]:
    """(index, figure name, header as written) for each figure column, and header problems."""
    columns: list[tuple[int, str, str]] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(table.header):
        key = header_key(raw)
        if not key or key in exclude:
            continue
        name = identifier(raw)
        if not name or not (name[0].isalpha()):
            problems.append(
                Problem(
                    table.file,
                    table.header_line,
                    f"colonne « {raw} » : ce nom ne peut pas servir de nom de chiffre "
                    f"(il doit commencer par une lettre)",
                )
            )
            continue
        if key in seen:
            continue  # duplicates are reported by the caller's header check
        seen[key] = raw
        columns.append((index, name, raw))
    return columns, problems


def parse_figures(
    cells: tuple[str, ...], columns: list[tuple[int, str, str]], file: str, line: int
) -> tuple[dict[str, int | None], list[Problem]]:
    """The figures of one row, and one problem per bad cell."""
    values: dict[str, int | None] = {}
    problems: list[Problem] = []
    for index, name, raw in columns:
        try:
            values[name] = parse_figure(cells[index])
        except FigureError as error:
            problems.append(Problem(file, line, f"{column_label(raw)} : {error}"))
    return values, problems


def _drain(table: Table) -> None:
    for _ in table.rows:
        pass
