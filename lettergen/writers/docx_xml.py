"""Raw WordprocessingML for the DOCX writer: the only module that spells OOXML.

Two halves:

* once per run, :func:`split_document` cuts the letterhead's ``word/document.xml``
  around the body (keeping its final ``w:sectPr``: page size, margins, header and
  footer references), with lxml;
* per letter, :class:`BodyBuilder` assembles the body by string concatenation,
  every text escaped by :func:`escape_text`, and :func:`core_xml` the properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from lettergen.read.package import safe_xml_parser

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MARKER = "LETTERGEN-BODY-6f1c"

# Characters XML 1.0 forbids (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BREAKS = re.compile("\r\n?|\n|\t")
# Any character escape_text changes: the illegal ones, the four escaped, tab, LF and CR.
_NEEDS_ESCAPING = re.compile("[^\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_T_OPEN = '<w:t xml:space="preserve">'
_LINE_BREAK = "</w:t><w:br/>" + _T_OPEN
_TAB = "</w:t><w:tab/>" + _T_OPEN
_NEWLINE = "\n"


def clean_text(text: str) -> str:
    """Return ``text`` as the DOCX keeps it: XML-illegal characters dropped, CR/CRLF → LF."""
    return _ILLEGAL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def escape_text(text: str) -> str:
    """Return ``text`` ready to sit inside ``<w:t>``: escaped, illegal characters dropped.

    Line feeds and tabs close the ``w:t`` and become ``<w:br/>`` and ``<w:tab/>``.
    """
    if _NEEDS_ESCAPING.search(text) is None:  # most texts: one scan instead of six
        return text
    text = _ILLEGAL.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    if "\n" in text or "\r" in text or "\t" in text:
        text = _BREAKS.sub(lambda m: _TAB if m.group(0) == "\t" else _LINE_BREAK, text)
    return text


@dataclass(frozen=True)
class DocumentShell:
    """``word/document.xml`` of the letterhead without its body content."""

    head: str  # up to and including ``<w:body>``
    tail: str  # the final ``w:sectPr``, ``</w:body></w:document>``
    text_width: int  # twentieths of a point between the margins


def split_document(xml: bytes) -> DocumentShell:
    """Cut the letterhead's document part around its body; keep only the final sectPr.

    Raises ``ValueError`` when the part is not a WordprocessingML document.
    """
    root = etree.fromstring(xml, safe_xml_parser())
    body = root.find(f"{{{W}}}body")
    if root.tag != f"{{{W}}}document" or body is None or root.prefix != "w":
        raise ValueError("word/document.xml n’est pas un document Word (w:document/w:body)")
    section = body[-1] if len(body) and body[-1].tag == f"{{{W}}}sectPr" else None
    for child in list(body):
        if child is not section:
            body.remove(child)
    body.text = _MARKER
    text = etree.tostring(root, encoding="unicode")
    head, tail = text.split(_MARKER)
    declaration = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return DocumentShell(declaration + head, tail, _text_width(section))


def _text_width(section) -> int:
    """Return the width between the margins in twips (A4, 2.5 + 2 cm if unspecified)."""
    default = 11906 - 1417 - 1134
    if section is None:
        return default
    size, margins = section.find(f"{{{W}}}pgSz"), section.find(f"{{{W}}}pgMar")
    try:
        width = int(size.get(f"{{{W}}}w"))
        left, right = (int(margins.get(f"{{{W}}}{side}")) for side in ("left", "right"))
    except (AttributeError, TypeError, ValueError):
        return default
    return max(width - left - right, 1440)


_RUN_PROPERTIES = {
    (False, False): "",
    (True, False): "<w:rPr><w:b/><w:bCs/></w:rPr>",
    (False, True): "<w:rPr><w:i/><w:iCs/></w:rPr>",
    (True, True): "<w:rPr><w:b/><w:bCs/><w:i/><w:iCs/></w:rPr>",
}
_CELL_PARAGRAPH = '<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="center"/>'
_MAX_COLUMNS = 4


def _escape_lines(lines: Sequence[str]) -> str:
    """``escape_text`` of the lines joined by line feeds, a line at a time when it is the same."""
    if any("\r" in line for line in lines[:-1]):  # "…\r" + "\n" would be one break, not two
        return escape_text(_NEWLINE.join(lines))
    return _LINE_BREAK.join(map(escape_text, lines))


#: ``(text, bold, italic)``, as :class:`lettergen.letter.Run` is.
TextRun = tuple[str, bool, bool]


class BodyBuilder:
    """Assemble body XML for one letter; styles are given as style ids."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[str] = []

    def paragraph(self, style_id: str, lines: Sequence[Sequence[TextRun]]) -> None:
        """Add one paragraph: ``lines`` of runs, separated by line breaks.

        One line keeps a ``w:r`` per run; plain lines share one run with ``<w:br/>``
        between them, as Word writes them.
        """
        if len(lines) == 1:
            self.runs(style_id, lines[0])
        elif all(len(line) == 1 and not line[0][1] and not line[0][2] for line in lines):
            self.lines(style_id, [line[0][0] for line in lines])
        else:
            parts = self._parts
            parts.append(f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>')
            for number, line in enumerate(lines):
                if number:
                    parts.append("<w:r><w:br/></w:r>")
                for text, bold, italic in line:
                    parts.append(
                        f"<w:r>{_RUN_PROPERTIES[bold, italic]}{_T_OPEN}{escape_text(text)}</w:t></w:r>"
                    )
            parts.append("</w:p>")

    def lines(self, style_id: str, lines: Sequence[str]) -> None:
        """Add one paragraph of plain lines separated by line breaks."""
        text = _escape_lines(lines)
        self._parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r>{_T_OPEN}{text}</w:t></w:r></w:p>'
        )

    def runs(self, style_id: str, runs: Iterable[TextRun]) -> None:
        """Add one paragraph of runs."""
        parts = self._parts
        parts.append(f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>')
        for text, bold, italic in runs:
            parts.append(f"<w:r>{_RUN_PROPERTIES[bold, italic]}{_T_OPEN}{escape_text(text)}</w:t></w:r>")
        parts.append("</w:p>")

    def columns(self, style_id: str, blocks: Sequence[Sequence[str]], text_width: int) -> None:
        """Add borderless tables, one column per block (four at most per row), read row by row."""
        per_row = min(len(blocks), _MAX_COLUMNS)
        width = text_width // per_row
        for start in range(0, len(blocks), per_row):
            row = blocks[start : start + per_row]
            grid = f'<w:gridCol w:w="{width}"/>' * len(row)
            cells = "".join(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{_CELL_PARAGRAPH}</w:pPr>'
                f"<w:r>{_T_OPEN}{_escape_lines(lines)}</w:t></w:r></w:p></w:tc>"
                for lines in row
            )
            self._parts.append(
                f'<w:tbl><w:tblPr><w:tblW w:w="{width * len(row)}" w:type="dxa"/>'
                '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000"/></w:tblPr>'
                f"<w:tblGrid>{grid}</w:tblGrid><w:tr><w:trPr><w:cantSplit/></w:trPr>"
                f"{cells}</w:tr></w:tbl>"
            )

    def xml(self, shell: DocumentShell) -> str:
        """Return the whole ``word/document.xml`` text."""
        return shell.head + "".join(self._parts) + shell.tail


_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    "<cp:coreProperties "
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator>"
    "<cp:lastModifiedBy>lettergen</cp:lastModifiedBy><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>'
    "</cp:coreProperties>"
)


