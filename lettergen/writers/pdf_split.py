"""A batch PDF cut back into one PDF per letter, at the named destinations LibreOffice exported.

The batch document (``docx_combine``) puts bookmark ``LGDk`` at the start of letter ``k`` and
``LGFk`` on its last paragraph; LibreOffice exports both as named destinations. Letter ``k`` is
the pages from ``LGDk`` up to the page before ``LGD(k+1)``; its ``LGFk`` must sit on that last
page, or the cut is not trusted (the letter is then converted again on its own).

Each letter's PDF is the objects its pages use, copied byte for byte from the batch PDF
(``pdf_copy``; pypdf's ``PdfWriter`` when the batch is not laid out as LibreOffice writes it,
or when a letter's pages reach the rest of the batch), with its own information dictionary
(title = the letter's objet, author = its sender, creation date = the letter's date,
LibreOffice's producer), ``/Lang fr-FR`` and the title shown by viewers; it is then parsed back
by pypdf: its page count must be the one cut. Nothing in it depends on the clock: its ``/ID`` is
an MD5 of the file itself (written with a placeholder, then patched in place, same length), so
the same batch gives the same bytes.
The fonts are LibreOffice's subsets for the whole batch: a letter's bytes depend on its batch
neighbours, not only on itself (same inputs and options, same batches, same bytes).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    PdfObject,
    TextStringObject,
    create_string_object,
)

from lettergen.writers.docx_combine import end_name, start_name
from lettergen.writers.pdf_copy import ID_PLACEHOLDER, BatchObjects, OutsideLetter

__all__ = ["PdfMeta", "SplitError", "split_batch", "whole_letter"]

LANGUAGE = "fr-FR"  # lettergen writes French letters
_PLACEHOLDER = ByteStringObject(ID_PLACEHOLDER)
_PLACEHOLDER_HEX = ID_PLACEHOLDER.hex().encode()
_HEADER = b"%PDF-1.6"  # LibreOffice 7.4's default version


class SplitError(Exception):
    """A letter that cannot be cut out of its batch PDF (in French, for the report)."""


@dataclass(frozen=True)
class PdfMeta:
    """The information dictionary of one letter's PDF."""

    title: str = ""
    author: str = ""
    created: datetime | None = None


def split_batch(batch_pdf: Path, metas: Sequence[PdfMeta]) -> list[bytes | SplitError]:
    """Cut ``batch_pdf`` into its ``len(metas)`` letters: each one's PDF bytes, or why not."""
    try:
        reader, objects = _open(batch_pdf)
        pages = {
            str(name).lstrip("/"): reader.get_destination_page_number(dest)
            for name, dest in reader.named_destinations.items()
        }
        total = len(reader.pages)
    except (OSError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return [SplitError("PDF de LibreOffice illisible (pypdf ne peut pas le lire)") for _ in metas]
    starts = [pages.get(start_name(k)) for k in range(len(metas))]
    results: list[bytes | SplitError] = []
    for k, meta in enumerate(metas):
        first, last = starts[k], pages.get(end_name(k))
        following = next((s for s in starts[k + 1 :] if s is not None), total)
        if first is None or last is None or not first <= last == following - 1:
            results.append(SplitError(f"découpage du PDF incohérent (lettre {k + 1} du lot)"))
            continue
        results.append(_letter(reader, objects, range(first, following), meta))
    return results


def whole_letter(pdf: Path, meta: PdfMeta) -> bytes | SplitError:
    """A PDF LibreOffice made from one letter alone, rewritten like the letters of a batch."""
    try:
        reader, objects = _open(pdf)
        count = len(reader.pages)
    except (OSError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return SplitError("PDF de LibreOffice illisible (pypdf ne peut pas le lire)")
    if count == 0:
        return SplitError("PDF de LibreOffice sans aucune page")
    return _letter(reader, objects, range(count), meta)


def _open(pdf: Path) -> tuple[PdfReader, BatchObjects | None]:
    data = pdf.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    return reader, BatchObjects.read(reader, data)


def _letter(
    reader: PdfReader, objects: BatchObjects | None, pages: range, meta: PdfMeta
) -> bytes | SplitError:
    try:
        data = _copy_letter(objects, pages, meta) if objects is not None else None
    except (OutsideLetter, PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        data = None  # cut the slow way, which copies what the pages reach under new numbers
    try:
        data = data if data is not None else _write_letter(reader, pages, meta)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return SplitError("PDF de LibreOffice illisible (pypdf ne peut pas en extraire la lettre)")
    try:  # parsed back before it takes its name: a PDF under its final name always opens
        count = len(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return SplitError("PDF de la lettre illisible une fois découpé")
    if count < 1 or count != len(pages):
        return SplitError(f"PDF de la lettre incomplet ({count} pages au lieu de {len(pages)})")
    return data


def _copy_letter(objects: BatchObjects, pages: range, meta: PdfMeta) -> bytes:
    info = DictionaryObject(
        {NameObject(k): create_string_object(v) for k, v in _information(objects.reader, meta).items()}
    )
    catalog = DictionaryObject(_catalog_entries())
    return _stamp_id(objects.letter(pages, info, catalog, _HEADER))


def _catalog_entries() -> dict[NameObject, PdfObject]:
    """What a letter's catalogue says besides its pages: its language, its title in viewers."""
    return {
        NameObject("/Lang"): TextStringObject(LANGUAGE),
        NameObject("/ViewerPreferences"): DictionaryObject(
            {NameObject("/DisplayDocTitle"): BooleanObject(True)}
        ),
    }


def _write_letter(reader: PdfReader, pages: range, meta: PdfMeta) -> bytes:
    writer = PdfWriter()
    writer.pdf_header = _HEADER
    for number in pages:
        writer.add_page(reader.pages[number])
    writer.add_metadata(_information(reader, meta))
    writer._root_object.update(_catalog_entries())
    # pypdf draws a random /ID unless one is set: a placeholder, replaced below by the file's MD5.
    writer._ID = ArrayObject([_PLACEHOLDER, _PLACEHOLDER])
    buffer = io.BytesIO()
    writer.write(buffer)
    return _stamp_id(buffer.getvalue())


def _information(reader: PdfReader, meta: PdfMeta) -> dict[str, str]:
    source = reader.metadata
    info = {
        "/Creator": str(source.get("/Creator", "Writer")) if source else "Writer",
        "/Producer": str(source.get("/Producer", "LibreOffice")) if source else "LibreOffice",
    }
    if meta.title:
        info["/Title"] = meta.title
    if meta.author:
        info["/Author"] = meta.author
    if meta.created is not None:
        info["/CreationDate"] = info["/ModDate"] = pdf_date(meta.created)
    return info


def pdf_date(when: datetime) -> str:
    """``when`` as a PDF date string, in UTC (``D:20210701000000Z``)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def _stamp_id(data: bytes) -> bytes:
    digest = hashlib.md5(data).hexdigest().encode()
    stamped = data.replace(b"<" + _PLACEHOLDER_HEX + b">", b"<" + digest + b">")
    return stamped
