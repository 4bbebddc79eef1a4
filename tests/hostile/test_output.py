"""Hostile output folders: planted links, things in the way, full or read-only disks, two runs at once.

Each case runs ``lettergen generate`` as a bounded subprocess and asserts its exit code, its exact
French line, what is on disk afterwards (a link's target untouched, nothing half-written), and
that the next run, once the obstacle is gone, completes.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from lettergen.read import limits
from tests.hostile.harness import PEAK_LIMIT, Outcome, run_bounded
from tests.test_batch import assert_complete, journal_lines, kill_midway, write_recipients

WRITE = "impossible d'écrire ce fichier"
LINK = f"{WRITE} : c'est un lien symbolique (lettergen ne suit pas les liens du dossier de sortie)"
FIRST = "L0000-ain-nom0.docx"
SECOND = "L0001-bouches-du-rhone-nom1.docx"
SECRET = b"ne pas toucher\n"


def generate(cwd: Path, count: int = 3, out: str = "out", **bounds) -> Outcome:
    """``lettergen generate`` of ``count`` synthetic letters into ``out``, bounded."""
    recipients = cwd / f"r{count}.csv"
    if not recipients.exists():
        write_recipients(recipients, count)
    args = ["generate", "-r", recipients.name, "-o", out, "--date", "2021-07-01", "--jobs", "2"]
    outcome = run_bounded(args, cwd, **bounds)
    assert outcome.peak_bytes < PEAK_LIMIT
    assert "Traceback" not in outcome.stderr
    return outcome


def refused(outcome: Outcome, line: str) -> None:
    """Exit 1 with exactly ``line`` on stderr and nothing on stdout."""
    assert (outcome.returncode, outcome.errors, outcome.stdout) == (1, [line], "")


def completes(cwd: Path, count: int = 3, out: str = "out") -> Outcome:
    outcome = generate(cwd, count, out)
    assert outcome.returncode == 0, outcome.stderr
    assert_complete(cwd / out, count, ("docx",))
    return outcome


def manifest(out: Path) -> list[dict[str, str]]:
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the output folder that a planted link points to."""
    path = tmp_path / "ailleurs" / "precieux.txt"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def plant(out: Path, name: str, target: Path) -> Path:
    out.mkdir(exist_ok=True)
    link = out / name
    link.symlink_to(target)
    return link


@pytest.mark.parametrize("name", [".lettergen-journal.csv", "manifest.csv", ".lettergen-verrou"])
def test_a_link_planted_under_a_run_file_is_refused(hostile_dir: Path, victim: Path, name: str) -> None:
    """The journal, the manifest, the lock: a link there is one line naming it; its target untouched."""
    link = plant(hostile_dir / "out", name, victim)
    refused(generate(hostile_dir), f"out/{name}: {LINK}")
    assert victim.read_bytes() == SECRET
    assert link.is_symlink()
    assert not list((hostile_dir / "out").glob("*.docx"))
    link.unlink()
    completes(hostile_dir)
    assert victim.read_bytes() == SECRET


def test_a_link_under_a_letter_name_is_refused_and_its_target_untouched(
    hostile_dir: Path, victim: Path
) -> None:
    """A link replacing a finished letter: the next run names it instead of writing through it."""
    completes(hostile_dir)
    (hostile_dir / "out" / SECOND).unlink()
    plant(hostile_dir / "out", SECOND, victim)
    refused(generate(hostile_dir), f"out/{SECOND}: {LINK}")
    assert victim.read_bytes() == SECRET
    assert not list((hostile_dir / "out").glob(".*.tmp"))
    (hostile_dir / "out" / SECOND).unlink()
    again = completes(hostile_dir)
    assert "2 lettres déjà à jour" in again.stdout


def test_a_link_to_a_folder_outside_is_refused_and_nothing_lands_there(
    hostile_dir: Path, victim: Path
) -> None:
    plant(hostile_dir / "out", FIRST, victim.parent)
    refused(generate(hostile_dir), f"out/{FIRST}: {LINK}")
    assert sorted(p.name for p in victim.parent.iterdir()) == ["precieux.txt"]
    assert victim.read_bytes() == SECRET


def test_links_under_temporary_names_are_removed_not_followed(hostile_dir: Path, victim: Path) -> None:
    """What looks like a killed run's leftovers is cleared: the links go, their targets stay."""
    plant(hostile_dir / "out", f".{FIRST}.4242.tmp", victim)
    plant(hostile_dir / "out", ".lettergen-docx-abcd", victim.parent)
    completes(hostile_dir)
    assert victim.read_bytes() == SECRET
    assert sorted(p.name for p in victim.parent.iterdir()) == ["precieux.txt"]
    assert not (hostile_dir / "out" / ".lettergen-docx-abcd").exists()


