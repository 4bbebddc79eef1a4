"""The DOCX for print (issue 12), read back with python-docx: « 1er » raised, the address framed over
the envelope window, room to sign, a shared organisation said once."""

from __future__ import annotations

import io
import re

import docx
from docx.shared import Mm
from hypothesis import given, settings
from hypothesis import strategies as st

from lettergen.letter import Paragraph, Run, Signatory
from lettergen.writers.docx import docx_text, expected_paragraphs
from lettergen.writers.docx_xml import SIGNATURE_SPACE
from lettergen.writers.text import render_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FEDERATION = "Fédération exemple des acteurs sociaux et médico-sociaux"


def document_of(writer, letter) -> docx.document.Document:
    return docx.Document(io.BytesIO(writer.render(letter)))


def test_first_of_the_month_has_er_in_superscript(docx_writer, make_docx_letter):
    """« Paris, le 1er juillet 2022 »: three runs, the middle one « er » in superscript; same text."""
    document = document_of(docx_writer, make_docx_letter())
    (date,) = [p for p in document.paragraphs if p.style.name == "LG Lieu et date"]
    assert date.text == "Paris, le 1er juillet 2022"
    assert [(r.text, bool(r.font.superscript)) for r in date.runs] == [
        ("Paris, le 1", False),
        ("er", True),
        (" juillet 2022", False),
    ]
    assert "Paris, le 1er juillet 2022" in render_text(make_docx_letter())


@settings(max_examples=60, deadline=None)
@given(
    before=st.text(alphabet="abc ,1e", max_size=12),
    after=st.text(alphabet="abc ,1r", max_size=12),
    bold=st.booleans(),
)
def test_every_first_ordinal_is_raised_and_text_kept(docx_writer, make_docx_letter, before, after, bold):
    """In any text, each whole « 1er » (not « 11er », « 1ere ») is raised; the words never change."""
    text = f"{before} 1er {after}"
    letter = make_docx_letter(body=(Paragraph((Run(text, bold=bold),)),))
    document = document_of(docx_writer, letter)
    (body,) = [p for p in document.paragraphs if p.style.name == "LG Corps"]
    assert body.text == text
    raised = [r for r in body.runs if r.font.superscript]
    assert all(r.text == "er" and bool(r.bold) == bold for r in raised)
    assert len(raised) == len(re.findall(r"(?<!\w)1er(?!\w)", text))


def test_address_is_framed_over_the_window_and_the_date_follows(docx_writer, make_docx_letter):
    """The address paragraph is a frame 45 mm from the top, 52 mm high: the date starts below 95 mm."""
    document = document_of(docx_writer, make_docx_letter())
    (address,) = [p for p in document.paragraphs if p.style.name == "LG Destinataire"]
    frame = address._p.find(f"{W}pPr/{W}framePr")
    assert frame is not None
    y, h = (int(frame.get(f"{W}{name}")) for name in ("y", "h"))
    assert frame.get(f"{W}vAnchor") == "page" and frame.get(f"{W}hRule") == "exact"
    assert y + h >= Mm(95).twips and y <= Mm(50).twips
    assert int(frame.get(f"{W}x")) >= Mm(100).twips
    assert frame.get(f"{W}wrap") == "notBeside"  # nothing beside it: the date goes under it


def test_names_sit_26_mm_under_the_organisation(docx_writer, make_docx_letter):
    """One signatory: organisation, then a name paragraph with 26 mm before it for the signature."""
    document = document_of(docx_writer, make_docx_letter(1))
    texts = [p.text for p in document.paragraphs]
    name = document.paragraphs[texts.index("Jeanne MARTIN\nPrésidente")]
    assert name.paragraph_format.space_before.mm >= 25
    assert Mm(25).twips <= SIGNATURE_SPACE


def test_shared_organisation_is_one_cell_over_its_columns(docx_writer, make_docx_letter):
    """The base letter's two signatories of one federation: its name once, over both, names below."""
    signatories = (
        Signatory("Jeanne MARTIN", "Présidente", FEDERATION),
        Signatory("Karim BENSAÏD", "Directeur général", FEDERATION),
    )
    letter = make_docx_letter(signatories)
    data = docx_writer.render(letter)
    (table,) = docx.Document(io.BytesIO(data)).tables
    first, second = table.rows
    assert first.cells[0]._tc is first.cells[1]._tc and first.cells[0].text == FEDERATION
    assert [c.text for c in second.cells] == ["Jeanne MARTIN\nPrésidente", "Karim BENSAÏD\nDirecteur général"]
    for cell in second.cells:
        assert cell.paragraphs[0].paragraph_format.space_before.mm >= 25
    assert docx_text(data) == expected_paragraphs(letter)
    assert docx_text(data).count(FEDERATION) == 1
    assert render_text(letter).count(FEDERATION) == 1


def test_partly_shared_organisations(docx_writer, make_docx_letter):
    """A, A, B: two organisation cells (A over two columns, B), three names."""
    signatories = (
        Signatory("Jeanne MARTIN", "Présidente", "A"),
        Signatory("Karim BENSAÏD", "Directeur général", "A"),
        Signatory("Bernard NGUYEN", "Président", "B"),
    )
    letter = make_docx_letter(signatories)
    data = docx_writer.render(letter)
    (table,) = docx.Document(io.BytesIO(data)).tables
    assert [c.text for c in table.rows[0].cells] == ["A", "A", "B"]  # python-docx repeats a merged cell
    assert docx_text(data)[-7:-2] == [
        "A",
        "B",
        "Jeanne MARTIN\nPrésidente",
        "Karim BENSAÏD\nDirecteur général",
        "Bernard NGUYEN\nPrésident",
    ]
    assert docx_text(data) == expected_paragraphs(letter)
