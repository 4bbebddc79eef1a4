"""`lettergen send`: dry run, drafts, real SMTP with LibreOffice PDFs, the register, refusals, resume."""

from __future__ import annotations

import io
import re
import sqlite3
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from lettergen.cli import cli
from tests.campaign.conftest import (
    FAST,
    IMPLICIT_TLS,
    PASSWORD,
    REFUSED,
    USER,
    free_port,
    header_text,
    write_recipients,
)

DATE = ["--date", "2021-07-01"]
SUBJECT = "Conséquences du Ségur de la santé sur l’attractivité des métiers du soin et de l’accompagnement"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def without_identity(output: str) -> list[str]:
    """The output's lines but the one warning about the example identity (tests/test_cli_deliverable.py)."""
    lines = output.splitlines()
    identity = [line for line in lines if "attention : identité d'exemple encore en place" in line]
    assert len(identity) == 1
    return [line for line in lines if line not in identity]


def states(path: Path = Path("registre.sqlite")) -> dict[str, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT destinataire, etat FROM lettres WHERE canal = 'email'").fetchall())


def test_dry_run_lists_messages_and_sends_nothing(campaign_dir, smtp_server):
    write_recipients(campaign_dir / "d.csv", 3)
    result = run("send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url)
    assert result.exit_code == 0, result.output
    lines = without_identity(result.output)
    assert lines[1] == (
        f"d000 — Claire MARTIN <dest000@example.org> — Objet : {SUBJECT} — "
        "pièce jointe : d000-gironde-martin.pdf"
    )
    assert lines[-1].startswith("Essai : 3 messages à envoyer depuis campagne@federation-exemple.org")
    assert lines[0] == (
        "templates/campagne.toml: attention : expéditeur d'exemple (campagne@federation-exemple.org) : "
        "mettez le vôtre dans [envoi] expediteur"
    )
    assert smtp_server.collector.messages == []
    assert not (campaign_dir / "registre.sqlite").exists()


@pytest.mark.libreoffice
def test_send_confirm_real_pdfs_then_nothing_twice(campaign_dir, smtp_server, soffice):
    """Three letters through aiosmtpd: headers, cover text, the right PDF; a second run sends nothing."""
    write_recipients(campaign_dir / "d.csv", 3)
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url, "--confirm", *FAST]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("3 messages envoyés en ")
    received = smtp_server.collector.messages
    assert [r.rcpt_tos for r in received] == [
        ["dest000@example.org"],
        ["dest001@example.org"],
        ["dest002@example.org"],
    ]
    message = smtp_server.collector.to("dest001@example.org")[0]
    assert message.get_content_type() == "multipart/mixed"
    raw = smtp_server.collector.raw_to("dest001@example.org")[0]
    assert header_text(raw, "From") == (
        "Fédération exemple des acteurs sociaux et médico-sociaux <campagne@federation-exemple.org>"
    )
    assert str(message["To"]) == "Paul LEFEBVRE <dest001@example.org>"
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"].endswith("@federation-exemple.org>") and message["Date"]
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("Monsieur le Président,\n\nVous trouverez ci-joint")
    assert "Jeanne MARTIN, Présidente" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "d001-nord-lefebvre.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert "Monsieur le Président," in text and "du Nord" in text and "Madame la Présidente," not in text
    with sqlite3.connect("registre.sqlite") as db:
        rows = db.execute(
            "SELECT destinataire, modele, canal, date_lettre, etat, message_id FROM lettres"
        ).fetchall()
    assert [r[:5] for r in rows] == [(f"d00{i}", "segur", "email", "2021-07-01", "envoyé") for i in range(3)]
    assert rows[1][5] == message["Message-ID"].strip()

    again = run(*args)
    assert again.exit_code == 0, again.output
    assert "0 message envoyé" in again.output and "3 destinataires ont déjà reçu cette lettre" in again.output
    assert len(received) == 3


@pytest.mark.libreoffice
def test_drafts_are_rfc5322_files(campaign_dir, soffice):
    write_recipients(campaign_dir / "d.csv", 2)
    result = run("send", "--via", "email", "-r", "d.csv", *DATE, "--drafts", "brouillons")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (campaign_dir / "brouillons").iterdir()) == [
        "d000-gironde-martin.eml",
        "d001-nord-lefebvre.eml",
    ]
    raw = (campaign_dir / "brouillons/d000-gironde-martin.eml").read_bytes()
    assert b"\r\n" in raw and max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == SUBJECT and str(message["To"]) == "Claire MARTIN <dest000@example.org>"
    (attachment,) = list(message.iter_attachments())
    assert "Madame la Présidente," in PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert not (campaign_dir / "registre.sqlite").exists()


