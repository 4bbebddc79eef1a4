"""Every file lettergen writes goes through here: written whole under a temporary name, then renamed.

A reader (a print shop, the next run, a mail client) therefore never sees a half-written file under
its final name, even when the process is killed. Every ``OSError`` becomes an ``OutputError`` that
names the path and says in French what is wrong, so the CLI prints one line instead of a traceback.
No ``fsync``: the guarantee is against a killed process, not a power cut, and a sync per letter
would cost more than the letter (35,000 letters a run).

Nothing here follows a symbolic link at the name it writes, reads back or renames over: someone
who can plant a link in the output folder must not be able to make a run write (or truncate) the
file the link points to. Temporary files are created with ``O_EXCL | O_NOFOLLOW``, the files read
back with ``O_NOFOLLOW``, and a link under a final name is refused with one French line.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
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
    errno.EFBIG: "fichier trop grand pour ce disque (limite de taille atteinte)",
    errno.ELOOP: "c'est un lien symbolique (lettergen ne suit pas les liens du dossier de sortie)",
    errno.ENXIO: "ce n'est pas un fichier ordinaire",
}
LOCK_NAME = ".lettergen-verrou"
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO planted under the name fails at once (ENXIO) instead of waiting for a reader.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NONBLOCK | _NOFOLLOW


def output_error(path: str | os.PathLike[str], error: OSError) -> OutputError:
    """The French ``OutputError`` for an ``OSError`` met while writing ``path``."""
    reason = _REASONS.get(error.errno or 0) or f"écriture impossible ({error.strerror or error})"
    return OutputError(f"impossible d'écrire ce fichier : {reason}", file=str(path))


def temporary_name(path: Path) -> Path:
    """The hidden name ``path`` is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def move_into_place(source: str | os.PathLike[str], path: str | os.PathLike[str]) -> None:
    """Rename a finished file to its final name (same file system), as one atomic step.

    A symbolic link under the final name is refused: the rename would not follow it (it replaces
    the link itself), but a link there was planted by someone, and the user must hear of it.
    """
    try:
        refuse_link(path)
        os.replace(source, path)
    except OSError as error:
        _discard(Path(source))
        raise output_error(path, error) from None
    except OutputError:
        _discard(Path(source))
        raise


def refuse_link(path: str | os.PathLike[str]) -> None:
    """Raise the French ``OutputError`` if ``path`` is a symbolic link (absent or anything else: fine)."""
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as error:
        raise output_error(path, error) from None
    if is_link:
        raise output_error(path, OSError(errno.ELOOP, os.strerror(errno.ELOOP)))


def open_existing(path: str | os.PathLike[str], flags: int = os.O_RDONLY) -> int | None:
    """Open the regular file ``path`` without following a link; ``None`` if there is none.

    Returns the file descriptor. A link is refused (French ``OutputError``); a folder or a special
    file under the name is not ours to read: ``None`` too, and writing under the name reports it.
    """
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | _NOFOLLOW)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as error:
        if error.errno == errno.ENXIO:  # a FIFO nobody reads
            return None
        raise output_error(path, error) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


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
        fd = _create(temporary)
        handle = os.fdopen(fd, mode, **open_args)  # closed below, before the rename
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


def _create(temporary: Path) -> int:
    """Create ``temporary`` as a new file, never through a link planted under its name."""
    try:
        fd = os.open(temporary, _NEW_FILE, 0o666)
    except FileExistsError:
        # Left by a killed run with our pid, or planted: unlink removes the entry, never its target.
        temporary.unlink()
        fd = os.open(temporary, _NEW_FILE, 0o666)
    os.set_blocking(fd, True)
    return fd


@contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the OS lock of the output ``folder`` for the block; refuse at once if another run has it.

    An ``flock`` on a hidden file in the folder: the kernel drops it when its process ends, even
    by SIGKILL, so a killed run never blocks the next. The file is removed at the end, lock held.
    """
    path = Path(folder) / LOCK_NAME
    fd = _take_lock(path)
    try:
        yield
    finally:
        with suppress(OSError):
            path.unlink()
        os.close(fd)


def _take_lock(path: Path) -> int:
    for _ in range(10):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o666)
        except OSError as error:  # a read-only folder is the folder's problem, a link the file's
            folder_wide = error.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC)
            raise output_error(path.parent if folder_wide else path, error) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                "un autre « lettergen generate » écrit déjà dans ce dossier : "
                "attendez qu'il se termine, ou choisissez un autre dossier (-o)",
                file=str(path.parent),
            ) from None
        # The run that held it may have removed the file between our open and our lock: the
        # lock is then on a file nobody else can see, so take the one now under the name.
        with suppress(OSError):
            if os.lstat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        os.close(fd)
    raise OutputError("impossible de verrouiller ce dossier", file=str(path.parent))


def _discard(path: Path) -> None:
    # Nothing to clean, or the folder itself is gone: the error being reported says why.
    with suppress(OSError):
        path.unlink()
