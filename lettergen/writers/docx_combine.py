"""Many DOCX letters as one DOCX, each letter its own section, for one LibreOffice call.

LibreOffice spends ~40 ms on every document it opens and ~1 s on every start; converting one
document of 100 letters costs little more than its pages (``benchmarks/bench_pdf.py``). The
letters are the DOCX files lettergen already wrote, so this works whatever builds their bodies.

Letters combine when every part but their body and properties is byte-identical to the first
letter's (same letterhead, styles, settings, relationships: what one run of lettergen writes).
In the combined document letter ``k``:

* is its own section: its own ``sectPr`` (margins, header and footer references) with
  ``pgNumType start=1``, closed on its last paragraph (an empty paragraph after a final table,
  the one LibreOffice adds to a letter converted alone);
* starts with bookmark ``LGDk`` and ends with ``LGFk``; exported as PDF named destinations,
  they say where to split the PDF and let the split be checked;
* has its own copy of every header or footer that shows the page total: ``NUMPAGES`` counts the
  whole document and LibreOffice ignores ``SECTIONPAGES``, so the field becomes
  ``PAGEREF LGFk`` — the page number of the letter's last paragraph, its page total.

A letter that cannot combine (not a readable DOCX, other parts, a body lettergen does not
expect) is returned apart: the caller converts it on its own, and LibreOffice has its say.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

__all__ = ["Combined", "DocxMeta", "combine_letters", "end_name", "read_meta", "start_name"]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = "{" + W + "}"
_R = "{" + R + "}"
DOCUMENT = "word/document.xml"
RELS = "word/_rels/document.xml.rels"
TYPES = "[Content_Types].xml"
CORE = "docProps/core.xml"
STYLES = "word/styles.xml"
# The sender block (lettergen.writers.docx.STYLE_NAMES): its first line, the sending
# organisation, is the PDF's author; the letterhead's dc:creator is whoever made the letterhead.
SENDER_STYLE = "LG Expéditeur"
_OWN_PARTS = (DOCUMENT, CORE, "docProps/app.xml")  # differ from letter to letter
_PAGE_TOTAL = re.compile(rb"\b(?:NUMPAGES|SECTIONPAGES)\b")
# Field instructions only: in a w:instr attribute or a w:instrText element, never running text.
_INSTRUCTIONS = re.compile(rb'(w:instr="[^"]*"|<w:instrText[^>]*>[^<]*</w:instrText>)')
_BOOKMARK_ID = 900_000  # far above the ids Word and python-docx give their own bookmarks
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_CORE_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}


def start_name(k: int) -> str:
    """The bookmark (and PDF destination) at the start of letter ``k`` of a batch."""
    return f"LGD{k:04d}"


def end_name(k: int) -> str:
    """The bookmark at the last paragraph of letter ``k``: its page is the letter's page total."""
    return f"LGF{k:04d}"


@dataclass(frozen=True)
class DocxMeta:
    """What a letter's PDF says about itself, read from the DOCX's core properties."""

    title: str = ""
    author: str = ""  # the sender block's first line; dc:creator in a DOCX without that style
    created: str = ""  # W3CDTF, as in the DOCX (``2021-07-01T00:00:00Z``)


@dataclass(frozen=True)
class Combined:
    """A batch document: its bytes, the letters it holds (in order) and those left apart."""

    data: bytes
    letters: tuple[Path, ...]
    meta: tuple[DocxMeta, ...]
    apart: tuple[Path, ...]  # readable letters built on other parts: to combine among themselves
    unreadable: tuple[Path, ...]  # to convert on their own


@dataclass
class _Letter:
    path: Path
    body: list[etree._Element]  # body elements, final sectPr removed
    sect: etree._Element
    meta: DocxMeta


def combine_letters(paths: Sequence[Path]) -> Combined:
    """Build one DOCX holding the letters of ``paths`` that combine with the first readable one."""
    shell: dict[str, bytes] | None = None
    key = b""
    letters: list[_Letter] = []
    apart: list[Path] = []
    unreadable: list[Path] = []
    sender_style: str | None = None
    for path in paths:
        try:
            members, letter_key = _read_zip(path, whole=shell is None)
            if shell is not None and letter_key != key:
                apart.append(path)
                continue
            if shell is None:  # the same styles for the whole batch
                sender_style = _style_id(members.get(STYLES), SENDER_STYLE)
            letter = _parse_letter(path, members, sender_style)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
            unreadable.append(path)
            continue
        if shell is None:
            shell, key = members, letter_key
        letters.append(letter)
    data = _build(shell, letters) if shell is not None else b""
    return Combined(
        data, tuple(x.path for x in letters), tuple(x.meta for x in letters), tuple(apart), tuple(unreadable)
    )


