"""Letterheads from real office suites: the letters keep their headers, footers and images.

Two letterheads a delegation could bring:

* the shipped one saved again by LibreOffice as .docx (``soffice --convert-to docx``), its
  header text then changed with python-docx, as a press officer would retype it;
* one with a logo (PNG) in a first-page header different from the following pages'
  (``w:titlePg``), and different footers on odd and even pages (``w:evenAndOddHeaders``).

Each writes two letters of the example campaign through the CLI, as DOCX and PDF; the DOCX
are schema-valid and carry the header and footer parts with their relationships and image;
the PDF, read back with pypdf, shows the logo and the first-page header on page 1 and the
other header on page 2.
"""

from __future__ import annotations

import io
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.shared import Cm
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ContentStream

from lettergen.cli import cli
from lettergen.writers.docx import docx_text

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "templates" / "papier_en_tete.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
DELEGATION = "Délégation régionale exemple des Hauts-de-France"
FIRST_HEADER = "Délégation exemple – en-tête de première page"
OTHER_HEADER = "Délégation exemple – en-tête des pages suivantes"
FIRST_FOOTER = "Pied de première page"
ODD_FOOTER = "Pied de page impaire"
EVEN_FOOTER = "Pied de page paire"
LETTERS = ("33-gironde-martin", "59-nord-lefebvre")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain-colour RGB PNG, built from its chunks (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


LOGO = png(120, 60, (0x1F, 0x3A, 0x5F))


def write_letters(letterhead: Path, out: Path) -> dict[str, Path]:
    """Write the two letters on ``letterhead`` as DOCX and PDF; return their stems → DOCX paths."""
    args = ["generate", "--templates-dir", str(REPO / "templates"), "--papier", str(letterhead)]
    args += [
        "-r",
        str(REPO / "recipients" / "exemple.csv"),
        "-f",
        str(REPO / "recipients" / "chiffres_exemple.csv"),
    ]
    args += ["--date", "2021-07-01", "-o", str(out), "--only", "33,59", "--format", "docx", "--format", "pdf"]
    result = CliRunner().invoke(cli, [*args, "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {stem: out / f"{stem}.docx" for stem in LETTERS}


def save_with_libreoffice(soffice: str, source: Path, folder: Path) -> Path:
    """Return ``source`` opened and saved as .docx by LibreOffice (its own profile in ``folder``)."""
    command = [
        soffice,
        f"-env:UserInstallation={(folder / 'profil').as_uri()}",
        "--headless",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(folder / "lo"),
        str(source),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    saved = folder / "lo" / source.name
    assert saved.exists()
    return saved


def retype_header(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the default header's runs, with python-docx."""
    document = docx.Document(str(path))
    header = document.sections[0].header
    runs = [
        run for table in header.tables for cell in table._cells for p in cell.paragraphs for run in p.runs
    ]
    runs += [run for p in header.paragraphs for run in p.runs]
    changed = [run for run in runs if old in run.text]
    assert changed, [run.text for run in runs]
    for run in changed:
        run.text = run.text.replace(old, new)
    document.save(str(path))


@pytest.fixture(scope="module")
def libreoffice_letters(soffice, tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    """The shipped letterhead saved by LibreOffice, its header retyped, and two letters on it."""
    folder = tmp_path_factory.mktemp("libreoffice")
    letterhead = save_with_libreoffice(soffice, SHIPPED, folder)
    retype_header(letterhead, "Fédération exemple des acteurs sociaux et médico-sociaux", DELEGATION)
    return letterhead, write_letters(letterhead, folder / "out")


def logo_letterhead(path: Path) -> Path:
    """The shipped letterhead with a logo in a first-page header, and odd/even footers."""
    document = docx.Document(str(SHIPPED))
    section = document.sections[0]
    section.different_first_page_header_footer = True
    document.settings.odd_and_even_pages_header_footer = True
    first = section.first_page_header
    first.is_linked_to_previous = False
    first.paragraphs[0].add_run().add_picture(io.BytesIO(LOGO), width=Cm(3.0))
    first.add_paragraph(FIRST_HEADER)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        header.add_paragraph(OTHER_HEADER)
    for footer, text in (
        (section.first_page_footer, FIRST_FOOTER),
        (section.footer, ODD_FOOTER),
        (section.even_page_footer, EVEN_FOOTER),
    ):
        footer.is_linked_to_previous = False
        footer.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def logo_letters(soffice, tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("logo")
    letterhead = logo_letterhead(folder / "papier_logo.docx")
    return letterhead, write_letters(letterhead, folder / "out")


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, lines joined (« HAUTS-\nDE-FRANCE » reads « HAUTS-DE-FRANCE »)."""
    texts = [page.extract_text() or "" for page in PdfReader(pdf).pages]
    return [text.replace("-\n", "-").replace("\n", " ") for text in texts]


def page_images(pdf: Path, index: int) -> list[tuple[int, int]]:
    """(width, height) in pixels of the images page ``index`` draws (``Do``), through forms too.

    Listed in the page's resources is not enough: LibreOffice shares them between pages.
    """
    found: list[tuple[int, int]] = []
    reader = PdfReader(pdf)

    def draw(content, resources) -> None:
        objects = (resources or {}).get("/XObject") or {}
        for operands, operator in ContentStream(content, reader).operations:
            if operator != b"Do" or operands[0] not in objects:
                continue
            xobject = objects[operands[0]].get_object()
            if xobject.get("/Subtype") == "/Image":
                found.append((int(xobject["/Width"]), int(xobject["/Height"])))
            elif xobject.get("/Subtype") == "/Form":
                draw(xobject, xobject.get("/Resources"))

    page = reader.pages[index]
    draw(page.get_contents(), page.get("/Resources"))
    return found


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def header_and_footer_parts(members: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in members.items() if name.startswith(("word/header", "word/footer"))}


@pytest.mark.libreoffice
def test_letters_on_a_letterhead_saved_by_libreoffice_are_schema_valid(libreoffice_letters, ooxml_schemas):
    _, letters = libreoffice_letters
    for path in letters.values():
        validated, problems = ooxml_schemas.check_package(path)
        assert [str(problem) for problem in problems] == []
        assert {"word/settings.xml", "word/styles.xml", "word/header1.xml"} <= set(validated)


@pytest.mark.libreoffice
def test_letters_keep_the_retyped_header_of_a_libreoffice_letterhead(libreoffice_letters):
    letterhead, letters = libreoffice_letters
    kept = header_and_footer_parts(parts(letterhead))
    assert any(DELEGATION.encode() in data for data in kept.values())
    for stem, path in letters.items():
        assert header_and_footer_parts(parts(path)) == kept
        assert "Madame la Présidente," in docx_text(path) or "Monsieur le Président," in docx_text(path)
        first_page = page_texts(path.with_suffix(".pdf"))[0]
        assert DELEGATION.upper() in first_page.upper(), stem  # small capitals in the header
        assert first_page.upper().startswith(f"[LOGO] {DELEGATION.upper()} ")  # the header comes first


@pytest.mark.libreoffice
def test_letters_on_a_logo_letterhead_are_schema_valid(logo_letters, ooxml_schemas):
    _, letters = logo_letters
    for path in letters.values():
        validated, problems = ooxml_schemas.check_package(path)
        assert [str(problem) for problem in problems] == []
        assert sum(name.startswith("word/header") and name.endswith(".xml") for name in validated) == 3


@pytest.mark.libreoffice
def test_letters_keep_the_logo_first_page_header_and_odd_even_footers(logo_letters):
    letterhead, letters = logo_letters
    source = parts(letterhead)
    media = {name: data for name, data in source.items() if name.startswith("word/media/")}
    assert list(media.values()) == [LOGO]
    for path in letters.values():
        members = parts(path)
        for name, data in {**media, **header_and_footer_parts(source)}.items():
            assert members.get(name) == data, name  # parts and their relationships, byte for byte
        assert members["word/_rels/document.xml.rels"] == source["word/_rels/document.xml.rels"]
        settings = etree.fromstring(members["word/settings.xml"])
        assert settings.find(f"{{{W}}}evenAndOddHeaders") is not None
        section = docx.Document(str(path)).sections[0]
        assert section.different_first_page_header_footer
        references = {
            ref.get(f"{{{W}}}type") for ref in section._sectPr.iterchildren(f"{{{W}}}headerReference")
        }
        assert references == {"first", "default", "even"}
        assert FIRST_HEADER in [p.text for p in section.first_page_header.paragraphs]
        blip = section.first_page_header._element.find(f".//{{{A}}}blip")
        assert section.first_page_header.part.related_parts[blip.get(f"{{{R}}}embed")].blob == LOGO


@pytest.mark.libreoffice
def test_logo_letterhead_renders_logo_and_first_header_on_page_one_only(logo_letters):
    _, letters = logo_letters
    for stem, path in letters.items():
        pdf = path.with_suffix(".pdf")
        texts = page_texts(pdf)
        assert len(texts) >= 2, stem
        assert FIRST_HEADER in texts[0] and FIRST_FOOTER in texts[0]
        assert OTHER_HEADER not in texts[0]
        assert OTHER_HEADER in texts[1] and EVEN_FOOTER in texts[1]
        assert FIRST_HEADER not in texts[1]
        assert page_images(pdf, 0) == [(120, 60)], stem  # the logo, pixels as drawn in LOGO
        assert page_images(pdf, 1) == [], stem
        assert "Madame la Présidente," in texts[0] or "Monsieur le Président," in texts[0]
