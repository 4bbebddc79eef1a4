"""Batch stage: every recipient's letter, in parallel, resumable.

Reading and checking come first and cover every recipient, so that bad input
writes nothing. Then the letters are rendered and written by ``jobs`` worker
processes, each of which compiles the template and prepares the letterhead
once. Each file is written under a temporary name and renamed; each finished
file is journaled, so a killed run is completed by the next one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator

from lettergen import __version__
from lettergen.errors import InvalidInput, LettergenError, Problem
from lettergen.letter import Letter
from lettergen.manifest import (
    Journal,
    ManifestRow,
    is_up_to_date,
    load_previous,
    write_manifest,
)
from lettergen.read.records import ReadResult, Recipient
from lettergen.read.recipients import read_recipients
from lettergen.template.render import LetterTemplate, check_template, load_template, render_letter

MERGED_NAME = "lettres-a-imprimer.pdf"
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


def load_campaign(sources: Sources) -> Campaign:
    """Read the data and compile the template; gather every problem instead of stopping."""
    data = read_recipients(sources.recipients, sources.figures, sources.sheet)
    problems = list(data.problems)
    recipients = data.recipients
    if sources.only:
        known = {r.id for r in recipients}
        for wanted in sources.only:
            if wanted not in known:
                problems.append(Problem(str(sources.recipients), None,
                                        f"destinataire « {wanted} » introuvable (option --only/--recipient)"))
        recipients = [r for r in recipients if r.id in set(sources.only)]
    try:
        template = load_template(sources.template, sources.templates_dir)
    except LettergenError as error:
        raise InvalidInput(problems + error.problems) from error
    checked = replace(data, recipients=recipients)
    problems.extend(check_template(template, checked))
    return Campaign(sources, template, data, recipients, problems)


def render_one(campaign: Campaign, recipient_id: str) -> Letter:
    """Return one recipient's letter (for ``preview``)."""
    for recipient in campaign.recipients:
        if recipient.id == recipient_id:
            return render_letter(campaign.template, recipient, campaign.sources.letter_date)
    raise InvalidInput([Problem(str(campaign.sources.recipients), None,
                                f"destinataire « {recipient_id} » introuvable")])


