"""Recipients and template folders for the template-stage tests."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest

from lettergen.read.records import Recipient

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
DATE = datetime.date(2021, 7, 1)

FULL = {"etablissements": 212, "salaries": 9840, "salaries_non_revalorises": 2310, "postes_vacants": 415}


def recipient(
    code: str,
    genre: str | None,
    nom: str = "MARTIN",
    fonction: str = "president_cd",
    figures: dict | None = None,
    prenom: str = "Claire",
    **extra,
) -> Recipient:
    """A recipient of ``code`` with the full example figures unless told otherwise."""
    return Recipient(
        id=extra.pop("id", code),
        genre=genre,
        prenom=prenom,
        nom=nom,
        departement=code,
        fonction=fonction,
        figures=dict(FULL if figures is None else figures),
        **extra,
    )


@pytest.fixture
def tmp_templates(tmp_path, monkeypatch) -> Path:
    """A ``templates/`` folder with the shipped campaign files, in a temporary current directory."""
    folder = tmp_path / "templates"
    folder.mkdir()
    for name in ("segur.j2", "campagne.toml", "faits_segur.toml"):
        shutil.copy(TEMPLATES / name, folder / name)
    monkeypatch.chdir(tmp_path)
    return folder
