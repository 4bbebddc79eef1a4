"""`lettergen status`: one row per recipient, totals, response rate by région; csv and xlsx."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from openpyxl import load_workbook

from lettergen.cli import cli

NBSP = "\u00a0"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_status_text(history):
    result = run("status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "nom", "canal", "envoyé", "le", "état", "réponse", "le", "résultat"]
    assert lines[1].split() == ["d000", "Claire", "MARTIN", "courrier", "2021-07-01", "envoyé"]
    assert lines[2].split() == [
        "d001",
        "Paul",
        "LEFEBVRE",
        "courrier",
        "2021-07-01",
        "répondu",
        "2021-07-20",
        "favorable",
    ]
    assert lines[4].split()[:4] == ["d003", "Sophie", "DUCASSE", "email"]
    assert "Total : 4 destinataires" in lines
    assert "  répondu : 1" in lines and "  envoyé : 3" in lines and "  échec : 0" in lines
    assert f"Taux de réponse : 25{NBSP}% (1 sur 4)" in lines
    assert f"  Hauts-de-France : 100{NBSP}% (1 sur 1)" in lines
    assert f"  Nouvelle-Aquitaine : 0{NBSP}% (0 sur 2)" in lines


def test_status_csv_rows_only(history):
    result = run("status", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output), delimiter=";"))
    assert [row["etat"] for row in rows] == ["envoyé", "répondu", "envoyé", "envoyé"]
    assert rows[1] == {
        "id": "d001",
        "nom": "Paul LEFEBVRE",
        "departement": "59",
        "region": "Hauts-de-France",
        "canal": "courrier",
        "modele": "segur",
        "date_envoi": "2021-07-01",
        "etat": "répondu",
        "date_reponse": "2021-07-20",
        "resultat": "favorable",
    }
    assert "Total" not in result.output


def test_status_xlsx(history, campaign_dir):
    assert run("status", "--format", "xlsx").exit_code == 2
    result = run("status", "--format", "xlsx", "-o", "tableau.xlsx")
    assert result.exit_code == 0, result.output
    workbook = load_workbook(campaign_dir / "tableau.xlsx")
    rows = list(workbook["Destinataires"].iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "nom", "departement") and len(rows) == 5
    regions = {row[0]: row[1:] for row in workbook["Régions"].iter_rows(min_row=2, values_only=True)}
    assert regions["Nouvelle-Aquitaine"] == (2, 0, 0)
    assert regions["Hauts-de-France"] == (1, 1, 1)


def test_failed_and_uncertain_states(history, campaign_dir):
    import sqlite3

    with sqlite3.connect(campaign_dir / "registre.sqlite") as db:
        db.execute("UPDATE lettres SET etat = 'en cours', envoye_le = NULL WHERE destinataire = 'd003'")
        db.execute("UPDATE lettres SET etat = 'échec' WHERE destinataire = 'd002'")
    rows = list(csv.DictReader(io.StringIO(run("status", "--format", "csv").output), delimiter=";"))
    assert {row["id"]: row["etat"] for row in rows} == {
        "d000": "envoyé",
        "d001": "répondu",
        "d002": "échec",
        "d003": "incertain",
    }


def test_status_without_register(campaign_dir):
    result = run("status")
    assert result.exit_code == 1
    assert result.output.startswith("registre.sqlite: registre introuvable")
