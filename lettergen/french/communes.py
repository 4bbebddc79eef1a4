"""Communes: the INSEE COG 2026 communes, with their name as French prose needs it.

``commune("76351")`` is Le Havre: ``.nom`` « Le Havre », ``.de`` « du Havre », ``.a`` « au Havre ».
The forms come from INSEE's TNCC (type de nom en clair, https://www.insee.fr/fr/information/2114773):
the article is part of a commune's name and keeps its capital (« de La Rochelle »,
« de L'Haÿ-les-Roses »), except where French contracts it with the preposition (« du Havre »,
« au Havre », « des Sables-d'Olonne », « aux Abymes »). Data: ``data/communes_2026.csv``
(INSEE COG 2026, Licence Ouverte; see ``data/SOURCES.md``), read once per process on first use.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

_COMMUNES = Path(__file__).parent / "data" / "communes_2026.csv"
COG_VERSION = "COG 2026"

# TNCC → ("de" form, "à" form); "{n}" is the name without article (NCCENR), "{L}" the name
# with it (LIBELLE). 2 (le), 4 (les) and 6 (aux) contract with the preposition; the others do not.
_FORMS = {
    "0": ("de {L}", "à {L}"),
    "1": ("d'{L}", "à {L}"),
    "2": ("du {n}", "au {n}"),
    "3": ("de {L}", "à {L}"),
    "4": ("des {n}", "aux {n}"),
    "5": ("de {L}", "à {L}"),
    "6": ("des {n}", "aux {n}"),
    "7": ("de {L}", "à {L}"),
    "8": ("de {L}", "à {L}"),
}


@dataclass(frozen=True)
class Commune:
    """One commune of the COG: ``code`` « 76351 », ``nom`` « Le Havre », ``departement`` « 76 »."""

    code: str
    nom: str  # with its article, as INSEE writes it (LIBELLE): "Le Havre", "Les Abymes", "Paris"
    departement: str  # "76", "2A", "971"
    tncc: str  # INSEE article type, "0" to "8"
    nom_sans_article: str  # NCCENR: "Havre", "Abymes", "Paris"

    def _forms(self) -> tuple[str, str]:
        tncc, bare = self.tncc, self.nom_sans_article
        # The COG 2026 gives TNCC 0 to one name that begins with an article, Le Vernet-Chaméane
        # (63448): French contracts it all the same (« maire du Vernet-Chaméane »).
        for article, contracted in (("Le ", "2"), ("Les ", "4")):
            if tncc == "0" and self.nom.startswith(article):
                tncc, bare = contracted, self.nom[len(article) :]
        de, a = _FORMS[tncc]
        return de.format(n=bare, L=self.nom), a.format(n=bare, L=self.nom)

    @property
    def de(self) -> str:
        """« du Havre », « des Sables-d'Olonne », « de La Rochelle », « d'Eu », « de Paris »."""
        return self._forms()[0]

    @property
    def a(self) -> str:
        """« au Havre », « aux Abymes », « à La Rochelle », « à Eu », « à Paris »."""
        return self._forms()[1]

    @property
    def le(self) -> str:
        """The name as the subject of a sentence: « Le Havre » (the article keeps its capital)."""
        return self.nom


@cache
def _load() -> Mapping[str, Commune]:
    # 34,875 rows, read once per process: a mayors' campaign looks a commune up for every letter.
    with _COMMUNES.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        table = {
            row["COM"]: Commune(row["COM"], row["LIBELLE"], row["DEP"], row["TNCC"], row["NCCENR"])
            for row in rows
        }
    return MappingProxyType(table)


def commune(code: str) -> Commune:
    """The commune with this INSEE code (``76351``, ``2A004``); KeyError with a French message otherwise."""
    try:
        return _load()[code.strip().upper()]
    except KeyError:
        raise KeyError(f"code commune inconnu : {code!r} (code INSEE du {COG_VERSION} attendu)") from None


def communes() -> tuple[Commune, ...]:
    """Every commune of the COG 2026, in INSEE order."""
    return tuple(_load().values())
