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

from lettergen.letter import organisation_spans
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
_SUPERSCRIPT = '<w:vertAlign w:val="superscript"/>'
_SUPERSCRIPT_PROPERTIES = {
    key: (value[: -len("</w:rPr>")] if value else "<w:rPr>") + _SUPERSCRIPT + "</w:rPr>"
    for key, value in _RUN_PROPERTIES.items()
}
# « 1er » with « er » raised, as careful French typography writes it (french_letter_conventions.md
# §3.2, [S48]); the words stay « 1er » for a reader of the text.
_ORDINAL = re.compile(r"(?<!\w)1(er)(?!\w)")
_CELL_PARAGRAPH = '<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="center"/>'
_MAX_COLUMNS = 4
#: Space above the signatories' names, for a handwritten signature: 25 mm at least (issue 12),
#: 26 mm (1474 twips) so that the line's leading never eats into it. Direct formatting, not the
#: letterhead's style: it is a rule of the letter, whatever the style says.
SIGNATURE_SPACE = 1474
# Below the names, 12 pt instead of the style's space: a page must hold organisation, room to
# sign and names (« courte » stays on one page).
_SIGNATURE_NAME = f'<w:spacing w:before="{SIGNATURE_SPACE}" w:after="240"/>'
_SIGNATURE_ORGANISATION = '<w:keepNext/><w:spacing w:after="0"/>'
#: The address block sits in a frame over the window of a DL envelope, whatever the sender block
#: above it: 45 mm from the top (2551 twips), 112 mm from the left (6350), 85 mm wide (4819) and
#: exactly 52 mm high (2948), so that what follows (the place and date line, :data:`AFTER_FRAME`)
#: starts at 97 mm, out of the window (window ≈ 100–210 mm from the left, 45–95 mm from the top;
#: issue 12).
ADDRESS_FRAME = (
    '<w:framePr w:w="4819" w:h="2948" w:hRule="exact" w:wrap="notBeside" w:vAnchor="page" '
    'w:hAnchor="page" w:x="6350" w:y="2551"/>'
)
_FRAMED = '<w:ind w:left="0" w:right="0" w:firstLine="0"/>'
#: The paragraph after the address frame starts right under it: the frame already holds the gap.
AFTER_FRAME = '<w:spacing w:before="0"/>'


def _escape_lines(lines: Sequence[str]) -> str:
    """``escape_text`` of the lines joined by line feeds, a line at a time when it is the same."""
    if any("\r" in line for line in lines[:-1]):  # "…\r" + "\n" would be one break, not two
        return escape_text(_NEWLINE.join(lines))
    return _LINE_BREAK.join(map(escape_text, lines))


def run_xml(text: str, bold: bool = False, italic: bool = False) -> str:
    """One ``w:r`` for ``text`` (several when it holds a « 1er », its « er » in superscript)."""
    if "1er" not in text:
        return _plain_run(text, bold, italic)
    runs, start = [], 0
    for match in _ORDINAL.finditer(text):
        if match.start(1) > start:
            runs.append(_plain_run(text[start : match.start(1)], bold, italic))
        runs.append(f"<w:r>{_SUPERSCRIPT_PROPERTIES[bold, italic]}{_T_OPEN}er</w:t></w:r>")
        start = match.end(1)
    if start < len(text):
        runs.append(_plain_run(text[start:], bold, italic))
    return "".join(runs)


def _plain_run(text: str, bold: bool, italic: bool) -> str:
    return f"<w:r>{_RUN_PROPERTIES[bold, italic]}{_T_OPEN}{escape_text(text)}</w:t></w:r>"


def _lines_xml(lines: Sequence[str]) -> str:
    """The runs of plain lines separated by line breaks: one run, or one a line with a « 1er »."""
    if not any("1er" in line for line in lines):
        return f"<w:r>{_T_OPEN}{_escape_lines(lines)}</w:t></w:r>"
    return "<w:r><w:br/></w:r>".join(run_xml(line) for line in lines)


#: ``(text, bold, italic)``, as :class:`lettergen.letter.Run` is.
TextRun = tuple[str, bool, bool]
#: A signatory as laid out: organisation (may be empty), then the lines under the signature.
SignatoryCell = tuple[str, Sequence[str]]


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
                    parts.append(run_xml(text, bold, italic))
            parts.append("</w:p>")

    def lines(self, style_id: str, lines: Sequence[str], properties: str = "") -> None:
        """Add one paragraph of plain lines separated by line breaks (``properties``: more w:pPr)."""
        self._parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{properties}</w:pPr>{_lines_xml(lines)}</w:p>'
        )

    def address(self, style_id: str, lines: Sequence[str]) -> None:
        """Add the address block, framed over the envelope's window (:data:`ADDRESS_FRAME`)."""
        self.lines(style_id, lines, ADDRESS_FRAME + _FRAMED)

    def runs(self, style_id: str, runs: Iterable[TextRun]) -> None:
        """Add one paragraph of runs."""
        parts = self._parts
        parts.append(f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>')
        for text, bold, italic in runs:
            parts.append(run_xml(text, bold, italic))
        parts.append("</w:p>")

    def signatures(self, style_id: str, cells: Sequence[SignatoryCell], text_width: int) -> None:
        """Add the signatories: organisation, room to sign (:data:`SIGNATURE_SPACE`), name and function.

        One signatory: two paragraphs. Several: borderless tables of four columns at most,
        a first row of organisations (one cell over the columns that share it) and a row of
        names, so that the names line up.
        """
        if len(cells) == 1:
            organisation, lines = cells[0]
            if organisation:
                self.lines(style_id, [organisation], _SIGNATURE_ORGANISATION)
            self.lines(style_id, lines, _SIGNATURE_NAME)
            return
        per_row = min(len(cells), _MAX_COLUMNS)
        width = text_width // per_row
        for start in range(0, len(cells), per_row):
            row = cells[start : start + per_row]
            rows = []
            if any(organisation for organisation, _ in row):
                spans = organisation_spans([organisation for organisation, _ in row])
                rows.append(
                    "".join(self._cell(style_id, [o], width, n, _SIGNATURE_ORGANISATION) for o, n in spans)
                )
            rows.append("".join(self._cell(style_id, lines, width, 1, _SIGNATURE_NAME) for _, lines in row))
            grid = f'<w:gridCol w:w="{width}"/>' * len(row)
            self._parts.append(
                f'<w:tbl><w:tblPr><w:tblW w:w="{width * len(row)}" w:type="dxa"/>'
                '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000"/></w:tblPr>'
                f"<w:tblGrid>{grid}</w:tblGrid>"
                + "".join(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells_xml}</w:tr>" for cells_xml in rows)
                + "</w:tbl>"
            )

    @staticmethod
    def _cell(style_id: str, lines: Sequence[str], width: int, span: int, properties: str) -> str:
        merged = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width * span}" w:type="dxa"/>{merged}</w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{properties}{_CELL_PARAGRAPH}</w:pPr>'
            f"{_lines_xml(lines)}</w:p></w:tc>"
        )

    def raw(self, xml: str) -> None:
        """Add body XML built earlier (by :meth:`text` of another builder)."""
        self._parts.append(xml)

    def text(self) -> str:
        """Return the body XML added so far."""
        return "".join(self._parts)

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
