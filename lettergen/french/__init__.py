"""The French language layer: territories, offices, agreement, formats, typography, addresses.

Plain functions and frozen dataclasses; every data table is inside this package
(``data/``), with its source and licence in ``data/SOURCES.md``.
"""

from lettergen.french.agreement import accord, pluriel
from lettergen.french.communes import Commune, commune, communes
from lettergen.french.formats import date_longue, euros, nombre, pourcentage
from lettergen.french.offices import FONCTIONS, Fonction, OfficeForms, address_institution, office_forms
from lettergen.french.postal import address_block, validate_address
from lettergen.french.regions import Region, region, regions
from lettergen.french.territories import (
    Institution,
    Territory,
    format_territories_table,
    normalize_departement,
    territories,
    territory,
)
from lettergen.french.typography import identifier, typographie

__all__ = [
    "FONCTIONS",
    "Commune",
    "Fonction",
    "Institution",
    "OfficeForms",
    "Region",
    "Territory",
    "accord",
    "address_block",
    "address_institution",
    "commune",
    "communes",
    "date_longue",
    "euros",
    "format_territories_table",
    "identifier",
    "nombre",
    "normalize_departement",
    "office_forms",
    "pluriel",
    "pourcentage",
    "region",
    "regions",
    "territories",
    "territory",
    "typographie",
    "validate_address",
]
