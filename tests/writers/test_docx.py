"""DOCX writer: body text equals Letter.blocks(), letterhead kept, bytes deterministic, XML safe."""

from __future__ import annotations

import datetime as dt
import io
import os
import pickle
import re
import subprocess
import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader

from lettergen.errors import LetterheadError, OutputError
from lettergen.letter import Letter, Paragraph, Run, Signatory
from lettergen.writers.docx import STYLE_NAMES, DocxWriter, docx_text, expected_paragraphs

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PER_LETTER_PARTS = {"word/document.xml", "docProps/core.xml"}


def parts(data: bytes) -> dict[str, bytes]:
    """Return every member of a zip package, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def body_paragraphs(data: bytes) -> list:
    """Return python-docx paragraphs of the body and of its tables, in order."""
    document = docx.Document(io.BytesIO(data))
    found = []
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            found += [p for row in item.rows for cell in row.cells for p in cell.paragraphs]
        else:
            found.append(item)
    return found


@pytest.mark.parametrize("signatories", [1, 3])
def test_body_text_equals_blocks(docx_writer, signatories, make_docx_letter):
    """The body holds Letter.blocks() paragraph by paragraph, lines joined by line breaks.

    The signatories read as laid out: organisations, then names and functions.
    """
    letter = make_docx_letter(signatories)
    data = docx_writer.render(letter)
    blocks = letter.blocks()
    assert docx_text(data) == expected_paragraphs(letter)
    assert docx_text(data)[: len(blocks) - signatories - 2] == [b.text for b in blocks][: -signatories - 2]
    assert sorted(" ".join(docx_text(data)).split()) == sorted(" ".join(b.text for b in blocks).split())


def test_paragraphs_carry_the_letterhead_styles(docx_writer, make_docx_letter):
    """Each block is in the user's named style: address, date, objet, body, signatures…"""
    letter = make_docx_letter(3, paragraphs=2)
    names = [p.style.name for p in body_paragraphs(docx_writer.render(letter))]
    assert names == [
        "LG Expéditeur",
        "LG Destinataire",
        "LG Lieu et date",
        "LG Objet",
        "LG Appel",
        "LG Corps",
        "LG Corps",
        "LG Formule",
        *["LG Signature"] * 6,  # a row of organisations, a row of names
        "LG Mentions",
        "LG Mentions",
    ]


def test_three_signatories_are_three_columns_of_a_borderless_table(docx_writer, make_docx_letter):
    """Three signatories sit side by side in a table with no borders: organisations, then names."""
    document = docx.Document(io.BytesIO(docx_writer.render(make_docx_letter(3))))
    (table,) = document.tables
    assert [len(table.rows), len(table.columns)] == [2, 3]
    assert table.style.name == "Normal Table"
    xml = etree.fromstring(parts(docx_writer.render(make_docx_letter(3)))["word/document.xml"])
    assert xml.find(f".//{W}tblBorders") is None and xml.find(f".//{W}tblStyle") is None
    assert [c.text for c in table.rows[0].cells] == [s.organisation for s in make_docx_letter(3).signatories]
    assert [c.text.split("\n")[0] for c in table.rows[1].cells] == [
        "Jeanne MARTIN",
        "Paul DURAND",
        "Amina BENALI",
    ]


def test_one_signatory_is_a_plain_block(docx_writer, make_docx_letter):
    """A single signatory is two paragraphs, not a table: organisation, then name and function."""
    document = docx.Document(io.BytesIO(docx_writer.render(make_docx_letter(1))))
    assert document.tables == []
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index("Fédération exemple") + 1] == "Jeanne MARTIN\nPrésidente"


def test_bold_and_italic_runs(docx_writer, make_docx_letter):
    """Runs marked bold or italic in the Letter are bold or italic in Word."""
    first = body_paragraphs(docx_writer.render(make_docx_letter()))[5]
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in first.runs] == [
        ("Vous avez été récemment ", False, False),
        ("élue", True, False),
        (" présidente du conseil départemental de la Gironde, ", False, False),
        ("et nous vous en félicitons", False, True),
        (".", False, False),
        (" Très sincèrement.", True, True),
    ]


