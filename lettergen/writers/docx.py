"""The DOCX writer: lays a :class:`~lettergen.letter.Letter` out on the user's letterhead.

The letterhead (``templates/papier_en_tete.docx``) is a Word document the user edits:
header, footer, margins and the paragraph styles named in :data:`STYLE_NAMES`.
:class:`DocxWriter` reads it once per run; each letter then costs one body
assembled as text and two small parts deflated (see ``docs/architecture.md``).

The body holds exactly ``Letter.blocks()``, one paragraph per block in the style of
its role (:data:`STYLE_NAMES`), the lines of a block separated by line breaks; the
address block in a frame over a DL envelope's window (so the date line falls below
it), each signatory's name 26 mm below its organisation or the closing (room for a
handwritten signature), several signatories side by side in table cells, an
organisation they share said once; « 1er » with « er » in superscript.
:func:`docx_text` reads it back that way (:func:`expected_paragraphs`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml import etree

from lettergen.errors import LetterheadError
from lettergen.files import write_atomically
from lettergen.letter import Letter, Role, Signatory, organisation_spans
from lettergen.writers import docx_xml
from lettergen.writers.letterhead import read_letterhead
from lettergen.writers.zippackage import ZipPackage

# Block role → the paragraph style's name as the user sees it in Word.
STYLE_NAMES: Mapping[Role, str] = MappingProxyType(
    {
        Role.EXPEDITEUR: "LG Expéditeur",
        Role.ADRESSE: "LG Destinataire",
        Role.LIEU_DATE: "LG Lieu et date",
        Role.OBJET: "LG Objet",
        Role.APPEL: "LG Appel",
        Role.CORPS: "LG Corps",
        Role.FORMULE: "LG Formule",
        Role.SIGNATAIRE: "LG Signature",
        Role.PJ: "LG Mentions",
        Role.COPIE: "LG Mentions",
    }
)
#: Paragraphs whose XML a writer keeps: the words every letter of a run shares (the sender, most of
#: the body, the closing, the signatories) are laid out once. Bounded, for the letters' own words.
CACHED_PARAGRAPHS = 512
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
FIXED_DATE = dt.date(1980, 1, 1)


class DocxWriter:
    """Render letters as DOCX bytes on one letterhead, prepared once.

    Picklable (it holds only strings, bytes and the XML of paragraphs already laid out, each
    keyed by its style and runs): build one per process, or send it.
    ``level`` is the zlib level for the two parts compressed per letter: level 1
    costs a quarter less CPU than 6 for files 2 % larger (``benchmarks/bench_docx.py``).
    """

    def __init__(self, letterhead_path: str | os.PathLike[str], *, level: int = 1):
        self.letterhead_path = Path(letterhead_path)
        document, members = _read_letterhead(self.letterhead_path)
        ids = {name: _style_id(document, name, self.letterhead_path) for name in STYLE_NAMES.values()}
        self._styles = {role: ids[name] for role, name in STYLE_NAMES.items()}
        self._creator = document.core_properties.author or ""
        try:
            self._shell = docx_xml.split_document(members.pop(DOCUMENT_PART))
        except (KeyError, ValueError) as error:
            raise LetterheadError(
                f"« {DOCUMENT_PART} » absent ou illisible : {error}", file=str(self.letterhead_path)
            ) from error
        members.pop(CORE_PART, None)
        members = docx_xml.declare_core_part(members, CORE_PART)
        self._package = ZipPackage(members.items(), level=level)
        self._laid_out: dict[tuple, str] = {}

    def render(self, letter: Letter, date: dt.date | None = None) -> bytes:
        """Return ``letter`` as DOCX bytes; the same letter always gives the same bytes.

        ``date`` stamps the document properties; by default it is ``letter.date``,
        else a fixed date.
        """
        body = self._body(letter).xml(self._shell)
        when = date or letter.date or FIXED_DATE
        core = docx_xml.core_xml(letter.objet, self._creator, f"{when.isoformat()}T00:00:00Z")
        return self._package.build(((CORE_PART, core.encode()), (DOCUMENT_PART, body.encode())))

    def write(self, letter: Letter, path: str | os.PathLike[str], date: dt.date | None = None) -> Path:
        """Write ``letter`` to ``path`` atomically (temporary file, then rename); return the path."""
        path = Path(path)
        write_atomically(path, self.render(letter, date))
        return path

    def _body(self, letter: Letter) -> docx_xml.BodyBuilder:
        """Lay ``letter.blocks()`` out in order: one paragraph per block, signatories side by side.

        The address block is framed over the envelope's window; the signatories (consecutive
        blocks) are laid out together by :meth:`~docx_xml.BodyBuilder.signatures`.
        """
        styles, builder = self._styles, docx_xml.BodyBuilder()
        signed = False
        for block in letter.blocks():
            if block.role is Role.SIGNATAIRE:
                if not signed:
                    builder.raw(self._laid_out_once((Role.SIGNATAIRE, letter.signatories), letter))
                    signed = True
            elif block.role is Role.ADRESSE:
                builder.address(styles[Role.ADRESSE], block.line_texts)
            elif block.role is Role.LIEU_DATE and letter.address:
                builder.lines(styles[Role.LIEU_DATE], block.line_texts, docx_xml.AFTER_FRAME)
            else:
                builder.raw(self._laid_out_once(block, letter))
        return builder

    def _laid_out_once(self, key: tuple, letter: Letter) -> str:
        """The XML of one paragraph (a block), or of the signatories (``(SIGNATAIRE, signatories)``).

        Each is laid out by :class:`~docx_xml.BodyBuilder` the first time, then taken from the
        writer's cache: the same runs in the same style give the same XML.
        """
        xml = self._laid_out.get(key)
        if xml is not None:
            return xml
        builder, role = docx_xml.BodyBuilder(), key[0]
        if role is Role.SIGNATAIRE:
            cells = signatory_cells(letter.signatories)
            builder.signatures(self._styles[role], cells, self._shell.text_width)
        else:
            builder.paragraph(self._styles[role], key[1])
        xml = builder.text()
        if len(self._laid_out) < CACHED_PARAGRAPHS:
            self._laid_out[key] = xml
        return xml


def _read_letterhead(path: Path) -> tuple[docx.document.Document, dict[str, bytes]]:
    """The letterhead checked and cleaned (:func:`read_letterhead`), opened by python-docx for its styles.

    python-docx reads the cleaned parts, not the file: what it sees is what the letters copy.
    """
    letterhead = read_letterhead(path)
    try:
        document = docx.Document(io.BytesIO(letterhead.package()))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise LetterheadError(
            f"papier à en-tête illisible (document Word .docx attendu) : {error}", file=str(path)
        ) from error
    return document, dict(letterhead.parts)


def _style_id(document: docx.document.Document, name: str, path: Path) -> str:
    """Return the id of the paragraph style the user named ``name``."""
    try:
        style = document.styles[name]
    except KeyError:
        raise LetterheadError(
            f"le style de paragraphe « {name} » manque dans le papier à en-tête "
            f"(styles attendus : {', '.join(dict.fromkeys(STYLE_NAMES.values()))})",
            file=str(path),
        ) from None
    if style.type != WD_STYLE_TYPE.PARAGRAPH:
        raise LetterheadError(f"« {name} » doit être un style de paragraphe", file=str(path))
    return docx_xml.escape_plain(style.style_id)


def signatory_cells(signatories: Sequence[Signatory]) -> list[docx_xml.SignatoryCell]:
    """Each signatory as laid out: its organisation, then its name and function."""
    return [(s.organisation, [line for line in (s.nom, s.fonction) if line]) for s in signatories]


def expected_paragraphs(letter: Letter) -> list[str]:
    """Return what :func:`docx_text` reads back from ``letter``'s DOCX: one string per block.

    The signatories read as their layout: one signatory is its organisation then its name
    and function; several are, four at a time, the organisations (once for the columns that
    share one) then each name and function.
    """
    texts, signed = [], False
    for block in letter.blocks():
        if block.role is not Role.SIGNATAIRE:
            texts.append(docx_xml.clean_text(block.text))
        elif not signed:
            texts.extend(docx_xml.clean_text(text) for text in _signature_texts(letter.signatories))
            signed = True
    return texts


def _signature_texts(signatories: Sequence[Signatory]) -> list[str]:
    cells = signatory_cells(signatories)
    if len(cells) == 1:
        organisation, lines = cells[0]
        return [organisation, "\n".join(lines)] if organisation else ["\n".join(lines)]
    texts: list[str] = []
    for start in range(0, len(cells), 4):
        row = cells[start : start + 4]
        if any(organisation for organisation, _ in row):
            texts.extend(o for o, _ in organisation_spans([o for o, _ in row]))
        texts.extend("\n".join(lines) for _, lines in row)
    return texts


def docx_text(source: str | os.PathLike[str] | bytes | BinaryIO) -> list[str]:
    """Return the text of the body's paragraphs in order, table cells included.

    Line breaks inside a paragraph read as ``\\n``, tabs as ``\\t``.
    """
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    elif isinstance(source, os.PathLike):
        source = os.fspath(source)
    return list(_texts(docx.Document(source).iter_inner_content()))


def _texts(items):
    for item in items:
        if isinstance(item, Table):
            for row in item.rows:
                seen = set()  # a cell over several columns is listed once per column
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        yield from _texts(cell.iter_inner_content())
        else:
            yield item.text
