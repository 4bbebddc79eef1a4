"""Running LibreOffice: one ``soffice`` call at a time per user profile, killed when it hangs.

Two ``soffice`` sharing a user profile cannot run together, and a profile's first start is
the slowest: :class:`LibreOffice` keeps one per worker, reused for all its calls and replaced
after a call that was killed or crashed. Every call runs in its own session (process group),
so that a call outliving its deadline is killed with the shell wrapper, ``oosplash`` and
``soffice.bin`` at once.

Resident instance: starting LibreOffice costs ~0.8 s of CPU, a third of a 100-letter batch.
So each profile gets a resident ``soffice`` (:class:`_Resident`), started at once and kept
alive by a small document it holds open (with no document left open, LibreOffice quits after
its first conversion). A call is still a plain ``soffice --convert-to`` on the same profile:
LibreOffice hands its command line to the resident instance over its own pipe, and the call
returns once the conversion is done (~0.1 s of overhead instead of a start). The resident
instance is only a shortcut, never needed: calls are made only once it has opened its
document (its lock file ``.~lock.<name>#`` is there: it is past the first start's restart,
code 81, and listens); one that is not ready in time, or dies, is killed and the profile's
calls start LibreOffice themselves, as before. A call killed after its deadline or ended by a
crash kills the resident instance too (it may be the one that hung) and replaces the profile.
What the resident instance writes on stderr during a call is added to that call's message.

Profiles are seeded: every start of LibreOffice 7.x whose profile has not recorded the installed
version as its last one (``ooSetupLastVersion``, which only the desktop's « what's new » bar ever
writes, so never a headless profile) runs the graphics render tests first — 4096-pixel bitmaps
drawn and read back, ~0.6 s of CPU, three quarters of a start (``perf record`` on soffice.bin,
``GraphicsRenderTests::run``). Each fresh profile gets that setting before its first start
(:func:`seed_profile`), with the version read from the installation's own registry.

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
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lettergen.errors import ConversionError

__all__ = ["INSTALL_HINT", "Call", "LibreOffice", "find_soffice", "installed_version", "seed_profile"]

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
_READY_LIMIT = 60.0  # seconds a resident instance may take to start (a first start: ~2 s)
_KEEP_OPEN = "ouvert.txt"  # the document a resident instance holds open
_SETUP_VERSION = re.compile(r'<prop oor:name="ooSetupVersion">\s*<value>(\d+\.\d+)</value>')
_SEEDED = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"\
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse">\
<value>{version}</value></prop></item>
</oor:items>
"""


