"""Fixtures of the hostile corpus: each case gets a fresh copy of the example campaign."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from tests.hostile.harness import Outcome, run_bounded

__all__ = ["Outcome", "run_bounded"]

# The example identity (« exemple », « [logo] ») is replaced so that a hostile recipients file does not
# also earn the warning « identité d'exemple encore en place »: each case asserts its own lines only.
_EXAMPLE = re.compile(r"exemple|\[logo\]", re.IGNORECASE)


def _own_identity(folder: Path) -> None:
    toml = folder / "templates" / "campagne.toml"
    toml.write_text(_EXAMPLE.sub("bretonne", toml.read_text(encoding="utf-8")), encoding="utf-8")
    letterhead = folder / "templates" / "papier_en_tete.docx"
    with zipfile.ZipFile(letterhead) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(letterhead, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                data = _EXAMPLE.sub("bretonne", data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data)


@pytest.fixture
def hostile_dir(campaign_dir: Path) -> Path:
    """The example campaign copied into a temporary folder (see tests/conftest.py), its identity the
    federation's own."""
    _own_identity(campaign_dir)
    return campaign_dir
