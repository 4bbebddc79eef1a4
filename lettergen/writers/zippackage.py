"""A small deterministic zip writer for OOXML packages.

Members that never change are deflated once, and their local headers and central
directory records are built once; each package then only deflates the members
that change (``word/document.xml``, ``docProps/core.xml``), which come last.
Every entry is stamped 1980-01-01 00:00, so the same content gives the same bytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Sequence

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_VERSION = 20  # 2.0: deflate
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00
_DEFLATE = 8
_UTF8_NAME = 0x800


def deflate(data: bytes, level: int) -> bytes:
    """Return ``data`` as a raw deflate stream (no zlib header), as zip stores it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


class _Entry:
    __slots__ = ("name", "flags", "crc", "size", "compressed")

    def __init__(self, name: str, data: bytes, level: int):
        self.name = name.encode("utf-8")
        self.flags = 0 if name.isascii() else _UTF8_NAME
        self.crc = zlib.crc32(data)
        self.size = len(data)
        self.compressed = deflate(data, level)

    def local(self) -> bytes:
        header = _LOCAL.pack(
            b"PK\x03\x04",
            _VERSION,
            self.flags,
            _DEFLATE,
            _DOS_TIME,
            _DOS_DATE,
            self.crc,
            len(self.compressed),
            self.size,
            len(self.name),
            0,
        )
        return header + self.name + self.compressed

    def central(self, offset: int) -> bytes:
        record = _CENTRAL.pack(
            b"PK\x01\x02",
            _VERSION,
            _VERSION,
            self.flags,
            _DEFLATE,
            _DOS_TIME,
            _DOS_DATE,
            self.crc,
            len(self.compressed),
            self.size,
            len(self.name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        return record + self.name


class ZipPackage:
    """Zip writer whose fixed members are compressed once; picklable (only bytes inside).

    ``fixed`` members come first, in the order given; the members passed to
    :meth:`build` follow, in their order. ``level`` is the zlib level used for them.
    """

    def __init__(self, fixed: Iterable[tuple[str, bytes]], level: int = 6, fixed_level: int = 9):
        self.level = level
        entries = [_Entry(name, data, fixed_level) for name, data in fixed]
        locals_, centrals, offset = [], [], 0
        for entry in entries:
            centrals.append(entry.central(offset))
            local = entry.local()
            locals_.append(local)
            offset += len(local)
        self._head = b"".join(locals_)
        self._directory = b"".join(centrals)
        self._count = len(entries)

    def build(self, members: Sequence[tuple[str, bytes]]) -> bytes:
        """Return the whole zip: the fixed members, then ``members`` deflated now."""
        parts = [self._head]
        directory = [self._directory]
        offset = len(self._head)
        for name, data in members:
            entry = _Entry(name, data, self.level)
            directory.append(entry.central(offset))
            local = entry.local()
            parts.append(local)
            offset += len(local)
        central = b"".join(directory)
        count = self._count + len(members)
        parts.append(central)
        parts.append(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0))
        return b"".join(parts)
