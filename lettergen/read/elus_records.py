"""The rows ``lettergen recipients import-elus`` writes, and the notices it prints."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass

# The columns of rne_presidents_2026-05-06.csv plus the optional columns of SPEC Part 2.
ELUS_COLUMNS = (
    "id",
    "civilite",
    "prenom",
    "nom",
    "fonction",
    "departement",
    "commune",
    "circonscription",
    "adresse",
    "code_postal",
    "ville",
    "email",
    "elu_le",
    "source",
)
CIVILITES = {"F": "Madame", "M": "Monsieur"}


@dataclass(frozen=True)
class Elu:
    """One recipient row of import-elus, with what the warnings and the filters need."""

    id: str
    civilite: str
    prenom: str
    nom: str
    fonction: str
    departement: str  # lettergen territory code: "76", "2A", "69M", "6AE"
    commune: str = ""  # INSEE code, for a mayor
    circonscription: str = ""  # "68-03", for a député
    adresse: tuple[str, ...] = ()
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    elu_le: _dt.date | None = None
    source: str = ""
    qui: str = ""  # for warnings: "Le Havre", "Morbihan", "circonscription 68-03"
    notes: tuple[str, ...] = ()  # what is missing or was repaired: one warning naming the row
    departements: frozenset[str] = frozenset()  # the départements this recipient answers for
    regions: frozenset[str] = frozenset()  # and the regions (INSEE codes)

    def as_row(self) -> dict[str, str]:
        """The CSV row: address lines joined with `` / ``, the date as ``AAAA-MM-JJ``."""
        row = {name: getattr(self, name) for name in ELUS_COLUMNS}
        row["adresse"] = " / ".join(self.adresse)
        row["elu_le"] = self.elu_le.isoformat() if self.elu_le else ""
        return row


@dataclass(frozen=True)
class Notice:
    """A warning not tied to a written row (a vacant seat, an excluded recipient), with its place."""

    message: str
    departements: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()


def civilite(sexe: str) -> str:
    """``F`` → ``Madame``, ``M`` → ``Monsieur``, anything else → ``""`` (neutral forms)."""
    return CIVILITES.get(sexe.strip().upper(), "")


def person_key(prenom: str, nom: str) -> str:
    """A name compared without accents, case, spaces or hyphens (« Stéphane » = « Stephane »)."""
    text = unicodedata.normalize("NFKD", f"{prenom}{nom}")
    return re.sub(r"[^a-z]", "", "".join(c for c in text if not unicodedata.combining(c)).casefold())


def full_name(prenom: str, nom: str) -> str:
    return f"{prenom} {nom}".strip()
