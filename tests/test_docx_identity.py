"""The DOCX of the reference campaigns are byte-identical to the committed list.

A refactoring must not change a byte of a letter; a change made on purpose regenerates
``tests/data/docx_sha256.txt`` with ``tools/docx_sha256.py`` and says why in its commit.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("docx_sha256", ROOT / "tools" / "docx_sha256.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_campaigns_are_byte_identical(monkeypatch):
    monkeypatch.chdir(ROOT)
    expected = (ROOT / "tests" / "data" / "docx_sha256.txt").read_text(encoding="utf-8").splitlines()
    assert _tool().campaign_hashes(ROOT) == expected
