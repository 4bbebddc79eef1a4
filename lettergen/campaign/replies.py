"""Answers: one typed on the command line, or a CSV/XLSX of them (columns id, date, resultat, note).

A file is checked whole before anything is recorded; an answer already in the register is left
as it is, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as _dt
import os
import re

from lettergen.campaign.register import RESULTS, Answer
from lettergen.errors import InvalidInput, Problem
from lettergen.read.tables import Row, Table, header_key, open_table

COLUMNS = ("id", "date", "resultat", "note")
_RESULT_KEYS = {header_key(result): result for result in RESULTS}
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_result(value: str) -> str | None:
    """``Défavorable``, ``rendez vous``, ``SANS-SUITE``… → the register's spelling; None if unknown."""
    if not value.strip():
        return ""
    return _RESULT_KEYS.get(header_key(value))


def parse_date(value: str) -> _dt.date | None:
    """``AAAA-MM-JJ`` or ``JJ/MM/AAAA`` (as Excel writes it); None if it is not a date."""
    text = value.strip()
    match = _FRENCH_DATE.match(text)
    try:
        if match:
            return _dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return _dt.date.fromisoformat(text[:10]) if len(text) in (10, 19) else None
    except ValueError:
        return None


def result_problem(value: str) -> str:
    return f"colonne « resultat » : « {value} » inconnu (attendu : {', '.join(RESULTS)})"


def read_answers(path: str | os.PathLike[str], known_ids: set[str]) -> list[Answer]:
    """Every answer of the file; raise :class:`InvalidInput` with every problem (``FILE:LINE``)."""
    table = open_table(path)
    columns = _columns(table)
    answers: list[Answer] = []
    problems: list[Problem] = []
    for row in table.rows:
        answer, row_problems = _answer(table.file, row, columns, known_ids)
        problems.extend(row_problems)
        if answer is not None:
            answers.append(answer)
    problems = table.problems + problems
    if problems:
        raise InvalidInput(problems)
    return answers


def _columns(table: Table) -> dict[str, int]:
    keys = [header_key(name) for name in table.header]
    columns = {name: keys.index(name) for name in COLUMNS if name in keys}
    missing = [name for name in ("id", "date") if name not in columns]
    if missing:
        raise InvalidInput(
            [
                Problem(
                    table.file,
                    table.header_line,
                    "colonne(s) manquante(s) : "
                    + ", ".join(f"« {name} »" for name in missing)
                    + " (colonnes attendues : id, date, resultat, note)",
                )
            ]
        )
    return columns


def _answer(
    file: str, row: Row, columns: dict[str, int], known_ids: set[str]
) -> tuple[Answer | None, list[Problem]]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return row.cells[index] if index is not None and index < len(row.cells) else ""

    if not any(row.cells):
        return None, []
    problems: list[Problem] = []
    letter_id, raw_date, raw_result = cell("id"), cell("date"), cell("resultat")
    if letter_id not in known_ids:
        problems.append(
            Problem(
                file, row.line, f"destinataire « {letter_id} » inconnu du registre (aucune lettre envoyée)"
            )
        )
    when = parse_date(raw_date)
    if when is None:
        problems.append(
            Problem(
                file,
                row.line,
                f"colonne « date » : « {raw_date} » n'est pas une date AAAA-MM-JJ ou JJ/MM/AAAA",
            )
        )
    result = parse_result(raw_result)
    if result is None:
        problems.append(Problem(file, row.line, result_problem(raw_result)))
    if problems or when is None or result is None:
        return None, problems
    return Answer(letter_id, when, result, " ".join(cell("note").split())), []
