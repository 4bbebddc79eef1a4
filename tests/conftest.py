"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def campaign_dir(tmp_path, monkeypatch) -> Path:
    """A copy of the repository's example campaign, as the current directory."""
    for name in ("templates", "recipients"):
        shutil.copytree(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice; skip only when it is absent and CI is unset."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) est requis en CI")
        pytest.skip("LibreOffice absent")
    return path