def test_letterhead_parts_are_copied_unchanged(docx_writer, letterhead_path, make_docx_letter):
    """Header, footer, styles, settings and rels are the letterhead's bytes; sectPr is kept."""
    letterhead, output = parts(letterhead_path.read_bytes()), parts(docx_writer.render(make_docx_letter()))
    assert set(output) == set(letterhead)
    for name in set(letterhead) - PER_LETTER_PARTS:
        assert output[name] == letterhead[name], name
    assert {"word/header1.xml", "word/footer1.xml", "word/styles.xml"} <= set(output)
    sections = [
        etree.fromstring(p["word/document.xml"]).find(f"{W}body/{W}sectPr") for p in (letterhead, output)
    ]
    assert etree.tostring(sections[0]) == etree.tostring(sections[1])


def test_header_and_footer_apply(docx_writer, make_docx_letter):
    """python-docx sees the letterhead's header text and page-number field in the letter."""
    section = docx.Document(io.BytesIO(docx_writer.render(make_docx_letter()))).sections[0]
    assert "Fédération exemple des acteurs sociaux" in section.header.tables[0].rows[0].cells[1].text
    assert "contact@federation-exemple.org" in section.footer.paragraphs[1].text
    footer = parts(docx_writer.render(make_docx_letter()))["word/footer1.xml"]
    assert b'w:instr=" PAGE "' in footer and b'w:instr=" NUMPAGES "' in footer
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_same_letter_gives_identical_bytes(docx_writer, letterhead_path, make_docx_letter):
    """Rendering twice, with a second writer, or with an unpickled writer gives the same bytes."""
    letter = make_docx_letter(3)
    first = docx_writer.render(letter)
    assert docx_writer.render(letter) == first
    assert DocxWriter(letterhead_path).render(letter) == first
    assert pickle.loads(pickle.dumps(docx_writer)).render(letter) == first


def test_zip_entries_have_fixed_timestamps(docx_writer, make_docx_letter):
    """Every zip entry is dated 1980-01-01 and deflated; the archive tests clean."""
    with zipfile.ZipFile(io.BytesIO(docx_writer.render(make_docx_letter()))) as archive:
        assert archive.testzip() is None
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}


def test_core_properties_are_fixed(docx_writer, make_docx_letter):
    """Title is the objet; created/modified is the letter's date, else a fixed date."""
    props = docx.Document(io.BytesIO(docx_writer.render(make_docx_letter()))).core_properties
    assert props.title == "Conséquences du Ségur de la santé – attractivité des métiers"
    assert props.created == props.modified == dt.datetime(2022, 7, 1, tzinfo=dt.UTC)
    undated = docx_writer.render(make_docx_letter(place_date="", date=None))
    assert docx.Document(io.BytesIO(undated)).core_properties.created == dt.datetime(
        1980, 1, 1, tzinfo=dt.UTC
    )
    explicit = docx_writer.render(make_docx_letter(), date=dt.date(2023, 3, 9))
    assert docx.Document(io.BytesIO(explicit)).core_properties.created == dt.datetime(
        2023, 3, 9, tzinfo=dt.UTC
    )


def test_xml_special_characters_come_out_intact(docx_writer, make_docx_letter):
    """&, <, >, quotes and ]]> are escaped, read back unchanged, and the XML parses."""
    nasty = "A & B <c> \"d\" 'e' ]]> <![CDATA[x]]> &amp; </w:t>"
    letter = make_docx_letter(
        objet=nasty,
        appel=nasty,
        body=(Paragraph((Run(nasty, bold=True),)),),
        sender=(nasty,),
        signatories=(Signatory(nasty), Signatory("B")),
    )
    data = docx_writer.render(letter)
    etree.fromstring(parts(data)["word/document.xml"])
    text = docx_text(data)
    assert text == expected_paragraphs(letter) and text.count(nasty) == 4
    assert docx.Document(io.BytesIO(data)).core_properties.title == nasty


