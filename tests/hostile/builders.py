"""Hostile files built in the tests (zipfile, struct, zlib), never committed as binaries.

Each builder writes one file and returns its path. Workbooks start from openpyxl's own output
and are then rewritten member by member, so every case differs from a valid file by one thing.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import openpyxl

# A deliverable address on every row, so that no case also earns « aucune colonne d'adresse »
# or « adresse postale incomplète »: each asserts the lines of its own hostile input only.
ADDRESS = ["Hôtel du Département", "33074", "Bordeaux Cedex"]
HEADER = ["id", "civilite", "prenom", "nom", "departement", "adresse", "code_postal", "ville"]
ROWS = [
    ["a1", "Madame", "Claire", "MARTIN", "33", *ADDRESS],
    ["a2", "Monsieur", "Paul", "LEFEBVRE", "59", *ADDRESS],
]


def addressed(row: list[str]) -> list[str]:
    """A five-column row (id … departement) given the address columns; a longer row as it is."""
    return [*row, *ADDRESS] if len(row) == 5 else row


SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FORBIDDEN_IN_LETTERS = (
    b"vbaProject",
    b'TargetMode="External"',
    b"<!DOCTYPE",
    b"<!ENTITY",
    b"attachedTemplate",
)


def csv_file(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    rows = [addressed(row) for row in rows] if header[:8] == HEADER else rows
    path.write_text("\n".join(";".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def workbook(path: Path, sheets: Mapping[str, list[list[object]]], hidden: tuple[str, ...] = ()) -> Path:
    """An XLSX written by openpyxl: one sheet per entry, in order; ``hidden`` sheets hidden."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(path: Path, parts: Mapping[str, bytes], level: int = 6) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def rewrite(path: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """Rewrite the package at ``path`` after ``change`` edited its members in place."""
    parts = members(path)
    change(parts)
    return rezip(path, parts)


def sheet_xml(rows: str, head: str = "", tail: str = "") -> bytes:
    """A worksheet part: ``head`` before ``<sheetData>`` (dimension…), ``rows`` inside, ``tail`` after."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">{head}'
        f"<sheetData>{rows}</sheetData>{tail}</worksheet>"
    ).encode()


def inline_row(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def set_declared_size(path: Path, member: str, size: int) -> Path:
    """Make the central directory say ``member`` inflates to ``size`` bytes (zip64 for a large size)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(member)
    start = data.rfind(b"PK\x05\x06")
    directory = struct.unpack_from("<I", data, start + 16)[0]
    offset = directory
    while data[offset : offset + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, offset + 28)
        name = bytes(data[offset + 46 : offset + 46 + name_length]).decode()
        if name == info.filename:
            struct.pack_into("<I", data, offset + 24, min(size, 0xFFFFFFFF - 1))
            break
        offset += 46 + name_length + extra_length + comment_length
    path.write_bytes(bytes(data))
    return path


def deflate_bomb(megabytes: int) -> bytes:
    """``megabytes`` MiB of zeros as one deflate stream (about a thousandth of the size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1 << 20)
    return b"".join(compressor.compress(block) for _ in range(megabytes)) + compressor.flush()


def raw_member_zip(path: Path, parts: Mapping[str, bytes], raw: Mapping[str, tuple[bytes, int, int]]) -> Path:
    """A zip with normal ``parts`` and ``raw`` members given as (deflate data, crc, declared size)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        for name, (deflated, crc, size) in raw.items():
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.CRC, info.file_size, info.compress_size = crc, size, len(deflated)
            info.header_offset = archive.fp.tell()
            archive.fp.write(info.FileHeader())
            archive.fp.write(deflated)
            archive.start_dir = archive.fp.tell()
            archive.filelist.append(info)
            archive.NameToInfo[name] = info
    return path


def encrypted_workbook(path: Path) -> Path:
    """What Excel writes for « Chiffrer avec mot de passe »: a compound file with EncryptionInfo.

    The header is a real CFB header (magic, version 3, 512-byte sectors); the directory sector
    names the streams Excel writes. lettergen only needs to tell it from an old .xls.
    """
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    directory = bytearray(512)
    for index, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage", "\x06DataSpaces")):
        encoded = name.encode("utf-16-le") + b"\0\0"
        directory[index * 128 : index * 128 + len(encoded)] = encoded
        struct.pack_into("<H", directory, index * 128 + 64, len(encoded))
    path.write_bytes(bytes(header) + bytes(directory) + bytes(1024))
    return path


def ods_file(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return path


# --- a real unreadable file when the tests run as root -------------------------------------

_DROP_DAC = '''"""Drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: root then obeys file modes like any user."""
import ctypes

class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

class _Data(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]

_libc = ctypes.CDLL(None, use_errno=True)
_header, _data = _Header(0x20080522, 0), (_Data * 2)()
if _libc.capget(ctypes.byref(_header), _data) == 0:
    _data[0].effective &= ~0b110
    _data[0].permitted &= ~0b110
    _libc.capset(ctypes.byref(_header), _data)
'''


def unreadable_env(folder: Path) -> dict[str, str]:
    """Environment whose Python processes cannot read a mode-000 file, even as root.

    A ``sitecustomize`` on ``PYTHONPATH`` drops the two capabilities that let root read any
    file, in the harness's wrapper and in lettergen alike (each Python process drops its own).
    """
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(_DROP_DAC, encoding="utf-8")
    return {"PYTHONPATH": str(folder)}
