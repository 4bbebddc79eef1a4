"""One letter's PDF made of the very objects LibreOffice wrote for its batch, copied byte for byte.

Why not pypdf's ``PdfWriter``: cloning a letter's pages into a new writer parses, copies and
re-serialises every object they use, the batch's fonts (width arrays of hundreds of numbers)
among them, once per letter: ~1.5 ms of a letter's 2 ms of cutting, a tenth of LibreOffice's
whole cost for it (``benchmarks/bench_pdf.py``). Here pypdf reads the batch once (cross-reference
table, page tree, each object's references); a letter is then the bytes of the objects its pages
reach, under their own numbers (no renumbering, so nothing in them is rewritten), a page tree of
its own pages, a catalogue and an information dictionary (serialised by pypdf), and a
cross-reference table in subsections, since the numbers have gaps (ISO 32000-1, 7.5.4).

Only for the PDFs LibreOffice writes (a classic cross-reference table, generation 0, no object
streams, no encryption, one flat page tree): :meth:`BatchObjects.read` returns None for any
other, and the caller cuts with pypdf. A letter whose pages reach another letter's page (a link
out of the letter) cannot be copied alone: :class:`OutsideLetter`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

__all__ = ["ID_PLACEHOLDER", "BatchObjects", "OutsideLetter"]

#: The 16 bytes both halves of a letter's /ID hold until ``pdf_split`` stamps the file's MD5.
ID_PLACEHOLDER = b"\xa5" * 16
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")  # page attributes a page tree passes on


class OutsideLetter(Exception):
    """A letter's pages reach objects that belong to the rest of the batch."""


