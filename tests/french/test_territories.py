"""Territories: TNCC forms from the INSEE file, locatives, institutions, normalisation."""

import csv
from collections import Counter
from pathlib import Path

import pytest

import lettergen.french as fr
from lettergen.french import build_territoires

INSEE = Path(fr.__file__).parent / "data" / "departement_2022.csv"


def _insee_rows():
    with INSEE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# Independent statement of the INSEE TNCC rule (not the package's table).
EXPECTED_DE = {"0": "de {}", "1": "d'{}", "2": "du {}", "3": "de la {}", "4": "des {}", "5": "de l'{}"}
EXPECTED_LE = {"0": "{}", "1": "{}", "2": "le {}", "3": "la {}", "4": "les {}", "5": "l'{}"}
EXPECTED_ARTICLE = {"0": "", "1": "", "2": "le", "3": "la", "4": "les", "5": "l'"}


def test_tncc_counts_in_insee_copy():
    """The packaged INSEE file has 101 départements split 0:7, 1:3, 2:26, 3:35, 4:14, 5:16."""
    counts = Counter(r["TNCC"] for r in _insee_rows())
    assert dict(counts) == {"0": 7, "1": 3, "2": 26, "3": 35, "4": 14, "5": 16}


@pytest.mark.parametrize("row", _insee_rows(), ids=lambda r: r["DEP"])
def test_article_and_de_form_match_tncc(row):
    """Each département's article, "le" and "de" forms follow its INSEE TNCC code."""
    t = fr.territory(row["DEP"])
    assert t.nom == row["LIBELLE"]
    assert t.article == EXPECTED_ARTICLE[row["TNCC"]]
    assert t.le == EXPECTED_LE[row["TNCC"]].format(row["LIBELLE"])
    assert t.de == EXPECTED_DE[row["TNCC"]].format(row["LIBELLE"])


def test_generated_csv_is_up_to_date():
    """data/territoires.csv is exactly what build_territoires generates from the INSEE files."""
    expected = build_territoires.render_csv(build_territoires.build_rows())
    assert build_territoires.TERRITOIRES.read_text(encoding="utf-8") == expected


def test_territories_order_and_extras():
    """territories() lists the 101 départements in INSEE order, then 69M and 6AE."""
    codes = [t.code for t in fr.territories()]
    assert codes[:101] == [r["DEP"] for r in _insee_rows()]
    assert codes[101:] == ["69M", "6AE"]


@pytest.mark.parametrize(
    "code, le, de, dans",
    [
        ("33", "la Gironde", "de la Gironde", "en Gironde"),
        ("59", "le Nord", "du Nord", "dans le Nord"),
        ("01", "l'Ain", "de l'Ain", "dans l'Ain"),
        ("40", "les Landes", "des Landes", "dans les Landes"),
        ("28", "Eure-et-Loir", "d'Eure-et-Loir", "en Eure-et-Loir"),
        ("49", "Maine-et-Loire", "de Maine-et-Loire", "en Maine-et-Loire"),
        ("41", "le Loir-et-Cher", "du Loir-et-Cher", "en Loir-et-Cher"),
        ("75", "Paris", "de Paris", "à Paris"),
        ("974", "La Réunion", "de La Réunion", "à La Réunion"),
        ("976", "Mayotte", "de Mayotte", "à Mayotte"),
        ("90", "le Territoire de Belfort", "du Territoire de Belfort", "dans le Territoire de Belfort"),
        ("12", "l'Aveyron", "de l'Aveyron", "dans l'Aveyron"),
        ("23", "la Creuse", "de la Creuse", "en Creuse"),
        ("69M", "la Métropole de Lyon", "de la Métropole de Lyon", "dans la Métropole de Lyon"),
        ("6AE", "l'Alsace", "de l'Alsace", "en Alsace"),
    ],
)
def test_forms(code, le, de, dans):
    """Article, "de" and locative forms of sample territories."""
    t = fr.territory(code)
    assert (t.le, t.de, t.dans) == (le, de, dans)


def test_every_x_et_y_name_takes_en():
    """Every "X-et-Y" département takes "en" without article (Académie française rule)."""
    names = [t for t in fr.territories() if "-et-" in t.nom]
    assert len(names) == 10
    assert all(t.dans == f"en {t.nom}" for t in names)


def test_usage_choices_are_flagged():
    """Aveyron and Creuse carry a "choix d'usage" note; every row names its locative rule."""
    flagged = {t.code for t in fr.territories() if t.source_locatif.startswith("choix d'usage")}
    assert flagged == {"12", "23"}
    assert all(t.source_locatif for t in fr.territories())


