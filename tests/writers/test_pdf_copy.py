"""Letters cut from a batch PDF by copying LibreOffice's objects, and LibreOffice's seeded profiles.

The batch is a real one: lettergen's DOCX letters combined and converted by LibreOffice. The
reference for each letter is pypdf's own cut (``PdfWriter``), which lettergen used before.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    create_string_object,
)

from lettergen.writers.docx_combine import combine_letters
from lettergen.writers.libreoffice import PDF_WITH_DESTINATIONS, LibreOffice, installed_version
from lettergen.writers.pdf import pdf_fonts
from lettergen.writers.pdf_copy import BatchObjects, OutsideLetter
from lettergen.writers.pdf_split import PdfMeta, _write_letter, split_batch
from tests.writers.conftest import make_letter

PAGES = (1, 3, 2)  # pages of the batch's three letters
LENGTHS = {1: 1, 2: 8, 3: 16}  # body paragraphs → pages, on the committed letterhead


@pytest.fixture(scope="module")
def batch_pdf(soffice, docx_writer, tmp_path_factory) -> Path:
    """Three letters of 1, 3 and 2 pages, combined, converted by LibreOffice in one document."""
    root = tmp_path_factory.mktemp("lot")
    letters = []
    for k, pages in enumerate(PAGES):
        path = root / f"lettre-{k}.docx"
        letter = make_letter(paragraphs=LENGTHS[pages], recipient_id=str(k), objet=f"Objet {k}")
        path.write_bytes(docx_writer.render(letter))
        letters.append(path)
    (root / "lot.docx").write_bytes(combine_letters(letters).data)
    office = LibreOffice(soffice, 1)
    try:
        call = office.convert([root / "lot.docx"], root, 120, PDF_WITH_DESTINATIONS)
    finally:
        office.stop()
        office.cleanup()
    assert not call.crashed and not call.timed_out, call.message
    return root / "lot.pdf"


def ranges() -> list[range]:
    bounds = [0]
    for pages in PAGES:
        bounds.append(bounds[-1] + pages)
    return [range(a, b) for a, b in zip(bounds, bounds[1:], strict=False)]


def poppler_complaints(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "lettre.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stderr


@pytest.mark.libreoffice
def test_letters_are_the_batch_objects_copied(batch_pdf, tmp_path):
    """Each letter: the batch's own page objects and font bytes, read by pypdf and poppler
    without a complaint, the same text as pypdf's cut, a cross-reference table that points
    at every object it lists."""
    data = batch_pdf.read_bytes()
    batch = PdfReader(io.BytesIO(data))
    objects = BatchObjects.read(batch, data)
    assert objects is not None  # a LibreOffice PDF: copied, not rewritten
    metas = [PdfMeta(f"Objet {k}", "Fédération exemple") for k in range(len(PAGES))]
    results = split_batch(batch_pdf, metas)
    for k, (pages, result) in enumerate(zip(ranges(), results, strict=True)):
        assert isinstance(result, bytes), result
        reader = PdfReader(io.BytesIO(result))
        own = [p.indirect_reference.idnum for p in reader.pages]
        assert own == [objects.pages[i] for i in pages]  # the batch's numbers: copied
        old = PdfReader(io.BytesIO(_write_letter(batch, pages, metas[k])))
        assert [p.extract_text() for p in reader.pages] == [p.extract_text() for p in old.pages]
        assert reader.metadata.title == f"Objet {k}" and reader.trailer["/Root"]["/Lang"] == "fr-FR"
        assert {name for name, embedded in pdf_fonts_of(result, tmp_path) if embedded} >= {"LiberationSerif"}
        assert poppler_complaints(result, tmp_path) == ""
        for number, offset in reader.xref[0].items():
            assert result[offset:].startswith(f"{number} 0 obj".encode()), number
    font_file = next(n for n in objects.spans if b"/Length1" in data[slice(*objects.spans[n])])
    chunk = data[slice(*objects.spans[font_file])]
    assert all(chunk in result for result in results if isinstance(result, bytes))


def pdf_fonts_of(pdf: bytes, tmp_path: Path) -> set[tuple[str, bool]]:
    path = tmp_path / "polices.pdf"
    path.write_bytes(pdf)
    return pdf_fonts(path)


@pytest.mark.libreoffice
def test_cut_twice_gives_the_same_bytes(batch_pdf):
    metas = [PdfMeta(f"Objet {k}") for k in range(len(PAGES))]
    assert split_batch(batch_pdf, metas) == split_batch(batch_pdf, metas)


def linked_batch(tmp_path: Path) -> Path:
    """Two one-page letters written by pypdf, the first with a link to the second's page."""
    writer = PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=595, height=842)
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(0), NumberObject(0), NumberObject(9), NumberObject(9)]
            ),
            NameObject("/Dest"): ArrayObject(
                [
                    writer.pages[1].indirect_reference,
                    NameObject("/XYZ"),
                    FloatObject(0),
                    FloatObject(0),
                    NumberObject(0),
                ]
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    for k in range(2):
        writer.add_named_destination(f"LGD{k:04d}", k)
        writer.add_named_destination(f"LGF{k:04d}", k)
    path = tmp_path / "lot.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def test_page_linking_out_of_its_letter_is_cut_by_pypdf(tmp_path):
    """A link to another letter's page cannot be copied alone: pypdf cuts that letter, and
    both letters come out, one page each."""
    path = linked_batch(tmp_path)
    data = path.read_bytes()
    objects = BatchObjects.read(PdfReader(io.BytesIO(data)), data)
    assert objects is not None
    with pytest.raises(OutsideLetter):
        objects.objects_of(range(0, 1))
    assert objects.objects_of(range(1, 2))  # the second letter links nowhere
    results = split_batch(path, [PdfMeta("a"), PdfMeta("b")])
    assert [len(PdfReader(io.BytesIO(r)).pages) for r in results if isinstance(r, bytes)] == [1, 1]


def test_encrypted_pdf_is_not_copied(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("", "propriétaire")
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    assert BatchObjects.read(PdfReader(io.BytesIO(data)), data) is None


@pytest.mark.libreoffice
def test_installed_version_is_libreoffice_own(soffice):
    done = subprocess.run([soffice, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"LibreOffice (\d+\.\d+)", done.stdout)
    assert found and installed_version(soffice) == found.group(1)


@pytest.mark.libreoffice
def test_seeded_profile_starts_without_render_tests(soffice, tmp_path):
    """A lettergen profile records the installed version: LibreOffice skips its graphics
    render tests (no GraphicsRenderTests.log written), and converts all the same."""
    letter = tmp_path / "lettre.txt"
    letter.write_text("Bonjour\n", encoding="utf-8")
    office = LibreOffice(soffice, 1)
    try:
        call = office.convert([letter], tmp_path, 120)
        profile = office._all[0].dir
        assert not call.crashed, call.message
        assert (tmp_path / "lettre.pdf").stat().st_size > 0
        assert (profile / "user" / "registrymodifications.xcu").exists()
        assert not (profile / "user" / "GraphicsRenderTests.log").exists()
    finally:
        office.stop()
        office.cleanup()


def link_targets(reader: PdfReader, index: int) -> set[int]:
    """Numbers of the page objects the links of page ``index`` point at."""
    targets = set()
    for annotation in reader.pages[index].get("/Annots") or []:
        dest = annotation.get_object().get("/Dest")
        if dest:
            targets.add(dest[0].idnum)
    return targets


@pytest.mark.libreoffice
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_run_of_pages_is_copied_or_refused(batch_pdf, data):
    """Any run of the batch's pages: copied with exactly their text, or refused (OutsideLetter)
    exactly when one of their links (« page i/n ») points at a page outside the run."""
    raw = batch_pdf.read_bytes()
    batch = PdfReader(io.BytesIO(raw))
    objects = BatchObjects.read(batch, raw)
    assert objects is not None
    total = len(batch.pages)
    first = data.draw(st.integers(0, total - 1))
    last = data.draw(st.integers(first, total - 1))
    pages = range(first, last + 1)
    inside = {objects.pages[i] for i in pages}
    outside = any(link_targets(batch, i) - inside for i in pages)
    info = DictionaryObject({NameObject("/Title"): create_string_object("Lettre")})
    try:
        pdf = objects.letter(pages, info, DictionaryObject(), b"%PDF-1.6")
    except OutsideLetter:
        assert outside
        return
    assert not outside
    reader = PdfReader(io.BytesIO(pdf))
    assert [p.extract_text() for p in reader.pages] == [batch.pages[i].extract_text() for i in pages]
    assert reader.metadata.title == "Lettre"


@pytest.mark.libreoffice
def test_half_a_letter_is_refused(batch_pdf):
    """The first page of the 3-page letter alone: its « page 1/3 » links to page 3, outside."""
    raw = batch_pdf.read_bytes()
    objects = BatchObjects.read(PdfReader(io.BytesIO(raw)), raw)
    assert objects is not None
    with pytest.raises(OutsideLetter):
        objects.objects_of(range(1, 2))
    assert objects.objects_of(range(1, 4))