def test_control_characters_are_stripped(docx_writer, make_docx_letter):
    """Characters XML 1.0 forbids are dropped; tabs and newlines become tabs and breaks."""
    letter = make_docx_letter(body=(Paragraph.plain("a\x00b\x07c\x1fd\ufffee\tf\r\ng\x0bh"),), objet="x\x01y")
    text = docx_text(docx_writer.render(letter))
    assert text[3] == "Objet\u00a0: xy"
    assert text[5] == "abcde\tf\ngh"


def test_special_spaces_are_kept(docx_writer, make_docx_letter):
    """U+00A0 and U+202F reach document.xml as characters, not entities or plain spaces."""
    xml = parts(docx_writer.render(make_docx_letter()))["word/document.xml"].decode()
    assert "1\u202f234\u00a0€" in xml and "Objet\u00a0:" in xml


def test_letter_without_optional_blocks(docx_writer):
    """No sender, address, date, signatories or mentions: the body is objet, appel, text, closing."""
    letter = Letter("x", "Objet", "Madame,", (Paragraph.plain("Texte."),), "Salutations.")
    assert docx_text(docx_writer.render(letter)) == [
        "Objet\u00a0: Objet",
        "Madame,",
        "Texte.",
        "Salutations.",
    ]


def test_many_signatories_wrap_four_per_row(docx_writer, make_docx_letter):
    """Six signatories make rows of four then two columns, read in order."""
    signatories = tuple(Signatory(f"NOM{n}", "Président", f"Org {n}") for n in range(6))
    letter = make_docx_letter(signatories=signatories)
    data = docx_writer.render(letter)
    assert docx_text(data) == expected_paragraphs(letter)
    assert [len(t.columns) for t in docx.Document(io.BytesIO(data)).tables] == [4, 2]


def test_write_replaces_atomically(docx_writer, tmp_path, make_docx_letter):
    """write() leaves only the final file, with the rendered bytes, even over an old file."""
    target = tmp_path / "lettre.docx"
    target.write_bytes(b"old")
    assert docx_writer.write(make_docx_letter(), target) == target
    assert target.read_bytes() == docx_writer.render(make_docx_letter())
    assert os.listdir(tmp_path) == ["lettre.docx"]


def test_write_to_missing_folder_is_an_output_error(docx_writer, tmp_path, make_docx_letter):
    """A folder that does not exist gives an OutputError naming the file."""
    with pytest.raises(OutputError) as error:
        docx_writer.write(make_docx_letter(), tmp_path / "absent" / "lettre.docx")
    assert error.value.file.endswith("lettre.docx")


def test_missing_style_names_file_and_style(letterhead_path, tmp_path):
    """A letterhead without « LG Objet » raises LetterheadError naming the file and the style."""
    document = docx.Document(letterhead_path)
    document.styles["LG Objet"].delete()
    broken = tmp_path / "mon_papier.docx"
    document.save(broken)
    with pytest.raises(LetterheadError) as error:
        DocxWriter(broken)
    assert error.value.file == str(broken)
    assert "« LG Objet »" in error.value.message and "manque" in error.value.message


def test_not_a_docx_is_a_letterhead_error(tmp_path):
    """A text file or a missing path as letterhead gives LetterheadError, in French."""
    fake = tmp_path / "papier.docx"
    fake.write_text("pas un docx")
    with pytest.raises(LetterheadError, match="illisible"):
        DocxWriter(fake)
    with pytest.raises(LetterheadError, match="introuvable"):
        DocxWriter(tmp_path / "absent.docx")