@dataclass(frozen=True)
class BatchObjects:
    """The batch PDF's bytes, where each object starts and ends, and its page tree."""

    reader: PdfReader
    data: bytes
    spans: dict[int, tuple[int, int]]  # object number -> [start, end) in data
    pages: tuple[int, ...]  # page object numbers, in order
    tree: int  # the page tree's root (every page's parent)
    catalog: int
    _found: dict[int, frozenset[int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def read(cls, reader: PdfReader, data: bytes) -> BatchObjects | None:
        """The batch's objects, or None when the file is not laid out as LibreOffice writes it."""
        if reader.is_encrypted or reader.xref_objStm or set(reader.xref) - {0, 65535}:
            return None
        offsets = reader.xref.get(0, {})
        end = _startxref(data)
        if not offsets or end is None:
            return None
        spans: dict[int, tuple[int, int]] = {}
        ordered = sorted(offsets.items(), key=lambda item: item[1])
        for (number, start), (_, stop) in zip(ordered, [*ordered[1:], (0, end)], strict=True):
            chunk = data[start:stop].rstrip()
            if not chunk.startswith(f"{number} 0 obj".encode()) or not chunk.endswith(b"endobj"):
                return None
            spans[number] = (start, start + len(chunk))
        root = reader.trailer.raw_get("/Root")
        tree = _raw(reader, root.idnum).raw_get("/Pages") if isinstance(root, IndirectObject) else None
        pages = tuple(page.indirect_reference.idnum for page in reader.pages if page.indirect_reference)
        if not isinstance(tree, IndirectObject) or len(pages) != len(reader.pages):
            return None
        if any(_raw(reader, number).raw_get("/Parent") != tree for number in pages):
            return None  # a nested page tree: the pages would need their parents rewritten
        return cls(reader, data, spans, pages, tree.idnum, root.idnum)

    @cached_property
    def page_set(self) -> frozenset[int]:
        return frozenset(self.pages)

    def objects_of(self, pages: range) -> list[int]:
        """Numbers of the objects the pages ``pages`` (indices) reach, themselves included.

        Raises OutsideLetter if they reach another page, the page tree or the catalogue.
        """
        own = {self.pages[i] for i in pages}
        forbidden = {self.tree, self.catalog}
        seen: set[int] = set()
        todo = list(own)
        while todo:
            number = todo.pop()
            if number in seen:
                continue
            if number in forbidden or (number in self.page_set and number not in own):
                raise OutsideLetter(number)
            if number not in self.spans:
                raise OutsideLetter(number)  # a reference to an object the file lacks
            seen.add(number)
            todo.extend(self._references(number, skip_parent=number in own))
        return sorted(seen)

    def _references(self, number: int, skip_parent: bool) -> frozenset[int]:
        """What object ``number`` refers to (kept: the batch's fonts serve every letter).

        ``skip_parent`` is the same at every call for a given number: only a page is read
        with it, and a page is only read as one of its own letter's pages.
        """
        found = self._found.get(number)
        if found is None:
            found = self._found[number] = self._read_references(number, skip_parent)
        return found

    def _read_references(self, number: int, skip_parent: bool) -> frozenset[int]:
        """What object ``number`` refers to: as pypdf parsed it, and as its bytes say.

        Both, because pypdf resolves some references while parsing (a stream's ``/Length``) and
        keeps no trace of them; the bytes are read up to the stream's data, never into it.
        """
        value = self.reader.get_object(number)
        start, stop = self.spans[number]
        text = self.data[start:stop]
        if isinstance(value, StreamObject):
            # pypdf drops an indirect /Length once resolved; the data it kept has that length.
            text = _dictionary_part(text, len(getattr(value, "_data", b"")))
        if skip_parent:
            text = _PARENT.sub(b"", text)
        found = set(_references(value, skip_parent)) if value is not None else set()
        found.update(int(match.group(1)) for match in _REFERENCE.finditer(text))
        return frozenset(found)

    def letter(self, pages: range, info: DictionaryObject, catalog: DictionaryObject, header: bytes) -> bytes:
        """A whole PDF of the pages ``pages``: their objects copied, a tree, ``catalog``, ``info``.

        ``catalog`` gets ``/Pages``; the file's ``/ID`` is left for the caller to stamp (both
        halves are :data:`ID_PLACEHOLDER`).
        """
        numbers = self.objects_of(pages)
        out = io.BytesIO()
        out.write(header + b"\n%\xe2\xe3\xcf\xd3\n")
        offsets: dict[int, int] = {}
        for number in numbers:
            start, stop = self.spans[number]
            offsets[number] = out.tell()
            out.write(self.data[start:stop])
            out.write(b"\n")
        inherited = _raw(self.reader, self.tree).items()
        tree = DictionaryObject({k: v for k, v in inherited if k in _INHERITED})
        tree[NameObject("/Type")] = NameObject("/Pages")
        tree[NameObject("/Kids")] = ArrayObject(IndirectObject(self.pages[i], 0, self.reader) for i in pages)
        tree[NameObject("/Count")] = NumberObject(len(pages))
        catalog[NameObject("/Type")] = NameObject("/Catalog")
        catalog[NameObject("/Pages")] = IndirectObject(self.tree, 0, self.reader)
        info_number = max(self.spans) + 1
        for number, value in ((self.tree, tree), (self.catalog, catalog), (info_number, info)):
            offsets[number] = out.tell()
            out.write(f"{number} 0 obj\n".encode())
            value.write_to_stream(out)
            out.write(b"\nendobj\n")
        xref = out.tell()
        out.write(_xref_table(offsets))
        trailer = f"trailer\n<< /Size {max(offsets) + 1} /Root {self.catalog} 0 R /Info {info_number} 0 R"
        placeholder = b"<" + ID_PLACEHOLDER.hex().encode() + b">"
        out.write(trailer.encode() + b" /ID [ " + placeholder + b" " + placeholder + b" ] >>\n")
        out.write(f"startxref\n{xref}\n%%EOF\n".encode())
        return out.getvalue()


_REFERENCE = re.compile(rb"(\d+)\s+\d+\s+R(?![A-Za-z0-9_])")
_PARENT = re.compile(rb"/Parent\s*\d+\s+\d+\s+R(?![A-Za-z0-9_])")


def _raw(reader: PdfReader, number: int) -> DictionaryObject:
    """Object ``number`` as pypdf parsed it (a stream's dictionary for a stream); {} otherwise."""
    value = reader.get_object(number)
    return value if isinstance(value, DictionaryObject) else DictionaryObject()


def _dictionary_part(text: bytes, length: int) -> bytes:
    """A stream object's bytes up to its data: ``length`` bytes and an end of line before ``endstream``."""
    end = text.rfind(b"endstream")
    for eol in (1, 2, 0):  # LibreOffice ends its data with "\n"; the standard allows "\r\n" or none
        head = text[: max(0, end - eol - length)]
        if end - eol - length > 0 and head.rstrip(b"\r\n").endswith(b"stream") and head[-1:] in b"\r\n":
            return head.rstrip(b"\r\n")[: -len(b"stream")]
    raise ValueError("stream length does not match its data")  # the caller cuts with pypdf


def _references(value: PdfObject, skip_parent: bool = False) -> Iterable[int]:
    """Numbers of the objects ``value`` refers to directly (not through those objects)."""
    stack: list[PdfObject] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            yield item.idnum
        elif isinstance(item, DictionaryObject):  # StreamObject too: its dictionary
            for key, child in item.items():
                if not (skip_parent and key == "/Parent"):
                    stack.append(child)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        skip_parent = False  # only the object's own /Parent: a page's place in the batch's tree


def _xref_table(offsets: dict[int, int]) -> bytes:
    """A cross-reference table listing ``offsets`` in runs of consecutive numbers, and object 0."""
    numbers = sorted(offsets)
    lines = [b"xref\n0 1\n0000000000 65535 f \n"]
    run: list[int] = []
    for number in numbers:
        if run and number != run[-1] + 1:
            lines.append(_subsection(run, offsets))
            run = []
        run.append(number)
    if run:
        lines.append(_subsection(run, offsets))
    return b"".join(lines)


def _subsection(run: list[int], offsets: dict[int, int]) -> bytes:
    rows = "".join(f"{offsets[n]:010d} 00000 n \n" for n in run)
    return f"{run[0]} {len(run)}\n{rows}".encode()


def _startxref(data: bytes) -> int | None:
    """Where the cross-reference table starts, as the file's last ``startxref`` says."""
    at = data.rfind(b"startxref", max(0, len(data) - 1024))
    if at < 0:
        return None
    words = data[at + len(b"startxref") :].split()
    return int(words[0]) if words and words[0].isdigit() and int(words[0]) <= len(data) else None
