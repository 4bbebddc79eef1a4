"""The run's record of what it wrote: ``manifest.csv`` and its crash journal.

``manifest.csv`` has one row per letter: its id, the hash of everything that
made it (``empreinte``), and each output file with its sha256. While a run is
going, every finished file is appended to a journal and flushed, so a run
killed at any point (kill -9 included) is completed by the next one without
redoing what is already there.

Nothing is read or appended through a symbolic link (see lettergen/files.py): a link planted
under one of these names, or under a letter's name, is one French line and its target is left alone.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from lettergen.files import atomic_writer, open_existing, output_error
from lettergen.read.limits import next_row

MANIFEST_NAME = "manifest.csv"
JOURNAL_NAME = ".lettergen-journal.csv"
FORMATS = ("docx", "pdf")
_FIELDS = ["id", "empreinte"] + [f"{kind}{suffix}" for kind in FORMATS for suffix in ("", "_sha256")]


@dataclass
class ManifestRow:
    """What one letter's run produced."""

    id: str
    empreinte: str
    files: dict[str, tuple[str, str]] = field(default_factory=dict)  # format -> (name, sha256)

    def as_csv(self) -> dict[str, str]:
        row = {"id": self.id, "empreinte": self.empreinte}
        for kind in FORMATS:
            name, digest = self.files.get(kind, ("", ""))
            row[kind] = name
            row[f"{kind}_sha256"] = digest
        return row


def sha256_file(path: Path) -> str:
    """The sha256 of the file ``path``, read without following a link (refused in French)."""
    fd = open_existing(path)
    if fd is None:
        raise output_error(path, OSError(errno.ENXIO, os.strerror(errno.ENXIO)))
    digest = hashlib.sha256()
    with open(fd, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _records(path: Path) -> Iterator[list[str]]:
    """The CSV lines of ``path`` if it is a regular file (a folder there records nothing)."""
    fd = open_existing(path)
    if fd is None:
        return
    with open(fd, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        while True:
            try:
                record = next_row(reader)  # csv's field limit is set per row: see there
            except csv.Error:
                return  # a damaged line (a field past the limit): what follows is not trusted
            if record is None:
                return
            yield record


def load_previous(out_dir: Path) -> dict[str, ManifestRow]:
    """Return what earlier runs recorded: the manifest, then the journal of a run that died.

    Something else under either name (a folder) records nothing: writing reports it.
    """
    rows: dict[str, ManifestRow] = {}
    manifest = _records(out_dir / MANIFEST_NAME)
    header = next(manifest, None)
    for values in manifest:
        record = dict(zip(header or (), values, strict=False))
        row = ManifestRow(record.get("id", ""), record.get("empreinte", ""))
        for kind in FORMATS:
            if record.get(kind):
                row.files[kind] = (record[kind], record.get(f"{kind}_sha256", ""))
        rows[row.id] = row
    for line in _records(out_dir / JOURNAL_NAME):
        if len(line) != 5:
            continue  # a line cut by a crash
        letter_id, empreinte, kind, name, digest = line
        previous = rows.get(letter_id)
        if previous is None or previous.empreinte != empreinte:
            previous = rows[letter_id] = ManifestRow(letter_id, empreinte)
        previous.files[kind] = (name, digest)
    return rows


def is_up_to_date(row: ManifestRow | None, empreinte: str, formats: tuple[str, ...], out_dir: Path) -> bool:
    """Tell whether ``row`` already holds every format, unchanged on disk, for this empreinte.

    A link under a letter's name is never up to date: writing the letter then reports it.
    """
    if row is None or row.empreinte != empreinte:
        return False
    return all(kind in row.files and is_intact(out_dir, *row.files[kind]) for kind in formats)


def is_intact(out_dir: Path, name: str, digest: str) -> bool:
    """Tell whether ``out_dir/name`` is a regular file (not a link) with this sha256."""
    path = out_dir / name
    return _is_regular(path) and sha256_file(path) == digest


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


class Journal:
    """Append-only record of finished files, flushed line by line."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / JOURNAL_NAME
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        try:
            fd = os.open(self.path, flags, 0o666)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise OSError(errno.ENXIO, os.strerror(errno.ENXIO))
            os.set_blocking(fd, True)
            # Open for the whole run, closed by close(): a line is added as each file lands.
            self._handle = open(fd, "a", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise output_error(self.path, error) from None
        self._writer = csv.writer(self._handle)

    def record(self, letter_id: str, empreinte: str, kind: str, name: str, digest: str) -> None:
        try:
            self._writer.writerow([letter_id, empreinte, kind, name, digest])
            self._handle.flush()
        except OSError as error:
            raise output_error(self.path, error) from None

    def close(self) -> None:
        # A full disk may refuse the last buffered line: that letter is redone by the next run,
        # and the error already being reported is the one the user must see.
        with suppress(OSError):
            self._handle.close()

    def remove(self) -> None:
        self.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            raise output_error(self.path, error) from None


def write_manifest(out_dir: Path, rows: list[ManifestRow]) -> Path:
    """Write ``manifest.csv`` atomically, rows in recipient order."""
    path = out_dir / MANIFEST_NAME
    with atomic_writer(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row.as_csv())
    return path