def test_user_edited_letterhead_is_followed(letterhead_path, tmp_path, make_docx_letter):
    """A letterhead re-saved by python-docx with a changed style and no core.xml still works."""
    document = docx.Document(letterhead_path)
    document.styles["LG Corps"].font.size = docx.shared.Pt(13)
    edited = tmp_path / "edited.docx"
    document.save(edited)
    with zipfile.ZipFile(edited) as source, zipfile.ZipFile(tmp_path / "nocore.docx", "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name in ("[Content_Types].xml", "_rels/.rels"):
                root = etree.fromstring(data)
                for child in list(root):
                    if "core" in (child.get("PartName") or child.get("Target") or ""):
                        root.remove(child)
                data = etree.tostring(root)
            if name != "docProps/core.xml":
                out.writestr(name, data)
    letter = make_docx_letter()
    data = DocxWriter(tmp_path / "nocore.docx").render(letter)
    assert docx_text(data) == expected_paragraphs(letter)
    reopened = docx.Document(io.BytesIO(data))
    assert reopened.styles["LG Corps"].font.size == docx.shared.Pt(13)
    assert reopened.core_properties.title == letter.objet


def test_every_style_exists_in_the_letterhead(letterhead_path):
    """The committed letterhead defines every style the writer looks up, as paragraph styles."""
    styles = docx.Document(letterhead_path).styles
    assert all(styles[name].type == docx.enum.style.WD_STYLE_TYPE.PARAGRAPH for name in STYLE_NAMES.values())


def test_letterhead_is_slim(letterhead_path):
    """No stylesWithEffects, latent styles or thumbnail: the letterhead stays small."""
    members = parts(letterhead_path.read_bytes())
    assert not {"word/stylesWithEffects.xml", "docProps/thumbnail.jpeg"} & set(members)
    assert b"latentStyles" not in members["word/styles.xml"]
    assert len(members["word/styles.xml"]) < 20_000


_text = st.text(max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    objet=_text,
    appel=_text,
    runs=st.lists(st.tuples(_text, st.booleans(), st.booleans()), max_size=4),
    lines=st.lists(_text, max_size=3),
    names=st.lists(_text, max_size=3),
)
def test_random_text_always_gives_a_valid_docx(docx_writer, objet, appel, runs, lines, names):
    """Any text (st.text()) gives a DOCX python-docx opens, lxml parses, with the text kept."""
    letter = Letter(
        "r",
        objet,
        appel,
        (Paragraph(tuple(Run(*r) for r in runs)),),
        appel,
        tuple(Signatory(n, n) for n in names),
        tuple(lines),
        tuple(lines),
        objet,
        objet,
        appel,
    )
    data = docx_writer.render(letter)
    etree.fromstring(parts(data)["word/document.xml"])
    etree.fromstring(parts(data)["docProps/core.xml"])
    assert docx_text(data) == expected_paragraphs(letter)


@pytest.mark.libreoffice
def test_libreoffice_converts_a_600_word_letter(docx_writer, soffice, tmp_path, make_docx_letter):
    """soffice turns a ~600-word, three-signatory letter into a 1–2 page PDF with all its text."""
    letter = make_docx_letter(3, paragraphs=7)
    assert 500 <= sum(len(b.text.split()) for b in letter.blocks()) <= 700
    source = docx_writer.write(letter, tmp_path / "lettre.docx")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader = PdfReader(tmp_path / "lettre.pdf")
    assert 1 <= len(reader.pages) <= 2
    text = re.sub(r"[ \t\n]+", " ", " ".join(page.extract_text() for page in reader.pages))
    for expected in (
        "Madame Marie DUPONT, Présidente",
        "33000 BORDEAUX",
        "Paris, le 1er juillet 2022",
        "Objet",
        "Madame la Présidente,",
        "haute considération.",
        "Amina BENALI",
        "Directrice générale",
        "contact@federation-exemple.org",
        "1\u202f234",
    ):
        assert expected in text, expected
