"""Batch documents: many letters in one LibreOffice call, cut back into one PDF per letter.

The letters are lettergen's own DOCX (every variant of the example campaign, and letters of
1, 2 and 3 pages on the committed letterhead); the reference is LibreOffice converting each
DOCX on its own, as lettergen did before batch documents.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from lettergen.cli import cli
from lettergen.writers.docx_combine import combine_letters, read_meta
from lettergen.writers.pdf import convert_to_pdf, plan_batches
from lettergen.writers.pdf_split import PdfMeta, split_batch
from tests.writers.conftest import make_letter

REPO = Path(__file__).resolve().parents[2]
VARIANTS = sorted(p.stem for p in (REPO / "templates").glob("*.j2"))
PAGE = re.compile(r"page (\d+)/(\d+)")


def texts(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


@pytest.fixture(scope="module")
def variant_letters(tmp_path_factory) -> list[Path]:
    """The example letters of every variant (18; 10 for maires), as DOCX, in one folder (names prefixed)."""
    root = tmp_path_factory.mktemp("variantes")
    for name in ("templates", "recipients"):
        shutil.copytree(REPO / name, root / name)
    letters = root / "lettres"
    letters.mkdir()
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for variant in VARIANTS:
            # The mayors' letter needs a commune: its own example file.
            example = ["-r", "recipients/exemple_maires.csv"] if variant == "maires" else []
            args = ["generate", "--date", "2021-07-01", "-t", variant, "-o", variant, *example]
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, result.output
            for path in sorted((root / variant).glob("*.docx")):
                shutil.copyfile(path, letters / f"{variant}-{path.name}")
    return sorted(letters.glob("*.docx"))


def soffice_alone(soffice: str, letters: list[Path], out: Path, profile: Path) -> None:
    """The reference: LibreOffice's own command line, each DOCX its own document."""
    out.mkdir()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(out), *map(str, letters)],
        check=True,
        capture_output=True,
    )


@pytest.mark.libreoffice
def test_every_variant_same_text_and_pages_as_alone(soffice, variant_letters, tmp_path):
    """Every variant's letters, cut from batch documents, read exactly as converted alone."""
    report = convert_to_pdf(variant_letters, tmp_path / "lots", jobs=2)
    assert report.ok, report.failures
    assert report.batches == 2 and report.retried == 0  # 90 letters: two documents of 45
    soffice_alone(soffice, variant_letters, tmp_path / "seules", tmp_path / "profil")
    # 18 example letters per variant, 10 for the mayors' (recipients/exemple_maires.csv)
    assert len(report.converted) == len(variant_letters) == 18 * (len(VARIANTS) - 1) + 10
    for letter, pdf in report.converted.items():
        alone = texts(tmp_path / "seules" / (letter.stem + ".pdf"))
        assert texts(pdf) == alone, letter.name
    pages = {len(PdfReader(pdf).pages) for pdf in report.pdf_paths}
    assert pages == {1, 2}  # « courte » fits on one page, the others take two


@pytest.mark.libreoffice
def test_page_i_of_n_on_every_page(docx_writer, tmp_path):
    """Letters of 1, 3, 2, 1 and 3 pages in one document: « page i/n » right on every page."""
    lengths = {1: 1, 2: 8, 3: 16}  # body paragraphs → pages, on the committed letterhead
    wanted = [1, 3, 2, 1, 3]
    letters = []
    for k, pages in enumerate(wanted):
        path = tmp_path / f"lettre-{k}.docx"
        path.write_bytes(docx_writer.render(make_letter(paragraphs=lengths[pages], recipient_id=str(k))))
        letters.append(path)
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=1)
    assert report.ok and report.batches == 1
    for pages, pdf in zip(wanted, report.pdf_paths, strict=True):
        found = [PAGE.findall(text) for text in texts(pdf)]
        assert found == [[(str(i), str(pages))] for i in range(1, pages + 1)], pdf.name


