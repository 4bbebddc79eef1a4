"""A `send --confirm` killed with SIGKILL mid-run, then run again: nobody gets two messages."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from tests.campaign.conftest import FAKE_PDF_MAIN, FAST, REPO, write_recipients

COUNT = 50


def _send(campaign_dir, url: str, *extra: str, date: str = "2021-07-01") -> subprocess.Popen:
    """The real command line in its own process; blank PDFs stand in for LibreOffice (rendering is
    not what this test is about, and 2 × 50 conversions would dominate its time)."""
    command = [sys.executable, "-c", FAKE_PDF_MAIN, "send", "--via", "email", "-r", "d.csv", "--date", date]
    return subprocess.Popen(
        [*command, *extra, "--smtp", url, "--confirm", *FAST],
        cwd=campaign_dir,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_after(process: subprocess.Popen, collector, count: int) -> int:
    """SIGKILL ``process`` once the server has received ``count`` messages; how many it had then."""
    deadline = time.monotonic() + 180
    while len(collector.messages) < count and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, process.communicate()
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()  # reaps the process and closes its pipes
    return len(collector.messages)


def _status(campaign_dir) -> list[dict[str, str]]:
    status = subprocess.run(
        [sys.executable, "-m", "lettergen", "status", "--format", "csv"],
        cwd=campaign_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(csv.DictReader(io.StringIO(status.stdout), delimiter=";"))


def test_sigkill_mid_run_then_resume_sends_each_letter_once(campaign_dir, smtp_server):
    write_recipients(campaign_dir / "d.csv", COUNT)
    collector = smtp_server.collector
    collector.delay = 0.3  # the server takes its time answering DATA: the kill lands mid-transaction
    killed_after = _kill_after(_send(campaign_dir, smtp_server.url), collector, 5)
    assert 5 <= killed_after < COUNT

    collector.delay = 0.0
    second = _send(campaign_dir, smtp_server.url)
    out, err = second.communicate(timeout=300)
    assert "messages envoyés" in out, (out, err)

    per_address = Counter(address for r in collector.messages for address in r.rcpt_tos)
    assert max(per_address.values()) == 1
    assert len(per_address) == COUNT  # the uncertain one had reached the server before the kill
    rows = _status(campaign_dir)
    states = Counter(row["etat"] for row in rows)
    assert len(rows) == COUNT
    assert set(states) <= {"envoyé", "incertain"} and states["incertain"] <= 1
    if states["incertain"]:
        assert "--retry-uncertain" in err


def test_a_followup_run_killed_midway_never_sends_twice_and_the_next_one_completes(campaign_dir, smtp_server):
    """``send --followup-after``: the first letters were posted on 1 July; on 1 September the
    follow-ups are e-mailed, the run killed after a few, then run again."""
    write_recipients(campaign_dir / "d.csv", COUNT)
    posted = subprocess.run(
        [
            sys.executable,
            "-m",
            "lettergen",
            "send",
            "--via",
            "courrier",
            "-r",
            "d.csv",
            "--date",
            "2021-07-01",
        ],
        cwd=campaign_dir,
        capture_output=True,
        text=True,
    )
    assert posted.returncode == 0, posted.stderr
    collector = smtp_server.collector
    collector.delay = 0.3
    followup = ("--followup-after", "30")
    killed_after = _kill_after(
        _send(campaign_dir, smtp_server.url, *followup, date="2021-09-01"), collector, 5
    )
    assert 5 <= killed_after < COUNT

    collector.delay = 0.0
    second = _send(campaign_dir, smtp_server.url, *followup, date="2021-09-01")
    out, err = second.communicate(timeout=300)
    assert "messages envoyés" in out, (out, err)
    per_address = Counter(address for r in collector.messages for address in r.rcpt_tos)
    assert max(per_address.values()) == 1 and len(per_address) == COUNT
    assert all(r.message["Subject"].startswith("Relance") for r in collector.messages)

    third = _send(campaign_dir, smtp_server.url, *followup, date="2021-09-01")
    out, err = third.communicate(timeout=300)
    assert out.startswith("0 message envoyé"), (out, err)  # the next run completes: nothing left
    assert len(collector.messages) == COUNT
    rows = _status(campaign_dir)
    assert {row["modele"] for row in rows} == {"relance"} and len(rows) == COUNT
    states = Counter(row["etat"] for row in rows)
    assert set(states) <= {"envoyé", "incertain"} and states["incertain"] <= 1


def test_sigterm_mid_run_is_one_french_line_and_the_next_run_sends_the_rest(campaign_dir, smtp_server):
    """SIGTERM (or Ctrl-C) during `send --confirm`: exit 143, one French line, no traceback;
    the next run sends every other letter, nobody twice."""
    write_recipients(campaign_dir / "d.csv", COUNT)
    collector = smtp_server.collector
    collector.delay = 0.3
    first = _send(campaign_dir, smtp_server.url)
    deadline = time.monotonic() + 180
    while len(collector.messages) < 5 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert first.poll() is None, first.communicate()
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 143, err
    assert err.splitlines()[-1] == "interrompu ; relancez la même commande pour terminer"
    assert "Traceback" not in err and "Aborted" not in err
    collector.delay = 0.0
    second = _send(campaign_dir, smtp_server.url)
    out, err = second.communicate(timeout=300)
    assert "messages envoyés" in out, (out, err)
    per_address = Counter(address for r in collector.messages for address in r.rcpt_tos)
    assert max(per_address.values()) == 1
    assert len(per_address) >= COUNT - 1  # at most the one in flight is left uncertain
