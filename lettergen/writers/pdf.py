"""PDF from the DOCX letters: one LibreOffice call per batch of letters, cut back into letters.

Why batches in one document: LibreOffice spends about 40 ms on every document it opens, but
only 5–10 ms on a page (``benchmarks/bench_pdf.py``). So ``convert_to_pdf`` combines each batch
of letters into one DOCX (``docx_combine``: each letter its own section, its page numbers from
1, its page total right), converts it with one ``soffice`` call, and cuts the PDF back into
letters at the named destinations LibreOffice exports (``pdf_split``, copying LibreOffice's own
objects). It runs ``jobs`` such calls at once, each on its own LibreOffice profile
(``libreoffice``), with two threads per profile: while one waits for LibreOffice, the other
cuts the batch before and combines the next.

Robustness:

* a call that outlives its deadline (``timeout`` seconds per letter, plus two letters' worth
  for start-up) is killed with its whole process group, its profile replaced, and the batch's
  letters are retried once, one letter per call; a batch that ends without a usable PDF, or a
  letter whose cut does not check out, is retried the same way, so that one bad letter does not
  cost its neighbours and the message reported belongs to that letter alone;
* a DOCX that cannot be combined (not a readable Word file, or built on other parts than its
  batch) is converted by LibreOffice as it is, so LibreOffice has its say about it;
* what LibreOffice wrote is checked (a PDF header and end), every letter's PDF is parsed back
  by pypdf (at least one page, as many as cut) and written under a temporary name, then
  renamed (``lettergen.files``): a PDF under its final name always opens, whatever the
  engine wrote.

Reproducibility: each letter's PDF carries its own title, author and creation date (from the
DOCX's core properties; ``creation_date``, or ``SOURCE_DATE_EPOCH``, overrides the date) and no
clock-dependent byte: the same letters in the same batches give byte-identical PDFs.
"""

from __future__ import annotations

import itertools
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lettergen.errors import ConversionError, OutputError
from lettergen.files import atomic_writer, output_error, write_atomically
from lettergen.writers.docx_combine import DocxMeta, combine_letters, read_meta
from lettergen.writers.libreoffice import INSTALL_HINT, PDF_WITH_DESTINATIONS, Call, LibreOffice, find_soffice
from lettergen.writers.pdf_split import PdfMeta, SplitError, split_batch, whole_letter

if TYPE_CHECKING:
    from pypdf import PdfWriter

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

DEFAULT_TIMEOUT = 5.0  # seconds per letter (normal: 0.02–0.4 s); a call gets timeout * (letters + 2)
DEFAULT_BATCH_SIZE = 100  # letters per document: see benchmarks/bench_pdf.py --batch-sizes
_STARTUP_LETTERS = 2  # start-up allowance, counted in letters' worth of timeout
_FILES_PER_CALL = 200  # letters handed as files: the soffice wrapper drops those beyond ~244


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
    batches: int = 0  # soffice calls on a combined document

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def pdf_paths(self) -> list[Path]:
        return list(self.converted.values())


# --------------------------------------------------------------------------- one batch


@dataclass(frozen=True)
class _Batch:
    paths: tuple[Path, ...]
    combine: bool = True  # False: the files go to LibreOffice as they are
    retry: bool = False  # second attempt: a failure is final


@dataclass
class _Outcome:
    batch: _Batch
    letters: tuple[Path, ...]  # those this call converted (the others were deferred)
    call: Call
    done: dict[Path, Path] = field(default_factory=dict)  # docx -> pdf in out_dir
    missing: dict[Path, str] = field(default_factory=dict)  # docx -> why not (may be "")
    errors: dict[Path, str] = field(default_factory=dict)  # final: the PDF could not be written
    deferred: list[_Batch] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    """What every batch of one ``convert_to_pdf`` call shares."""

    libreoffice: LibreOffice
    out_dir: Path
    tmp_root: Path
    timeout: float
    creation_date: datetime | None

    def deadline(self, letters: int) -> float:
        return self.timeout * (letters + _STARTUP_LETTERS)

    def meta(self, docx: DocxMeta) -> PdfMeta:
        return PdfMeta(docx.title, docx.author, self.creation_date or _w3c_date(docx.created))


