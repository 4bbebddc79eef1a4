"""The harness itself: a bounded run reports its exit code, its lines and its peak memory."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.harness import PEAK_LIMIT, run_bounded


def test_a_valid_check_is_reported_with_its_peak_memory(hostile_dir: Path) -> None:
    outcome = run_bounded(["check"], hostile_dir)
    assert outcome.returncode == 0, outcome.stderr
    assert 10 << 20 < outcome.peak_bytes < PEAK_LIMIT
    assert "@@peak" not in outcome.stderr


def test_an_unknown_option_keeps_its_exit_code(hostile_dir: Path) -> None:
    outcome = run_bounded(["check", "--nope"], hostile_dir)
    assert outcome.returncode == 2
