"""PDF conversion with LibreOffice in batches, merging, and reading PDFs back."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from pypdf import PdfReader

from lettergen.errors import ConversionError
from lettergen.writers.pdf import (
    INSTALL_HINT,
    convert_to_pdf,
    find_soffice,
    merge_pdfs,
    pdf_fonts,
    pdf_text,
)

NNBSP = "\u202f"
INSTALL_MESSAGE = (
    "LibreOffice est introuvable (ni « soffice » ni « libreoffice » dans le PATH) : "
    "la conversion en PDF est impossible (les lettres DOCX, elles, n’en ont pas besoin). "
    "Pour l’installer sous Debian ou Ubuntu : "
    "sudo apt-get install libreoffice-writer-nogui fonts-liberation2"
)
FILLER = (
    "Les départements financent l’aide sociale à l’enfance ; leurs moyens ne suivent pas "
    "la hausse des besoins, et les familles d’accueil manquent partout sur le territoire. "
)


def expected_strings(i: int) -> list[str]:
    """Strings letter i must show in its PDF text."""
    return [
        f"Madame la Présidente{NNBSP}{i}",
        f"12{NNBSP}{i:03d}{NNBSP}€",
        f"« l’œuvre commune{NNBSP}»",
        f"Lettre{NNBSP}n°{NNBSP}{i}{NNBSP}:",
    ]


def make_letter(path: Path, i: int, paragraphs: int) -> Path:
    """Write a small French letter as DOCX with python-docx, in Liberation Serif."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Liberation Serif"
    normal.font.size = Pt(12)
    for line in expected_strings(i):
        document.add_paragraph(line)
    for n in range(paragraphs):
        document.add_paragraph(f"{n + 1}. {FILLER * 2}")
    document.add_paragraph("Veuillez agréer, Madame la Présidente, l’expression de ma haute considération.")
    document.save(path)
    return path


def pages_of(i: int) -> int:
    """Number of body paragraphs for letter i: every third letter runs onto a second page."""
    return 14 if i % 3 == 0 else 3


@pytest.fixture(scope="module")
def converted(soffice, tmp_path_factory):
    """Twelve letters converted by 2 workers in batches of 3, then merged."""
    root = tmp_path_factory.mktemp("letters")
    letters = [make_letter(root / f"lettre_{i:02d}.docx", i, pages_of(i)) for i in range(12)]
    out = root / "pdf"
    done: list[Path] = []
    report = convert_to_pdf(letters, out, jobs=2, batch_size=3, on_done=done.append)
    merged = root / "toutes.pdf"
    total = merge_pdfs(report.pdf_paths, merged)
    return letters, out, report, done, merged, total


@pytest.mark.libreoffice
def test_every_letter_converted_under_its_stem(converted):
    """Twelve letters, two workers, batches of three: twelve PDFs named after their DOCX."""
    letters, out, report, done, _, _ = converted
    assert report.ok, report.failures
    assert list(report.converted) == letters
    assert [p.name for p in report.pdf_paths] == [f"lettre_{i:02d}.pdf" for i in range(12)]
    assert sorted(p.name for p in out.iterdir()) == [f"lettre_{i:02d}.pdf" for i in range(12)]
    assert sorted(done) == sorted(letters)


@pytest.mark.libreoffice
def test_pdf_text_keeps_french_typography(converted):
    """Each PDF's text holds its strings with U+202F, ’, « », €, œ intact."""
    _, _, report, _, _, _ = converted
    for i, pdf in enumerate(report.pdf_paths):
        text = pdf_text(pdf)
        for expected in expected_strings(i):
            assert expected in text, (pdf.name, expected)


@pytest.mark.libreoffice
def test_page_counts_one_or_two(converted):
    """Short letters take one page, long ones two."""
    _, _, report, _, _, _ = converted
    counts = [len(PdfReader(p).pages) for p in report.pdf_paths]
    assert counts == [2 if i % 3 == 0 else 1 for i in range(12)]


@pytest.mark.libreoffice
def test_all_fonts_embedded(converted):
    """Every font of every PDF is embedded, and the letters use Liberation Serif."""
    _, _, report, _, _, _ = converted
    for pdf in report.pdf_paths:
        fonts = pdf_fonts(pdf)
        assert fonts and all(embedded for _, embedded in fonts), (pdf.name, fonts)
        assert any("LiberationSerif" in name for name, _ in fonts), fonts


