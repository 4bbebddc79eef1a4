"""Read a user's zip package (XLSX workbook, DOCX letterhead) without letting it decide the cost.

A zip says how big each member is, and a zip bomb lies: 1 MB of deflate can inflate to 1 GB,
and :mod:`zipfile` asked for a whole member decompresses up to 1 GB in one call before it
compares with the declared size. :class:`BoundedZip` therefore

* refuses the archive up front when it has too many members, a member declared bigger than
  :data:`LIMITS.member_bytes`, members declared bigger than :data:`LIMITS.total_bytes` together,
  or a large member that would inflate more than :data:`LIMITS.ratio` times its compressed size;
* inflates every member 64 KiB at a time and stops as soon as it yields more than it declared;
* refuses any XML member with a document type declaration (DTD): no DTD, so no entity, can
  reach a parser (lxml, expat, openpyxl's or python-docx's). The check reads the member's
  prolog with expat, which stops at the root element: a DTD can only come before it.

Refusals raise :class:`PackageError` with a French reason and the member's name.
"""

from __future__ import annotations

import pyexpat
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

from lettergen.read.regular import megabytes, open_regular

_CHUNK = 1 << 16
_PROLOG_LIMIT = 1 << 16  # bytes before the root element: an XML declaration and a comment or two
_XML_NAMES = (".xml", ".rels", ".vml", ".xsd", ".xsl")
# First bytes of an XML document that may have a DTD, in the encodings parsers detect: a
# declaration, processing instruction or comment (« <? », « <! »), a UTF-8 or UTF-16 BOM, UTF-16
# or UTF-32 without BOM, EBCDIC « <?xm ». A member not named like XML is checked when it starts
# so; one that starts with its root element (« <w:hdr ») cannot have a DTD.
_XML_STARTS = (
    b"<?",
    b"<!",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00<",
    b"<\x00",
    b"\x00\x00",
    b"\x4c\x6f\xa7\x94",
)


@dataclass(frozen=True)
class ZipLimits:
    """What a package may cost; the defaults hold a 200,000-row workbook and any real letterhead."""

    members: int = 2_000
    member_bytes: int = 200 << 20  # one member, inflated
    total_bytes: int = 400 << 20  # every member, inflated
    ratio: int = 200  # inflated / compressed, for a member above ratio_from
    ratio_from: int = 1 << 20


LIMITS = ZipLimits()


def safe_xml_parser() -> etree.XMLParser:
    """An lxml parser for a user's XML: no entity resolved, no DTD loaded, nothing fetched.

    The second lock behind :class:`BoundedZip`'s DTD check. A new one per use: an lxml parser
    must not parse in two threads at once (the atelier serves requests from a thread pool).
    """
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


class PackageError(Exception):
    """A package refused: ``reason`` in French, ``part`` the member concerned (None: the archive).

    ``damaged``: the package is broken (bad deflate data, XML that does not parse) rather than
    over a limit or forbidden; callers say « illisible » instead of « refusé ».
    """

    def __init__(self, reason: str, part: str | None = None, damaged: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.part = part
        self.damaged = damaged

    @property
    def verdict(self) -> str:
        return "illisible" if self.damaged else "refusé"

    def __str__(self) -> str:
        return f"{self.reason} (partie « {self.part} »)" if self.part else self.reason


def check_directory(infos: list[zipfile.ZipInfo], limits: ZipLimits = LIMITS) -> None:
    """Refuse an archive whose directory declares more than ``limits`` allow."""
    if len(infos) > limits.members:
        raise PackageError(f"{len(infos)} fichiers dans l'archive, au-delà de la limite de {limits.members}")
    total = 0
    for info in infos:
        size = info.file_size
        if size > limits.member_bytes:
            raise PackageError(
                f"{megabytes(size)} une fois décompressé, au-delà de la limite de "
                f"{megabytes(limits.member_bytes)}",
                info.filename,
            )
        if size > limits.ratio_from and size > limits.ratio * max(info.compress_size, 1):
            ratio = size // max(info.compress_size, 1)
            raise PackageError(
                f"taux de compression de {ratio} pour 1, au-delà de la limite de {limits.ratio} "
                "pour 1 (bombe de décompression ?)",
                info.filename,
            )
        total += size
    if total > limits.total_bytes:
        raise PackageError(
            f"{megabytes(total)} une fois décompressé, au-delà de la limite de "
            f"{megabytes(limits.total_bytes)}"
        )


class BoundedZip(zipfile.ZipFile):
    """A read-only :class:`zipfile.ZipFile` checked by :func:`check_directory`, members bounded.

    ``read`` goes through ``open``, so both are bounded; openpyxl and our readers use both.
    """

    def __init__(self, file: Any, limits: ZipLimits = LIMITS):
        super().__init__(file, "r")
        self.limits = limits
        self._owned: IO[bytes] | None = None
        try:
            check_directory(self.infolist(), limits)
        except PackageError:
            self.close()
            raise

    @classmethod
    def from_path(cls, path: Any, limits: ZipLimits = LIMITS) -> BoundedZip:
        """Open the regular file ``path`` (:class:`~lettergen.read.regular.NotRegular` otherwise)."""
        handle = open_regular(path)
        try:
            archive = cls(handle, limits)
        except BaseException:
            handle.close()
            raise
        archive._owned = handle
        return archive

    def close(self) -> None:
        super().close()
        owned, self._owned = getattr(self, "_owned", None), None
        if owned is not None:
            owned.close()

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, *, force_zip64: bool = False) -> Any:
        if mode != "r":
            raise ValueError("BoundedZip is read-only")
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        try:
            inner = super().open(info, "r", pwd)
        except RuntimeError:  # an encrypted member: zipfile wants a password
            raise PackageError("partie chiffrée par un mot de passe", info.filename, True) from None
        return BoundedMember(inner, info.filename, min(info.file_size, self.limits.member_bytes))