def run_fingerprint(sources: Sources) -> str:
    """Hash everything shared by all letters of a run: templates, letterhead, date, version."""
    digest = hashlib.sha256(f"lettergen {__version__}\n{sources.letter_date.isoformat()}\n".encode())
    template_files = sorted(p for p in Path(sources.templates_dir).rglob("*")
                            if p.is_file() and p.suffix in _TEMPLATE_SUFFIXES)
    explicit = Path(sources.template)
    if explicit.is_file():
        template_files.append(explicit)
    for path in [*template_files, Path(sources.letterhead)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(sources.template.encode())
    return digest.hexdigest()


def letter_fingerprint(run: str, recipient: Recipient) -> str:
    """Hash a letter's inputs: the run's and the recipient's row with its figures."""
    fields = replace(recipient, source="", line=0)
    return hashlib.sha256(f"{run}\n{fields!r}".encode()).hexdigest()


# --- worker processes -------------------------------------------------------------------

_worker: "_LetterMaker | None" = None


class _LetterMaker:
    """Per-process state: the compiled template and the prepared letterhead."""

    def __init__(self, sources: Sources):
        from lettergen.writers.docx import DocxWriter

        self.template = load_template(sources.template, sources.templates_dir)
        self.writer = DocxWriter(sources.letterhead)
        self.letter_date = sources.letter_date

    def make(self, job: tuple[Recipient, str, str]) -> tuple[str, str, str, str, str]:
        recipient, empreinte, target_dir = job
        try:
            letter = render_letter(self.template, recipient, self.letter_date)
            data = self.writer.render(letter)
        except LettergenError as error:
            return recipient.id, empreinte, "", "", str(error)
        name = f"{letter.file_stem or recipient.id}.docx"
        write_atomically(Path(target_dir) / name, data)
        return recipient.id, empreinte, name, hashlib.sha256(data).hexdigest(), ""


def _init_worker(sources: Sources) -> None:
    global _worker
    _worker = _LetterMaker(sources)


def _make(job: tuple[Recipient, str, str]) -> tuple[str, str, str, str, str]:
    assert _worker is not None
    return _worker.make(job)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` under a temporary name in the same folder, then rename it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _results(sources: Sources, jobs: Iterable[tuple[Recipient, str, str]], processes: int
             ) -> Iterator[tuple[str, str, str, str, str]]:
    if processes <= 1:
        maker = _LetterMaker(sources)
        yield from (maker.make(job) for job in jobs)
        return
    with get_context("fork").Pool(processes, _init_worker, (sources,)) as pool:
        yield from pool.imap(_make, jobs, chunksize=16)


# --- the run ----------------------------------------------------------------------------

def generate(campaign: Campaign, options: GenerateOptions,
             progress: Callable[[int], None] | None = None) -> GenerateReport:
    """Write every letter of ``campaign``; return what was done.

    Raise :class:`InvalidInput` before writing anything when the campaign has
    problems, unless ``skip_invalid`` is set.
    """
    if campaign.problems and not options.skip_invalid:
        raise InvalidInput(campaign.problems)
    started = time.perf_counter()
    out_dir = options.out_dir
    formats = tuple(dict.fromkeys(options.formats + (("pdf",) if options.merge else ())))
    report = GenerateReport(out_dir, skipped=list(campaign.problems))
    run = run_fingerprint(campaign.sources)
    if not options.dry_run:
        out_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(out_dir)
    previous = {} if options.force else load_previous(out_dir)
    rows: list[ManifestRow] = []
    todo: list[tuple[Recipient, str]] = []
    for recipient in campaign.recipients:
        empreinte = letter_fingerprint(run, recipient)
        old = previous.get(recipient.id)
        if is_up_to_date(old, empreinte, formats, out_dir):
            rows.append(old)
            report.up_to_date += 1
        else:
            kept = old if old is not None and old.empreinte == empreinte else None
            row = ManifestRow(recipient.id, empreinte, dict(kept.files) if kept else {})
            rows.append(row)
            todo.append((recipient, empreinte))
    if options.dry_run:
        report.planned = [recipient.id for recipient, _ in todo]
        return report
    if "pdf" in formats:
        from lettergen.writers.pdf import find_soffice

        find_soffice()  # fail at once, before any DOCX, when LibreOffice is missing
    by_id = {row.id: row for row in rows}
    journal = Journal(out_dir)
    try:
        docx_dir = out_dir if "docx" in formats else Path(tempfile.mkdtemp(prefix=".lettergen-docx-", dir=out_dir))
        docx_names = _write_docx(campaign, todo, docx_dir, options.jobs, by_id, journal, report,
                                 progress, record_docx="docx" in formats)
        if "pdf" in formats:
            _write_pdf(docx_names, docx_dir, out_dir, options.jobs, by_id, journal, report)
        if docx_dir != out_dir:
            shutil.rmtree(docx_dir, ignore_errors=True)
        complete = [row for row in rows if all(kind in row.files for kind in formats)]
        write_manifest(out_dir, complete)
        journal.remove()
    finally:
        journal.close()
    if options.merge:
        from lettergen.writers.pdf import merge_pdfs

        pdfs = [out_dir / row.files["pdf"][0] for row in rows if "pdf" in row.files]
        report.merged = out_dir / MERGED_NAME
        merge_pdfs(pdfs, report.merged)
    report.seconds = time.perf_counter() - started
    return report


def _write_docx(campaign: Campaign, todo: list[tuple[Recipient, str]], docx_dir: Path, jobs: int,
                by_id: dict[str, ManifestRow], journal: Journal, report: GenerateReport,
                progress: Callable[[int], None] | None, record_docx: bool) -> dict[str, str]:
    """Write the DOCX letters still to do; return each letter's DOCX file name."""
    docx_names = {row.id: row.files["docx"][0] for row in by_id.values() if "docx" in row.files}
    work = [(recipient, empreinte, str(docx_dir)) for recipient, empreinte in todo
            if not (record_docx and recipient.id in docx_names)]
    sources_by_id = {recipient.id: recipient for recipient, _ in todo}
    for letter_id, empreinte, name, digest, error in _results(campaign.sources, work, jobs):
        if error:
            recipient = sources_by_id[letter_id]
            report.skipped.append(Problem(recipient.source, recipient.line or None, error))
            by_id.pop(letter_id, None)
            continue
        row = by_id[letter_id]
        docx_names[letter_id] = name
        if record_docx:
            row.files["docx"] = (name, digest)
            journal.record(letter_id, empreinte, "docx", name, digest)
        report.written += 1
        if progress:
            progress(1)
    return docx_names


def _write_pdf(docx_names: dict[str, str], docx_dir: Path, out_dir: Path, jobs: int, by_id: dict[str, ManifestRow],
               journal: Journal, report: GenerateReport) -> None:
    from lettergen.manifest import sha256_file
    from lettergen.writers.pdf import convert_to_pdf

    """Convert the DOCX letters that have no up-to-date PDF, journaling each PDF as it lands."""
    wanted = {docx_dir / name: by_id[letter_id] for letter_id, name in docx_names.items()
              if letter_id in by_id and "pdf" not in by_id[letter_id].files}

    def done(docx_path: Path) -> None:
        row = wanted[Path(docx_path)]
        pdf_name = Path(docx_path).with_suffix(".pdf").name
        digest = sha256_file(out_dir / pdf_name)
        row.files["pdf"] = (pdf_name, digest)
        journal.record(row.id, row.empreinte, "pdf", pdf_name, digest)

    conversion = convert_to_pdf(list(wanted), out_dir, jobs=jobs, on_done=done)
    for path, message in conversion.failures:
        row = wanted[Path(path)]
        report.failures.append(Problem(None, None, f"{row.id} : conversion PDF impossible : {message}"))


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Delete what a killed run left under temporary names (never under final names)."""
    for path in out_dir.glob(".*.tmp"):
        path.unlink(missing_ok=True)
    for path in out_dir.glob(".lettergen-docx-*"):
        shutil.rmtree(path, ignore_errors=True)
