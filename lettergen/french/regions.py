"""Régions: the INSEE COG 2026 regions, with the « de » form their regional council's name needs.

« Conseil régional de Bretagne », « d'Occitanie », « du Grand Est », « des Hauts-de-France »,
« de la Nouvelle-Aquitaine », « de La Réunion »: for a region the article is optional and written
in lower case (INSEE's note on TNCC), so TNCC is used only to build the charnière. Data:
``data/regions_2026.csv``, INSEE COG 2026 (Licence Ouverte), read once per process on first use.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

_REGIONS = Path(__file__).parent / "data" / "regions_2026.csv"
# TNCC → charnière (INSEE definition of TNCC; 6–8 are not used for regions).
_CHARNIERES = {"0": "de ", "1": "d'", "2": "du ", "3": "de la ", "4": "des ", "5": "de l'"}


@dataclass(frozen=True)
class Region:
    """One region: ``code`` « 53 », ``nom`` « Bretagne », ``de`` « de Bretagne »."""

    code: str
    nom: str
    tncc: str
    chef_lieu: str = ""  # INSEE code of the chef-lieu commune: "35238" (Rennes)

    @property
    def de(self) -> str:
        """« de Bretagne », « d'Île-de-France », « du Grand Est », « de la Nouvelle-Aquitaine »."""
        return _CHARNIERES[self.tncc] + self.nom

    @property
    def conseil(self) -> str:
        """The regional council, for an address block: « Conseil régional de Bretagne »."""
        return f"Conseil régional {self.de}"


@cache
def _load() -> Mapping[str, Region]:
    with _REGIONS.open(encoding="utf-8", newline="") as handle:
        table = {
            row["REG"]: Region(row["REG"], row["LIBELLE"], row["TNCC"], row["CHEFLIEU"])
            for row in csv.DictReader(handle)
        }
    return MappingProxyType(table)


def region(code: str) -> Region:
    """The region with this INSEE code (``53``, ``01``); KeyError with a French message otherwise."""
    try:
        return _load()[code.strip()]
    except KeyError:
        raise KeyError(f"code région inconnu : {code!r} (code INSEE du COG 2026 attendu)") from None


def regions() -> tuple[Region, ...]:
    """The 18 regions, in INSEE order."""
    return tuple(_load().values())