@pytest.mark.libreoffice
def test_merged_letters_start_on_odd_pages(converted):
    """In the merged PDF each letter starts on an odd page (even 0-based index)."""
    _, _, report, _, merged, total = converted
    reader = PdfReader(merged)
    counts = [len(PdfReader(p).pages) for p in report.pdf_paths]
    padded = [c + c % 2 for c in counts]
    assert total == len(reader.pages) == sum(padded) == 24
    start = 0
    for i, (count, pad) in enumerate(zip(counts, padded, strict=True)):
        assert start % 2 == 0
        assert f"Madame la Présidente{NNBSP}{i}" in (reader.pages[start].extract_text() or "")
        if pad > count:
            blank = reader.pages[start + count]
            assert not (blank.extract_text() or "").strip()
            assert blank.mediabox.width == reader.pages[start + count - 1].mediabox.width
            assert blank.mediabox.height == reader.pages[start + count - 1].mediabox.height
        start += pad


@pytest.mark.libreoffice
def test_corrupt_docx_reported_others_delivered(soffice, tmp_path):
    """Random bytes named .docx among good letters: reported by path, the others delivered."""
    good = [make_letter(tmp_path / f"ok_{i}.docx", i, 2) for i in range(4)]
    bad = tmp_path / "abime.docx"
    bad.write_bytes(os.urandom(4096))
    missing = tmp_path / "absente.docx"
    letters = good[:2] + [bad] + good[2:] + [missing]
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=2, batch_size=5)
    assert list(report.converted) == good
    assert [f.path for f in report.failures] == [bad, missing]
    assert "could not be loaded" in report.failures[0].message
    assert "introuvable" in report.failures[1].message
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [f"ok_{i}.pdf" for i in range(4)]


def write_script(path: Path, body: str) -> Path:
    """An executable shell script standing in for soffice."""
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def alive(pid: int) -> bool:
    """Whether a process exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_hanging_soffice_killed_retried_then_reported(tmp_path):
    """A soffice that hangs is killed with its children, each letter retried once, then reported."""
    pids = tmp_path / "pids"
    fake = write_script(
        tmp_path / "soffice",
        f'sleep 60 &\necho $! >> "{pids}"\necho $$ >> "{pids}"\necho "bloqué" >&2\nwait\n',
    )
    letters = []
    for i in range(3):
        letters.append(tmp_path / f"l{i}.docx")
        letters[-1].write_bytes(b"PK")
    started = time.monotonic()
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=2, timeout=0.3, batch_size=3, soffice=str(fake))
    elapsed = time.monotonic() - started
    assert report.converted == {}
    assert [f.path for f in report.failures] == letters
    assert all("ne répond plus" in f.message and "bloqué" in f.message for f in report.failures)
    # batches of 2 and 1 letters, then 3 single-letter retries: 5 calls, all killed
    assert report.retried == 3 and report.killed == 5
    assert elapsed < 10
    recorded = [int(x) for x in pids.read_text().split()]
    # 2 pids a call, and 2 for each of the 2 resident instances that never got ready
    assert len(recorded) == 14
    time.sleep(0.1)
    assert not any(alive(pid) for pid in recorded)
    assert list((tmp_path / "pdf").iterdir()) == []


@pytest.mark.libreoffice
def test_letter_that_hangs_does_not_sink_its_batch(soffice, tmp_path):
    """A letter that makes soffice hang is reported; its batch mates are delivered on retry.

    The stand-in hangs on any document holding « PENDUE »: the batch document first (all four
    letters), then that letter's own retry.
    """
    check = (
        "import sys, zipfile; sys.exit(b'PENDUE' in zipfile.ZipFile(sys.argv[1]).read('word/document.xml'))"
    )
    fake = write_script(
        tmp_path / "soffice-hang",
        f'for a in "$@"; do case "$a" in *.docx) "{sys.executable}" -c "{check}" "$a" || sleep 60;; '
        "esac; done\n"
        f'exec "{soffice}" "$@"\n',
    )
    letters = [make_letter(tmp_path / f"ok_{i}.docx", i, 2) for i in range(3)]
    hanging = make_letter(tmp_path / "pendue.docx", 99, 2)
    document = docx.Document(hanging)
    document.add_paragraph("PENDUE")
    document.save(hanging)
    letters.insert(1, hanging)
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=1, timeout=2, batch_size=4, soffice=str(fake))
    assert [f.path for f in report.failures] == [letters[1]]
    assert "ne répond plus" in report.failures[0].message
    assert list(report.converted) == [letters[0], letters[2], letters[3]]
    assert report.killed == 2 and report.retried == 4
    for i, pdf in enumerate(report.pdf_paths):
        assert f"Madame la Présidente{NNBSP}{i}" in pdf_text(pdf)


def test_find_soffice_missing_gives_install_hint(tmp_path, monkeypatch):
    """Without soffice on PATH, the French message says how to install it on Debian."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConversionError) as caught:
        find_soffice()
    assert caught.value.message == INSTALL_MESSAGE == INSTALL_HINT
    assert str(caught.value) == INSTALL_MESSAGE
    with pytest.raises(ConversionError):
        convert_to_pdf([tmp_path / "a.docx"], tmp_path / "pdf")