@pytest.mark.parametrize(
    "code, nom, le, de, titre_m, titre_f",
    [
        (
            "33",
            "Conseil départemental de la Gironde",
            "le conseil départemental de la Gironde",
            "du conseil départemental de la Gironde",
            "président du conseil départemental de la Gironde",
            "présidente du conseil départemental de la Gironde",
        ),
        (
            "69",
            "Conseil départemental du Rhône",
            "le conseil départemental du Rhône",
            "du conseil départemental du Rhône",
            "président du conseil départemental du Rhône",
            "présidente du conseil départemental du Rhône",
        ),
        (
            "75",
            "Ville de Paris",
            "la Ville de Paris",
            "de la Ville de Paris",
            "maire de Paris",
            "maire de Paris",
        ),
        (
            "2A",
            "Collectivité de Corse",
            "la Collectivité de Corse",
            "de la Collectivité de Corse",
            "président du conseil exécutif de Corse",
            "présidente du conseil exécutif de Corse",
        ),
        (
            "2B",
            "Collectivité de Corse",
            "la Collectivité de Corse",
            "de la Collectivité de Corse",
            "président du conseil exécutif de Corse",
            "présidente du conseil exécutif de Corse",
        ),
        (
            "67",
            "Collectivité européenne d'Alsace",
            "la Collectivité européenne d'Alsace",
            "de la Collectivité européenne d'Alsace",
            "président de la Collectivité européenne d'Alsace",
            "présidente de la Collectivité européenne d'Alsace",
        ),
        (
            "68",
            "Collectivité européenne d'Alsace",
            "la Collectivité européenne d'Alsace",
            "de la Collectivité européenne d'Alsace",
            "président de la Collectivité européenne d'Alsace",
            "présidente de la Collectivité européenne d'Alsace",
        ),
        (
            "6AE",
            "Collectivité européenne d'Alsace",
            "la Collectivité européenne d'Alsace",
            "de la Collectivité européenne d'Alsace",
            "président de la Collectivité européenne d'Alsace",
            "présidente de la Collectivité européenne d'Alsace",
        ),
        (
            "69M",
            "Métropole de Lyon",
            "la Métropole de Lyon",
            "de la Métropole de Lyon",
            "président de la Métropole de Lyon",
            "présidente de la Métropole de Lyon",
        ),
        (
            "972",
            "Collectivité territoriale de Martinique",
            "la Collectivité territoriale de Martinique",
            "de la Collectivité territoriale de Martinique",
            "président du conseil exécutif de Martinique",
            "présidente du conseil exécutif de Martinique",
        ),
        (
            "973",
            "Collectivité territoriale de Guyane",
            "la Collectivité territoriale de Guyane",
            "de la Collectivité territoriale de Guyane",
            "président de l'Assemblée de Guyane",
            "présidente de l'Assemblée de Guyane",
        ),
        (
            "976",
            "Département-Région de Mayotte",
            "le Département-Région de Mayotte",
            "du Département-Région de Mayotte",
            "président de l'Assemblée de Mayotte",
            "présidente de l'Assemblée de Mayotte",
        ),
    ],
)
def test_institutions(code, nom, le, de, titre_m, titre_f):
    """Each special institution has the right name, article forms and head's title."""
    inst = fr.territory(code).institution
    assert (inst.nom, inst.le, inst.de, inst.titre_m, inst.titre_f) == (nom, le, de, titre_m, titre_f)


def test_mayotte_title_flagged_unverified():
    """The Mayotte head's title is marked as not verified in the data."""
    assert "NON VÉRIFIÉ" in fr.territory("976").institution.note


def test_ordinary_institution_count():
    """93 départements have an ordinary conseil départemental: 101 minus 75, 2A, 2B, 67, 68, 972, 973, 976."""
    ordinary = [t for t in fr.territories() if t.institution.nom.startswith("Conseil départemental")]
    assert len(ordinary) == 101 - 8


@pytest.mark.parametrize(
    "raw, code",
    [
        ("1", "01"),
        ("01", "01"),
        ("2a", "2A"),
        ("2B", "2B"),
        (" 33 ", "33"),
        ("971", "971"),
        ("69m", "69M"),
        ("6ae", "6AE"),
        ("zz", "ZZ"),
    ],
)
def test_normalize_departement(raw, code):
    """normalize_departement pads, upper-cases and strips, without validating."""
    assert fr.normalize_departement(raw) == code


def test_unknown_territory_raises_keyerror():
    """An unknown code raises KeyError."""
    with pytest.raises(KeyError):
        fr.territory("99")


def test_territories_table():
    """The CLI table has the French headers and one line per requested territory."""
    table = fr.format_territories_table(["33", "2a"])
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["code", "nom", "article"]
    assert "forme « de »" in lines[0] and "titre du chef" in lines[0]
    assert lines[2].startswith("33  ") and "en Gironde" in lines[2]
    assert lines[3].startswith("2A  ") and "Collectivité de Corse" in lines[3]
    assert len(lines) == 4
    full = fr.format_territories_table(None)
    assert "NON VÉRIFIÉ" in full and "Aveyron" in full
    table_part = full.split("\n\n")[0].splitlines()
    assert len(table_part) == 2 + 103
