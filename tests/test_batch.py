"""Batch runs: resume after a crash, manifest, output independent of --jobs."""

from __future__ import annotations

import csv
import hashlib
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from lettergen.batch import (
    GenerateOptions,
    Sources,
    Written,
    _LetterMaker,
    file_stem,
    file_stems,
    generate,
    load_campaign,
    recipient_file_stem,
)
from lettergen.errors import InvalidInput, OutputError, Problem
from lettergen.files import LOCK_NAME, folder_lock
from lettergen.manifest import JOURNAL_NAME, Journal
from lettergen.read.records import Recipient
from lettergen.stopping import Stopped

CODES = ["01", "13", "28", "33", "40", "49", "59", "64", "80", "974"]


def write_recipients(path: Path, count: int) -> Path:
    """A synthetic recipients file of ``count`` presidents, alternating genders."""
    lines = ["id;civilite;prenom;nom;departement;adresse;code_postal;ville"]
    for index in range(count):
        civilite = ("Madame", "Monsieur", "")[index % 3]
        code = CODES[index % len(CODES)]
        lines.append(f"L{index:04d};{civilite};Camille;NOM{index};{code};1 rue de la Paix;75001;Paris")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def manifest(out: Path) -> list[dict[str, str]]:
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def lettergen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lettergen", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )


def journal_lines(out: Path, kind: str) -> int:
    path = out / JOURNAL_NAME
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if f",{kind}," in line)


def assert_complete(out: Path, count: int, formats: tuple[str, ...]) -> None:
    rows = manifest(out)
    assert sorted(row["id"] for row in rows) == [f"L{i:04d}" for i in range(count)]
    for row in rows:
        for kind in formats:
            path = out / row[kind]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row[f"{kind}_sha256"]
    for kind in formats:
        assert len(list(out.glob(f"*.{kind}"))) == count
    assert not list(out.glob(".*.tmp"))
    assert not (out / JOURNAL_NAME).exists()


def kill_midway(
    args: list[str], cwd: Path, out: Path, kind: str, after: int, timeout: float, poll: float
) -> None:
    """Start ``lettergen ARGS`` in its own process group.

    SIGKILL the group once ``after`` files are journaled.
    """
    kill_when(args, cwd, lambda: journal_lines(out, kind) >= after, timeout, poll)