def core_xml(title: str, creator: str, w3c_date: str) -> str:
    """Return ``docProps/core.xml`` with fixed, deterministic properties."""
    return _CORE.format(title=escape_plain(title), creator=escape_plain(creator), date=w3c_date)


def escape_plain(text: str) -> str:
    """Return ``text`` escaped for element content or a double-quoted attribute."""
    text = _ILLEGAL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
_CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"


def declare_core_part(members: dict[str, bytes], core_name: str) -> dict[str, bytes]:
    """Return ``members`` with ``core_name`` declared in the content types and root rels.

    A letterhead saved without document properties gets them declared once here.
    """
    members = dict(members)
    types = etree.fromstring(members["[Content_Types].xml"], safe_xml_parser())
    if not any(o.get("PartName") == f"/{core_name}" for o in types.iter(f"{{{_CT}}}Override")):
        etree.SubElement(types, f"{{{_CT}}}Override", PartName=f"/{core_name}", ContentType=_CORE_TYPE)
        members["[Content_Types].xml"] = etree.tostring(
            types, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    rels = etree.fromstring(members["_rels/.rels"], safe_xml_parser())
    if not any(r.get("Type") == _CORE_REL for r in rels):
        ids = {r.get("Id") for r in rels}
        new_id = next(f"rIdCore{n}" for n in range(len(ids) + 1) if f"rIdCore{n}" not in ids)
        etree.SubElement(rels, f"{{{_RELS}}}Relationship", Id=new_id, Type=_CORE_REL, Target=core_name)
        members["_rels/.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    return members
