"""The letterhead's settings as the letters copy them (``lettergen.writers.letterhead``)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from lettergen.errors import LetterheadError
from lettergen.writers import letterhead
from lettergen.writers.docx import DocxWriter
from lettergen.writers.letterhead import HYPHENATION, SETTINGS_PART, letter_settings, parts_for_letters

REPO = Path(__file__).resolve().parents[2]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XSD = "http://www.w3.org/2001/XMLSchema"
NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="w14"'
)
# word/settings.xml as LibreOffice 7.4 writes it (the hyphenation settings out of order)
LIBREOFFICE_SETTINGS = (
    f"<w:settings {NAMESPACES}>"
    '<w:zoom w:val="bestFit" w:percent="20"/><w:defaultTabStop w:val="720"/>'
    '<w:autoHyphenation w:val="true"/><w:doNotHyphenateCaps/><w:hyphenationZone w:val="454"/>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word"'
    ' w:val="14"/></w:compat><w:themeFontLang w:val="fr-FR"/></w:settings>'
).encode()


def settings_of_python_docx_default() -> bytes:
    """``word/settings.xml`` of a document python-docx creates: ``<w:zoom w:val="bestFit"/>``."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read(SETTINGS_PART)


def children(xml: bytes) -> list[str]:
    return [etree.QName(child).localname for child in etree.fromstring(xml)]


def child(xml: bytes, name: str) -> etree._Element | None:
    return etree.fromstring(xml).find(f"{{{W}}}{name}")


def assert_valid(xml: bytes, ooxml_schemas) -> None:
    problem = ooxml_schemas.check_part(SETTINGS_PART, xml)
    assert problem is None, str(problem)


def test_python_docx_zoom_is_invalid_and_gets_its_percent(ooxml_schemas):
    original = settings_of_python_docx_default()
    assert child(original, "zoom").get(f"{{{W}}}percent") is None
    assert ooxml_schemas.check_part(SETTINGS_PART, original) is not None  # the w:zoom
    fixed = letter_settings(original)
    assert child(fixed, "zoom").get(f"{{{W}}}percent") == "100"
    assert child(fixed, "zoom").get(f"{{{W}}}val") == "bestFit"
    assert_valid(fixed, ooxml_schemas)


def test_a_letterhead_silent_on_hyphenation_gets_ours_in_schema_order(ooxml_schemas):
    fixed = letter_settings(settings_of_python_docx_default())
    names = children(fixed)
    added = [name for name, _ in HYPHENATION]
    start = names.index("autoHyphenation")
    assert names[start : start + len(added)] == added
    assert names[start - 1] == "defaultTabStop"
    for name, value in HYPHENATION:
        assert child(fixed, name).get(f"{{{W}}}val") == value
    assert_valid(fixed, ooxml_schemas)


def test_libreoffice_settings_are_put_in_order_and_keep_their_values(ooxml_schemas):
    assert ooxml_schemas.check_part(SETTINGS_PART, LIBREOFFICE_SETTINGS) is not None
    fixed = letter_settings(LIBREOFFICE_SETTINGS)
    assert children(fixed) == [
        "zoom",
        "defaultTabStop",
        "autoHyphenation",
        "hyphenationZone",
        "doNotHyphenateCaps",
        "compat",
        "themeFontLang",
    ]
    assert child(fixed, "zoom").get(f"{{{W}}}percent") == "20"  # the letterhead's own choices
    assert child(fixed, "consecutiveHyphenLimit") is None
    assert_valid(fixed, ooxml_schemas)


def test_a_letterhead_that_opts_out_of_hyphenation_is_kept():
    xml = (
        f'<w:settings {NAMESPACES}><w:zoom w:percent="100"/><w:autoHyphenation w:val="false"/></w:settings>'
    ).encode()
    assert letter_settings(xml) is xml


def test_settings_already_right_are_copied_byte_for_byte():
    with zipfile.ZipFile(REPO / "templates" / "papier_en_tete.docx") as archive:
        shipped = archive.read(SETTINGS_PART)
    assert letter_settings(shipped) is shipped
    members = {"word/document.xml": b"<x/>", SETTINGS_PART: shipped}
    assert parts_for_letters(members) == members


def test_extensions_keep_their_place_after_what_they_follow(ooxml_schemas):
    xml = (
        f'<w:settings {NAMESPACES}><w:zoom w:percent="100"/><w:defaultTabStop w:val="720"/>'
        '<w:autoHyphenation/><w:decimalSymbol w:val=","/><w:listSeparator w:val=";"/>'
        '<w14:docId w14:val="1A2B3C4D"/><w:hyphenationZone w:val="360"/></w:settings>'
    ).encode()
    fixed = letter_settings(xml)
    assert children(fixed) == [
        "zoom",
        "defaultTabStop",
        "autoHyphenation",
        "hyphenationZone",
        "decimalSymbol",
        "listSeparator",
        "docId",
    ]
    assert_valid(fixed, ooxml_schemas)


def test_settings_order_is_the_schemas():
    """The order the module sorts by is CT_Settings' sequence in the copied wml.xsd."""
    schema = etree.parse(str(REPO / "tests" / "data" / "ooxml_xsd" / "wml.xsd"))
    sequence = schema.find(f"{{{XSD}}}complexType[@name='CT_Settings']/{{{XSD}}}sequence")
    names = [element.get("name") or element.get("ref").split(":")[1] for element in sequence]
    assert [etree.QName(tag).localname for tag in letterhead._SETTINGS_ORDER] == names


VALID_CHILDREN = (
    '<w:zoom w:percent="100"/>',
    '<w:defaultTabStop w:val="720"/>',
    "<w:autoHyphenation/>",
    '<w:hyphenationZone w:val="454"/>',
    "<w:evenAndOddHeaders/>",
    '<w:characterSpacingControl w:val="doNotCompress"/>',
    "<w:compat/>",
    '<w:themeFontLang w:val="fr-FR"/>',
    '<w:decimalSymbol w:val=","/>',
)


@settings(max_examples=60, deadline=None)
@given(st.permutations(VALID_CHILDREN))
def test_any_order_of_the_settings_comes_out_valid(ooxml_schemas, shuffled):
    xml = f"<w:settings {NAMESPACES}>{''.join(shuffled)}</w:settings>".encode()
    fixed = letter_settings(xml)
    assert_valid(fixed, ooxml_schemas)
    assert sorted(children(fixed)) == sorted(children(xml))


def test_a_broken_settings_part_is_a_letterhead_error(tmp_path):
    broken = tmp_path / "papier.docx"
    with (
        zipfile.ZipFile(REPO / "templates" / "papier_en_tete.docx") as source,
        zipfile.ZipFile(broken, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[:200] if info.filename == SETTINGS_PART else data)
    with pytest.raises(LetterheadError) as raised:
        DocxWriter(broken)
    assert raised.value.file == str(broken)
    assert "papier à en-tête illisible" in str(raised.value)
