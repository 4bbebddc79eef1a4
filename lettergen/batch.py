"""Batch stage: every recipient's letter, in parallel, resumable.

Reading and checking come first and cover every recipient, so that bad input
writes nothing. Then the letters are rendered, each once, and written by ``jobs``
worker processes, each of which compiles the template and prepares the letterhead
once: into a staging folder first, moved into place only once every letter has
rendered (unless ``--skip-invalid``, which writes each in place as it comes).
Each file is written under a temporary name and renamed; each finished file is
journaled, so a killed run is completed by the next one.

One run at a time per output folder (an OS lock, see lettergen/files.py), and a run stopped by
SIGINT or SIGTERM (lettergen/stopping.py) says how many letters are complete before it exits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from lettergen import __version__
from lettergen.errors import (
    InvalidInput,
    LettergenError,
    LetterheadError,
    OutputError,
    Problem,
    TemplateLimitError,
)
from lettergen.files import (
    folder_lock,
    make_folder,
    move_into_place,
    output_error,
    refuse_link,
    write_atomically,
)
from lettergen.french import territory
from lettergen.letter import Letter
from lettergen.manifest import (
    JOURNAL_NAME,
    Journal,
    ManifestRow,
    is_intact,
    is_up_to_date,
    load_previous,
    sha256_file,
    write_manifest,
)
from lettergen.notices import example_identity, unverified_titles
from lettergen.read.recipients import read_recipients
from lettergen.read.records import ReadResult, Recipient
from lettergen.stopping import Stopped, detach_worker
from lettergen.template.render import LetterTemplate, check_template, load_template, render_letter

MERGED_NAME = "lettres-a-imprimer.pdf"
# Below this many letters, starting worker processes costs more than it saves.
SMALL_RUN = 64
MAX_CHUNK = 64
_TEMPLATE_SUFFIXES = {".j2", ".toml", ".jinja", ".txt"}


@dataclass(frozen=True)
class Sources:
    """Where a campaign's words, layout and data come from."""

    template: str
    templates_dir: Path
    recipients: Path
    letterhead: Path
    letter_date: date
    figures: Path | None = None
    sheet: str | None = None
    only: tuple[str, ...] = ()


@dataclass
class Campaign:
    """A checked campaign: its compiled template and the recipients to write to."""

    sources: Sources
    template: LetterTemplate
    data: ReadResult
    recipients: list[Recipient]
    problems: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        return self.data.warnings


@dataclass(frozen=True)
class GenerateOptions:
    """How ``generate`` writes: where, in which formats, how many processes."""

    out_dir: Path
    formats: tuple[str, ...] = ("docx",)
    jobs: int = os.cpu_count() or 1
    force: bool = False
    merge: bool = False
    skip_invalid: bool = False
    dry_run: bool = False


@dataclass
class GenerateReport:
    """What a run did, for the final summary."""

    out_dir: Path
    written: int = 0
    up_to_date: int = 0
    planned: list[str] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    merged: Path | None = None
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0


def load_campaign(
    sources: Sources, *, render_check: bool = True, strict: bool = False, postal: bool = True
) -> Campaign:
    """Read the data and compile the template; gather every problem instead of stopping.

    ``render_check=False`` keeps to the static checks: ``generate`` renders
    every letter in its worker processes before writing anything. ``strict``: any problem
    raises :class:`InvalidInput` (carrying the warnings too) instead of being returned.
    ``postal``: a recipient whose postal address is incomplete is a problem and is left out
    (``check``, ``generate``); ``preview`` passes False and shows the letter all the same.
    """
    data = read_recipients(sources.recipients, sources.figures, sources.sheet)
    problems = list(data.problems)
    recipients = data.recipients
    if sources.only:
        known = {r.id for r in recipients}
        for wanted in sources.only:
            if wanted not in known:
                problems.append(
                    Problem(
                        str(sources.recipients),
                        None,
                        f"destinataire « {wanted} » introuvable (option --only/--recipient)",
                    )
                )
        wanted_ids = set(sources.only)
        recipients = [r for r in recipients if r.id in wanted_ids]
    if postal:
        problems.extend(data.undeliverable[r.id] for r in recipients if r.id in data.undeliverable)
        recipients = [r for r in recipients if r.id not in data.undeliverable]
        name = str(sources.recipients)
        problems.sort(key=lambda p: (p.file != name, p.file or "", p.line or 0))
    try:
        template = load_template(sources.template, sources.templates_dir)
    except LettergenError as error:
        raise InvalidInput(problems + error.problems) from error
    if recipients:  # no letter to send (an unreadable file, say): nothing to warn about
        data.warnings.extend(example_identity(sources.recipients, sources.letterhead, template.settings))
    data.warnings.extend(unverified_titles(recipients))
    checked = replace(data, recipients=recipients)
    problems.extend(check_template(template, checked, sources.letter_date, render=render_check))
    if strict and problems:
        raise InvalidInput(problems, data.warnings)
    return Campaign(sources, template, data, recipients, problems)


