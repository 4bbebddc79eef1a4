"""Open a user's input file only if it is a regular file, and read it without exceeding a size.

Recipients, figures and letterheads are named by the user (or uploaded to the atelier): the
path may be a FIFO (``open`` would wait forever for a writer), a device (``/dev/zero`` never
ends), a directory or a file we may not read. The file is opened with ``O_NONBLOCK`` (a FIFO
opens at once instead of waiting) and checked with ``fstat`` on the opened descriptor, so what is
checked is what is read. Every refusal is a French sentence for :class:`~lettergen.errors.Problem`.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

# Why the file cannot be read, by errno: French for what ``strerror`` says in English.
_OPEN_REASONS = {
    errno.ENOENT: "fichier introuvable",
    errno.EACCES: "fichier illisible (lecture refusée : droits insuffisants)",
    errno.EPERM: "fichier illisible (lecture refusée : droits insuffisants)",
    errno.ENOTDIR: "fichier introuvable (un élément du chemin n'est pas un dossier)",
    errno.ENAMETOOLONG: "fichier introuvable (nom trop long)",
    errno.ELOOP: "fichier introuvable (trop de liens symboliques)",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EIO: "fichier illisible (erreur d'entrée-sortie du disque)",
}


class NotRegular(Exception):
    """The path cannot be read as a regular file; ``reason`` is the French sentence."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def os_reason(error: OSError) -> str:
    """The French reason for an ``OSError`` met while opening or reading a user's file."""
    return _OPEN_REASONS.get(error.errno or 0) or f"fichier illisible (erreur système {error.errno})"


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in French; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "c'est un dossier, pas un fichier"
    if stat.S_ISFIFO(mode):
        return "c'est un tube nommé (FIFO), pas un fichier ordinaire"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "c'est un périphérique, pas un fichier ordinaire"
    if stat.S_ISSOCK(mode):
        return "c'est une socket, pas un fichier ordinaire"
    return "ce n'est pas un fichier ordinaire"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading in binary; raise :class:`NotRegular` unless it is a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise NotRegular(os_reason(error)) from None
    try:
        reason = kind_of(os.fstat(fd).st_mode)
    except OSError as error:
        os.close(fd)
        raise NotRegular(os_reason(error)) from None
    if reason is not None:
        os.close(fd)
        raise NotRegular(reason)
    return os.fdopen(fd, "rb")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file ``path``; :class:`NotRegular` if it has more than ``limit``."""
    with open_regular(path) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise NotRegular(too_big(size, limit))
            data = handle.read(limit + 1)  # the file may grow between fstat and read
        except OSError as error:
            raise NotRegular(os_reason(error)) from None
    if len(data) > limit:
        raise NotRegular(too_big(len(data), limit))
    return data


def check_regular(path: str | os.PathLike[str]) -> str | None:
    """The reason ``path`` cannot be read as a regular file, or None when it can."""
    try:
        open_regular(path).close()
    except NotRegular as error:
        return error.reason
    return None


def too_big(size: int, limit: int) -> str:
    """« fichier de 3,2 Go, au-delà de la limite de 100 Mo »."""
    return f"fichier de {megabytes(size)}, au-delà de la limite de {megabytes(limit)}"


def megabytes(size: int) -> str:
    """A size as French writes it: « 100 Mo », « 3,2 Go », « 512 ko »."""
    for unit, factor in (("Go", 1 << 30), ("Mo", 1 << 20), ("ko", 1 << 10)):
        if size >= factor:
            value = size / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{text} {unit}"
    return f"{size} octets"