def _run_batch(job: _Job, batch: _Batch) -> _Outcome:
    work = Path(tempfile.mkdtemp(prefix="lot-", dir=job.tmp_root))
    try:
        return _run_combined(job, batch, work) if batch.combine else _run_files(job, batch, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_combined(job: _Job, batch: _Batch, work: Path) -> _Outcome:
    combined = combine_letters(batch.paths)
    deferred = [_Batch(combined.apart, True, batch.retry)] if combined.apart else []
    deferred += [
        _Batch(combined.unreadable[i : i + _FILES_PER_CALL], False, batch.retry)
        for i in range(0, len(combined.unreadable), _FILES_PER_CALL)
    ]
    if not combined.letters:
        return _Outcome(batch, (), Call(""), deferred=deferred)
    source = work / "lot.docx"
    source.write_bytes(combined.data)
    deadline = job.deadline(len(combined.letters))
    call = job.libreoffice.convert([source], work, deadline, PDF_WITH_DESTINATIONS)
    produced = work / "lot.pdf"
    problem = None if call.timed_out else _pdf_problem(produced)
    results: Sequence[bytes | SplitError | None] = [problem] * len(combined.letters)
    if not call.timed_out and problem is None:
        results = split_batch(produced, [job.meta(m) for m in combined.meta])
    outcome = _deliver(job, batch, combined.letters, results, call)
    outcome.deferred = deferred
    return outcome


def _run_files(job: _Job, batch: _Batch, work: Path) -> _Outcome:
    call = job.libreoffice.convert(batch.paths, work, job.deadline(len(batch.paths)))
    results: list[bytes | SplitError | None] = []
    for docx in batch.paths:
        produced = work / (docx.stem + ".pdf")
        problem = None if call.timed_out else _pdf_problem(produced)
        complete = not call.timed_out and problem is None
        results.append(whole_letter(produced, job.meta(read_meta(docx))) if complete else problem)
    return _deliver(job, batch, batch.paths, results, call)


def _deliver(
    job: _Job,
    batch: _Batch,
    letters: tuple[Path, ...],
    results: Sequence[bytes | SplitError | None],
    call: Call,
) -> _Outcome:
    """Write each letter's checked PDF under its final name; say why for the others."""
    outcome = _Outcome(batch, letters, call)
    for docx, result in zip(letters, results, strict=True):
        if not isinstance(result, bytes):
            outcome.missing[docx] = str(result) if result is not None else ""
            continue
        final = job.out_dir / (docx.stem + ".pdf")
        try:
            write_atomically(final, result)
        except OutputError as error:  # disk full, folder removed meanwhile…
            outcome.errors[docx] = str(error)
        else:
            outcome.done[docx] = final
    return outcome


def _pdf_problem(path: Path) -> SplitError | None:
    """Why LibreOffice's output at ``path`` is not a whole PDF (None: it looks like one).

    A quick look only (header, end marker): the letters cut from it are parsed back whole.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return SplitError("aucun PDF produit")
    try:
        with open(path, "rb") as f:
            head = f.read(5)
            f.seek(max(0, size - 1024))
            tail = f.read()
    except OSError:
        return SplitError("PDF produit illisible")
    if size < 64 or head != b"%PDF-" or b"%%EOF" not in tail:
        return SplitError(f"le fichier produit n’est pas un PDF complet ({size} octets)")
    return None


def _w3c_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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

    ``batch_size`` letters at most go into one document. ``timeout`` is in seconds per letter:
    a call converting n letters is killed after ``timeout * (n + 2)`` seconds.
    ``on_done(docx_path)`` is called once per letter (converted or failed), from the calling
    thread, once its PDF is in place. ``soffice`` defaults to ``find_soffice()``.
    ``creation_date`` (or ``SOURCE_DATE_EPOCH``) stamps every PDF instead of its DOCX's date.

    Raises ConversionError if LibreOffice is missing or two letters share a file stem (their
    PDFs would overwrite each other), OutputError if ``out_dir`` cannot be written; every other
    problem is reported in ``ConversionReport.failures`` and the other letters delivered.
    """
    if jobs < 1 or batch_size < 1 or timeout <= 0:
        raise ValueError("jobs, batch_size and timeout must be positive")
    given = [Path(p) for p in docx_paths]
    # LibreOffice gets absolute paths (never mistaken for options); the report
    # names each letter as the caller did.
    original = {p.absolute(): p for p in given}
    _check_names(given, list(original))
    soffice = soffice or find_soffice()
    creation_date = creation_date or _source_date_epoch()
    report = ConversionReport()
    results: dict[Path, Path | ConversionFailure] = {}

    def finish(path: Path, result: Path | ConversionFailure) -> None:
        if isinstance(result, ConversionFailure):
            result = ConversionFailure(original[path], result.message)
        results[path] = result
        if on_done is not None:
            on_done(path)

    todo = [p for p in original if p.is_file()]
    for p in original:
        if not p.is_file():
            finish(p, ConversionFailure(p, "fichier DOCX introuvable"))
    if todo:
        _prepare(Path(out_dir))
        _convert(todo, Path(out_dir), jobs, timeout, batch_size, soffice, creation_date, finish, report)
    for p, result in ((p, results[p]) for p in original):
        if isinstance(result, ConversionFailure):
            report.failures.append(result)
        else:
            report.converted[original[p]] = result
    return report


def _check_names(given: list[Path], paths: list[Path]) -> None:
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


def _source_date_epoch() -> datetime | None:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(value), UTC) if value.isdigit() else None