@pytest.mark.libreoffice
def test_metadata_and_bytes_reproducible(variant_letters, tmp_path):
    """Each PDF: title = objet, author = sender, date = the letter's, /Lang fr-FR; same bytes twice."""
    letters = variant_letters[:3]
    first = convert_to_pdf(letters, tmp_path / "un", jobs=1)
    second = convert_to_pdf(letters, tmp_path / "deux", jobs=1)
    for letter, pdf in first.converted.items():
        reader = PdfReader(pdf)
        meta = read_meta(letter)
        assert reader.metadata.title == meta.title and meta.title.startswith("Conséquences du Ségur")
        assert reader.metadata.author == "Fédération exemple des acteurs sociaux et médico-sociaux"
        assert reader.metadata.creation_date == datetime(2021, 7, 1, tzinfo=UTC)
        assert reader.trailer["/Root"]["/Lang"] == "fr-FR"
        assert pdf.read_bytes() == second.converted[letter].read_bytes()


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.libreoffice
def test_letter_that_crashes_libreoffice_reported_alone(soffice, docx_writer, tmp_path):
    """LibreOffice dies on one letter: the batch fails, its four neighbours are written on retry."""
    check = (
        "import sys, zipfile; sys.exit(b'PLANTE' in zipfile.ZipFile(sys.argv[1]).read('word/document.xml'))"
    )
    fake = write_script(
        tmp_path / "soffice-plante",
        f'for a in "$@"; do case "$a" in *.docx) "{sys.executable}" -c "{check}" "$a" '
        '|| { echo "Segmentation fault" >&2; exit 139; };; esac; done\n'
        f'exec "{soffice}" "$@"\n',
    )
    letters = []
    for k in range(5):
        letter = make_letter(
            recipient_id=str(k), appel=f"Madame la Présidente {k}," + (" PLANTE" if k == 2 else "")
        )
        letters.append(tmp_path / f"lettre-{k}.docx")
        letters[-1].write_bytes(docx_writer.render(letter))
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=1, soffice=str(fake))
    assert [f.path for f in report.failures] == [letters[2]]
    assert "Segmentation fault" in report.failures[0].message
    assert list(report.converted) == [letters[k] for k in (0, 1, 3, 4)]
    assert report.retried == 5 and report.killed == 0
    for k, pdf in zip((0, 1, 3, 4), report.pdf_paths, strict=True):
        assert f"Madame la Présidente {k}," in texts(pdf)[0]
    assert sorted(p.name for p in (tmp_path / "pdf").iterdir()) == [f"lettre-{k}.pdf" for k in (0, 1, 3, 4)]


