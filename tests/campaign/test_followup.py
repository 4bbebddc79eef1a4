"""`lettergen followup` and `send --followup-after`: who is followed up, and the first letter cited."""

from __future__ import annotations

import csv
import sqlite3

from click.testing import CliRunner

from lettergen.cli import cli
from lettergen.writers.docx import docx_text
from tests.campaign.conftest import FAST

SEPTEMBER = ["--date", "2021-09-01"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def _text(path) -> str:
    return "\n".join(docx_text(path))


def test_followup_writes_letters_for_the_unanswered_citing_their_own_first_letter(history, campaign_dir):
    result = run("followup", "--after", "30", "-r", "d.csv", *SEPTEMBER)
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 relances écrites dans out/relance/\n"
    out = campaign_dir / "out/relance"
    with open(out / "manifest.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == [
        "d000",
        "d002",
    ]  # d001 answered, d003 too recent, d004 never written
    gironde = _text(out / rows[0]["docx"])
    assert "Par un courrier du 1er juillet 2021, nous vous avions félicitée" in gironde
    assert "Relance – conséquences du Ségur" in gironde


def test_followup_cites_an_email_first_letter(history, campaign_dir):
    result = run("followup", "--after", "10", "-r", "d.csv", *SEPTEMBER, "--only", "d003", "-o", "relances")
    assert result.exit_code == 0, result.output
    (docx,) = (campaign_dir / "relances").glob("*.docx")
    assert "Par un courriel du 20 août 2021, nous vous avions félicitée" in _text(docx)


def test_nothing_due(history):
    result = run("followup", "--after", "90", "-r", "d.csv", *SEPTEMBER)
    assert result.exit_code == 0
    assert result.stdout == "aucune relance à écrire (lettre d'au moins 90 jours, sans réponse)\n"


def test_followup_needs_a_register(campaign_dir):
    result = run("followup", "--after", "30", *SEPTEMBER)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("registre.sqlite: registre introuvable")


def test_without_register_relance_falls_back_to_the_campaign_date(campaign_dir):
    result = run("preview", "-t", "relance", "--recipient", "33", *SEPTEMBER)
    assert result.exit_code == 0, result.output
    assert "Par un courrier du 1er juillet 2021, nous vous avions félicitée" in " ".join(
        result.output.split()
    )


def test_send_followup_after_emails_the_relance_once(history, campaign_dir, smtp_server):
    args = ["send", "--via", "email", "-r", "d.csv", *SEPTEMBER, "--followup-after", "30", "--confirm", *FAST]
    result = run(*args, "--smtp", smtp_server.url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 messages envoyés")
    relances = [r for r in smtp_server.collector.messages if r.message["Subject"].startswith("Relance")]
    assert sorted(a for r in relances for a in r.rcpt_tos) == ["dest000@example.org", "dest002@example.org"]
    again = run(*args, "--smtp", smtp_server.url)
    assert "0 message envoyé" in again.output and "2 destinataires ont déjà reçu cette lettre" in again.output
    with sqlite3.connect(campaign_dir / "registre.sqlite") as db:
        rows = db.execute(
            "SELECT destinataire, modele, canal FROM lettres WHERE modele = 'relance'"
        ).fetchall()
    assert rows == [("d000", "relance", "email"), ("d002", "relance", "email")]
