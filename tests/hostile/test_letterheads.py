"""Hostile letterheads: refused with the part named, or cleaned with a warning; letters carry nothing.

Each case is a bounded ``lettergen generate --papier …`` in a copy of the example campaign.
Whatever the letterhead, no letter written contains ``vbaProject``, ``TargetMode="External"``,
a DTD or an entity declaration, or an ``attachedTemplate`` (:func:`assert_clean_letters`).
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.hostile import builders as b
from tests.hostile.harness import PEAK_LIMIT, Outcome, run_bounded

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_RELS = "word/_rels/header1.xml.rels"
FOOTER_RELS = "word/_rels/footer1.xml.rels"
SETTINGS_RELS = "word/_rels/settings.xml.rels"
RESAVE = "retirez-les et enregistrez-le au format « Document Word (.docx) »"


def letterhead(folder: Path, name: str = "papier.docx") -> Path:
    """A copy of the example letterhead, and a two-row recipients file next to it."""
    b.csv_file(folder / "dest.csv", b.ROWS)
    path = folder / name
    path.write_bytes((folder / "templates" / "papier_en_tete.docx").read_bytes())
    return path


def generate(folder: Path, paper: str = "papier.docx", env: dict[str, str] | None = None) -> Outcome:
    args = ["generate", "-r", "dest.csv", "--papier", paper, "-o", "out", "--jobs", "1"]
    return run_bounded(args, folder, env=env)


def assert_refused(outcome: Outcome, folder: Path, line: str) -> None:
    assert outcome.returncode == 1, outcome.stderr
    assert outcome.errors == [line]
    assert not (folder / "out").exists()
    assert outcome.peak_bytes < PEAK_LIMIT


def assert_clean_letters(folder: Path, count: int) -> None:
    letters = sorted((folder / "out").glob("*.docx"))
    assert len(letters) == count
    for letter in letters:
        with zipfile.ZipFile(letter) as archive:
            for info in archive.infolist():
                data = archive.read(info)
                for forbidden in b.FORBIDDEN_IN_LETTERS:
                    assert forbidden not in data, (letter.name, info.filename, forbidden)


def relationship(rid: str, kind: str, target: str, external: bool = True) -> bytes:
    mode = ' TargetMode="External"' if external else ""
    return f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}"{mode}/>'.encode()


def add_relationship(parts: dict[str, bytes], rels: str, rel: bytes) -> None:
    empty = b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    parts[rels] = parts.get(rels, empty).replace(b"</Relationships>", rel + b"</Relationships>")


def content_type(parts: dict[str, bytes], part: str, kind: str) -> None:
    override = f'<Override PartName="/{part}" ContentType="{kind}"/>'.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override + b"</Types>")


# --- a clean letterhead: the baseline ------------------------------------------------------


def test_the_example_letterhead_gives_clean_letters(hostile_dir: Path) -> None:
    letterhead(hostile_dir)
    outcome = generate(hostile_dir)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.errors == []
    assert_clean_letters(hostile_dir, 2)


# --- refused: active content ---------------------------------------------------------------


def test_a_macro_project_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)

    def macros(parts: dict[str, bytes]) -> None:
        parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + bytes(508)
        add_relationship(
            parts,
            "word/_rels/document.xml.rels",
            relationship("rIdVba", "vbaProject", "vbaProject.bin", False),
        )

    b.rewrite(path, macros)
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : il contient des macros "
        f"(partie « word/vbaProject.bin ») ; {RESAVE}",
    )


def test_a_macro_enabled_document_type_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir, "papier.docm")

    def docm(parts: dict[str, bytes]) -> None:
        parts["[Content_Types].xml"] = (
            parts["[Content_Types].xml"]
            .replace(b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
            .replace(b"application/vnd.openxmlformats-officedocument.ms-word", b"application/vnd.ms-word")
        )

    b.rewrite(path, docm)
    assert_refused(
        generate(hostile_dir, "papier.docm"),
        hostile_dir,
        "papier.docm: papier à en-tête refusé : il contient des macros "
        f"(partie « word/document.xml ») ; {RESAVE}",
    )


def test_an_embedded_object_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)
    b.rewrite(
        path, lambda parts: parts.update({"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + bytes(508)})
    )
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : il contient un objet incorporé "
        f"(partie « word/embeddings/oleObject1.bin ») ; {RESAVE}",
    )


def test_an_activex_control_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)

    def activex(parts: dict[str, bytes]) -> None:
        parts["word/activeX/activeX1.xml"] = b'<?xml version="1.0"?><ax:ocx xmlns:ax="urn:x"/>'
        content_type(parts, "word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml")

    b.rewrite(path, activex)
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : il contient un contrôle ActiveX "
        f"(partie « word/activeX/activeX1.xml ») ; {RESAVE}",
    )


def test_an_external_linked_image_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)
    rel = relationship("rIdImg", "image", "https://pisteur.example/logo.png")
    b.rewrite(path, lambda parts: add_relationship(parts, HEADER_RELS, rel))
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : relation externe vers « https://pisteur.example/logo.png » "
        f"(partie « {HEADER_RELS} ») ; retirez l'élément lié",
    )


# --- refused: XML and zip ------------------------------------------------------------------


def test_an_external_entity_in_the_header_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)

    def xxe(parts: dict[str, bytes]) -> None:
        declaration, _, rest = parts["word/header1.xml"].partition(b"?>")
        dtd = b'<!DOCTYPE w:hdr [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        parts["word/header1.xml"] = declaration + b"?>" + dtd + rest.replace(b"</w:t>", b"&secret;</w:t>", 1)

    b.rewrite(path, xxe)
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : déclaration de type de document (DTD) interdite "
        "(partie « word/header1.xml »)",
    )


def test_an_entity_bomb_in_the_styles_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)
    laughs = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "%s">' % (c, b"&%c;" % (c - 1) * 10) for c in b"bcdefghi"
    )

    def bomb(parts: dict[str, bytes]) -> None:
        declaration, _, rest = parts["word/styles.xml"].partition(b"?>")
        parts["word/styles.xml"] = declaration + b"?><!DOCTYPE w:styles [" + laughs + b"]>" + rest

    b.rewrite(path, bomb)
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : déclaration de type de document (DTD) interdite "
        "(partie « word/styles.xml »)",
    )


def test_a_zip_bomb_part_is_refused_by_its_ratio(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)
    b.rewrite(path, lambda parts: parts.update({"word/media/image9.png": bytes(150 << 20)}))
    outcome = generate(hostile_dir)
    line = outcome.errors[0] if outcome.errors else ""
    assert line.startswith("papier.docx: papier à en-tête refusé : taux de compression de ")
    assert line.endswith("(bombe de décompression ?) (partie « word/media/image9.png »)")
    assert_refused(outcome, hostile_dir, line)


def test_a_part_declared_over_the_size_limit_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)
    b.set_declared_size(path, "word/header1.xml", 2 << 30)
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : 2 Go une fois décompressé, au-delà de la limite de 200 Mo "
        "(partie « word/header1.xml »)",
    )


def lying_header(path: Path, crc_of_declared: bool) -> None:
    """``word/header1.xml`` declared at its real size, its deflate stream going on for 300 MB more."""
    parts = b.members(path)
    header = parts.pop("word/header1.xml")
    real = header + b"<!--" + b"x" * (300 << 20) + b"-->"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(real) + compressor.flush()
    crc = zlib.crc32(header if crc_of_declared else real)
    b.raw_member_zip(path, parts, {"word/header1.xml": (deflated, crc, len(header))})


def test_a_part_that_lies_about_its_size_stops_while_inflating(hostile_dir: Path) -> None:
    lying_header(letterhead(hostile_dir), crc_of_declared=False)
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête illisible : archive endommagée (BadZipFile) "
        "(partie « word/header1.xml »)",
    )


def test_a_part_whose_declared_bytes_check_out_is_read_to_its_declared_size_only(hostile_dir: Path) -> None:
    """The 300 MB behind the declared size are never inflated: letters written, peak far below."""
    lying_header(letterhead(hostile_dir), crc_of_declared=True)
    outcome = generate(hostile_dir)
    assert outcome.returncode == 0, outcome.stderr
    assert_clean_letters(hostile_dir, 2)
    assert outcome.peak_bytes < 200 << 20


def test_a_letterhead_with_too_many_parts_is_refused(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)
    b.rewrite(path, lambda parts: parts.update({f"word/media/x{i}.png": b"" for i in range(3_000)}))
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête refusé : 3012 fichiers dans l'archive, au-delà de la limite de 2000",
    )


def test_a_text_file_is_not_a_letterhead(hostile_dir: Path) -> None:
    letterhead(hostile_dir)
    (hostile_dir / "papier.docx").write_text("Fédération\n", encoding="utf-8")
    assert_refused(
        generate(hostile_dir),
        hostile_dir,
        "papier.docx: papier à en-tête illisible (document Word .docx attendu) : File is not a zip file",
    )


# --- refused: special files ----------------------------------------------------------------


def test_a_fifo_letterhead_is_refused_at_once(hostile_dir: Path) -> None:
    letterhead(hostile_dir)
    os.mkfifo(hostile_dir / "tube.docx")
    assert_refused(
        generate(hostile_dir, "tube.docx"),
        hostile_dir,
        "tube.docx: papier à en-tête illisible : c'est un tube nommé (FIFO), pas un fichier ordinaire",
    )


def test_dev_zero_as_letterhead_is_refused_unread(hostile_dir: Path) -> None:
    letterhead(hostile_dir)
    assert_refused(
        generate(hostile_dir, "/dev/zero"),
        hostile_dir,
        "/dev/zero: papier à en-tête illisible : c'est un périphérique, pas un fichier ordinaire",
    )


def test_a_directory_letterhead_is_refused(hostile_dir: Path) -> None:
    letterhead(hostile_dir)
    assert_refused(
        generate(hostile_dir, "templates"),
        hostile_dir,
        "templates: papier à en-tête illisible : c'est un dossier, pas un fichier",
    )


def test_an_unreadable_letterhead_is_one_french_line(hostile_dir: Path) -> None:
    letterhead(hostile_dir).chmod(0)
    assert_refused(
        generate(hostile_dir, env=b.unreadable_env(hostile_dir / "caps")),
        hostile_dir,
        "papier.docx: papier à en-tête illisible : fichier illisible (lecture refusée : droits insuffisants)",
    )


# --- cleaned, with a warning ---------------------------------------------------------------


def test_a_remote_attached_template_is_dropped_with_a_warning(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)

    def attach(parts: dict[str, bytes]) -> None:
        rel = relationship("rIdT", "attachedTemplate", "https://modeles.example/lettre.dotm")
        add_relationship(parts, SETTINGS_RELS, rel)
        parts["word/settings.xml"] = parts["word/settings.xml"].replace(
            b"<w:defaultTabStop",
            b'<w:attachedTemplate r:id="rIdT" xmlns:r="' + R.encode() + b'"/><w:defaultTabStop',
            1,
        )

    b.rewrite(path, attach)
    assert b"attachedTemplate" in b.members(path)["word/settings.xml"]
    outcome = generate(hostile_dir)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.errors == [
        "papier.docx: attention : papier à en-tête : modèle attaché retiré "
        "(« https://modeles.example/lettre.dotm »)"
    ]
    assert_clean_letters(hostile_dir, 2)


def test_an_external_hyperlink_in_the_footer_keeps_its_text_without_the_link(hostile_dir: Path) -> None:
    path = letterhead(hostile_dir)

    def link(parts: dict[str, bytes]) -> None:
        add_relationship(parts, FOOTER_RELS, relationship("rIdL", "hyperlink", "https://federation.example/"))
        footer = parts["word/footer1.xml"]
        start = footer.index(b"<w:r>")
        end = footer.index(b"</w:r>", start) + len(b"</w:r>")
        wrapped = (
            b'<w:hyperlink xmlns:r="' + R.encode() + b'" r:id="rIdL">' + footer[start:end] + b"</w:hyperlink>"
        )
        parts["word/footer1.xml"] = footer[:start] + wrapped + footer[end:]

    b.rewrite(path, link)
    outcome = generate(hostile_dir)
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.errors == [
        "papier.docx: attention : papier à en-tête : lien externe retiré de « word/footer1.xml » "
        "(« https://federation.example/ ») ; son texte reste"
    ]
    assert_clean_letters(hostile_dir, 2)
    letter = sorted((hostile_dir / "out").glob("*.docx"))[0]
    with zipfile.ZipFile(letter) as archive:
        footer = archive.read("word/footer1.xml")
    assert b"hyperlink" not in footer and b"<w:r>" in footer


@pytest.mark.parametrize("kind", ["vbaProject", "attachedTemplate", "hyperlink", "oleObject"])
def test_no_letter_ever_carries_forbidden_content(hostile_dir: Path, kind: str) -> None:
    """Every kind of smuggled content: either refused (nothing written) or absent from the letters."""
    path = letterhead(hostile_dir)
    rel = {
        "vbaProject": relationship("rIdX", "vbaProject", "vbaProject.bin", False),
        "attachedTemplate": relationship("rIdX", "attachedTemplate", "file:///C:/Modeles/Normal.dotm"),
        "hyperlink": relationship("rIdX", "hyperlink", "https://federation.example/"),
        "oleObject": relationship("rIdX", "oleObject", "https://objets.example/o.bin"),
    }[kind]
    b.rewrite(path, lambda parts: add_relationship(parts, "word/_rels/document.xml.rels", rel))
    outcome = generate(hostile_dir)
    assert outcome.returncode in (0, 1) and "Traceback" not in outcome.stderr
    if outcome.returncode == 1:
        assert not (hostile_dir / "out").exists()
    else:
        assert_clean_letters(hostile_dir, 2)
    assert outcome.peak_bytes < PEAK_LIMIT
