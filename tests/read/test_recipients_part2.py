"""SPEC Part 2 columns (commune, elu_le, circonscription), postal completeness, import-elus round trip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.read import read_recipients
from lettergen.read.elus import import_elus_command

HEADER = "civilite;prenom;nom;fonction;departement;commune;elu_le;circonscription;adresse;code_postal;ville\n"
MAYOR = "Madame;Anne;LEROUX;maire;76;{commune};{elu_le};;1517 place de l'Hôtel-de-Ville;76000;Le Havre\n"


def _write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mayor(tmp_path, commune="76351", elu_le="2026-03-28"):
    return read_recipients(_write(tmp_path, HEADER + MAYOR.format(commune=commune, elu_le=elu_le)))


def test_commune_date_and_circonscription_are_read(tmp_path):
    """A mayor's commune is the COG commune, elu_le a date, and the id defaults to the commune's code."""
    path = _write(
        tmp_path,
        HEADER
        + MAYOR.format(commune="76351", elu_le="28/03/2026")
        + "M.;Paul;DURAND;depute;68;;2024-07-08;68-03;Assemblée nationale / 126 rue de l'Université;"
        "75007;Paris\n",
    )
    result = read_recipients(path)
    assert result.problems == [] and result.undeliverable == {}
    mayor, depute = result.recipients
    assert (mayor.id, mayor.commune.nom, mayor.commune.de, mayor.elu_le) == (
        "76351",
        "Le Havre",
        "du Havre",
        dt.date(2026, 3, 28),
    )
    assert (depute.id, depute.commune, depute.circonscription, depute.elu_le) == (
        "68",
        None,
        "68-03",
        dt.date(2024, 7, 8),
    )


def test_a_code_that_lost_its_leading_zero_is_read(tmp_path):
    """« 1053 » as a spreadsheet writes 01053 is Bourg-en-Bresse."""
    text = HEADER + "M.;Jean;D;maire;01;1053;;;1 rue X;01000;Bourg-en-Bresse\n"
    (recipient,) = read_recipients(_write(tmp_path, text)).recipients
    assert recipient.commune.nom == "Bourg-en-Bresse"


@pytest.mark.parametrize(
    "commune, elu_le, message",
    [
        (
            "99999",
            "",
            "colonne « commune » : code commune « 99999 » inconnu "
            "(code INSEE du COG 2026, par exemple 76351)",
        ),
        ("", "", "colonne « commune » : valeur vide (code INSEE de la commune obligatoire pour un maire)"),
        (
            "33063",
            "",
            "colonne « commune » : la commune 33063 (Bordeaux) n'est pas dans le département « 76 »",
        ),
        ("76351", "2026-02-30", "colonne « elu_le » : « 2026-02-30 » : date impossible"),
        ("76351", "31/04/2026", "colonne « elu_le » : « 31/04/2026 » : date impossible"),
        (
            "76351",
            "mars 2026",
            "colonne « elu_le » : « mars 2026 » n'est pas une date "
            "(AAAA-MM-JJ ou JJ/MM/AAAA, par exemple 2026-03-22)",
        ),
    ],
)
def test_bad_values_name_file_line_column_and_value(tmp_path, commune, elu_le, message):
    result = _mayor(tmp_path, commune, elu_le)
    assert result.recipients == []
    assert [str(p) for p in result.problems] == [f"{tmp_path / 'd.csv'}:2: {message}"]


def test_bad_circonscription(tmp_path):
    text = HEADER + "M.;Paul;DURAND;depute;68;;;troisième;Assemblée nationale;75007;Paris\n"
    result = read_recipients(_write(tmp_path, text))
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'd.csv'}:2: colonne « circonscription » : « troisième » n'est pas une circonscription "
        "(département-numéro, par exemple 68-03)"
    ]


def test_a_mayor_needs_the_commune_column(tmp_path):
    text = "civilite;prenom;nom;fonction;departement;adresse;code_postal;ville\n"
    text += "M.;J;D;maire;76;1 rue X;76000;Rouen\n"
    result = read_recipients(_write(tmp_path, text))
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / 'd.csv'}:2: colonne « commune » manquante "
        "(code INSEE de la commune obligatoire pour un maire)"
    ]


def test_communes_of_lyon_and_alsace_match_their_territories(tmp_path):
    """Villeurbanne (69266) belongs to the Métropole de Lyon (69M), Colmar (68066) to the CeA (6AE)."""
    text = (
        HEADER
        + "M.;J;D;maire;69M;69266;;;1 rue X;69100;Villeurbanne\n"
        + "M.;K;E;maire;6AE;68066;;;1 rue Y;68000;Colmar\n"
    )
    result = read_recipients(_write(tmp_path, text))
    assert result.problems == []
    assert [r.id for r in result.recipients] == ["69266", "68066"]


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.booleans())
def test_both_date_spellings_read_the_same_day(tmp_path_factory, day, french):
    """AAAA-MM-JJ and JJ/MM/AAAA give the same date, whatever the day."""
    text = day.strftime("%d/%m/%Y") if french else day.isoformat()
    (recipient,) = _mayor(tmp_path_factory.mktemp("d"), elu_le=text).recipients
    assert recipient.elu_le == day


@pytest.mark.parametrize(
    "adresse, code_postal, ville, missing",
    [
        ("", "76000", "Le Havre", "rue ou bâtiment"),
        ("1 rue X", "", "Le Havre", "code postal"),
        ("1 rue X", "76000", "", "ville"),
        ("", "", "", "rue ou bâtiment, code postal, ville"),
    ],
)
def test_incomplete_address_is_kept_as_undeliverable(tmp_path, adresse, code_postal, ville, missing):
    """The recipient is read (preview shows it) and its problem waits for check and generate."""
    text = HEADER + f"Madame;Anne;LEROUX;maire;76;76351;;;{adresse};{code_postal};{ville}\n"
    result = read_recipients(_write(tmp_path, text))
    assert result.problems == [] and [r.id for r in result.recipients] == ["76351"]
    assert str(result.undeliverable["76351"]) == (
        f"{tmp_path / 'd.csv'}:2: adresse postale incomplète (manque : {missing}) : "
        "lettre impossible à distribuer (destinataire « 76351 »)"
    )


def test_mairie_without_street_is_complete(tmp_path):
    """« Mairie », postcode, commune (what import-elus writes when the street is unknown) is deliverable."""
    text = HEADER + "M.;J;D;maire;80;80829;;;Mairie;80190;Y\n"
    assert read_recipients(_write(tmp_path, text)).undeliverable == {}


def test_no_address_column_is_one_warning(tmp_path):
    text = "civilite;prenom;nom;departement\nMadame;Anne;MARTIN;33\nM.;Jean;DUPONT;59\n"
    result = read_recipients(_write(tmp_path, text))
    assert result.undeliverable == {} and len(result.recipients) == 2
    assert [str(w) for w in result.warnings] == [
        f"{tmp_path / 'd.csv'}: aucune colonne d'adresse (adresse, code_postal, ville) : "
        "lettres sans bloc adresse"
    ]


@pytest.mark.parametrize(
    "fonction, departements", [("maire", ["76"]), ("president_cd", []), ("depute", ["68"])]
)
def test_import_elus_output_reads_back_without_problems(tmp_path, fonction, departements):
    """Every column import-elus writes is one the reader reads: no problem, no figure column."""
    out = tmp_path / "elus.csv"
    count, _ = import_elus_command(fonction, str(out), departements)
    result = read_recipients(out)
    assert result.problems == []
    assert result.figure_names == ()
    assert len(result.recipients) == count
    if fonction == "maire":
        assert all(r.commune is not None and r.commune.code == r.id for r in result.recipients)
        assert all(r.elu_le is not None for r in result.recipients)
        assert result.undeliverable == {}  # every town hall has « Mairie », a postcode and a town at least
    if fonction == "depute":
        assert all(r.circonscription.startswith("68-") for r in result.recipients)


def test_xlsx_date_cell_and_numeric_commune(tmp_path):
    """A workbook as Excel saves it: elu_le a date cell, the commune code a number (leading zero lost)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["civilite", "prenom", "nom", "fonction", "departement", "commune", "elu_le"])
    sheet.append(["Mme", "Anne", "LEROUX", "maire", 76, 76351, dt.datetime(2026, 3, 28)])
    sheet.append(["M.", "Jean", "D", "maire", 1, 1053, "20/03/2026"])
    path = tmp_path / "maires.xlsx"
    workbook.save(path)
    result = read_recipients(path)
    assert result.problems == []
    assert [(r.id, r.commune.nom, r.elu_le) for r in result.recipients] == [
        ("76351", "Le Havre", dt.date(2026, 3, 28)),
        ("01053", "Bourg-en-Bresse", dt.date(2026, 3, 20)),
    ]