def kill_when(args: list[str], cwd: Path, ready: Callable[[], bool], timeout: float, poll: float) -> None:
    """Start ``lettergen ARGS`` in its own process group; SIGKILL the group once ``ready()``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lettergen", *args],
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while not ready() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(poll)
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_killed_docx_run_is_completed_by_the_next(campaign_dir):
    """kill -9 during a DOCX run: the next run writes only the rest, every letter once."""
    recipients = write_recipients(campaign_dir / "grand.csv", 3000)
    out = campaign_dir / "out"
    args = ["generate", "-r", str(recipients), "-o", str(out), "--date", "2021-07-01", "--jobs", "2"]
    kill_midway(args, campaign_dir, out, "docx", after=20, timeout=120, poll=0.005)
    done_before = journal_lines(out, "docx")
    completed = lettergen(*args[:-2], cwd=campaign_dir)
    assert completed.returncode == 0, completed.stderr
    assert_complete(out, 3000, ("docx",))
    if 0 < done_before < 3000:
        assert f"{done_before} lettres déjà à jour" in completed.stdout


def test_output_is_independent_of_jobs(campaign_dir):
    """--jobs 1 and --jobs 2 write the same files, byte for byte, and the same manifest."""
    recipients = write_recipients(campaign_dir / "r.csv", 150)
    for jobs in ("1", "2"):
        completed = lettergen(
            "generate",
            "-r",
            str(recipients),
            "-o",
            f"out{jobs}",
            "--date",
            "2021-07-01",
            "--jobs",
            jobs,
            cwd=campaign_dir,
        )
        assert completed.returncode == 0, completed.stderr
    assert (campaign_dir / "out1/manifest.csv").read_bytes() == (
        campaign_dir / "out2/manifest.csv"
    ).read_bytes()


@pytest.mark.libreoffice
@pytest.mark.slow
def test_killed_pdf_run_is_completed_by_the_next(campaign_dir, soffice):
    """SIGKILL to a 600-letter PDF run's process group: the next run completes it, nothing truncated.

    PDFs are journaled a whole batch at a time (4 batches of 150 here, two per worker), so the
    run is killed as soon as the first batch is in: the second pair of batches is still running.
    """
    recipients = write_recipients(campaign_dir / "grand.csv", 600)
    out = campaign_dir / "out"
    args = [
        "generate",
        "-r",
        str(recipients),
        "-o",
        str(out),
        "--date",
        "2021-07-01",
        "--format",
        "docx",
        "--format",
        "pdf",
        "--jobs",
        "2",
    ]
    kill_midway(args, campaign_dir, out, "pdf", after=1, timeout=600, poll=0.05)
    for pdf in out.glob("*.pdf"):  # whatever is under a final name is whole
        assert len(PdfReader(pdf).pages) >= 1
    completed = lettergen(*args, cwd=campaign_dir)
    assert completed.returncode == 0, completed.stderr
    assert_complete(out, 600, ("docx", "pdf"))
    for pdf in out.glob("*.pdf"):
        assert 1 <= len(PdfReader(pdf).pages) <= 2


def test_letter_blocked_by_a_folder_stops_a_parallel_run_with_one_line(campaign_dir):
    """With worker processes too, the error crosses back whole: one `FILE: message` line, exit 1."""
    recipients = write_recipients(campaign_dir / "r.csv", 70)
    args = ["generate", "-r", str(recipients), "--date", "2021-07-01", "--jobs", "2"]
    assert lettergen(*args, "-o", "first", cwd=campaign_dir).returncode == 0
    name = manifest(campaign_dir / "first")[40]["docx"]
    (campaign_dir / "out" / name).mkdir(parents=True)
    completed = lettergen(*args, "-o", "out", cwd=campaign_dir)
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        # the shipped letterhead and signatories on other recipients: named before the run
        f"{recipients}: attention : identité d'exemple encore en place : le papier à en-tête "
        "(templates/papier_en_tete.docx), l'expéditeur et les signataires (templates/campagne.toml) : "
        "remplacez-les par ceux de votre fédération avant l'envoi",
        f"out/{name}: impossible d'écrire ce fichier : un dossier porte déjà ce nom",
    ]
    assert completed.stdout == ""
    assert not (campaign_dir / "out" / "manifest.csv").exists()


def test_workers_return_problems_and_errors_that_pickle(campaign_dir):
    """A worker's outcome crosses a pickle whole: a Problem for a letter that does not render,
    the error itself for a letter it cannot write, what it wrote otherwise."""
    sources = Sources(
        template="segur",
        templates_dir=Path("templates"),
        recipients=Path("recipients/exemple.csv"),
        letterhead=Path("templates/papier_en_tete.docx"),
        letter_date=date(2021, 7, 1),
        figures=Path("recipients/chiffres_exemple.csv"),
    )
    campaign = load_campaign(sources, strict=True)
    maker = _LetterMaker(sources, campaign.data.figure_names)
    recipient = campaign.recipients[0]
    assert maker.validate(recipient) is None
    (campaign_dir / "out").mkdir()
    written = pickle.loads(pickle.dumps(maker.write((recipient, "out"))))
    assert isinstance(written, Written) and written.id == recipient.id
    assert hashlib.sha256((campaign_dir / "out" / written.name).read_bytes()).hexdigest() == written.sha256
    blocked = pickle.loads(pickle.dumps(maker.write((recipient, "absent"))))
    assert isinstance(blocked, OutputError)
    assert str(blocked) == f"absent/{written.name}: impossible d'écrire ce fichier : le dossier n'existe pas"
    (campaign_dir / "templates" / "casse.j2").write_text(
        '{% extends "segur.j2" %}{% block objet %}{{ 1 // 0 }}{% endblock %}', encoding="utf-8"
    )
    broken = _LetterMaker(replace(sources, template="casse"), campaign.data.figure_names)
    problem = pickle.loads(pickle.dumps(broken.validate(recipient)))
    assert isinstance(problem, Problem)
    assert problem.file == "templates/casse.j2"
    assert problem.message.endswith(
        f"ZeroDivisionError : integer division or modulo by zero (destinataire « {recipient.id} »)"
    )
    # write() renders too (--skip-invalid renders each letter once, there): the same Problem.
    failed = pickle.loads(pickle.dumps(broken.write((recipient, "out"))))
    assert failed == problem


def test_load_campaign_strict_raises_the_problems_with_the_warnings(campaign_dir):
    """strict=True: every problem in one InvalidInput, carrying the warnings; without it, returned."""
    bad = campaign_dir / "mauvais.csv"
    bad.write_text(
        "id;civilite;prenom;nom;departement\na;Madame;Anne;A;80\nb;Mlle;Berthe;B;33\n", encoding="utf-8"
    )
    sources = Sources(
        template="segur",
        templates_dir=Path("templates"),
        recipients=bad,
        letterhead=Path("templates/papier_en_tete.docx"),
        letter_date=date(2021, 7, 1),
        figures=Path("recipients/chiffres_exemple.csv"),
    )
    lenient = load_campaign(sources)
    assert [r.id for r in lenient.recipients] == ["a"]
    with pytest.raises(InvalidInput) as caught:
        load_campaign(sources, strict=True)
    assert caught.value.problems == lenient.problems
    assert [str(p) for p in caught.value.problems] == [
        f"{bad}:3: colonne « civilite » : « Mlle » n'est pas une civilité reconnue "
        "(Madame, Mme, Monsieur, M.)"
    ]
    assert caught.value.warnings == lenient.warnings
    assert any("« 80 »" in w.message for w in caught.value.warnings)


def test_file_stem():
    """File names: id first, ASCII lowercase slug, at most 80 characters, safe everywhere."""
    assert file_stem("33", "Gironde", "MARTIN") == "33-gironde-martin"
    assert file_stem("2A", "Corse-du-Sud", "Santoni") == "2A-corse-du-sud-santoni"
    assert file_stem("973", "Guyane", "LÉON d'Œuvre") == "973-guyane-leon-d-oeuvre"
    assert file_stem("01", "Ain", '../CON:*?<>|\\ "nul"') == "01-ain-con-nul"
    assert file_stem("x", "Ain", "李") == "x-ain"
    long = file_stem("75", "Paris", "A" * 200)
    assert len(long) == 80 and long.startswith("75-paris-aaa")
    assert file_stem("../etc", "Ain", "B") == "etc-ain-b"


def test_recipient_file_stem():
    """A recipient's letters are named from its id, département name and name."""
    who = Recipient(
        id="33", genre="F", prenom="Claire", nom="MARTIN", departement="33", fonction="president_cd"
    )
    assert recipient_file_stem(who) == "33-gironde-martin"


