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