class BoundedMember:
    """A member's stream: at most ``limit`` bytes, inflated 64 KiB at a time, no DTD if XML."""

    def __init__(self, inner: IO[bytes], name: str, limit: int):
        self._inner = inner
        self.name = name
        self._limit = limit
        self._count = 0
        self._pending = b""
        self._started = False

    def read(self, size: int | None = -1) -> bytes:
        if not self._started:
            self._started = True
            self._pending = self._first_bytes()
        wanted = None if size is None or size < 0 else size
        parts = [self._pending[:wanted]] if wanted is not None else [self._pending]
        got = len(parts[0])
        self._pending = self._pending[got:] if wanted is not None else b""
        while wanted is None or got < wanted:
            chunk = self._chunk(_CHUNK if wanted is None else min(_CHUNK, wanted - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def _chunk(self, size: int) -> bytes:
        try:
            chunk = self._inner.read(size)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
            raise PackageError(f"archive endommagée ({type(error).__name__})", self.name, True) from None
        except Exception as error:  # zlib.error and friends
            raise PackageError(f"archive endommagée ({type(error).__name__})", self.name, True) from None
        self._count += len(chunk)
        if self._count > self._limit:
            raise PackageError("la partie se décompresse au-delà de la taille annoncée", self.name)
        return chunk

    def _first_bytes(self) -> bytes:
        first = self._chunk(_CHUNK)
        if not first:
            return first
        if self.name.lower().endswith(_XML_NAMES):
            return self._checked_prolog(first, strict=True)
        if first.lstrip(b" \t\r\n").startswith(_XML_STARTS):
            return self._checked_prolog(first, strict=False)
        return first

    def _checked_prolog(self, first: bytes, strict: bool) -> bytes:
        """``first`` and what follows up to the root element, refused if it holds a DTD.

        ``strict`` (a member named like XML): XML expat cannot read is refused too, so that no
        encoding expat does not know (UTF-7…) can hide a DTD from this check but not from
        libxml2. Otherwise (a font, an image that happens to start like XML) only a DTD is.
        """
        parser = pyexpat.ParserCreate()
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        parser.StartElementHandler = _root_reached
        seen = [first]
        chunk, total = first, len(first)
        while True:
            try:
                parser.Parse(chunk, not chunk)
            except _RootReached:
                return b"".join(seen)
            except _Doctype:
                raise PackageError("déclaration de type de document (DTD) interdite", self.name) from None
            except (pyexpat.ExpatError, ValueError, LookupError) as error:  # ValueError: an encoding
                if not strict:
                    return b"".join(seen)
                raise PackageError(f"XML illisible ({_expat_reason(error)})", self.name, True) from None
            if not chunk or total > _PROLOG_LIMIT:
                if not strict:
                    return b"".join(seen)
                raise PackageError("XML illisible (pas d'élément racine au début)", self.name, True)
            chunk = self._chunk(_CHUNK)
            seen.append(chunk)
            total += len(chunk)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> BoundedMember:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _expat_reason(error: Exception) -> str:
    if isinstance(error, pyexpat.ExpatError):
        return pyexpat.ErrorString(error.code) or "erreur de syntaxe"
    return "encodage non pris en charge"


class _RootReached(Exception):
    """The prolog ended without a DTD."""


class _Doctype(Exception):
    """A DTD or an entity declaration."""


def _refuse_doctype(*_args: object) -> None:
    raise _Doctype


def _root_reached(*_args: object) -> None:
    raise _RootReached
