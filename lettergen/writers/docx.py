"""The DOCX writer: lays a :class:`~lettergen.letter.Letter` out on the user's letterhead.

The letterhead (``templates/papier_en_tete.docx``) is a Word document the user edits:
header, footer, margins and the paragraph styles named in :data:`STYLE_NAMES`.
:class:`DocxWriter` reads it once per run; each letter then costs one body
assembled as text and two small parts deflated (see ``docs/architecture.md``).

The body holds exactly ``Letter.blocks()``, one paragraph per block, the lines of
a block separated by line breaks; :func:`docx_text` reads it back that way.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml import etree

from lettergen.errors import LetterheadError, OutputError
from lettergen.letter import Letter
from lettergen.writers import docx_xml
from lettergen.writers.letterhead import parts_for_letters
from lettergen.writers.zippackage import ZipPackage

# Role → the paragraph style's name as the user sees it in Word.
STYLE_NAMES = {
    "sender": "LG Expéditeur",
    "address": "LG Destinataire",
    "place_date": "LG Lieu et date",
    "objet": "LG Objet",
    "appel": "LG Appel",
    "body": "LG Corps",
    "closing": "LG Formule",
    "signature": "LG Signature",
    "notes": "LG Mentions",
}
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
FIXED_DATE = dt.date(1980, 1, 1)

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_FRENCH_DATE = re.compile(r"(\d{1,2})(?:er)?\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})", re.IGNORECASE)


class DocxWriter:
    """Render letters as DOCX bytes on one letterhead, prepared once.

    Picklable (it holds only strings and bytes): build one per process, or send it.
    ``level`` is the zlib level for the two parts compressed per letter: level 1
    costs a quarter less CPU than 6 for files 2 % larger (``benchmarks/bench_docx.py``).
    """

    def __init__(self, letterhead_path: str | os.PathLike[str], *, level: int = 1):
        self.letterhead_path = Path(letterhead_path)
        document, members = _read_letterhead(self.letterhead_path)
        self._styles = {
            role: _style_id(document, name, self.letterhead_path) for role, name in STYLE_NAMES.items()
        }
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

    def render(self, letter: Letter, date: dt.date | None = None) -> bytes:
        """Return ``letter`` as DOCX bytes; the same letter always gives the same bytes.

        ``date`` stamps the document properties; by default it is read from
        ``letter.place_date`` (« …, le 1er juillet 2022 »), else a fixed date.
        """
        body = self._body(letter).xml(self._shell)
        when = date or _date_in(letter.place_date) or FIXED_DATE
        core = docx_xml.core_xml(letter.objet, self._creator, f"{when.isoformat()}T00:00:00Z")
        return self._package.build(((CORE_PART, core.encode()), (DOCUMENT_PART, body.encode())))

    def write(self, letter: Letter, path: str | os.PathLike[str], date: dt.date | None = None) -> Path:
        """Write ``letter`` to ``path`` atomically (temporary file, then rename); return the path."""
        path = Path(path)
        data = self.render(letter, date)
        try:
            handle = tempfile.NamedTemporaryFile(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
            )
        except OSError as error:
            raise _output_error(path, error) from error
        try:
            with handle:
                handle.write(data)
            os.replace(handle.name, path)
        except OSError as error:
            Path(handle.name).unlink(missing_ok=True)
            raise _output_error(path, error) from error
        return path

    def _body(self, letter: Letter) -> docx_xml.BodyBuilder:
        """Lay the blocks of ``Letter.blocks()`` out, in the same order."""
        styles, builder = self._styles, docx_xml.BodyBuilder()
        if letter.sender:
            builder.lines(styles["sender"], letter.sender)
        if letter.address:
            builder.lines(styles["address"], letter.address)
        if letter.place_date:
            builder.lines(styles["place_date"], (letter.place_date,))
        builder.runs(styles["objet"], (("Objet\u00a0:", True, False), (f" {letter.objet}", False, False)))
        builder.lines(styles["appel"], (letter.appel,))
        body_style = styles["body"]
        for paragraph in letter.body:
            builder.runs(body_style, ((r.text, r.bold, r.italic) for r in paragraph.runs))
        builder.lines(styles["closing"], (letter.closing,))
        blocks = [signatory.lines for signatory in letter.signatories]
        if len(blocks) == 1:
            builder.lines(styles["signature"], blocks[0])
        elif blocks:
            builder.columns(styles["signature"], blocks, self._shell.text_width)
        if letter.attachments:
            builder.lines(styles["notes"], (f"P.\u00a0J.\u00a0: {letter.attachments}",))
        if letter.copies:
            builder.lines(styles["notes"], (f"Copie à\u00a0: {letter.copies}",))
        return builder


def _output_error(path: Path, error: OSError) -> OutputError:
    return OutputError(f"impossible d’écrire la lettre : {error.strerror or error}", file=str(path))


def _read_letterhead(path: Path) -> tuple[docx.document.Document, dict[str, bytes]]:
    """Open the letterhead with python-docx (styles) and as a zip (raw parts, in order).

    The parts are returned as the letters copy them (:func:`parts_for_letters`).
    """
    if not path.is_file():
        raise LetterheadError("papier à en-tête introuvable", file=str(path))
    try:
        document = docx.Document(str(path))
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
        members = parts_for_letters(members)
    except (
        OSError,
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        etree.XMLSyntaxError,
    ) as error:
        raise LetterheadError(
            f"papier à en-tête illisible (document Word .docx attendu) : {error}", file=str(path)
        ) from error
    return document, members


def _style_id(document: docx.document.Document, name: str, path: Path) -> str:
    """Return the id of the paragraph style the user named ``name``."""
    try:
        style = document.styles[name]
    except KeyError:
        raise LetterheadError(
            f"le style de paragraphe « {name} » manque dans le papier à en-tête "
            f"(styles attendus : {', '.join(STYLE_NAMES.values())})",
            file=str(path),
        ) from None
    if style.type != WD_STYLE_TYPE.PARAGRAPH:
        raise LetterheadError(f"« {name} » doit être un style de paragraphe", file=str(path))
    return docx_xml.escape_plain(style.style_id)


def _date_in(place_date: str) -> dt.date | None:
    """Return the date written in « Paris, le 1er juillet 2022 », or None."""
    match = _FRENCH_DATE.search(place_date)
    if not match:
        return None
    day, month, year = match.groups()
    try:
        return dt.date(int(year), _MONTHS.index(month.lower()) + 1, int(day))
    except ValueError:
        return None


def expected_paragraphs(letter: Letter) -> list[str]:
    """Return what :func:`docx_text` reads back from ``letter``'s DOCX: one string per block."""
    return [docx_xml.clean_text("\n".join(lines)) for lines in letter.blocks()]


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
                for cell in row.cells:
                    yield from _texts(cell.iter_inner_content())
        else:
            yield item.text
