"""Running LibreOffice: one ``soffice`` call at a time per user profile, killed when it hangs.

Two ``soffice`` sharing a user profile cannot run together, and a profile's first start is
the slowest: :class:`Profiles` keeps one per worker, reused for all its calls and replaced
after a call that was killed or crashed. Every call runs in its own session (process group),
so that a call outliving its deadline is killed with the shell wrapper, ``oosplash`` and
``soffice.bin`` at once.

The import filter is forced to Word 2007 XML for ``.docx`` files: without it LibreOffice
"converts" random bytes as plain text. Calls go through the ``soffice`` wrapper, which
restarts LibreOffice when a fresh profile asks for it (exit code 81); the wrapper silently
drops the files beyond about 244 of one call, so callers hand it far fewer and check that
every PDF came out.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lettergen.errors import ConversionError

__all__ = ["INSTALL_HINT", "Call", "LibreOffice", "find_soffice"]

INSTALL_HINT = (
    "LibreOffice est introuvable (ni « soffice » ni « libreoffice » dans le PATH) : "
    "la conversion en PDF est impossible (les lettres DOCX, elles, n’en ont pas besoin). "
    "Pour l’installer sous Debian ou Ubuntu : "
    "sudo apt-get install libreoffice-writer-nogui fonts-liberation2"
)
DOCX_FILTER = "MS Word 2007 XML"
# The bookmarks of the batch document become PDF named destinations: where to cut it.
PDF_WITH_DESTINATIONS = (
    'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
)
_NOISE = ("failed to launch javaldx",)


def find_soffice() -> str:
    """Path of LibreOffice's ``soffice`` (or ``libreoffice``); ConversionError if absent."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ConversionError(INSTALL_HINT)


@dataclass(frozen=True)
class Call:
    """How one ``soffice`` call ended."""

    message: str  # LibreOffice's stderr (noise removed), or our own words
    timed_out: bool = False
    crashed: bool = False  # non-zero exit or could not start


class _Profile:
    """A LibreOffice user profile in a temporary folder, owned by one call at a time."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lettergen-lo-profile-"))
        self.uri = self.dir.as_uri()

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class LibreOffice:
    """``workers`` LibreOffice profiles; :meth:`convert` runs one call on a free one."""

    def __init__(self, soffice: str, workers: int):
        self.soffice = soffice
        self._free: queue.Queue[_Profile] = queue.Queue()
        self._all: list[_Profile] = []
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.killed = 0
        for _ in range(workers):
            self._add_profile()

    def convert(self, files: Sequence[Path], out_dir: Path, deadline: float, target: str = "pdf") -> Call:
        """Convert ``files`` into ``out_dir`` (``<stem>.pdf``), killing the call after ``deadline`` s."""
        profile = self._free.get()
        call = Call("")
        try:
            call = self._call(self._command(profile, files, out_dir, target), out_dir, deadline, len(files))
            return call
        finally:
            if call.timed_out or call.crashed:
                profile.discard()
                self._add_profile()
            else:
                self._free.put(profile)

    def stop(self) -> None:
        """Kill every running call; calls not yet started fail at once."""
        self._stopping.set()
        with self._lock:
            running = list(self._running)
        for process in running:
            _kill_group(process)

    def cleanup(self) -> None:
        for profile in self._all:
            profile.discard()

    def _add_profile(self) -> None:
        profile = _Profile()
        with self._lock:
            self._all.append(profile)
        self._free.put(profile)

    def _command(self, profile: _Profile, files: Sequence[Path], out_dir: Path, target: str) -> list[str]:
        command = [
            self.soffice,
            f"-env:UserInstallation={profile.uri}",
            "--headless",
            "--norestore",
            "--nolockcheck",
        ]
        if all(p.suffix.lower() == ".docx" for p in files):
            command.append(f"--infilter={DOCX_FILTER}")
        return command + ["--convert-to", target, "--outdir", str(out_dir), *map(str, files)]

    def _call(self, command: list[str], work: Path, deadline: float, letters: int) -> Call:
        try:
            code, timed_out, stderr = self._wait(command, work, deadline)
        except OSError as error:
            return Call(f"LibreOffice n’a pas pu être lancé : {error}", crashed=True)
        message = _clean_stderr(stderr)
        if timed_out:
            message = (
                f"LibreOffice ne répond plus après {deadline:g} s ({letters} lettre(s)) : processus arrêté"
                + (f" ; {message}" if message else "")
            )
            return Call(message, timed_out=True)
        if code != 0:
            return Call(message or f"LibreOffice s’est arrêté avec le code {code}", crashed=True)
        return Call(message)

    def _wait(self, command: list[str], work: Path, deadline: float) -> tuple[int, bool, bytes]:
        """Run ``command``; return its exit code, whether it was killed, and its stderr."""
        err_path = work / ".soffice-stderr"
        with open(err_path, "wb") as err:
            if self._stopping.is_set():
                raise OSError("conversion interrompue")
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
            with self._lock:
                self._running.add(process)
            timed_out = False
            try:
                process.wait(timeout=deadline)
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(process)  # the shell wrapper, oosplash and soffice.bin
                process.wait()
                with self._lock:
                    self.killed += 1
            finally:
                with self._lock:
                    self._running.discard(process)
        stderr = err_path.read_bytes()
        err_path.unlink(missing_ok=True)
        return process.returncode, timed_out, stderr


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _clean_stderr(raw: bytes) -> str:
    lines = raw.decode("utf-8", "replace").splitlines()
    kept = [line.strip() for line in lines if line.strip() and not any(n in line for n in _NOISE)]
    return " ; ".join(kept)