def render_one(campaign: Campaign, recipient_id: str) -> Letter:
    """Return one recipient's letter (for ``preview``)."""
    for recipient in campaign.recipients:
        if recipient.id == recipient_id:
            return render_letter(
                campaign.template, recipient, campaign.sources.letter_date, campaign.data.figure_names
            )
    raise InvalidInput(
        [Problem(str(campaign.sources.recipients), None, f"destinataire « {recipient_id} » introuvable")]
    )


def run_fingerprint(sources: Sources) -> str:
    """Hash everything shared by all letters of a run: templates, letterhead, date, version."""
    digest = hashlib.sha256(f"lettergen {__version__}\n{sources.letter_date.isoformat()}\n".encode())
    template_files = sorted(
        p for p in Path(sources.templates_dir).rglob("*") if p.is_file() and p.suffix in _TEMPLATE_SUFFIXES
    )
    explicit = Path(sources.template)
    if explicit.is_file():
        template_files.append(explicit)
    for path in template_files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    letterhead = Path(sources.letterhead)
    digest.update(letterhead.name.encode() + b"\0" + _letterhead_bytes(letterhead) + b"\0")
    digest.update(sources.template.encode())
    return digest.hexdigest()


def _letterhead_bytes(path: Path) -> bytes:
    """The letterhead's bytes for the fingerprint: a regular file of bounded size, never a FIFO."""
    from lettergen.read import limits
    from lettergen.read.regular import NotRegular, read_regular

    try:
        return read_regular(path, limits.FILE_BYTES)
    except NotRegular as error:  # the same lines as read_letterhead's, which the CLI runs first
        if error.reason == "fichier introuvable":
            raise LetterheadError("papier à en-tête introuvable", file=str(path)) from None
        raise LetterheadError(f"papier à en-tête illisible : {error.reason}", str(path)) from None


def letter_fingerprint(run: str, recipient: Recipient) -> str:
    """Hash a letter's inputs: the run's and the recipient's row with its figures."""
    fields = replace(recipient, source="", line=0)
    return hashlib.sha256(f"{run}\n{fields!r}".encode()).hexdigest()


# --- worker processes -------------------------------------------------------------------

_maker: _LetterMaker | None = None


@dataclass(frozen=True)
class Written:
    """A letter a worker wrote: its file name in the target folder and the file's sha256."""

    id: str
    name: str
    sha256: str


