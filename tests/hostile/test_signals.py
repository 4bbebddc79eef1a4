"""Ctrl-C and SIGTERM during ``generate``: one French line, exit 130 / 143, and the next run completes.

A run is started in its own process group (as a terminal's Ctrl-C reaches the whole foreground
group: main process, fork server, workers) and signalled once letters are journaled.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_batch import assert_complete, journal_lines, write_recipients

COUNT = 3000
LINE = re.compile(
    r"interrompu : (\d+) lettres? écrites? sur (\d[\d\u202f]*) ; relancez la même commande pour terminer"
)


def start(cwd: Path, *extra: str, count: int = COUNT) -> subprocess.Popen[bytes]:
    write_recipients(cwd / "grand.csv", count)
    args = ["generate", "-r", "grand.csv", "-o", "out", "--date", "2021-07-01", *extra]
    return subprocess.Popen(
        [sys.executable, "-m", "lettergen", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def wait_for(condition, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the run ended before it could be signalled"


def letters_under_way(out: Path) -> int:
    """Letters rendered so far: staged (each is moved into place once all of them rendered) or placed."""
    return len(list(out.glob(".lettergen-docx-*/*.docx"))) + journal_lines(out, "docx")


def finish(process: subprocess.Popen[bytes]) -> tuple[str, str]:
    """Wait for the run and all its processes: a worker left behind (in its own process group) would
    hold the pipes open."""
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        alive = "main process alive" if process.poll() is None else f"main ended ({process.returncode})"
        tree = subprocess.run(["ps", "-eo", "pid,ppid,pgid,stat,args"], capture_output=True, text=True)
        mine = [line for line in tree.stdout.splitlines() if "lettergen" in line or "multiprocessing" in line]
        if os.environ.get("LETTERGEN_PYSPY") and process.poll() is None:
            dump = subprocess.run(
                [os.environ["LETTERGEN_PYSPY"], "dump", "--pid", str(process.pid)],
                capture_output=True,
                text=True,
            )
            mine.append(dump.stdout)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("the interrupted run did not stop: " + alive + "\n" + "\n".join(mine)) from None
    return out.decode(), err.decode()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_interrupted(process: subprocess.Popen[bytes], code: int, out_dir: Path, total: int) -> int:
    """Exactly one French line with the count of letters complete; nothing half-written; return it."""
    stdout, stderr = finish(process)
    assert process.returncode == code, stderr
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    [line] = lines
    match = LINE.fullmatch(line)
    assert match, line
    written = int(match.group(1))
    assert int(match.group(2).replace("\u202f", "")) == total
    assert written == journal_lines(out_dir, "docx")
    assert not list(out_dir.glob(".*.tmp"))
    assert not (out_dir / "manifest.csv").exists()
    deadline = time.monotonic() + 10  # orphans of the group would be reaped by init meanwhile
    while group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(process.pid), "a process of the run outlived it"
    return written


def assert_next_run_completes(cwd: Path, written: int, count: int = COUNT) -> None:
    args = ["generate", "-r", "grand.csv", "-o", "out", "--date", "2021-07-01", "--jobs", "2"]
    completed = subprocess.run(
        [sys.executable, "-m", "lettergen", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert_complete(cwd / "out", count, ("docx",))
    if written >= 2:
        assert f"{written} lettres déjà à jour" in completed.stdout


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_the_whole_group_stops_with_one_french_line(hostile_dir: Path, signum, code) -> None:
    """Ctrl-C (or SIGTERM) reaching main process and workers alike: no worker traceback, no
    « Aborted! », one line counting the letters complete; the next run writes only the rest."""
    process = start(hostile_dir, "--jobs", "2")
    wait_for(lambda: letters_under_way(hostile_dir / "out") >= 20, process)
    os.killpg(process.pid, signum)
    written = assert_interrupted(process, code, hostile_dir / "out", COUNT)
    assert 20 <= written < COUNT
    assert_next_run_completes(hostile_dir, written)


def test_sigterm_to_the_main_process_alone_stops_its_workers(hostile_dir: Path) -> None:
    """``kill PID`` (a service manager, a CI timeout): the workers do not outlive the run."""
    process = start(hostile_dir, "--jobs", "3")
    wait_for(lambda: letters_under_way(hostile_dir / "out") >= 20, process)
    os.kill(process.pid, signal.SIGTERM)
    written = assert_interrupted(process, 143, hostile_dir / "out", COUNT)
    assert_next_run_completes(hostile_dir, written)


def test_ctrl_c_in_a_run_without_worker_processes(hostile_dir: Path) -> None:
    """--jobs 1 writes in the main process: a letter being written is discarded, not half-kept."""
    process = start(hostile_dir, "--jobs", "1")
    wait_for(lambda: letters_under_way(hostile_dir / "out") >= 5, process)
    os.killpg(process.pid, signal.SIGINT)
    written = assert_interrupted(process, 130, hostile_dir / "out", COUNT)
    assert_next_run_completes(hostile_dir, written)


def test_a_second_ctrl_c_during_the_cleanup_changes_nothing(hostile_dir: Path) -> None:
    """An impatient user presses Ctrl-C twice: still one line, exit 130, the folder consistent."""
    process = start(hostile_dir, "--jobs", "2")
    wait_for(lambda: letters_under_way(hostile_dir / "out") >= 20, process)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.002)
    with_group = group_alive(process.pid)
    if with_group:
        os.killpg(process.pid, signal.SIGINT)
    written = assert_interrupted(process, 130, hostile_dir / "out", COUNT)
    assert_next_run_completes(hostile_dir, written)


def test_a_signal_while_letters_are_rendered_keeps_them_complete(hostile_dir: Path) -> None:
    """Stopped while the letters are rendered into the staging folder: those rendered are moved
    into place and counted, none half-written; the next run writes the rest."""
    count = 9000  # ids L0000…L8999 (tests.test_batch.assert_complete sorts them as text)
    process = start(hostile_dir, "--jobs", "2", count=count)
    wait_for(lambda: letters_under_way(hostile_dir / "out") >= 50, process)
    assert process.poll() is None
    os.killpg(process.pid, signal.SIGINT)
    written = assert_interrupted(process, 130, hostile_dir / "out", count)
    assert not list((hostile_dir / "out").glob(".lettergen-docx-*"))
    assert_next_run_completes(hostile_dir, written, count)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_ctrl_c_during_the_pdf_stage(hostile_dir: Path, soffice: str) -> None:
    """LibreOffice runs in its own sessions: the main process stops it; one line; the next run
    completes the PDFs."""
    count = 300
    process = start(hostile_dir, "--jobs", "2", "--format", "pdf", count=count)
    out = hostile_dir / "out"
    wait_for(lambda: bool(list(out.glob(".lettergen-pdf-*"))), process, timeout=300)
    time.sleep(1)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = finish(process)
    assert process.returncode == 130, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    [line] = lines
    match = LINE.fullmatch(line)
    assert match and int(match.group(2)) == count, line
    assert int(match.group(1)) == journal_lines(out, "pdf")
    assert not list(out.glob(".lettergen-*-*")) and not list(out.glob(".*.tmp"))
    args = ["generate", "-r", "grand.csv", "-o", "out", "--date", "2021-07-01", "--format", "pdf"]
    completed = subprocess.run(
        [sys.executable, "-m", "lettergen", *args],
        cwd=hostile_dir,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr
    assert_complete(out, count, ("pdf",))


def test_kill_9_of_the_main_process_alone_leaves_no_worker(hostile_dir: Path) -> None:
    """Workers live in their own process group, out of reach of a group signal: when the main process is
    killed outright they end by themselves (their pipes close), and the next run completes."""
    process = start(hostile_dir, "--jobs", "2")
    wait_for(lambda: letters_under_way(hostile_dir / "out") >= 20, process)
    os.kill(process.pid, signal.SIGKILL)
    stdout, stderr = finish(process)  # returns once every process holding the pipes has ended
    assert process.returncode == -signal.SIGKILL
    assert "Traceback" not in stderr
    assert_next_run_completes(hostile_dir, journal_lines(hostile_dir / "out", "docx"))