def test_same_stem_twice_refused(tmp_path):
    """Two letters with the same file stem would share a PDF name: refused up front."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(ConversionError, match="même nom"):
        convert_to_pdf(
            [tmp_path / "a" / "x.docx", tmp_path / "b" / "x.docx"], tmp_path / "pdf", soffice="/bin/false"
        )


@pytest.mark.libreoffice
def test_creation_date_makes_pdf_reproducible(soffice, tmp_path):
    """With a creation date, two conversions of one DOCX give byte-identical, valid PDFs."""
    letter = make_letter(tmp_path / "lettre.docx", 7, 2)
    when = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    first = convert_to_pdf([letter], tmp_path / "un", creation_date=when).pdf_paths[0]
    time.sleep(1.1)  # LibreOffice's own stamp has one-second resolution
    second = convert_to_pdf([letter], tmp_path / "deux", creation_date=when).pdf_paths[0]
    assert first.read_bytes() == second.read_bytes()
    assert PdfReader(first).metadata.creation_date == when
    assert len(PdfReader(first, strict=True).pages) == 1
    assert f"Madame la Présidente{NNBSP}7" in pdf_text(first)


@pytest.mark.libreoffice
def test_awkward_file_names_keep_their_stem(soffice, tmp_path):
    """Accents, spaces, dots, #, % and a leading dash in names: each PDF keeps its DOCX's stem."""
    names = ["Séverine Dupré.docx", "lettre.v2.docx", "n°#3 100%.docx", "-option.docx"]
    letters = [make_letter(tmp_path / name, i, 1) for i, name in enumerate(names)]
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=1)
    assert report.ok, report.failures
    assert [p.name for p in report.pdf_paths] == [Path(n).stem + ".pdf" for n in names]
    for i, pdf in enumerate(report.pdf_paths):
        assert f"Madame la Présidente{NNBSP}{i}" in pdf_text(pdf)


def test_unwritable_output_folder_is_an_output_error(tmp_path):
    """An output folder that cannot be created raises OutputError naming it."""
    from lettergen.errors import OutputError

    letter = tmp_path / "a.docx"
    letter.write_bytes(b"PK")
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier")
    with pytest.raises(OutputError) as caught:
        convert_to_pdf([letter], blocker / "pdf", soffice="/bin/false")
    assert caught.value.file == str(blocker / "pdf")


@pytest.mark.libreoffice
def test_resident_libreoffice_dies_with_lettergen(soffice, tmp_path):
    """lettergen killed with SIGKILL leaves no resident LibreOffice running on its profile."""
    import signal
    import subprocess

    script = (
        "import time\n"
        "from lettergen.writers.libreoffice import LibreOffice\n"
        f"office = LibreOffice({soffice!r}, 1)\n"
        "profile = office._free.get()\n"
        "print(profile.dir, profile.resident.wait_ready(60), flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        folder, ready = process.stdout.readline().split()
        assert ready == "True"
        assert on_profile(folder), "the resident instance should run until lettergen ends"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
    deadline = time.monotonic() + 10
    while on_profile(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not on_profile(folder)
    shutil.rmtree(folder)  # what a killed run leaves in /tmp


def on_profile(folder: str) -> list[int]:
    """Processes whose command line names ``folder`` (LibreOffice on that profile)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and folder.encode() in command and alive(int(entry.name)):
            found.append(int(entry.name))
    return found