def read_meta(path: Path) -> DocxMeta:
    """The core properties of one DOCX (empty when it has none or cannot be read)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            style = _style_id(archive.read(STYLES) if STYLES in names else None, SENDER_STYLE)
            body = etree.fromstring(archive.read(DOCUMENT), _PARSER).find(_W + "body")
            return _meta(archive.read(CORE), _sender(list(body) if body is not None else [], style))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return DocxMeta()


def _read_zip(path: Path, whole: bool) -> tuple[dict[str, bytes], bytes]:
    """The letter's parts (all if ``whole``, else its own only) and the key of the others.

    The key is the name, CRC-32 and size of every part shared with the batch, as the archive's
    directory gives them: the first letter's are checked as its parts are read (zipfile checks
    each CRC), the others' are not read at all (their letterhead, styles and settings are the
    first letter's, written by the same run), which halves the cost of combining.
    """
    with zipfile.ZipFile(path) as archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        members = {i.filename: archive.read(i) for i in infos if whole or i.filename in _OWN_PARTS}
    digest = hashlib.sha256()
    for info in sorted(infos, key=lambda i: i.filename):
        if info.filename not in _OWN_PARTS:
            digest.update(f"{info.filename}\0{info.CRC:08x}\0{info.file_size}\0".encode())
    return members, digest.digest()


def _parse_letter(path: Path, members: dict[str, bytes], sender_style: str | None) -> _Letter:
    root = etree.fromstring(members[DOCUMENT], _PARSER)
    body = root.find(_W + "body")
    if body is None or len(body) == 0 or body[-1].tag != _W + "sectPr":
        raise ValueError("corps sans section finale")
    children = list(body)
    sect = children.pop()
    if not children or children[0].tag != _W + "p":
        raise ValueError("la lettre ne commence pas par un paragraphe")
    if sum(1 for _ in body.iter(_W + "sectPr")) > 1:
        raise ValueError("lettre en plusieurs sections")
    sender = _sender(children, sender_style)
    meta = _meta(members[CORE], sender) if CORE in members else DocxMeta(author=sender or "")
    return _Letter(path, children, sect, meta)


def _meta(core: bytes, sender: str | None) -> DocxMeta:
    """The core properties; ``sender`` (when not None) stands for the author."""
    root = etree.fromstring(core, _PARSER)

    def text(tag: str) -> str:
        found = root.find(tag, _CORE_NS)
        return (found.text or "").strip() if found is not None else ""

    author = sender if sender is not None else text("dc:creator")
    return DocxMeta(text("dc:title"), author, text("dcterms:created"))


def _style_id(styles: bytes | None, name: str) -> str | None:
    """The id of the paragraph style called ``name`` in ``styles.xml``, if there is one."""
    if styles is None:
        return None
    for style in etree.fromstring(styles, _PARSER).iter(_W + "style"):
        found = style.find(_W + "name")
        if found is not None and found.get(_W + "val") == name:
            return style.get(_W + "styleId")
    return None


def _sender(body: list[etree._Element], style: str | None) -> str | None:
    """First line of the first paragraph in ``style`` ("" if none); None without that style."""
    if style is None:
        return None
    for paragraph in body:
        mark = paragraph.find(f"{_W}pPr/{_W}pStyle")
        if paragraph.tag != _W + "p" or mark is None or mark.get(_W + "val") != style:
            continue
        line: list[str] = []
        for node in paragraph.iter(_W + "t", _W + "br", _W + "tab", _W + "cr"):
            if node.tag in (_W + "br", _W + "cr"):
                if line:
                    break
            else:
                line.append(node.text or "" if node.tag == _W + "t" else " ")
        return " ".join("".join(line).split())
    return ""


# --------------------------------------------------------------------------- building


def _build(shell: dict[str, bytes], letters: list[_Letter]) -> bytes:
    members = dict(shell)
    rels = etree.fromstring(members[RELS], _PARSER)
    types = etree.fromstring(members[TYPES], _PARSER)
    targets = {rel.get("Id"): rel for rel in rels}
    used_ids = set(targets)
    root = etree.fromstring(shell[DOCUMENT], _PARSER)
    body = root.find(_W + "body")
    assert body is not None  # checked by _parse_letter
    for child in list(body):
        body.remove(child)
    for k, letter in enumerate(letters):
        sect = _letter_section(letter.sect, k, members, targets, used_ids, rels, types)
        elements = letter.body
        if elements[-1].tag != _W + "p":
            elements.append(etree.Element(_W + "p"))  # after a final table, as LibreOffice does
        _add_start_bookmark(elements[0], k)
        _add_end_bookmark(elements[-1], k)
        body.extend(elements)
        if k < len(letters) - 1:
            _close_section(elements[-1], sect)
        else:
            body.append(sect)
    members[DOCUMENT] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    members[RELS] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    members[TYPES] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    # Stored, not deflated: the file lives a few seconds in a temporary folder.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _letter_section(
    sect: etree._Element,
    k: int,
    members: dict[str, bytes],
    targets: dict[str | None, etree._Element],
    used_ids: set[str | None],
    rels: etree._Element,
    types: etree._Element,
) -> etree._Element:
    """The letter's sectPr: page numbers from 1, page totals pointing at the letter's end.

    A header or footer without a page total is named by the first letter's section only: the
    others inherit it (ECMA-376 §17.10.5), and LibreOffice then lays out one header for the
    whole batch instead of one per letter (~0.6 ms of a letter's 13 ms).
    """
    for reference in list(sect):
        if reference.tag not in (_W + "headerReference", _W + "footerReference"):
            continue
        rel = targets.get(reference.get(_R + "id"))
        if rel is None:
            raise ValueError("en-tête ou pied de page sans relation")
        part = "word/" + rel.get("Target", "").lstrip("/").removeprefix("word/")
        xml = members[part]
        if not _PAGE_TOTAL.search(xml):
            if k > 0:
                sect.remove(reference)
            continue
        copy_part = part.replace(".xml", f"-lg{k:04d}.xml")
        members[copy_part] = _point_totals_at(xml, end_name(k))
        new_id = f"rIdLG{k:04d}{reference.tag[len(_W) : len(_W) + 1]}{reference.get(_W + 'type', '')}"
        while new_id in used_ids:
            new_id += "x"
        used_ids.add(new_id)
        etree.SubElement(
            rels,
            rel.tag,
            Id=new_id,
            Type=rel.get("Type", ""),
            Target=copy_part.removeprefix("word/"),
        )
        _declare_copy(types, part, copy_part)
        reference.set(_R + "id", new_id)
    _restart_numbering(sect)
    return sect


def _point_totals_at(xml: bytes, bookmark: str) -> bytes:
    replacement = f"PAGEREF {bookmark}".encode()
    return _INSTRUCTIONS.sub(lambda m: _PAGE_TOTAL.sub(replacement, m.group(0)), xml)


def _declare_copy(types: etree._Element, part: str, copy_part: str) -> None:
    for override in types:
        if override.get("PartName") == "/" + part:
            etree.SubElement(
                types, override.tag, PartName="/" + copy_part, ContentType=override.get("ContentType", "")
            )
            return


_SECT_ORDER = (  # CT_SectPr: pgNumType comes after these
    "headerReference",
    "footerReference",
    "footnotePr",
    "endnotePr",
    "type",
    "pgSz",
    "pgMar",
    "paperSrc",
    "pgBorders",
    "lnNumType",
)


def _restart_numbering(sect: etree._Element) -> None:
    numbering = sect.find(_W + "pgNumType")
    if numbering is None:
        numbering = etree.Element(_W + "pgNumType")
        position = sum(1 for child in sect if child.tag.removeprefix(_W) in _SECT_ORDER)
        sect.insert(position, numbering)
    numbering.set(_W + "start", "1")


def _add_start_bookmark(first: etree._Element, k: int) -> None:
    ppr = first.find(_W + "pPr")
    position = 1 if ppr is not None else 0
    start, end = _bookmark(start_name(k), _BOOKMARK_ID + 2 * k)
    first.insert(position, end)
    first.insert(position, start)


def _add_end_bookmark(paragraph: etree._Element, k: int) -> None:
    start, end = _bookmark(end_name(k), _BOOKMARK_ID + 2 * k + 1)
    paragraph.append(start)
    paragraph.append(end)


def _bookmark(name: str, ident: int) -> tuple[etree._Element, etree._Element]:
    start = etree.Element(_W + "bookmarkStart")
    start.set(_W + "id", str(ident))
    start.set(_W + "name", name)
    end = etree.Element(_W + "bookmarkEnd")
    end.set(_W + "id", str(ident))
    return start, end


def _close_section(paragraph: etree._Element, sect: etree._Element) -> None:
    """Make ``paragraph`` the last of a section: its pPr holds the sectPr (before a pPrChange)."""
    ppr = paragraph.find(_W + "pPr")
    if ppr is None:
        ppr = etree.Element(_W + "pPr")
        paragraph.insert(0, ppr)
    change = ppr.find(_W + "pPrChange")
    if change is not None:
        change.addprevious(sect)
    else:
        ppr.append(sect)
