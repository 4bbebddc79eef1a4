"""Cell validators shared by the recipients and figures readers.

A validator takes a cell's text (``""`` when the cell is empty) and returns its value, or raises
:class:`CellError` with the French explanation; the reader names the file, line and column.
"""

from __future__ import annotations

from lettergen.errors import Problem
from lettergen.french import normalize_departement, territory
from lettergen.read.limits import shown


class CellError(ValueError):
    """A cell a validator refuses; the message says why in French, without naming the column."""


def departement_code(raw: str) -> str:
    """``1`` → ``01``, ``2a`` → ``2A``: the code of a territory the french layer knows."""
    if not raw:
        raise CellError("valeur vide (code du département attendu)")
    code = normalize_departement(raw)
    try:
        territory(code)
    except KeyError:
        raise CellError(f"code « {shown(raw)} » inconnu") from None
    return code


def check_departement(
    raw: str, file: str, line: int, column: str = "departement"
) -> tuple[str, Problem | None]:
    """The normalised code, or a problem naming the column and the bad value."""
    try:
        return departement_code(raw), None
    except CellError as error:
        return "", Problem(file, line, f"colonne « {column} » : {error}")
