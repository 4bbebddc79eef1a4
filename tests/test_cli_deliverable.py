"""Deliverable or refused, and the warnings before sending: example identity, unverified title."""

from __future__ import annotations

import csv
import shutil
import zipfile

from click.testing import CliRunner

from lettergen.cli import cli
from lettergen.writers.docx import docx_text

DATE = ["--date", "2026-12-01"]
HEADER = "id;civilite;prenom;nom;fonction;departement;adresse;code_postal;ville\n"
ROWS = (
    "33;Madame;Claire;MARTIN;president_cd;33;1 esplanade Charles-de-Gaulle / CS 71223;33074;Bordeaux Cedex\n"
    "59;Monsieur;Paul;LEFEBVRE;president_cd;59;;59047;Lille Cedex\n"
    "40;Madame;Sophie;DUCASSE;president_cd;40;23 rue Victor-Hugo;;\n"
)
IDENTITY = (
    "attention : identité d'exemple encore en place : le papier à en-tête (templates/papier_en_tete.docx), "
    "l'expéditeur et les signataires (templates/campagne.toml) : remplacez-les par ceux de votre fédération "
    "avant l'envoi"
)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _incomplete(campaign_dir):
    path = campaign_dir / "envoi.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def _undeliverable(path, line, ident, missing):
    return (
        f"{path}:{line}: adresse postale incomplète (manque : {missing}) : lettre impossible à distribuer "
        f"(destinataire « {ident} »)"
    )


def test_check_refuses_a_recipient_without_postal_address(campaign_dir):
    """exit 1, the file and each row named, after the warnings."""
    path = _incomplete(campaign_dir)
    result = run("check", "-r", str(path), *DATE)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: {IDENTITY}",
        _undeliverable(path, 3, "59", "rue ou bâtiment"),
        _undeliverable(path, 4, "40", "code postal, ville"),
    ]


def test_generate_writes_nothing_then_skip_invalid_writes_the_others(campaign_dir):
    path = _incomplete(campaign_dir)
    refused = run("generate", "-r", str(path), *DATE, "--jobs", "1", "-o", "out")
    assert refused.exit_code == 1
    assert not (campaign_dir / "out").exists()
    assert _undeliverable(path, 3, "59", "rue ou bâtiment") in refused.stderr.splitlines()
    skipped = run("generate", "-r", str(path), *DATE, "--jobs", "1", "-o", "out", "--skip-invalid")
    assert skipped.exit_code == 1
    assert [p.name for p in (campaign_dir / "out").glob("*.docx")] == ["33-gironde-martin.docx"]
    assert skipped.stderr.splitlines()[-3:] == [
        _undeliverable(path, 3, "59", "rue ou bâtiment"),
        _undeliverable(path, 4, "40", "code postal, ville"),
        "2 lettres ignorées",
    ]


def test_preview_never_refuses(campaign_dir):
    path = _incomplete(campaign_dir)
    result = run("preview", "-r", str(path), *DATE, "--recipient", "40")
    assert result.exit_code == 0, result.output
    assert "Madame Sophie DUCASSE, Présidente" in result.stdout


def test_no_address_column_gives_letters_without_address_block_and_one_warning(campaign_dir):
    path = campaign_dir / "sans_adresse.csv"
    path.write_text("civilite;prenom;nom;departement\nMadame;Claire;MARTIN;33\nM.;Paul;LEFEBVRE;59\n")
    result = run("generate", "-r", str(path), *DATE, "--jobs", "1", "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{path}: attention : aucune colonne d'adresse (adresse, code_postal, ville) : "
        "lettres sans bloc adresse",
        f"{path}: {IDENTITY}",
    ]
    text = "\n".join(docx_text(campaign_dir / "out" / "33-gironde-martin.docx"))
    assert "Conseil départemental de la Gironde" not in text.split("Objet")[0]
    assert "Madame Claire MARTIN" not in text


def test_the_example_identity_is_named_until_replaced(campaign_dir):
    """One warning names what is still the example; none once it is replaced, none on the shipped example."""
    copy = campaign_dir / "vrais.csv"
    shutil.copy("recipients/exemple.csv", copy)
    assert f"{copy}: {IDENTITY}" in run("check", "-r", str(copy), *DATE).stderr.splitlines()
    assert IDENTITY not in run("check", *DATE).stderr
    toml = campaign_dir / "templates" / "campagne.toml"
    text = toml.read_text(encoding="utf-8").replace("Fédération exemple", "Fédération des Landes")
    toml.write_text(text.replace("federation-exemple", "federation-landes").replace("l'Exemple", "Neuve"))
    lines = run("check", "-r", str(copy), *DATE).stderr.splitlines()
    assert f"{copy}: attention : identité d'exemple encore en place : le papier à en-tête " in lines[0]
    assert "campagne.toml" not in lines[0]
    _own_letterhead(campaign_dir / "templates" / "papier_en_tete.docx")
    assert "identité d'exemple" not in run("check", "-r", str(copy), *DATE).stderr


def _own_letterhead(path):
    """The shipped letterhead with the federation's own name instead of « [logo] » and « exemple »."""
    with zipfile.ZipFile(path) as package:
        parts = {info: package.read(info) for info in package.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in parts.items():
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                text = data.decode("utf-8").replace("[logo]", "FDL").replace("exemple", "des Landes")
                data = text.replace("Exemple", "Neuve").encode("utf-8")
            package.writestr(info, data)


def test_the_unverified_mayotte_title_is_a_warning(campaign_dir):
    with open("recipients/exemple.csv", encoding="utf-8", newline="") as handle:
        line = next(n for n, row in enumerate(csv.reader(handle, delimiter=";"), 1) if row[0] == "976")
    result = run("check", *DATE)
    assert result.exit_code == 0
    warnings = [w for w in result.stderr.splitlines() if "titre non vérifié" in w]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"recipients/exemple.csv:{line}: attention : titre non vérifié "
        "« présidente de l'Assemblée de Mayotte » "
        "(destinataire « 976 ») : le titre exact du chef"
    )
    others = run("check", *DATE, "--only", "33")
    assert "titre non vérifié" not in others.stderr
