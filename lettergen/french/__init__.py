"""The French language layer: territories, offices, agreement, formats, typography, addresses.

Plain functions and frozen dataclasses; every data table is inside this package
(``data/``), sourced in ``data/SOURCES.md``.
"""

from lettergen.french.formats import date_longue, euros, nombre, pourcentage
from lettergen.french.territories import (
    Institution,
    Territory,
    format_territories_table,
    normalize_departement,
    territories,
    territory,
)

__all__ = [
    "Institution",
    "Territory",
    "date_longue",
    "euros",
    "format_territories_table",
    "nombre",
    "normalize_departement",
    "pourcentage",
    "territories",
    "territory",
]