class _LetterMaker:
    """Per-process state: the compiled template and the prepared letterhead."""

    def __init__(self, sources: Sources, figure_names: tuple[str, ...]):
        from lettergen.writers.docx import DocxWriter

        self.template = load_template(sources.template, sources.templates_dir)
        self.writer = DocxWriter(sources.letterhead)
        self.letter_date = sources.letter_date
        self.figure_names = figure_names

    def letter(self, recipient: Recipient) -> Letter:
        return render_letter(self.template, recipient, self.letter_date, self.figure_names)

    def validate(self, recipient: Recipient) -> Problem | None:
        """Render without writing; return the letter's problem, if any."""
        try:
            self.letter(recipient)
        except LettergenError as error:
            return _letter_problem(error, recipient)
        return None

    def write(
        self, job: tuple[Recipient, str] | tuple[Recipient, str, str]
    ) -> Written | Problem | LettergenError:
        """Render and write one DOCX; return what was written, the letter's problem, or the error.

        A letter that does not render is a :class:`Problem`, as :meth:`validate` says it (errors pickle).

        ``job``: the recipient, the folder and the file stem (default: the recipient's own).
        """
        recipient, target_dir, *stem = job
        try:
            letter = self.letter(recipient)
        except LettergenError as error:  # as validate says it: --skip-invalid renders only here
            return _letter_problem(error, recipient)
        try:
            data = self.writer.render(letter, self.letter_date)
            name = f"{stem[0] if stem else recipient_file_stem(recipient)}.docx"
            write_atomically(Path(target_dir) / name, data)
        except LettergenError as error:
            return error
        except MemoryError:  # past the worker's ceiling (WORKER_MEMORY): this letter only
            return LettergenError(f"mémoire insuffisante pour écrire la lettre de « {recipient.id} »")
        return Written(recipient.id, name, hashlib.sha256(data).hexdigest())


#: Address space of a worker process: a render that slips past the template limits
#: (lettergen/template/limits.py) then ends in a MemoryError, reported for its letter,
#: instead of eating the machine.
WORKER_MEMORY = 1 << 30


def _letter_problem(error: LettergenError, recipient: Recipient) -> Problem:
    """The problem of a letter that does not render, naming its recipient."""
    kind = LimitProblem if isinstance(error, TemplateLimitError) else Problem
    return kind(error.file, error.line, f"{error.message} (destinataire « {recipient.id} »)")


def _init_worker(sources: Sources, figure_names: tuple[str, ...]) -> None:
    global _maker
    import multiprocessing
    import resource

    # Only in a pool's worker: a small run renders in the main process, whose LibreOffice
    # children need far more address space than a letter does.
    if multiprocessing.parent_process() is not None:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        ceiling = WORKER_MEMORY if soft == resource.RLIM_INFINITY else min(soft, WORKER_MEMORY)
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    _maker = _LetterMaker(sources, figure_names)


def _start_worker(sources: Sources, figure_names: tuple[str, ...]) -> None:
    """A pool process's initializer: the main process alone answers signals (see stopping.py)."""
    detach_worker()
    _init_worker(sources, figure_names)


def _validate(recipient: Recipient) -> Problem | None:
    assert _maker is not None
    return _maker.validate(recipient)


def _write(job: tuple[Recipient, str, str]) -> Written | Problem | LettergenError:
    assert _maker is not None
    return _maker.write(job)


