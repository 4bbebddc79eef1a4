"""writers.letterhead.read_letterhead: refused parts named, external links cleaned, letters clean."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from lettergen.errors import LetterheadError
from lettergen.writers.docx import DocxWriter
from lettergen.writers.letterhead import read_letterhead
from tests.hostile import builders as b

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
EMPTY_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
)


def copy(letterhead_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "papier.docx"
    path.write_bytes(letterhead_path.read_bytes())
    return path


def add_rel(parts: dict[str, bytes], rels: str, rid: str, kind: str, target: str) -> None:
    rel = f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}" TargetMode="External"/>'.encode()
    parts[rels] = parts.get(rels, EMPTY_RELS).replace(b"</Relationships>", rel + b"</Relationships>")


def attach_template(settings: bytes, rid: str) -> bytes:
    element = f'<w:attachedTemplate r:id="{rid}" xmlns:r="{R}"/>'.encode()
    return settings.replace(b"<w:defaultTabStop", element + b"<w:defaultTabStop", 1)


def with_footer_link(parts: dict[str, bytes]) -> None:
    add_rel(parts, "word/_rels/footer1.xml.rels", "rIdL", "hyperlink", "https://federation.example/")
    footer = parts["word/footer1.xml"]
    start = footer.index(b"<w:r>")
    end = footer.index(b"</w:r>", start) + 6
    link = b'<w:hyperlink xmlns:r="' + R.encode() + b'" r:id="rIdL">' + footer[start:end] + b"</w:hyperlink>"
    parts["word/footer1.xml"] = footer[:start] + link + footer[end:]


def test_a_clean_letterhead_is_copied_byte_for_byte(letterhead_path: Path) -> None:
    letterhead = read_letterhead(letterhead_path)
    original = b.members(letterhead_path)
    assert letterhead.removed == ()
    assert {n: d for n, d in letterhead.parts.items() if n != "word/settings.xml"} == {
        n: d for n, d in original.items() if n != "word/settings.xml"
    }


def test_a_footer_hyperlink_keeps_its_text(letterhead_path: Path, tmp_path: Path) -> None:
    path = b.rewrite(copy(letterhead_path, tmp_path), with_footer_link)
    before = [p.text for p in docx.Document(path).sections[0].footer.paragraphs]
    letterhead = read_letterhead(path)
    assert letterhead.removed == (
        "lien externe retiré de « word/footer1.xml » (« https://federation.example/ ») ; son texte reste",
    )
    assert b"TargetMode" not in letterhead.parts["word/_rels/footer1.xml.rels"]
    after = docx.Document(__import__("io").BytesIO(letterhead.package())).sections[0].footer.paragraphs
    assert [p.text for p in after] == before


def test_an_attached_template_without_relationship_is_dropped_too(
    letterhead_path: Path, tmp_path: Path
) -> None:
    def attach(parts: dict[str, bytes]) -> None:
        parts["word/settings.xml"] = parts["word/settings.xml"].replace(
            b"<w:defaultTabStop",
            b'<w:attachedTemplate r:id="rId99" xmlns:r="' + R.encode() + b'"/><w:defaultTabStop',
        )

    path = b.rewrite(copy(letterhead_path, tmp_path), attach)
    letterhead = read_letterhead(path)
    assert letterhead.removed == ("modèle attaché retiré",)
    assert b"attachedTemplate" not in letterhead.parts["word/settings.xml"]


@pytest.mark.parametrize(
    ("part", "what"),
    [
        ("word/vbaProject.bin", "des macros"),
        ("word/vbaData.xml", "des macros"),
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", "un objet incorporé"),
        ("word/activeX/activeX1.bin", "un contrôle ActiveX"),
    ],
)
def test_active_content_is_refused_naming_the_part(
    letterhead_path: Path, tmp_path: Path, part: str, what: str
):
    path = b.rewrite(copy(letterhead_path, tmp_path), lambda parts: parts.update({part: b"x"}))
    with pytest.raises(LetterheadError) as refused:
        read_letterhead(path)
    assert refused.value.message.startswith(
        f"papier à en-tête refusé : il contient {what} (partie « {part} »)"
    )
    assert refused.value.file == str(path)


def test_letters_from_a_cleaned_letterhead_carry_nothing_forbidden(
    letterhead_path, tmp_path, make_docx_letter
):
    def smuggle(parts: dict[str, bytes]) -> None:
        with_footer_link(parts)
        parts["word/_rels/settings.xml.rels"] = (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"></Relationships>'
        )
        add_rel(parts, "word/_rels/settings.xml.rels", "rIdT", "attachedTemplate", "http://x.example/t.dotm")
        parts["word/settings.xml"] = parts["word/settings.xml"].replace(
            b"<w:defaultTabStop",
            b'<w:attachedTemplate r:id="rIdT" xmlns:r="' + R.encode() + b'"/><w:defaultTabStop',
        )

    path = b.rewrite(copy(letterhead_path, tmp_path), smuggle)
    letter = tmp_path / "lettre.docx"
    letter.write_bytes(DocxWriter(path).render(make_docx_letter()))
    with zipfile.ZipFile(letter) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            assert not any(forbidden in data for forbidden in b.FORBIDDEN_IN_LETTERS), info.filename
