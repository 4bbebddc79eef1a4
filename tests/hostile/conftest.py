"""Fixtures of the hostile corpus: each case gets a fresh copy of the example campaign."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import Outcome, run_bounded

__all__ = ["Outcome", "run_bounded"]


@pytest.fixture
def hostile_dir(campaign_dir: Path) -> Path:
    """The example campaign copied into a temporary folder (see tests/conftest.py)."""
    return campaign_dir
