"""The `maires` variant on recipients/exemple_maires.csv: preview and DOCX, every article type and gender."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from lettergen.cli import cli
from lettergen.writers.docx import docx_text

DATE = ["--date", "2026-12-01"]
MAIRES = ["-t", "maires", "-r", "recipients/exemple_maires.csv"]
# id → (appel, « élu(e) maire … », the commune after « à »), one per TNCC type of the COG 2026
# (0, 1, 1, 2, 3, 4, 4, 5, 6, 8: no commune has type 7 in 2026), F, M and unknown civilities.
EXPECTED = {
    "76540": ("Madame la Maire", "élue maire de Rouen", "à Rouen"),
    "76255": ("Monsieur le Maire", "élu maire d’Eu", "à Eu"),
    "80829": ("Madame, Monsieur", "élu(e) maire d’Y", "à Y"),
    "76351": ("Madame la Maire", "élue maire du Havre", "au Havre"),
    "17300": ("Monsieur le Maire", "élu maire de La Rochelle", "à La Rochelle"),
    "85194": ("Madame le Maire", "élue maire des Sables-d’Olonne", "aux Sables-d’Olonne"),
    "97101": ("Madame la Maire", "élue maire des Abymes", "aux Abymes"),
    "94038": ("Monsieur le Maire", "élu maire de L’Haÿ-les-Roses", "à L’Haÿ-les-Roses"),
    "60703": ("Madame, Monsieur", "élu(e) maire des Marais", "aux Marais"),
    "66104": ("Madame la Maire", "élue maire de Los Masos", "à Los Masos"),
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_example_has_every_article_type(campaign_dir):
    from lettergen.french import commune

    with open("recipients/exemple_maires.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [row["id"] for row in rows] == list(EXPECTED)
    assert {commune(row["commune"]).tncc for row in rows} == {"0", "1", "2", "3", "4", "5", "6", "8"}
    assert {row["civilite"] for row in rows} == {"Madame", "Monsieur", ""}


@pytest.mark.parametrize("ident", list(EXPECTED))
def test_preview_greets_names_and_places_the_mayor(campaign_dir, ident):
    appel, elu, a = EXPECTED[ident]
    result = run("preview", *MAIRES, *DATE, "--recipient", ident)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"\n{appel},\n" in text
    assert f"Nous vous prions d’agréer, {appel}, l’expression de notre haute considération." in text
    assert f"Vous avez été récemment {elu}, et nous vous en félicitons." in text
    assert f"établissements et services {a} et vous rencontrer" in text
    assert "centre communal d’action sociale (CCAS)" in text
    assert result.stderr == ""  # a shipped example: no warning


def test_docx_of_every_mayor_reads_back(campaign_dir):
    """python-docx reads « du Havre », « aux Abymes », « de L’Haÿ-les-Roses », « d’Eu » in the letters."""
    result = run("generate", *MAIRES, *DATE, "--jobs", "1", "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("10 lettres générées dans out/")
    texts = {
        path.name.split("-")[0]: "\n".join(docx_text(path)) for path in (campaign_dir / "out").glob("*.docx")
    }
    assert set(texts) == set(EXPECTED)
    for ident, (appel, elu, a) in EXPECTED.items():
        assert f"{appel}," in texts[ident] and elu in texts[ident] and a in texts[ident]
    assert "L’action sociale du Havre" in texts["76351"]
    assert "à l’action sociale des Abymes" in texts["97101"] and "aux Abymes" in texts["97101"]
    assert "de L’Haÿ-les-Roses" in texts["94038"]
    assert "d’Eu" in texts["76255"]
    assert "97139 LES ABYMES" in texts["97101"]  # the town hall's address


def test_mayor_elected_in_2021_vs_two_months_before(campaign_dir):
    """The same mayor: congratulated when elected two months before the letter, not when elected in 2021."""
    header = "id;civilite;prenom;nom;fonction;departement;commune;adresse;code_postal;ville;elu_le\n"
    row = "{id};Madame;Anne;LEROUX;maire;76;76351;1517 place de l'Hôtel-de-Ville;76000;Le Havre;{date}\n"
    path = campaign_dir / "havre.csv"
    path.write_text(header + row.format(id="a", date="2021-06-28") + row.format(id="b", date="01/10/2026"))
    old = run("preview", "-t", "maires", "-r", str(path), *DATE, "--recipient", "a").stdout
    recent = run("preview", "-t", "maires", "-r", str(path), *DATE, "--recipient", "b").stdout
    assert "Maire du Havre depuis le 28 juin 2021, vous savez combien" in old
    assert "récemment" not in old and "félicit" not in old
    assert "Vous avez été récemment élue maire du Havre, et nous vous en félicitons." in recent