def test_a_fifo_under_the_journal_name_is_refused_at_once(hostile_dir: Path) -> None:
    """A FIFO nobody reads would block the first write forever: refused by name instead."""
    (hostile_dir / "out").mkdir()
    os.mkfifo(hostile_dir / "out" / ".lettergen-journal.csv")
    outcome = generate(hostile_dir, timeout=30)
    refused(
        outcome,
        "out/.lettergen-journal.csv: impossible d'écrire ce fichier : ce n'est pas un fichier ordinaire",
    )
    (hostile_dir / "out" / ".lettergen-journal.csv").unlink()
    completes(hostile_dir)


def test_an_output_path_that_is_a_file_is_one_line(hostile_dir: Path) -> None:
    (hostile_dir / "out").write_bytes(SECRET)
    refused(generate(hostile_dir), "out: impossible d'écrire ce fichier : un fichier porte déjà ce nom")
    assert (hostile_dir / "out").read_bytes() == SECRET


def test_a_file_on_the_output_path_is_one_line(hostile_dir: Path) -> None:
    """A file where a parent folder of the output should be."""
    (hostile_dir / "lettres").write_bytes(SECRET)
    refused(
        generate(hostile_dir, out="lettres/juillet"),
        f"lettres/juillet: {WRITE} : un fichier se trouve sur le chemin à la place d'un dossier",
    )


@pytest.mark.parametrize("name", [SECOND, ".lettergen-journal.csv", ".lettergen-verrou"])
def test_a_folder_where_a_file_should_be_is_one_line(hostile_dir: Path, name: str) -> None:
    (hostile_dir / "out" / name).mkdir(parents=True)
    (hostile_dir / "out" / name / "garde.txt").write_bytes(SECRET)
    refused(
        generate(hostile_dir), f"out/{name}: impossible d'écrire ce fichier : un dossier porte déjà ce nom"
    )
    assert (hostile_dir / "out" / name / "garde.txt").read_bytes() == SECRET
    assert not list((hostile_dir / "out").glob(".*.tmp"))
    assert not (hostile_dir / "out" / "manifest.csv").exists()
    (hostile_dir / "out" / name / "garde.txt").unlink()
    (hostile_dir / "out" / name).rmdir()
    completes(hostile_dir)


