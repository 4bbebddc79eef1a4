"""Fixtures of the atelier tests: a copy of the example campaign, the app, a client that speaks to it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from lettergen.atelier.app import create_app
from lettergen.atelier.register_view import RegisterRow, campaign_view
from lettergen.atelier.security import COOKIE, CSRF_HEADER
from lettergen.atelier.workbench import AtelierConfig
from lettergen.batch import Sources

REPO = Path(__file__).resolve().parents[2]
PORT = 8750
TOKEN = "jeton-de-test-0123456789"
LETTER_DATE = date(2021, 7, 1)


def copy_campaign(folder: Path) -> Path:
    for name in ("templates", "recipients"):
        shutil.copytree(REPO / name, folder / name)
    return folder


def atelier_config(folder: Path, port: int = PORT) -> AtelierConfig:
    """The example campaign in ``folder``; ``Path(".")`` when the test runs from inside it."""
    sources = Sources(
        templates_dir=folder / "templates",
        template="segur",
        recipients=folder / "recipients" / "exemple.csv",
        figures=folder / "recipients" / "chiffres_exemple.csv",
        letterhead=folder / "templates" / "papier_en_tete.docx",
        letter_date=LETTER_DATE,
    )
    return AtelierConfig(sources, registre=folder / "registre.sqlite", port=port)


def fake_campaign():
    """A register's view as the campaign register will give it (the wiring is register_view)."""
    rows = [
        RegisterRow("33", "Claire MARTIN", "33", "favorable", "2021-07-01", "2021-07-20", "favorable"),
        RegisterRow("59", "Paul LEFEBVRE", "59", "repondu", "2021-07-01", "2021-07-15", "sans-suite"),
        RegisterRow("01", "Dominique ROUSSEL", "01", "sans_reponse", "2021-07-01"),
        RegisterRow("40", "Sophie DUCASSE", "40", "envoye", "2021-07-01"),
        RegisterRow("974", "Hélène PAYET", "974", "favorable", "2021-07-01", "2021-07-30", "rendez-vous"),
    ]
    return campaign_view(rows, "registre de test")


@pytest.fixture
def campaign_copy(tmp_path) -> Path:
    return copy_campaign(tmp_path / "campagne")


@pytest.fixture
def app(campaign_copy, tmp_path):
    work = tmp_path / "atelier"
    work.mkdir()
    return create_app(atelier_config(campaign_copy), work, token=TOKEN, campaign=fake_campaign())


@pytest.fixture
def anonymous(app) -> TestClient:
    """A client at the served address, without the token."""
    return TestClient(app, base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)


@pytest.fixture
def client(app) -> TestClient:
    """A client that opened the printed address (cookie set) and sends the page's CSRF token."""
    client = TestClient(app, base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)
    first = client.get(f"/?jeton={TOKEN}")
    assert first.status_code == 303 and COOKIE in first.cookies
    client.headers[CSRF_HEADER] = app.state.guard.csrf
    return client


def fill_register(folder: Path) -> Path:
    """A real register in ``folder``, written by the real ``send --via courrier`` and ``replies add``,
    plus one failed and one uncertain e-mail through the Register API (the states ``send`` leaves).

    Letter date of the atelier: 1 July 2021. Expected on the « Campagne » tab:
    33 favorable, 59 answered (défavorable), 01 and 40 no answer (written on 1 May), 974 favorable
    (rendez-vous), 13 and 6AE sent on 25 June (waiting), 75 uncertain (waiting), 69 failed (no
    letter): 8 written to, 3 answers, 38 %.
    """
    import datetime as dt
    import os

    from click.testing import CliRunner

    from lettergen.campaign.register import SentLetter, open_register
    from lettergen.cli import cli

    commands = [
        ["send", "--via", "courrier", "--date", "2021-05-01", "--only", "33,59,01,40"],
        ["send", "--via", "courrier", "--date", "2021-06-25", "--only", "974,13,6AE"],
        ["replies", "add", "33", "--date", "2021-05-20", "--resultat", "favorable"],
        ["replies", "add", "59", "--date", "2021-05-22", "--resultat", "defavorable", "--note", "budget"],
        ["replies", "add", "974", "--date", "2021-06-30", "--resultat", "rendez-vous"],
    ]
    here = Path.cwd()
    os.chdir(folder)
    try:
        for command in commands:
            result = CliRunner().invoke(cli, command)
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(here)
    with open_register(folder / "registre.sqlite") as register:
        for rid, nom in (("75", "Luc MOREAU"), ("69", "Christophe DURAND")):
            register.mark_pending(
                SentLetter(
                    rid,
                    "segur",
                    "email",
                    dt.date(2021, 6, 28),
                    "en cours",
                    nom=nom,
                    departement=rid,
                    adresse=f"president-{rid}@example.org",
                    message_id=f"<{rid}@federation.example>",
                )
            )
        register.mark_failed("69", "segur", "email", "550 5.1.1 Adresse inconnue")
    return folder / "registre.sqlite"