def _prepare(out_dir: Path) -> None:
    """Create ``out_dir`` and check a file can be made in it, before any LibreOffice starts."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        Path(tempfile.mkdtemp(prefix=".lettergen-pdf-", dir=out_dir)).rmdir()
    except OSError as error:
        raise output_error(out_dir, error) from None


def plan_batches(count: int, jobs: int, batch_size: int) -> list[range]:
    """Cut ``count`` letters into batches of at most ``batch_size``, the last ones half as big.

    A multiple of ``jobs`` batches keeps every worker busy to the end, and a last round of
    ``2 * jobs`` half batches shortens the tail, when only the last cuts are left to do while
    LibreOffice idles: 1,000 letters on 2 workers at most 100 a batch make 8 batches of 100
    then 4 of 50; 500 make 4 of 83 then 4 of 42, not 5 of 100 with one worker idle for the
    last.
    """
    if count == 0:
        return []
    rounds = math.ceil(count / (jobs * batch_size))
    weights = [2] * (jobs * (rounds - 1)) + [1] * (2 * jobs) if rounds > 1 else [1] * jobs
    weights = weights[: min(count, len(weights))]
    total = sum(weights)
    bounds = [0]
    for weight in weights:
        bounds.append(bounds[-1] + weight)
    edges = [round(count * b / total) for b in bounds]
    return [range(a, b) for a, b in itertools.pairwise(edges) if b > a]


Finish = Callable[[Path, "Path | ConversionFailure"], None]


def _convert(
    todo: list[Path],
    out_dir: Path,
    jobs: int,
    timeout: float,
    batch_size: int,
    soffice: str,
    creation_date: datetime | None,
    finish: Finish,
    report: ConversionReport,
) -> None:
    batches = [_Batch(tuple(todo[r.start : r.stop])) for r in plan_batches(len(todo), jobs, batch_size)]
    jobs = min(jobs, len(batches))
    tmp_root = Path(tempfile.mkdtemp(prefix=".lettergen-pdf-", dir=out_dir))
    libreoffice = LibreOffice(soffice, jobs)
    job = _Job(libreoffice, out_dir, tmp_root, timeout, creation_date)
    # Two threads per LibreOffice profile: while one converts, the other cuts the batch it
    # converted before, then combines the next and waits for the profile, so that LibreOffice
    # never waits for Python (with one spare thread in all, both profiles idled while their
    # threads cut: 0.4 s of 6 at N = 500).
    pool = ThreadPoolExecutor(max_workers=2 * jobs, thread_name_prefix="soffice")
    try:
        pending = {pool.submit(_run_batch, job, b) for b in batches}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                for batch in _absorb(future.result(), finish, report):
                    pending.add(pool.submit(_run_batch, job, batch))
    finally:
        libreoffice.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        libreoffice.cleanup()
        report.killed = libreoffice.killed
        shutil.rmtree(tmp_root, ignore_errors=True)


def _absorb(outcome: _Outcome, finish: Finish, report: ConversionReport) -> list[_Batch]:
    """Deliver an outcome's letters; return the batches still to run (deferred, retries)."""
    if outcome.batch.combine and outcome.letters:
        report.batches += 1
    for docx, pdf in outcome.done.items():
        finish(docx, pdf)
    for docx, message in outcome.errors.items():
        finish(docx, ConversionFailure(docx, message))
    call = outcome.call
    retry_each = not outcome.batch.retry and (len(outcome.letters) > 1 or call.timed_out or call.crashed)
    todo = list(outcome.deferred)
    for docx, why in outcome.missing.items():
        if retry_each:
            report.retried += 1
            todo.append(_Batch((docx,), outcome.batch.combine, retry=True))
        else:
            reason = call.message or why or "aucun PDF produit"
            finish(docx, ConversionFailure(docx, "LibreOffice n’a pas pu convertir cette lettre : " + reason))
    return todo


# --------------------------------------------------------------------------- pypdf helpers


def merge_pdfs(pdf_paths: Iterable[Path], out_path: Path) -> int:
    """Join the letters into one PDF, each starting on an odd page; return the page count.

    After a letter with an odd number of pages a blank page the size of its last page
    is added, so that printed recto-verso every letter starts on a new sheet.

    The letters of one batch carry the same fonts (LibreOffice's subsets for the batch): the
    identical objects are written once, so 1,000 letters make a 4 MB file, not 40 MB; reading
    each letter back costs ~3 ms (``benchmarks/bench_pdf.py``). A letter pypdf cannot read
    raises ConversionError naming it, and nothing is written.
    """
    from pypdf import PdfWriter

    out_path = Path(out_path)
    writer = PdfWriter()
    for pdf in pdf_paths:
        _append_letter(writer, Path(pdf))
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    total = len(writer.pages)
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise output_error(out_path, error) from None
    with atomic_writer(out_path) as handle:
        writer.write(handle)
    return total


def _append_letter(writer: PdfWriter, pdf: Path) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(pdf)
        pages = list(reader.pages)
        if not pages:
            raise ValueError("no page")
        for page in pages:
            writer.add_page(page)
        box = pages[-1].mediabox
    except OSError as error:
        raise ConversionError(f"PDF illisible ({error.strerror}) : assemblage impossible", str(pdf)) from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ConversionError("ce n’est pas un PDF lisible : assemblage impossible", str(pdf)) from None
    if len(pages) % 2 == 1:
        writer.add_blank_page(width=box.width, height=box.height)


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