@pytest.mark.libreoffice
def test_broken_docx_in_a_batch_converted_apart(docx_writer, tmp_path):
    """A letter whose body is cut short and one built on python-docx's template, among good ones."""
    letters = []
    for k in range(4):
        letters.append(tmp_path / f"lettre-{k}.docx")
        letters[-1].write_bytes(docx_writer.render(make_letter(recipient_id=str(k))))
    broken = tmp_path / "tronquee.docx"
    with zipfile.ZipFile(letters[0]) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[: len(data) // 2] if info.filename == "word/document.xml" else data)
    other = tmp_path / "autre-modele.docx"
    document = docx.Document()
    document.add_paragraph("Une lettre sur un autre modèle")
    document.save(other)
    order = [letters[0], broken, letters[1], other, letters[2], letters[3]]
    report = convert_to_pdf(order, tmp_path / "pdf", jobs=1)
    assert [f.path for f in report.failures] == [broken]
    assert list(report.converted) == [p for p in order if p != broken]
    assert report.batches == 2  # the four letters, then the other template on its own
    assert "Une lettre sur un autre modèle" in texts(report.converted[other])[0]


@pytest.mark.libreoffice
def test_pdf_missing_from_a_call_is_retried_then_reported(soffice, tmp_path):
    """A soffice that skips its last file (as the wrapper does past ~244): retried alone, reported."""
    fake = write_script(  # the last file is swapped for one that does not exist
        tmp_path / "soffice-oublie",
        'n=$#; i=0; for a in "$@"; do i=$((i+1)); '
        '[ $i -lt $n ] && set -- "$@" "$a" || set -- "$@" /nulle/part.docx; done\n'
        "shift $n\n"
        f'exec "{soffice}" "$@"\n',
    )
    letters = []
    for k in range(3):  # a table first: not combinable, handed to LibreOffice as files
        document = docx.Document()
        document.add_table(rows=1, cols=1).cell(0, 0).text = f"Tableau {k}"
        document.add_paragraph(f"Lettre {k}")
        letters.append(tmp_path / f"t{k}.docx")
        document.save(letters[-1])
    report = convert_to_pdf(letters, tmp_path / "pdf", jobs=1)
    assert report.ok and report.batches == 0
    dropped = convert_to_pdf(letters, tmp_path / "pdf2", jobs=1, soffice=str(fake))
    assert list(dropped.converted) == letters[:2]
    assert [f.path for f in dropped.failures] == [letters[2]]
    assert dropped.failures[0].message.startswith("LibreOffice n’a pas pu convertir cette lettre : ")
    assert dropped.retried == 1


def test_plan_batches_keeps_workers_busy():
    """Batches of at most ``batch_size``, a multiple of ``jobs`` of them, the last round halved."""
    assert [len(r) for r in plan_batches(1000, 2, 100)] == [100] * 8 + [50] * 4
    assert [len(r) for r in plan_batches(500, 2, 100)] == [83, 84, 83, 83, 42, 42, 41, 42]
    assert [len(r) for r in plan_batches(200, 2, 100)] == [100, 100]
    assert [len(r) for r in plan_batches(3, 2, 3)] == [2, 1]
    assert [len(r) for r in plan_batches(12, 2, 3)] == [3, 3, 2, 1, 1, 2]
    assert [len(r) for r in plan_batches(1, 4, 200)] == [1]
    assert plan_batches(0, 2, 200) == []
    assert [r.start for r in plan_batches(10, 1, 4)] == [0, 3, 7, 8]
    for count in range(0, 400, 7):  # every letter once, in order, no batch too big
        batches = plan_batches(count, 2, 50)
        assert [i for r in batches for i in r] == list(range(count))
        assert all(1 <= len(r) <= 50 for r in batches)


def test_combined_document_has_one_section_per_letter(docx_writer, tmp_path):
    """Sections restart at page 1; each letter's footer totals its own pages (PAGEREF); the
    header, the same for all, is laid out once."""
    letters = []
    for k in range(3):
        letters.append(tmp_path / f"l{k}.docx")
        letters[-1].write_bytes(docx_writer.render(make_letter(recipient_id=str(k))))
    combined = combine_letters(letters)
    assert combined.letters == tuple(letters) and not combined.apart and not combined.unreadable
    with zipfile.ZipFile(io.BytesIO(combined.data)) as archive:
        body = archive.read("word/document.xml").decode()
        footers = sorted(n for n in archive.namelist() if n.startswith("word/footer"))
        totals = [archive.read(n).decode() for n in footers if "-lg" in n]
    assert body.count("<w:sectPr") == 3 and body.count('w:start="1"') == 3
    # the header shows no page total: named by the first section, inherited by the others
    assert body.count("<w:headerReference") == 1 and body.count("<w:footerReference") == 3
    assert [body.count(f'w:name="LGD{k:04d}"') for k in range(3)] == [1, 1, 1]
    assert len(totals) == 3
    for k, footer in enumerate(totals):
        assert f"PAGEREF LGF{k:04d}" in footer and "NUMPAGES" not in footer


def test_split_without_destinations_reports_each_letter(tmp_path):
    """A PDF without the named destinations: every letter gets a French reason, nothing is cut."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    pdf = tmp_path / "lot.pdf"
    with open(pdf, "wb") as handle:
        writer.write(handle)
    results = split_batch(pdf, [PdfMeta("a"), PdfMeta("b")])
    assert [str(r) for r in results] == [
        "découpage du PDF incohérent (lettre 1 du lot)",
        "découpage du PDF incohérent (lettre 2 du lot)",
    ]


@pytest.mark.libreoffice
def test_author_is_the_sender_not_the_letterhead(docx_writer, tmp_path):
    """The PDF's author is the sender block's first line (the letterhead's creator is someone else)."""
    sender = ("Association Les Tilleuls", "3 place du Marché", "33000 BORDEAUX")
    letters = []
    for k in range(3):
        letter = make_letter(recipient_id=str(k), sender=sender, objet=f"Objet numéro {k}")
        letters.append(tmp_path / f"lettre-{k}.docx")
        letters[-1].write_bytes(docx_writer.render(letter, datetime(2024, 5, 6).date()))
    plain = tmp_path / "autre.docx"  # not a lettergen letter: its own dc:creator stands
    document = docx.Document()
    document.core_properties.author = "Camille Autre"
    document.add_paragraph("Sans papier à en-tête")
    document.save(plain)
    report = convert_to_pdf([*letters, plain], tmp_path / "pdf", jobs=1)
    assert report.ok, report.failures
    for k, letter in enumerate(letters):
        reader = PdfReader(report.converted[letter])
        assert reader.metadata.author == "Association Les Tilleuls"
        assert reader.metadata.title == f"Objet numéro {k}"
        assert reader.metadata.creation_date == datetime(2024, 5, 6, tzinfo=UTC)
        assert reader.trailer["/Root"]["/Lang"] == "fr-FR"
    assert read_meta(letters[0]).author == "Association Les Tilleuls"
    assert PdfReader(report.converted[plain]).metadata.author == "Camille Autre"


@pytest.mark.libreoffice
def test_resident_libreoffice_gives_the_same_bytes(variant_letters, tmp_path, monkeypatch):
    """Batches converted one after another by a resident LibreOffice, or each by its own start,
    give byte-identical letters: the resident instance carries nothing from one batch to the next."""
    import functools

    from lettergen.writers import pdf as pdf_module

    letters = variant_letters[:6]
    offices = []
    original = pdf_module.LibreOffice

    def recording(*args, **options):
        offices.append(original(*args, **options))
        return offices[-1]

    with monkeypatch.context() as patch:
        patch.setattr(pdf_module, "LibreOffice", recording)
        resident = convert_to_pdf(letters, tmp_path / "resident", jobs=1, batch_size=2)
    assert resident.ok and resident.batches == 4  # 2, 2, 1, 1 letters: one resident instance
    assert offices[0].resident  # it started and served every call (no fallback)
    plain = functools.partial(original, resident=False)
    monkeypatch.setattr(pdf_module, "LibreOffice", plain)
    started = convert_to_pdf(letters, tmp_path / "seul", jobs=1, batch_size=2)
    assert started.ok
    for letter in letters:
        assert resident.converted[letter].read_bytes() == started.converted[letter].read_bytes()
