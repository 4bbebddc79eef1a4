"""Every file lettergen writes goes through here: written whole under a temporary name, then renamed.

A reader (a print shop, the next run, a mail client) therefore never sees a half-written file under
its final name, even when the process is killed. Every ``OSError`` becomes an ``OutputError`` that
names the path and says in French what is wrong, so the CLI prints one line instead of a traceback.
No ``fsync``: the guarantee is against a killed process, not a power cut, and a sync per letter
would cost more than the letter (35,000 letters a run).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from lettergen.errors import OutputError

_REASONS = {
    errno.EISDIR: "un dossier porte déjà ce nom",
    errno.ENOTDIR: "un fichier se trouve sur le chemin à la place d'un dossier",
    errno.EEXIST: "un fichier porte déjà ce nom",
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota du disque est atteint",
    errno.EACCES: "écriture refusée (droits insuffisants)",
    errno.EPERM: "écriture refusée (droits insuffisants)",
    errno.EROFS: "écriture refusée (disque en lecture seule)",
    errno.ENOENT: "le dossier n'existe pas",
    errno.ENAMETOOLONG: "nom de fichier trop long",
}


def output_error(path: str | os.PathLike[str], error: OSError) -> OutputError:
    """The French ``OutputError`` for an ``OSError`` met while writing ``path``."""
    reason = _REASONS.get(error.errno or 0) or f"écriture impossible ({error.strerror or error})"
    return OutputError(f"impossible d'écrire ce fichier : {reason}", file=str(path))


def temporary_name(path: Path) -> Path:
    """The hidden name ``path`` is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def move_into_place(source: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Rename a finished file to its final name (same file system), as one atomic step."""
    try:
        os.replace(source, path)
    except OSError as error:
        _discard(Path(source))
        raise output_error(path, error) from None


def make_folder(path: str | os.PathLike[str]) -> Path:
    """Create the folder ``path`` (and its parents) unless it exists; return it."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise output_error(folder, error) from None
    return folder


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with atomic_writer(path) as handle:
        handle.write(data)


@contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "wb", **open_args) -> Iterator[IO]:
    """Open a temporary file next to ``path``; rename it to ``path`` only if the block succeeds."""
    final = Path(path)
    temporary = temporary_name(final)
    try:
        handle = open(temporary, mode, **open_args)  # noqa: SIM115 - closed below, before the rename
    except OSError as error:
        raise output_error(final, error) from None
    try:
        with handle:
            yield handle
    except OSError as error:
        _discard(temporary)
        raise output_error(final, error) from None
    except BaseException:
        _discard(temporary)
        raise
    move_into_place(temporary, final)


def _discard(path: Path) -> None:
    # Nothing to clean, or the folder itself is gone: the error being reported says why.
    with suppress(OSError):
        path.unlink()