def test_a_file_size_limit_is_one_line_and_the_next_run_completes(hostile_dir: Path) -> None:
    """EFBIG (RLIMIT_FSIZE) in the worker processes: one line, no worker traceback, nothing half-written."""
    outcome = generate(hostile_dir, count=100, file_size=4096)
    refused(
        outcome,
        f"out/{FIRST}: {WRITE} : fichier trop grand pour ce disque (limite de taille atteinte)",
    )
    out = hostile_dir / "out"
    assert not list(out.glob("*.docx")) and not list(out.glob(".*.tmp"))
    assert not (out / "manifest.csv").exists()
    completes(hostile_dir, count=100)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 400 KiB tmpfs (root only: the only way to fill a real disk in a test)."""
    if os.geteuid() != 0:
        pytest.skip("monter un tmpfs demande root")
    mount = tmp_path / "disque"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_is_one_line_and_the_next_run_resumes(hostile_dir: Path, small_disk: Path) -> None:
    """A real ENOSPC in the workers: one line naming the letter, no temporary left, what was
    journaled kept; once there is room, the next run writes only the rest."""
    out = small_disk / "out"
    outcome = generate(hostile_dir, count=100, out=str(out))
    assert outcome.returncode == 1 and outcome.stdout == ""
    [line] = outcome.errors  # a letter's name, or the journal's if its line came last
    assert line.startswith(f"{out}/") and line.endswith(
        ": impossible d'écrire ce fichier : le disque est plein"
    )
    assert not list(out.glob(".*.tmp"))
    journaled = journal_lines(out, "docx")
    assert 0 < journaled < 100
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    again = completes(hostile_dir, count=100, out=str(out))
    assert f"{journaled} lettres déjà à jour" in again.stdout


def test_a_read_only_output_folder_is_one_line(hostile_dir: Path, tmp_path: Path) -> None:
    """A read-only mount as root (chmod does not stop root), a folder without write permission otherwise."""
    folder = tmp_path / "lecture-seule"
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True)
        reason = "écriture refusée (disque en lecture seule)"
    else:
        folder.chmod(0o555)
        reason = "écriture refusée (droits insuffisants)"
    try:
        refused(
            generate(hostile_dir, out=str(folder / "out")),
            f"{folder / 'out'}: impossible d'écrire ce fichier : {reason}",
        )
        refused(
            generate(hostile_dir, out=str(folder)), f"{folder}: impossible d'écrire ce fichier : {reason}"
        )
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)
        folder.chmod(0o755)
    completes(hostile_dir, out=str(folder))


BUSY = (
    "out: un autre « lettergen generate » écrit déjà dans ce dossier : "
    "attendez qu'il se termine, ou choisissez un autre dossier (-o)"
)


def test_a_second_run_on_the_same_folder_is_refused_at_once(hostile_dir: Path) -> None:
    """While a run writes, a second one on its folder refuses in French; the first completes."""
    write_recipients(hostile_dir / "grand.csv", 5000)
    args = ["generate", "-r", "grand.csv", "-o", "out", "--date", "2021-07-01", "--jobs", "2"]
    first = subprocess.Popen(
        [sys.executable, "-m", "lettergen", *args],
        cwd=hostile_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        # Writing: its first letters are staged (moved into place once all of them rendered).
        staged = hostile_dir / "out"
        while not list(staged.glob(".lettergen-docx-*/*.docx")) and time.monotonic() < deadline:
            time.sleep(0.01)
        second = generate(hostile_dir)  # r3.csv, the same folder
        assert first.poll() is None, "the first run ended before the second started"
        refused(second, BUSY)
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate()
    assert first.returncode == 0, err
    assert_complete(hostile_dir / "out", 5000, ("docx",))
    assert not (hostile_dir / "out" / ".lettergen-verrou").exists()


def test_a_run_killed_with_sigkill_never_blocks_the_next(hostile_dir: Path) -> None:
    """The lock file outlives a SIGKILL, its lock does not: the next run takes it and completes."""
    write_recipients(hostile_dir / "r3000.csv", 3000)
    args = ["generate", "-r", "r3000.csv", "-o", "out", "--date", "2021-07-01", "--jobs", "2"]
    kill_midway(args, hostile_dir, hostile_dir / "out", "docx", after=10, timeout=120, poll=0.005)
    assert (hostile_dir / "out" / ".lettergen-verrou").exists()
    completes(hostile_dir, count=3000)
    assert not (hostile_dir / "out" / ".lettergen-verrou").exists()


COLLIDING = [
    ("x" * 90 + "1", "Martin"),  # cut to the same 80 characters
    ("x" * 90 + "2", "Martin"),
    ("Ab", "Durand"),  # the same name on a disk that ignores case
    ("AB", "Durand"),
    ("33-gironde", "Petit"),  # reads like id 33, département Gironde, name « Gironde Petit »
    ("33", "Gironde Petit"),
    ("59", "L" * 100),  # the longest name the reader takes (a 400-character one is refused)
]


def test_recipients_whose_names_clash_each_get_their_own_file(hostile_dir: Path) -> None:
    """Long ids sharing a prefix, case-only differences, hyphens, a 100-character name: one file
    per recipient, each named in the manifest, each holding its own recipient's letter."""
    lines = ["id;civilite;prenom;nom;departement;adresse;code_postal;ville"]
    lines += [f"{ident};Madame;Anne;{nom};33;1 rue de la Paix;33000;Bordeaux" for ident, nom in COLLIDING]
    (hostile_dir / "noms.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["generate", "-r", "noms.csv", "-o", "out", "--date", "2021-07-01", "--jobs", "1"]
    outcome = run_bounded(args, hostile_dir)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.startswith(f"{len(COLLIDING)} lettres générées dans out/")
    rows = {row["id"]: row["docx"] for row in manifest(hostile_dir / "out")}
    assert list(rows) == [ident for ident, _ in COLLIDING]
    assert len({name.lower() for name in rows.values()}) == len(COLLIDING)
    assert len(list((hostile_dir / "out").glob("*.docx"))) == len(COLLIDING)
    assert rows["59"] == "59-gironde-" + "l" * 69 + ".docx"  # an ordinary name, cut at 80
    for ident, nom in COLLIDING[:-1]:  # the 400-character name is left out of the address block
        text = "\n".join(p.text for p in Document(str(hostile_dir / "out" / rows[ident])).paragraphs)
        assert nom.upper() in text.upper(), ident


def test_a_manifest_field_past_the_csv_limit_is_not_trusted_not_a_traceback(hostile_dir: Path) -> None:
    """A manifest edited to hold a huge field: the lines from there on record nothing (their
    letters are written again), the lines before still do, and no traceback."""
    completes(hostile_dir)
    path = hostile_dir / "out" / "manifest.csv"
    header, first, *rest = path.read_text(encoding="utf-8").splitlines()
    huge = '"' + "x" * (limits.CSV_FIELD_BYTES + 1) + '"'
    path.write_text("\n".join([header, first, huge, *rest]) + "\n", encoding="utf-8")
    again = completes(hostile_dir)
    assert "1 lettre déjà à jour" in again.stdout  # the line before the damaged one
    assert "2 lettres générées" in again.stdout