# --- file names that cannot collide -----------------------------------------------------------


def president(ident: str, nom: str, departement: str = "33") -> Recipient:
    return Recipient(
        id=ident, genre="F", prenom="Anne", nom=nom, departement=departement, fonction="president_cd"
    )


def test_file_stems_keep_ordinary_names():
    """Recipients whose names do not clash keep exactly their usual names."""
    people = [president("33", "MARTIN"), president("2A", "Santoni", "2A"), president("59", "Lefebvre", "59")]
    assert file_stems(people) == {r.id: recipient_file_stem(r) for r in people}
    assert file_stems(people)["2A"] == "2A-corse-du-sud-santoni"


def test_file_stems_part_recipients_whose_names_clash():
    """Ids cut to the same 80 characters, ids differing only in case, an id that reads like
    another's id and département: each its own name, case aside, suffixed from its id's sha256."""
    long = "x" * 90
    people = [
        president(long + "1", "Martin"),
        president(long + "2", "Martin"),
        president("Ab", "Durand"),
        president("AB", "Durand"),
        president("33-gironde", "Petit"),
        president("33", "Gironde Petit"),
        president("59", "Lefebvre", "59"),
    ]
    stems = file_stems(people)
    assert len({stem.lower() for stem in stems.values()}) == len(people)
    assert all(len(stem) <= 80 for stem in stems.values())
    assert stems["59"] == "59-nord-lefebvre"
    digest = hashlib.sha256(b"AB").hexdigest()[:8]
    assert stems["AB"] == f"AB-gironde-durand-{digest}"
    assert stems["33"] == f"33-gironde-gironde-petit-{hashlib.sha256(b'33').hexdigest()[:8]}"
    assert file_stems(reversed(people)) == stems  # the order of the recipients does not matter