def test_missing_email_is_a_problem_and_nothing_is_sent(campaign_dir, smtp_server, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 4, without_email=(2,))
    result = run(
        "send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url, "--confirm", *FAST
    )
    assert result.exit_code == 1
    assert without_identity(result.stderr)[1:] == [
        "d.csv:4: adresse électronique manquante (colonne « email ») pour « d002 »"
    ]
    assert smtp_server.collector.messages == []
    assert states() == {}


def test_skip_invalid_sends_the_others(campaign_dir, smtp_server, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 4, without_email=(2,))
    args = [
        "send",
        "--via",
        "email",
        "-r",
        "d.csv",
        *DATE,
        "--smtp",
        smtp_server.url,
        "--confirm",
        *FAST,
        "--skip-invalid",
    ]
    result = run(*args)
    assert result.exit_code == 1
    assert "3 messages envoyés" in result.output and "1 destinataire ignoré" in result.output
    assert sorted(states()) == ["d000", "d001", "d003"]


def test_refusal_is_failure_for_that_one_and_run_goes_on(campaign_dir, smtp_server, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 4, refused=1)
    result = run(
        "send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url, "--confirm", *FAST
    )
    assert result.exit_code == 1
    assert "3 messages envoyés" in result.output
    assert "échec : « d001 » refusé par le serveur : 550 5.1.1 Adresse inconnue" in result.output
    assert states() == {"d000": "envoyé", "d001": "échec", "d002": "envoyé", "d003": "envoyé"}
    assert REFUSED not in [a for r in smtp_server.collector.messages for a in r.rcpt_tos]


def test_limit_then_resume(campaign_dir, smtp_server, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 5)
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url, "--confirm", *FAST]
    first = run(*args, "--limit", "2")
    assert first.exit_code == 0, first.output
    assert "2 messages envoyés" in first.output and "3 messages restent à envoyer (--limit)" in first.output
    second = run(*args)
    assert "3 messages envoyés" in second.output
    addresses = [a for r in smtp_server.collector.messages for a in r.rcpt_tos]
    assert sorted(addresses) == [f"dest00{i}@example.org" for i in range(5)]


def test_uncertain_is_not_resent_without_retry_uncertain(campaign_dir, smtp_server, fake_pdfs):
    """A row left « en cours » (a run died mid-transaction) is reported and kept back."""
    write_recipients(campaign_dir / "d.csv", 2)
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url, "--confirm", *FAST]
    assert run(*args, "--limit", "1").exit_code == 0
    with sqlite3.connect("registre.sqlite") as db:
        db.execute("UPDATE lettres SET etat = 'en cours' WHERE destinataire = 'd000'")
    result = run(*args)
    assert "1 message incertain" in result.output and "d000" in result.output
    assert len(smtp_server.collector.to("dest000@example.org")) == 1
    assert run(*args, "--retry-uncertain").exit_code == 0
    assert len(smtp_server.collector.to("dest000@example.org")) == 2
    assert states() == {"d000": "envoyé", "d001": "envoyé"}


