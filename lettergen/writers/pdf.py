"""PDF from the DOCX letters, with LibreOffice in batches.

Why batches: starting ``soffice`` costs about 0.7 s, converting one more file
in an already started ``soffice`` about 50 ms (``perf_baseline.md``). So
``convert_to_pdf`` hands each ``soffice`` call a batch of letters, and runs
``jobs`` such calls at once, each worker with its own LibreOffice user profile
(two ``soffice`` sharing a profile cannot run together). A worker creates its
profile once and reuses it for all its batches: the first start of a profile
is the slowest.

Robustness:

* every ``soffice`` runs in its own session (process group); a call that
  outlives its deadline (``timeout`` seconds per letter, plus two letters'
  worth for start-up) is killed with its whole group, the worker's profile is
  thrown away and replaced, and the batch's letters are retried once, one
  letter per call; a letter that fails again is reported with LibreOffice's
  message. Letters of a batch that ended normally but produced no PDF (a
  corrupt DOCX) are retried one by one as well, so the message reported
  belongs to that letter alone.
* the import filter is forced to Word 2007 XML for ``.docx`` files: without
  it LibreOffice "converts" random bytes as plain text.
* PDFs are written by LibreOffice into a hidden temporary folder inside
  ``out_dir`` and moved into place with ``os.replace``: a PDF under its final
  name is always complete.

Reproducibility: LibreOffice's PDFs are deterministic except for the
``/CreationDate``, the trailer ``/ID`` and ``/DocChecksum``. When a
``creation_date`` is given (or ``SOURCE_DATE_EPOCH`` is set), these are
rewritten in place, keeping their byte length so the cross-reference table
stays valid: the date becomes ``creation_date`` (UTC), the ID and checksum an
MD5 of the normalised file. Same DOCX, same date: byte-identical PDF.
Otherwise LibreOffice's stamps are kept (each run then differs in those
bytes only).
"""

from __future__ import annotations

import hashlib
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lettergen.errors import ConversionError, OutputError

__all__ = [
    "INSTALL_HINT",
    "ConversionFailure",
    "ConversionReport",
    "convert_to_pdf",
    "find_soffice",
    "merge_pdfs",
    "pdf_fonts",
    "pdf_text",
]

INSTALL_HINT = (
    "LibreOffice est introuvable (ni « soffice » ni « libreoffice » dans le PATH) : "
    "la conversion en PDF est impossible (les lettres DOCX, elles, n’en ont pas besoin). "
    "Pour l’installer sous Debian ou Ubuntu : "
    "sudo apt-get install libreoffice-writer-nogui fonts-liberation2"
)

DEFAULT_TIMEOUT = 5.0  # seconds per letter (normal: 0.05–0.4 s); a call gets timeout * (letters + 2)
DEFAULT_BATCH_SIZE = 50
_STARTUP_LETTERS = 2  # start-up allowance, counted in letters' worth of timeout
_DOCX_FILTER = "MS Word 2007 XML"
_NOISE = ("failed to launch javaldx",)


def find_soffice() -> str:
    """Path of LibreOffice's ``soffice`` (or ``libreoffice``); ConversionError if absent."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ConversionError(INSTALL_HINT)


@dataclass(frozen=True)
class ConversionFailure:
    """A letter LibreOffice could not convert, and why."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class ConversionReport:
    """What ``convert_to_pdf`` did: PDFs delivered and letters that failed, in input order."""

    converted: dict[Path, Path] = field(default_factory=dict)  # docx -> pdf
    failures: list[ConversionFailure] = field(default_factory=list)
    retried: int = 0  # letters that needed a second attempt
    killed: int = 0  # soffice calls killed after their deadline

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def pdf_paths(self) -> list[Path]:
        return list(self.converted.values())


# --------------------------------------------------------------------------- workers


@dataclass
class _Batch:
    paths: list[Path]
    retry: bool = False  # second attempt: a failure is final


@dataclass
class _Outcome:
    batch: _Batch
    done: dict[Path, Path]  # docx -> pdf moved into out_dir
    missing: list[Path]
    message: str  # LibreOffice's stderr (noise removed), or our own words
    timed_out: bool = False
    crashed: bool = False  # non-zero exit or could not start
    errors: dict[Path, str] = field(default_factory=dict)  # our own, per letter