def test_a_name_like_a_suffixed_one_is_parted_too():
    """A recipient whose own name is another's suffixed name: the suffixes grow until all differ."""
    clash = [president("x" * 90 + "1", "Martin"), president("x" * 90 + "2", "Martin")]
    suffixed = file_stems(clash)["x" * 90 + "2"]
    lookalike = president(suffixed, "Martin")  # an 80-character id: its name is the id alone
    assert recipient_file_stem(lookalike) == suffixed
    stems = file_stems([*clash, lookalike])
    assert len(set(stems.values())) == 3
    assert stems[suffixed].endswith(hashlib.sha256(suffixed.encode()).hexdigest()[:16])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="aAbB0-_.", min_size=1, max_size=100).filter(lambda s: s[0] not in "-."),
            st.text(alphabet="aAbé -'L", max_size=400),
        ),
        max_size=12,
        unique_by=lambda pair: pair[0],
    )
)
def test_no_two_recipients_ever_share_a_file_name(pairs):
    people = [president(ident, nom) for ident, nom in pairs]
    stems = file_stems(people)
    assert len({stem.lower() for stem in stems.values()}) == len(people)
    assert all(0 < len(stem) <= 80 and not stem.startswith(".") for stem in stems.values())


# --- signals and locks, in process ---------------------------------------------------------------


def example_sources(recipients: Path) -> Sources:
    return Sources(
        template="segur",
        templates_dir=Path("templates"),
        recipients=recipients,
        letterhead=Path("templates/papier_en_tete.docx"),
        letter_date=date(2021, 7, 1),
    )


def test_a_stopped_run_counts_its_letters_and_the_next_one_completes(campaign_dir):
    """Stopped (as the SIGINT handler raises it) after 7 letters: the count, nothing half-written,
    the journal kept; the next run writes only the rest."""
    campaign = load_campaign(example_sources(write_recipients(campaign_dir / "r.csv", 20)))
    out = campaign_dir / "out"
    seen = []

    def progress(count: int) -> None:
        seen.append(count)
        if len(seen) == 7:
            raise Stopped(signal.SIGINT)

    with pytest.raises(Stopped) as caught:
        generate(campaign, GenerateOptions(out, jobs=1), progress)
    stop = caught.value
    assert (stop.signum, stop.written, stop.total, stop.exit_code) == (signal.SIGINT, 7, 20, 130)
    assert stop.line == "interrompu : 7 lettres écrites sur 20 ; relancez la même commande pour terminer"
    assert journal_lines(out, "docx") == 7
    assert len(list(out.glob("*.docx"))) == 7
    assert not list(out.glob(".*.tmp")) and not (out / LOCK_NAME).exists()
    assert not (out / "manifest.csv").exists()
    report = generate(campaign, GenerateOptions(out, jobs=1))
    assert (report.written, report.up_to_date) == (13, 7)
    assert_complete(out, 20, ("docx",))


def test_a_locked_folder_is_refused_before_anything_is_read_or_written(campaign_dir):
    campaign = load_campaign(example_sources(write_recipients(campaign_dir / "r.csv", 3)))
    out = campaign_dir / "out"
    out.mkdir()
    with folder_lock(out), pytest.raises(OutputError) as caught:
        generate(campaign, GenerateOptions(out, jobs=1))
    assert str(caught.value).startswith(f"{out}: un autre « lettergen generate » écrit déjà dans ce dossier")
    assert list(out.iterdir()) == []


def test_the_journal_is_never_appended_through_a_link(tmp_path):
    target = tmp_path / "ailleurs.csv"
    target.write_text("intact")
    (tmp_path / JOURNAL_NAME).symlink_to(target)
    with pytest.raises(OutputError, match="c'est un lien symbolique"):
        Journal(tmp_path)
    assert target.read_text() == "intact"


def test_killed_while_letters_are_staged_the_next_run_writes_them_all(campaign_dir):
    """kill -9 while the letters are rendered into the staging folder (before any is in place):
    nothing under a final name, and the next run removes the staging folder and writes all."""
    recipients = write_recipients(campaign_dir / "grand.csv", 3000)
    out = campaign_dir / "out"
    args = ["generate", "-r", recipients.name, "-o", "out", "--date", "2021-07-01", "--jobs", "2"]
    kill_when(args, campaign_dir, lambda: len(list(out.glob(".lettergen-docx-*/*.docx"))) >= 20, 120, 0.005)
    assert not list(out.glob("*.docx")) and journal_lines(out, "docx") == 0
    completed = lettergen(*args, cwd=campaign_dir)
    assert completed.returncode == 0, completed.stderr
    assert_complete(out, 3000, ("docx",))
    assert not list(out.glob(".lettergen-docx-*"))