class _Workers:
    """``jobs`` processes that keep the compiled template; in-process for small runs.

    Workers come from a fork server, not from this process: a worker forked
    from here would inherit the copy of every recipient read, and memory would
    grow with the run's size. The server imports lettergen once, so each worker
    starts warm.
    """

    def __init__(self, sources: Sources, figure_names: tuple[str, ...], jobs: int, letters: int):
        self._pool: Any = None
        # Letters per message to a worker: every message costs the main process about 0.6 ms
        # (pickling, pipe, threads; 34,742 mayors: 4.8 s of CPU at 16, 3.3 s at 64), and four
        # chunks a worker at least keep the workers evenly busy to the end.
        self._chunk = max(1, min(MAX_CHUNK, letters // (4 * jobs)))
        if jobs > 1 and letters >= SMALL_RUN:
            context = get_context("forkserver")
            preload = ["lettergen.fork_server", "lettergen.batch", "lettergen.writers.docx"]
            context.set_forkserver_preload(preload)  # fork_server first: see there
            self._pool = context.Pool(jobs, _start_worker, (sources, figure_names))
        else:
            _init_worker(sources, figure_names)

    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            return map(function, items)
        return self._pool.imap(function, items, chunksize=self._chunk)

    def close(self) -> None:
        if self._pool is not None:
            workers = [process.pid for process in getattr(self._pool, "_pool", ())]
            self._pool.terminate()
            _end_survivors(workers)
            self._pool = None


def _end_survivors(pids: list[int], patience: float = 2.0) -> None:
    """Kill the workers ``Pool.terminate`` took for dead, and wait until they are.

    A SIGTERM to the run's process group also ends the fork server, the workers' parent; the
    pool then reads every worker's exit code from the server's closed pipe (255), takes them all
    for ended and signals none, and they would go on writing letters after the run has stopped.
    """
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + patience
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.01)


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


# --- the run ----------------------------------------------------------------------------


def generate(
    campaign: Campaign, options: GenerateOptions, progress: Callable[[int], None] | None = None
) -> GenerateReport:
    """Write every letter of ``campaign``; return what was done.

    Every letter to write is rendered once, in the worker processes, into a staging
    folder; any problem raises :class:`InvalidInput` with nothing written, unless
    ``skip_invalid`` is set. A signal raises :class:`Stopped` with the
    number of letters complete on disk.
    """
    if campaign.problems and not options.skip_invalid:
        raise InvalidInput(campaign.problems)
    started = time.perf_counter()
    formats = tuple(dict.fromkeys(options.formats + (("pdf",) if options.merge else ())))
    report = GenerateReport(options.out_dir, skipped=list(campaign.problems))
    if "pdf" in formats and not options.dry_run:
        from lettergen.writers.pdf import find_soffice

        find_soffice()  # fail at once, before any DOCX, when LibreOffice is missing
    rows: list[ManifestRow] = []
    fresh = not options.out_dir.exists()
    try:
        with ExitStack() as held:
            _generate(campaign, options, formats, report, progress, rows, held)
    except InvalidInput:
        if fresh:  # refused before its first letter (a template limit under --skip-invalid)
            _remove_if_empty(options.out_dir)
        raise
    except Stopped as stop:
        done = sum(all(kind in row.files for kind in formats) for row in rows)
        raise Stopped(stop.signum, done, len(rows) or len(campaign.recipients)) from None
    report.seconds = time.perf_counter() - started
    return report


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` this run made, if nothing is in it: a refused run leaves nothing behind."""
    with contextlib.suppress(OSError):  # rmdir fails, as it should, when a letter is there
        journal = folder / JOURNAL_NAME
        if not journal.is_symlink() and journal.is_file() and journal.stat().st_size == 0:
            journal.unlink()  # opened for the run, nothing recorded in it
        folder.rmdir()


def _generate(
    campaign: Campaign,
    options: GenerateOptions,
    formats: tuple[str, ...],
    report: GenerateReport,
    progress: Callable[[int], None] | None,
    rows: list[ManifestRow],
    held: ExitStack,
) -> None:
    """Plan, check and write under the folder's lock; ``rows`` is filled in as letters land."""
    out_dir = options.out_dir
    locked = not options.dry_run and out_dir.is_dir()
    if locked:  # before reading what earlier runs left there
        held.enter_context(folder_lock(out_dir))
    planned, todo = _plan(campaign, formats, out_dir, options.force, report)
    rows.extend(planned)
    workers = (
        _Workers(campaign.sources, campaign.data.figure_names, options.jobs, len(todo)) if todo else None
    )
    try:
        if options.dry_run:
            invalid = _validate_all(workers, todo)
            if invalid and not options.skip_invalid:
                raise InvalidInput(invalid.values())
            report.skipped.extend(invalid.values())
            report.planned = [recipient.id for recipient, _ in todo if recipient.id not in invalid]
            return
        if not locked:  # a folder made for the run is removed again if the run is refused
            held.enter_context(folder_lock(make_folder(out_dir)))
            locked = True
        _remove_stale_temporaries(out_dir)
        stems = file_stems(campaign.data.recipients)
        # Each letter is rendered once. --skip-invalid writes those that render as they come;
        # otherwise every letter is first written to a staging folder, moved into place only
        # once all of them rendered: a refused run writes nothing.
        staged = None
        if not options.skip_invalid:
            try:
                staged = _stage_docx(workers, todo, out_dir, stems, progress)
            except _StagingStopped as stopped:  # what was rendered is kept for the next run
                if workers is not None:
                    workers.close()  # none still writing into the staging folder
                try:
                    if "docx" in formats:
                        _keep_staged(stopped.staged, rows, out_dir)
                finally:
                    shutil.rmtree(stopped.staged.folder, ignore_errors=True)
                raise stopped.cause from None
        _write_all(workers, campaign, rows, todo, formats, options, report, progress, stems, staged)
    finally:
        if workers is not None:
            workers.close()
        if locked:  # what workers stopped mid-letter left under temporary names
            _remove_stale_temporaries(out_dir)
    pdfs = [out_dir / row.files["pdf"][0] for row in rows if "pdf" in row.files]
    if options.merge and pdfs and not report.failures:  # a print file with letters missing misleads
        from lettergen.writers.pdf import merge_pdfs

        report.merged = out_dir / MERGED_NAME
        merge_pdfs(pdfs, report.merged)


def _plan(
    campaign: Campaign, formats: tuple[str, ...], out_dir: Path, force: bool, report: GenerateReport
) -> tuple[list[ManifestRow], list[tuple[Recipient, str]]]:
    """Split the letters into those already up to date and those to (re)do."""
    run = run_fingerprint(campaign.sources)
    previous = {} if force else load_previous(out_dir)
    rows: list[ManifestRow] = []
    todo: list[tuple[Recipient, str]] = []
    for recipient in campaign.recipients:
        empreinte = letter_fingerprint(run, recipient)
        old = previous.get(recipient.id)
        if old is not None and is_up_to_date(old, empreinte, formats, out_dir):
            rows.append(old)
            report.up_to_date += 1
            continue
        kept = old.files if old is not None and old.empreinte == empreinte else {}
        # A file removed, changed or replaced by a link since is redone (and a link then refused).
        intact = {kind: entry for kind, entry in kept.items() if is_intact(out_dir, *entry)}
        rows.append(ManifestRow(recipient.id, empreinte, intact))
        todo.append((recipient, empreinte))
    return rows, todo


@dataclass(frozen=True)
class LimitProblem(Problem):
    """A letter stopped by a template limit: the run stops at the first one, whatever the options.

    A template that spends its CPU budget (1 s) on one letter spends it on every other, and
    35,000 letters would take hours to refuse; ``--skip-invalid`` is for bad rows, not for this.
    """


@dataclass(frozen=True)
class _Staged:
    """Every letter of a run, rendered and written to ``folder``, none yet under its final name."""

    folder: Path
    written: dict[str, Written]
    names: dict[str, str]  # every letter's file name, staged or not


class _StagingStopped(BaseException):
    """Staging ended by a signal or a file that cannot be written: what was staged, and why."""

    def __init__(self, staged: _Staged, cause: Stopped | OutputError):
        super().__init__(staged, cause)
        self.staged = staged
        self.cause = cause


def _keep_staged(staged: _Staged, rows: list[ManifestRow], out_dir: Path) -> None:
    """Move the letters a stopped run staged to their final names, journaled as if written.

    The run is stopped (a signal, a full disk), not refused: those letters rendered, and the
    next run keeps them, as it keeps what any stopped run wrote (and still refuses, writing
    nothing more, if one of the other letters fails).
    """
    by_id = {row.id: row for row in rows}
    journal = Journal(out_dir)
    try:
        for letter_id, name in staged.names.items():
            path = staged.folder / name
            known = staged.written.get(letter_id)
            if known is None and (path.is_symlink() or not path.is_file()):
                continue  # not rendered yet (a staged file is whole: written, then renamed)
            digest = known.sha256 if known is not None else sha256_file(path)
            move_into_place(path, out_dir / name)
            _record_docx(by_id[letter_id], name, digest, journal)
    finally:
        journal.close()


def _not_written(outcome: Written | Problem | LettergenError, recipient: Recipient) -> Problem | None:
    """Why a worker wrote no letter (None: it did), as one line naming the recipient.

    Raises :class:`InvalidInput` for a template past its limits: that stops the run (see
    :class:`LimitProblem`). An OutputError is the caller's: it stops the run too, differently.
    """
    if isinstance(outcome, LimitProblem):
        raise InvalidInput([outcome])
    if isinstance(outcome, Problem):
        return outcome
    if isinstance(outcome, LettergenError):
        return Problem(recipient.source, recipient.line or None, str(outcome))
    return None


def _record_docx(row: ManifestRow, name: str, digest: str, journal: Journal) -> None:
    """A DOCX now under its final name: in the letter's row, and journaled for the next run."""
    row.files["docx"] = (name, digest)
    journal.record(row.id, row.empreinte, "docx", name, digest)


def _stage_docx(
    workers: _Workers | None,
    todo: list[tuple[Recipient, str]],
    out_dir: Path,
    stems: dict[str, str],
    progress: Callable[[int], None] | None,
) -> _Staged:
    """Render and write every letter to do into a hidden folder of ``out_dir``.

    Raises :class:`InvalidInput` with every letter's problem (the folder deleted) if any does
    not render, at once for a template past its limits; :class:`_StagingStopped` on a signal
    or a file that cannot be written (named by its final name).
    """
    folder = _scratch_folder(out_dir)
    written: dict[str, Written] = {}
    problems: list[Problem] = []
    jobs = [(r, str(folder), stems.get(r.id) or recipient_file_stem(r)) for r, _ in todo]
    names = {recipient.id: f"{stem}.docx" for recipient, _, stem in jobs}
    outcomes = workers.map(_write, jobs) if workers is not None else iter(())  # None: nothing to do
    try:
        for (recipient, _, _), outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, OutputError):
                final = str(out_dir / Path(outcome.file).name) if outcome.file else None
                raise _StagingStopped(_Staged(folder, written, names), OutputError(outcome.message, final))
            problem = _not_written(outcome, recipient)
            if problem is not None:
                problems.append(problem)
            else:
                assert isinstance(outcome, Written)
                written[recipient.id] = outcome
                if progress:
                    progress(1)
        if problems:
            raise InvalidInput(problems)
    except Stopped as stop:
        raise _StagingStopped(_Staged(folder, written, names), stop) from None
    except _StagingStopped:
        raise
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _Staged(folder, written, names)


def _validate_all(workers: _Workers | None, todo: list[tuple[Recipient, str]]) -> dict[str, Problem]:
    """Render every letter to do without writing; return the problem of each letter that fails."""
    if workers is None or not todo:
        return {}
    recipients = [recipient for recipient, _ in todo]
    problems: dict[str, Problem] = {}
    for recipient, problem in zip(recipients, workers.map(_validate, recipients), strict=False):
        if isinstance(problem, LimitProblem):
            raise InvalidInput([problem])  # the caller's ``finally`` stops the workers
        if problem is not None:
            problems[recipient.id] = problem
    return problems


def _write_all(
    workers: _Workers | None,
    campaign: Campaign,
    rows: list[ManifestRow],
    todo: list[tuple[Recipient, str]],
    formats: tuple[str, ...],
    options: GenerateOptions,
    report: GenerateReport,
    progress: Callable[[int], None] | None,
    stems: dict[str, str],
    staged: _Staged | None,
) -> None:
    out_dir = options.out_dir
    by_id = {row.id: row for row in rows}
    journal = Journal(out_dir)
    try:
        keep_docx = "docx" in formats
        scratch = staged.folder if staged else None
        docx_dir = out_dir if keep_docx else scratch or _scratch_folder(out_dir)
        if staged is not None:
            docx_names = _place_docx(staged, todo, docx_dir, by_id, journal, report, keep_docx)
        else:
            docx_names = _write_docx(
                workers, todo, docx_dir, by_id, journal, report, progress, keep_docx, stems
            )
        if scratch is not None and keep_docx:
            shutil.rmtree(scratch, ignore_errors=True)  # what was not moved: DOCX already up to date
        rows[:] = [row for row in rows if row.id in by_id]  # without the letters skipped
        if "pdf" in formats:
            _write_pdf(
                docx_names, docx_dir, options, campaign.sources.letter_date, by_id, journal, report, progress
            )
        if not keep_docx:
            shutil.rmtree(docx_dir, ignore_errors=True)
        write_manifest(out_dir, [row for row in rows if all(kind in row.files for kind in formats)])
        journal.remove()
    finally:
        journal.close()


def _write_docx(
    workers: _Workers | None,
    todo: list[tuple[Recipient, str]],
    docx_dir: Path,
    by_id: dict[str, ManifestRow],
    journal: Journal,
    report: GenerateReport,
    progress: Callable[[int], None] | None,
    keep_docx: bool,
    stems: dict[str, str],
) -> dict[str, str]:
    """Write the DOCX letters still to do; return every letter's DOCX file name.

    A letter that does not render is skipped; an output file that cannot be written stops the run.
    """
    docx_names = {row.id: row.files["docx"][0] for row in by_id.values() if "docx" in row.files}
    folder = str(docx_dir)  # one string for every job, not one each
    work = [
        (recipient, folder, stems.get(recipient.id) or recipient_file_stem(recipient))
        for recipient, _ in todo
        if not (keep_docx and recipient.id in docx_names)
    ]
    if workers is None or not work:
        return docx_names
    for (recipient, _, _), outcome in zip(work, workers.map(_write, work), strict=True):
        if isinstance(outcome, OutputError):
            raise outcome
        problem = _not_written(outcome, recipient)
        if problem is not None:  # does not render (--skip-invalid: not validated before)
            report.skipped.append(problem)
            by_id.pop(recipient.id, None)
            continue
        assert isinstance(outcome, Written)
        docx_names[recipient.id] = outcome.name
        if keep_docx:
            _record_docx(by_id[recipient.id], outcome.name, outcome.sha256, journal)
        report.written += 1
        if progress:
            progress(1)
    return docx_names


def _place_docx(
    staged: _Staged,
    todo: list[tuple[Recipient, str]],
    docx_dir: Path,
    by_id: dict[str, ManifestRow],
    journal: Journal,
    report: GenerateReport,
    keep_docx: bool,
) -> dict[str, str]:
    """Move the staged DOCX to their final names (journaled one by one); return every DOCX name."""
    docx_names = {row.id: row.files["docx"][0] for row in by_id.values() if "docx" in row.files}
    for recipient, _ in todo:
        if keep_docx and recipient.id in docx_names:
            continue  # its DOCX is up to date: only its PDF is to do
        outcome = staged.written[recipient.id]
        if keep_docx:
            move_into_place(staged.folder / outcome.name, docx_dir / outcome.name)
            _record_docx(by_id[recipient.id], outcome.name, outcome.sha256, journal)
        docx_names[recipient.id] = outcome.name
        report.written += 1
    return docx_names


def _write_pdf(
    docx_names: dict[str, str],
    docx_dir: Path,
    options: GenerateOptions,
    letter_date: date,
    by_id: dict[str, ManifestRow],
    journal: Journal,
    report: GenerateReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Convert the DOCX letters that have no up-to-date PDF, journaling each PDF as it lands."""
    from lettergen.writers.pdf import convert_to_pdf  # imported here: DOCX-only runs do not need it

    out_dir = options.out_dir
    wanted = {
        (docx_dir / name).absolute(): by_id[letter_id]
        for letter_id, name in docx_names.items()
        if letter_id in by_id and "pdf" not in by_id[letter_id].files
    }
    for docx_path in wanted:  # a stale PDF must never pass for a fresh one
        _remove(out_dir / f"{docx_path.stem}.pdf")

    def done(docx_path: Path) -> None:
        row = wanted[Path(docx_path).absolute()]
        pdf = out_dir / f"{Path(docx_path).stem}.pdf"
        if pdf.is_file():
            digest = sha256_file(pdf)
            row.files["pdf"] = (pdf.name, digest)
            journal.record(row.id, row.empreinte, "pdf", pdf.name, digest)
        if progress:
            progress(1)

    # The letter's date stamps the PDF, so the same inputs give the same PDF bytes.
    stamp = datetime.combine(letter_date, datetime.min.time(), UTC)
    conversion = convert_to_pdf(list(wanted), out_dir, jobs=options.jobs, on_done=done, creation_date=stamp)
    for failure in conversion.failures:
        row = wanted[Path(failure.path).absolute()]
        report.failures.append(
            Problem(None, None, f"{row.id} : conversion en PDF impossible : {failure.message}")
        )


def _remove(path: Path) -> None:
    """Delete the output file ``path`` if it exists (a link planted there is refused, not removed)."""
    refuse_link(path)
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        raise output_error(path, error) from None


def _scratch_folder(out_dir: Path) -> Path:
    """A hidden folder in ``out_dir`` for the DOCX of a PDF-only run, deleted at the end."""
    try:
        return Path(tempfile.mkdtemp(prefix=".lettergen-docx-", dir=out_dir))
    except OSError as error:
        raise output_error(out_dir, error) from None


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Delete what a killed run left under temporary names (never under final names)."""
    for path in out_dir.glob(".*.tmp"):
        with suppress(OSError):  # hidden and never read: one that cannot go does no harm
            path.unlink(missing_ok=True)
    for pattern in (".lettergen-docx-*", ".lettergen-pdf-*"):
        for path in out_dir.glob(pattern):
            if path.is_symlink():  # planted: the link goes, what it points to stays
                with suppress(OSError):
                    path.unlink()
            shutil.rmtree(path, ignore_errors=True)


# --- file names -------------------------------------------------------------------------

MAX_STEM = 80
_STEM_MAP = str.maketrans(
    {
        "œ": "oe",
        "Œ": "OE",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
    }
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def slug(text: str) -> str:
    """ASCII, lowercase, ``[a-z0-9-]``: ``« Côtes-d'Armor »`` → ``cotes-d-armor``."""
    text = unicodedata.normalize("NFKD", text.translate(_STEM_MAP))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode()).strip("-")


def file_stem(recipient_id: str, departement_nom: str, nom: str) -> str:
    """``<id>-<département>-<nom>``, ≤ 80 characters, safe on every OS: ``33-gironde-martin``.

    The id is kept as it is when it is already safe (``[A-Za-z0-9_.-]``, as
    the reader validates it), so every file name starts with the recipient's id.
    """
    ident = recipient_id if _SAFE_ID.match(recipient_id) else (slug(recipient_id) or "x")
    ident = ident[:MAX_STEM]
    parts = [ident]
    room = MAX_STEM - len(ident)
    for part in (slug(departement_nom), slug(nom)):
        if part and room > 1:
            part = part[: room - 1].strip("-")
            if part:
                parts.append(part)
                room -= len(part) + 1
    return "-".join(parts)


def recipient_file_stem(recipient: Recipient) -> str:
    """The file name of ``recipient``'s letters, without suffix: ``33-gironde-martin``."""
    return file_stem(recipient.id, territory(recipient.departement).nom, recipient.nom)


def file_stems(recipients: Iterable[Recipient]) -> dict[str, str]:
    """Each recipient's file stem by id, no two alike, even on a disk that ignores case.

    A recipient keeps its own name (:func:`recipient_file_stem`) unless another one's is the same,
    case aside: long ids cut to the same 80 characters, ids differing only in case, an id with a
    hyphen that reads like another's id and département. Each of those gets the start of its id's
    sha256 as a suffix, so the names depend on the ids alone, not on the recipients' order.
    """
    natural = {recipient.id: recipient_file_stem(recipient) for recipient in recipients}
    stems = dict(natural)
    reserved = Counter([Path(MERGED_NAME).stem])  # the print PDF of --merge
    for width in (8, 16, 64):
        counts = Counter(stem.lower() for stem in stems.values()) + reserved
        clashing = [letter_id for letter_id, stem in stems.items() if counts[stem.lower()] > 1]
        if not clashing:
            break
        for letter_id in clashing:
            digest = hashlib.sha256(letter_id.encode()).hexdigest()[:width]
            stems[letter_id] = f"{natural[letter_id][: MAX_STEM - width - 1].rstrip('-')}-{digest}"
    return stems