class _Profile:
    """A LibreOffice user profile in a temporary folder, owned by one worker at a time."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lettergen-lo-profile-"))
        self.uri = self.dir.as_uri()

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class _Converter:
    def __init__(
        self, soffice: str, out_dir: Path, tmp_root: Path, timeout: float, creation_date: datetime | None
    ):
        self.soffice = soffice
        self.out_dir = out_dir
        self.tmp_root = tmp_root
        self.timeout = timeout
        self.creation_date = creation_date
        self.profiles: queue.Queue[_Profile] = queue.Queue()
        self.all_profiles: list[_Profile] = []
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.killed = 0

    def add_profile(self) -> None:
        profile = _Profile()
        with self.lock:
            self.all_profiles.append(profile)
        self.profiles.put(profile)

    def run(self, batch: _Batch) -> _Outcome:
        profile = self.profiles.get()
        fresh_needed = False
        try:
            outcome = self._run(batch, profile)
            fresh_needed = outcome.timed_out or outcome.crashed
            return outcome
        finally:
            if fresh_needed:
                profile.discard()
                self.add_profile()
            else:
                self.profiles.put(profile)

    def _run(self, batch: _Batch, profile: _Profile) -> _Outcome:
        work = Path(tempfile.mkdtemp(prefix="batch-", dir=self.tmp_root))
        pdf_dir = work / "pdf"
        pdf_dir.mkdir()
        cmd = [
            self.soffice,
            f"-env:UserInstallation={profile.uri}",
            "--headless",
            "--norestore",
            "--nolockcheck",
        ]
        if all(p.suffix.lower() == ".docx" for p in batch.paths):
            cmd.append(f"--infilter={_DOCX_FILTER}")
        cmd += ["--convert-to", "pdf", "--outdir", str(pdf_dir)]
        cmd += [str(p) for p in batch.paths]
        deadline = self.timeout * (len(batch.paths) + _STARTUP_LETTERS)
        timed_out = crashed = False
        message = ""
        try:
            with open(work / "stdout", "wb") as out, open(work / "stderr", "wb") as err:
                if self.stopping.is_set():
                    raise OSError("conversion interrompue")
                proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
                )
                with self.lock:
                    self.running.add(proc)
                try:
                    proc.wait(timeout=deadline)
                except subprocess.TimeoutExpired:
                    timed_out = True
                    _kill_group(proc)  # the shell wrapper, oosplash and soffice.bin
                    proc.wait()
                    with self.lock:
                        self.killed += 1
                finally:
                    with self.lock:
                        self.running.discard(proc)
            crashed = proc.returncode != 0 and not timed_out
            message = _clean_stderr((work / "stderr").read_bytes())
            if timed_out:
                message = (
                    f"LibreOffice ne répond plus après {deadline:g} s "
                    f"({len(batch.paths)} lettre(s)) : processus arrêté"
                    + (f" ; {message}" if message else "")
                )
            elif crashed and not message:
                message = f"LibreOffice s’est arrêté avec le code {proc.returncode}"
        except OSError as exc:
            crashed = True
            message = f"LibreOffice n’a pas pu être lancé : {exc}"

        done: dict[Path, Path] = {}
        missing: list[Path] = []
        errors: dict[Path, str] = {}
        for docx in batch.paths:
            produced = pdf_dir / (docx.stem + ".pdf")
            if not timed_out and _complete_pdf(produced):
                final = self.out_dir / produced.name
                try:
                    if self.creation_date is not None:
                        _normalise_pdf(produced, self.creation_date)
                    os.replace(produced, final)
                except OSError as exc:  # disk full, folder removed meanwhile…
                    missing.append(docx)
                    errors[docx] = f"écriture de {final} impossible : {exc.strerror or exc}"
                else:
                    done[docx] = final
            else:
                missing.append(docx)
        shutil.rmtree(work, ignore_errors=True)
        return _Outcome(batch, done, missing, message, timed_out, crashed, errors)

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            procs = list(self.running)
        for proc in procs:
            _kill_group(proc)

    def cleanup(self) -> None:
        for profile in self.all_profiles:
            profile.discard()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _clean_stderr(raw: bytes) -> str:
    lines = raw.decode("utf-8", "replace").splitlines()
    kept = [line.strip() for line in lines if line.strip() and not any(n in line for n in _NOISE)]
    return " ; ".join(kept)


def _complete_pdf(path: Path) -> bool:
    try:
        size = path.stat().st_size
        if size < 64:
            return False
        with open(path, "rb") as f:
            head = f.read(5)
            f.seek(max(0, size - 1024))
            tail = f.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail


# --------------------------------------------------------------------------- API


def convert_to_pdf(
    docx_paths: Iterable[Path],
    out_dir: Path,
    jobs: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    on_done: Callable[[Path], None] | None = None,
    soffice: str | None = None,
    creation_date: datetime | None = None,
) -> ConversionReport:
    """Convert DOCX letters to ``out_dir/<stem>.pdf`` with ``jobs`` LibreOffice workers.

    ``timeout`` is in seconds per letter: a call converting n letters is killed
    after ``timeout * (n + 2)`` seconds. ``on_done(docx_path)`` is called once
    per letter (converted or failed), from the calling thread. ``soffice``
    defaults to ``find_soffice()``. ``creation_date`` (or ``SOURCE_DATE_EPOCH``)
    makes the PDFs byte-reproducible (see the module docstring).

    Raises ConversionError if LibreOffice is missing or two letters share a
    file stem (their PDFs would overwrite each other); every other problem is
    reported in ``ConversionReport.failures`` and the other letters delivered.
    """
    given = [Path(p) for p in docx_paths]
    # LibreOffice gets absolute paths (never mistaken for options); the report
    # names each letter as the caller did.
    original = {p.absolute(): p for p in given}
    paths = list(original)
    out_dir = Path(out_dir)
    if jobs < 1 or batch_size < 1 or timeout <= 0:
        raise ValueError("jobs, batch_size and timeout must be positive")
    if soffice is None:
        soffice = find_soffice()
    if creation_date is None and os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        creation_date = datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), UTC)

    if len(paths) != len(given):
        raise ConversionError("la même lettre figure deux fois dans la liste à convertir")
    seen: dict[str, Path] = {}
    for p in paths:
        if p.stem in seen:
            raise ConversionError(
                f"deux lettres portent le même nom « {p.stem} » ({seen[p.stem]} et {p}) : "
                "leurs PDF s’écraseraient",
                file=str(p),
            )
        seen[p.stem] = p

    report = ConversionReport()
    results: dict[Path, Path | ConversionFailure] = {}

    def finish(path: Path, result: Path | ConversionFailure) -> None:
        if isinstance(result, ConversionFailure):
            result = ConversionFailure(original[path], result.message)
        results[path] = result
        if on_done is not None:
            on_done(path)

    todo: list[Path] = []
    for p in paths:
        if p.is_file():
            todo.append(p)
        else:
            finish(p, ConversionFailure(p, "fichier DOCX introuvable"))
    if todo:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            probe = Path(tempfile.mkdtemp(prefix=".lettergen-pdf-", dir=out_dir))
            probe.rmdir()
        except OSError as exc:
            raise OutputError(
                f"impossible d’écrire les PDF dans ce dossier : {exc.strerror or exc}", file=str(out_dir)
            ) from exc
        _convert(todo, out_dir, jobs, timeout, batch_size, soffice, creation_date, finish, report)

    for p in paths:
        result = results[p]
        if isinstance(result, ConversionFailure):
            report.failures.append(result)
        else:
            report.converted[original[p]] = result
    return report


def _convert(todo, out_dir, jobs, timeout, batch_size, soffice, creation_date, finish, report):
    # Small runs: spread the letters so that every worker gets some.
    size = max(1, min(batch_size, math.ceil(len(todo) / jobs)))
    batches = [_Batch(todo[i : i + size]) for i in range(0, len(todo), size)]
    jobs = min(jobs, len(batches))
    tmp_root = Path(tempfile.mkdtemp(prefix=".lettergen-pdf-", dir=out_dir))
    conv = _Converter(soffice, out_dir, tmp_root, timeout, creation_date)
    for _ in range(jobs):
        conv.add_profile()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="soffice")
    pending: set[Future] = set()
    try:
        pending = {pool.submit(conv.run, b) for b in batches}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                outcome: _Outcome = future.result()
                for docx, pdf in outcome.done.items():
                    finish(docx, pdf)
                retry_each = not outcome.batch.retry and (
                    len(outcome.batch.paths) > 1 or outcome.timed_out or outcome.crashed
                )
                for docx in outcome.missing:
                    if retry_each:
                        report.retried += 1
                        pending.add(pool.submit(conv.run, _Batch([docx], retry=True)))
                    elif docx in outcome.errors:
                        message = outcome.errors[docx]
                    else:
                        message = "LibreOffice n’a pas pu convertir cette lettre : " + (
                            outcome.message or "aucun PDF produit"
                        )
                        finish(docx, ConversionFailure(docx, message))
    finally:
        conv.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        conv.cleanup()
        report.killed = conv.killed
        shutil.rmtree(tmp_root, ignore_errors=True)


# --------------------------------------------------------------------------- reproducibility

_DATE_RE = re.compile(rb"/CreationDate\(D:([0-9]{14}[^)]*)\)")
_ID_RE = re.compile(rb"/ID \[ <([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)> \]")
_SUM_RE = re.compile(rb"/DocChecksum /([0-9A-Fa-f]+)")


def _normalise_pdf(path: Path, when: datetime) -> None:
    """Rewrite LibreOffice's date, /ID and /DocChecksum in place, same byte lengths."""
    data = bytearray(path.read_bytes())
    match = _DATE_RE.search(data)
    if match:
        old = match.group(1)
        stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S").encode()
        for suffix in (b"Z", b"Z'", b"+00'00'", b"+00'00", b"Z00'00'"):
            if len(stamp + suffix) == len(old):
                data[match.start(1) : match.end(1)] = stamp + suffix
                break
    ids = list(_ID_RE.finditer(data))
    sums = list(_SUM_RE.finditer(data))
    blanked = bytearray(data)
    for m in ids:
        for g in (1, 2):
            blanked[m.start(g) : m.end(g)] = b"0" * (m.end(g) - m.start(g))
    for m in sums:
        blanked[m.start(1) : m.end(1)] = b"0" * (m.end(1) - m.start(1))
    digest = hashlib.md5(bytes(blanked)).hexdigest().upper().encode()
    for m in ids:
        for g in (1, 2):
            n = m.end(g) - m.start(g)
            data[m.start(g) : m.end(g)] = (digest * (n // len(digest) + 1))[:n]
    for m in sums:
        n = m.end(1) - m.start(1)
        data[m.start(1) : m.end(1)] = (digest * (n // len(digest) + 1))[:n]
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------- pypdf helpers


def merge_pdfs(pdf_paths: Iterable[Path], out_path: Path) -> int:
    """Join the letters into one PDF, each starting on an odd page; return the page count.

    After a letter with an odd number of pages a blank page the size of its last page
    is added, so that printed recto-verso every letter starts on a new sheet.
    """
    from pypdf import PdfReader, PdfWriter

    out_path = Path(out_path)
    writer = PdfWriter()
    for pdf in pdf_paths:
        reader = PdfReader(pdf)
        for page in reader.pages:
            writer.add_page(page)
        count = len(reader.pages)
        if count % 2 == 1:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(width=box.width, height=box.height)
    total = len(writer.pages)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + out_path.name + ".", suffix=".tmp", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            writer.write(f)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return total


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def pdf_text(path: Path) -> str:
    """All the text of a PDF, page after page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def pdf_fonts(path: Path) -> set[tuple[str, bool]]:
    """Fonts a PDF uses, as (base name without subset tag, embedded?) pairs."""
    from pypdf import PdfReader

    fonts: set[tuple[str, bool]] = set()
    seen: set[int] = set()

    def walk_resources(resources) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        if id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resources.get("/Font") or {}).values():
            add_font(font.get_object())
        for xobj in (resources.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Form":
                walk_resources(xobj.get("/Resources"))

    def add_font(font) -> None:
        subtype = font.get("/Subtype")
        name = str(font.get("/BaseFont", font.get("/Name", "?"))).lstrip("/")
        if "+" in name and len(name.split("+", 1)[0]) == 6:
            name = name.split("+", 1)[1]
        if subtype == "/Type3":
            fonts.add((name, True))  # glyphs are drawn by the PDF itself
            walk_resources(font.get("/Resources"))
            return
        descriptor_holder = font
        if subtype == "/Type0":
            descriptor_holder = font["/DescendantFonts"][0].get_object()
        descriptor = descriptor_holder.get("/FontDescriptor")
        embedded = False
        if descriptor is not None:
            descriptor = descriptor.get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        fonts.add((name, embedded))

    for page in PdfReader(path).pages:
        walk_resources(page.get("/Resources"))
    return fonts