def test_starttls_and_login_password_from_environment(campaign_dir, starttls_server, authority, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 1)
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", starttls_server.url, "--confirm", *FAST]
    args += ["--smtp-ca", str(authority.ca_file)]
    missing = run(*args)
    assert missing.exit_code == 1
    assert (
        "mot de passe SMTP absent : définissez la variable d'environnement LETTERGEN_SMTP_PASSWORD"
        in missing.output
    )
    result = run(*args, env={"LETTERGEN_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert len(starttls_server.collector.to("dest000@example.org")) == 1
    wrong = run(*args, "--retry-uncertain", env={"LETTERGEN_SMTP_PASSWORD": "faux"})
    assert "0 message envoyé" in wrong.output  # already sent: no connection needed


@IMPLICIT_TLS
def test_smtps_implicit_tls_trusting_the_authority_given_by_smtp_ca(
    campaign_dir, smtps_server, authority, fake_pdfs
):
    write_recipients(campaign_dir / "d.csv", 2)
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtps_server.url, "--confirm", *FAST]
    env = {"LETTERGEN_SMTP_PASSWORD": PASSWORD}
    result = run(*args, "--smtp-ca", str(authority.ca_file), env=env)
    assert result.exit_code == 0, result.output
    assert re.match(
        rf"2 messages envoyés en \d+ s par smtps://{USER}@127\.0\.0\.1:{smtps_server.port}$",
        result.stdout.splitlines()[0],
    )
    (message,) = smtps_server.collector.to("dest001@example.org")
    assert header_text(smtps_server.collector.raw_to("dest001@example.org")[0], "Subject") == SUBJECT
    assert [part.get_filename() for part in message.iter_attachments()] == ["d001-nord-lefebvre.pdf"]
    assert states() == {"d000": "envoyé", "d001": "envoyé"}


@IMPLICIT_TLS
def test_smtps_without_the_authority_is_refused_never_sent_unverified(campaign_dir, smtps_server, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 1)
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtps_server.url, "--confirm", *FAST]
    result = run(*args, env={"LETTERGEN_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 1
    (line,) = [text for text in result.output.splitlines() if "connexion chiffrée" in text]
    assert line.startswith(f"connexion chiffrée au serveur SMTP smtps://{USER}@127.0.0.1:{smtps_server.port}")
    assert "CERTIFICATE_VERIFY_FAILED" in line and "Traceback" not in result.output
    assert smtps_server.collector.messages == [] and states() == {}


@IMPLICIT_TLS
def test_an_unreadable_authority_file_is_one_line_and_nothing_is_sent(campaign_dir, smtps_server, fake_pdfs):
    write_recipients(campaign_dir / "d.csv", 1)
    (campaign_dir / "autorite.pem").write_text("pas un certificat\n", encoding="utf-8")
    args = ["send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtps_server.url, "--confirm", *FAST]
    result = run(*args, "--smtp-ca", "autorite.pem", env={"LETTERGEN_SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith("autorite.pem: certificats d'autorité illisibles (")
    assert "attendu un fichier PEM" in result.output
    assert smtps_server.collector.messages == [] and not (campaign_dir / "registre.sqlite").exists()


def test_without_rate_the_default_is_twenty_a_minute(campaign_dir, smtp_server, fake_pdfs, monkeypatch):
    from lettergen import cli_campaign

    seen = []
    real = cli_campaign.send_all
    monkeypatch.setattr(cli_campaign, "send_all", lambda *a, **k: seen.append(a[3]) or real(*a, **k))
    write_recipients(campaign_dir / "d.csv", 1)
    result = run("send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", smtp_server.url, "--confirm")
    assert result.exit_code == 0, result.output
    assert seen == [20]
    assert "(20 par défaut : sous la limite de Microsoft 365" in " ".join(
        run("send", "--help").output.split()
    )


def test_unreachable_server_stops_cleanly(campaign_dir, fake_pdfs, monkeypatch):
    from lettergen.campaign import smtp

    monkeypatch.setattr(smtp, "BACKOFF", (0.0, 0.01))
    write_recipients(campaign_dir / "d.csv", 2)
    url = f"smtp://127.0.0.1:{free_port()}"
    result = run("send", "--via", "email", "-r", "d.csv", *DATE, "--smtp", url, "--confirm", *FAST)
    assert result.exit_code == 1
    assert "connexion au serveur SMTP smtp://127.0.0.1:" in result.output
    assert "connexion refusée" in result.output and "relancez la même commande" in result.output
    assert states() == {}


def test_courrier_records_posted_letters_once(campaign_dir):
    write_recipients(campaign_dir / "d.csv", 3, without_email=(0, 1, 2))
    result = run("send", "--via", "courrier", "-r", "d.csv", *DATE)
    assert result.exit_code == 0, result.output
    assert result.stdout == "3 lettres inscrites au registre comme postée(s) le 1er juillet 2021\n"
    again = run("send", "--via", "courrier", "-r", "d.csv", *DATE)
    assert (
        again.stdout
        == "0 lettre inscrite au registre comme postée(s) le 1er juillet 2021 ; 3 déjà inscrite(s)\n"
    )
    with sqlite3.connect("registre.sqlite") as db:
        rows = db.execute("SELECT destinataire, canal, etat, envoye_le FROM lettres").fetchall()
    assert rows == [(f"d00{i}", "courrier", "envoyé", "2021-07-01") for i in range(3)]


def test_sender_missing_is_a_campaign_problem(campaign_dir):
    toml = campaign_dir / "templates/campagne.toml"
    toml.write_text(toml.read_text(encoding="utf-8").split("[envoi]")[0], encoding="utf-8")
    write_recipients(campaign_dir / "d.csv", 1)
    result = run("send", "--via", "email", "-r", "d.csv", *DATE)
    assert result.exit_code == 1
    assert without_identity(result.output)[0].startswith(
        "templates/campagne.toml: [envoi] expediteur manquant"
    )


def test_cover_text_from_the_templates_courriel_section(campaign_dir, fake_pdfs):
    (campaign_dir / "templates/avec_courriel.j2").write_text(
        '{% extends "segur.j2" %}\n{% block copie %}\n{{ campagne.copie }}\n\n[courriel]\n'
        "{{ destinataire.appel }},\n\nVeuillez trouver ci-joint notre lettre sur la situation de nos "
        "établissements {{ departement.dans }}.\n\nBien à vous,\n{% endblock %}\n",
        encoding="utf-8",
    )
    write_recipients(campaign_dir / "d.csv", 1)
    result = run("send", "--via", "email", "-t", "avec_courriel", "-r", "d.csv", *DATE, "--drafts", "b")
    assert result.exit_code == 0, result.output
    message = message_from_bytes(
        (campaign_dir / "b/d000-gironde-martin.eml").read_bytes(), policy=policy.default
    )
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body == (
        "Madame la Présidente,\n\nVeuillez trouver ci-joint notre lettre sur la situation de nos "
        "établissements en Gironde.\n\nBien à vous,\n"
    )


def test_drafts_of_recipients_whose_names_clash_are_two_files(campaign_dir, fake_pdfs):
    """Ids differing only in case: ``generate``'s names (a sha256 suffix each), never one file for two."""
    path = write_recipients(campaign_dir / "d.csv", 2)
    text = path.read_text(encoding="utf-8").replace("d000;", "lg-a;").replace("d001;", "LG-A;")
    path.write_text(text.replace("LEFEBVRE", "MARTIN").replace(";59;", ";33;"), encoding="utf-8")
    result = run("send", "--via", "email", "-r", "d.csv", *DATE, "--drafts", "brouillons")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (campaign_dir / "brouillons").iterdir())
    assert len(names) == 2 and len({name.lower() for name in names}) == 2, names
    assert all(name.lower().startswith("lg-a-gironde-martin-") for name in names), names
    assert all(name.endswith(".eml") for name in names)