def find_soffice() -> str:
    """Path of LibreOffice's ``soffice`` (or ``libreoffice``); ConversionError if absent."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ConversionError(INSTALL_HINT)


def installed_version(soffice: str) -> str | None:
    """LibreOffice's ``major.minor`` as its installation declares it (None: not found).

    Read from ``share/registry/main.xcd`` beside ``program/``, where ``soffice`` really is:
    the setting LibreOffice compares ``ooSetupLastVersion`` with.
    """
    program = Path(os.path.realpath(soffice)).parent
    try:
        with open(program.parent / "share" / "registry" / "main.xcd", encoding="utf-8") as f:
            found = _SETUP_VERSION.search(f.read())
    except (OSError, UnicodeDecodeError):
        return None
    return found.group(1) if found else None


def seed_profile(profile_dir: Path, version: str) -> None:
    """Make the fresh profile ``profile_dir`` say it last ran ``version``: no render tests at start."""
    user = profile_dir / "user"
    user.mkdir(exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_SEEDED.format(version=version), encoding="utf-8")


@dataclass(frozen=True)
class Call:
    """How one ``soffice`` call ended."""

    message: str  # LibreOffice's stderr (noise removed), or our own words
    timed_out: bool = False
    crashed: bool = False  # non-zero exit or could not start


# Runs the resident soffice and kills its whole process group (itself included) as soon as
# soffice ends or lettergen's end of its stdin closes: lettergen killed with SIGKILL leaves
# no LibreOffice behind (a resident instance would otherwise run for ever). stdin goes through
# fd 3: sh gives a background job /dev/null as its stdin.
_WATCHDOG = (
    'exec 3<&0; "$@" </dev/null 3<&- & s=$!; (cat <&3 >/dev/null; kill -KILL 0) & '
    'exec 3<&-; wait "$s"; kill -KILL 0'
)


class _Resident:
    """A long-lived ``soffice`` on one profile, holding ``ouvert.txt`` open so that it stays."""

    def __init__(self, soffice: str, profile_dir: Path, uri: str):
        document = profile_dir / _KEEP_OPEN
        document.write_text("lettergen\n", encoding="utf-8")
        self._lock_file = profile_dir / f".~lock.{_KEEP_OPEN}#"
        self._stderr_path = profile_dir / ".resident-stderr"
        self.ready = False
        command = [soffice, f"-env:UserInstallation={uri}", "--headless", "--norestore", "--nolockcheck"]
        with open(self._stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", _WATCHDOG, "sh", *command, "--nologo", "--nodefault", str(document)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
                cwd=profile_dir,
            )

    def wait_ready(self, limit: float) -> bool:
        """Whether the instance has opened its document within ``limit`` seconds (and still runs)."""
        end = time.monotonic() + limit
        while not self.ready:
            if self.process.poll() is not None or time.monotonic() > end:
                return False
            self.ready = self._lock_file.exists()
            if not self.ready:
                time.sleep(0.02)
        return self.alive()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr_size(self) -> int:
        try:
            return self._stderr_path.stat().st_size
        except OSError:
            return 0

    def stderr_since(self, offset: int) -> bytes:
        try:
            with open(self._stderr_path, "rb") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return b""

    def kill(self) -> None:
        _kill_group(self.process)
        self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()


class _Profile:
    """A LibreOffice user profile in a temporary folder, owned by one call at a time."""

    def __init__(self, soffice: str | None, version: str | None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lettergen-lo-profile-"))
        self.uri = self.dir.as_uri()
        self.resident: _Resident | None = None
        if version is not None:
            seed_profile(self.dir, version)
        if soffice:
            with contextlib.suppress(OSError):  # not startable: each call will say so
                self.resident = _Resident(soffice, self.dir, self.uri)

    def drop_resident(self) -> None:
        if self.resident is not None:
            self.resident.kill()
            self.resident = None

    def discard(self) -> None:
        self.drop_resident()
        shutil.rmtree(self.dir, ignore_errors=True)


class LibreOffice:
    """``workers`` LibreOffice profiles; :meth:`convert` runs one call on a free one.

    ``resident``: give each profile a resident instance (see the module's docstring); turned
    off for the rest of the run as soon as one fails to start.
    """

    def __init__(self, soffice: str, workers: int, *, resident: bool = True):
        self.soffice = soffice
        self.resident = resident
        self.version = installed_version(soffice)
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
            resident = self._ready_resident(profile, deadline)
            offset = resident.stderr_size() if resident else 0
            call = self._call(self._command(profile, files, out_dir, target), out_dir, deadline, len(files))
            if resident is not None:
                call = _with_resident(call, resident, offset)
            return call
        finally:
            if call.timed_out or call.crashed:
                profile.discard()
                self._add_profile()
            else:
                self._free.put(profile)

    def _ready_resident(self, profile: _Profile, deadline: float) -> _Resident | None:
        """The profile's resident instance once it listens; None (and killed) if it does not."""
        resident = profile.resident
        if resident is None or resident.wait_ready(min(deadline, _READY_LIMIT)):
            return resident
        # Not started in time, or gone: this run's calls start LibreOffice themselves.
        self.resident = False
        profile.drop_resident()
        return None

    def stop(self) -> None:
        """Kill every running call; calls not yet started fail at once."""
        self._stopping.set()
        with self._lock:
            running = list(self._running)
        for process in running:
            _kill_group(process)

    def cleanup(self) -> None:
        """Stop the resident instances and delete every profile."""
        for profile in self._all:
            profile.discard()

    def _add_profile(self) -> None:
        resident = self.resident and not self._stopping.is_set()
        profile = _Profile(self.soffice if resident else None, self.version)
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


def _with_resident(call: Call, resident: _Resident, offset: int) -> Call:
    """``call`` with what the resident instance said meanwhile; crashed if it died."""
    said = _clean_stderr(resident.stderr_since(offset))
    message = " ; ".join(m for m in (call.message, said) if m)
    crashed = call.crashed or not resident.alive()
    if crashed and not call.message and not said:
        message = "LibreOffice s’est arrêté pendant la conversion"
    return Call(message, call.timed_out, crashed)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _clean_stderr(raw: bytes) -> str:
    lines = raw.decode("utf-8", "replace").splitlines()
    kept = [line.strip() for line in lines if line.strip() and not any(n in line for n in _NOISE)]
    return " ; ".join(kept)
