"""The atelier's one door into the lettergen library.

Every call the workbench makes to the pipeline (templates, reading, rendering, the batch, the
variants diff) goes through this module, so that a change of the library's API changes this file
(and the HTML writer) only. What it hands back is plain data the routes can serialise: problems
as :class:`Problem`, letters as HTML, tables as rows of text.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from lettergen.batch import GenerateOptions, Sources, load_campaign
from lettergen.batch import generate as run_batch
from lettergen.errors import LettergenError, Problem
from lettergen.files import write_atomically
from lettergen.french import territory
from lettergen.read.recipients import read_recipients
from lettergen.read.records import ReadResult, Recipient
from lettergen.read.tables import open_table
from lettergen.template.checks import display_name
from lettergen.template.diff import diff_letters
from lettergen.template.environment import make_environment
from lettergen.template.render import (
    LetterTemplate,
    available_templates,
    check_template,
    list_variants,
    load_template,
    render_letter,
)
from lettergen.writers.html import render_html
from lettergen.writers.text import render_text

TEMPLATE_SUFFIX = ".j2"
#: A template source longer than this is refused before Jinja sees it.
MAX_TEMPLATE_CHARS = 200_000
#: Rows of an uploaded table shown in « Destinataires ».
MAX_TABLE_ROWS = 2000
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")


class Refused(LettergenError):
    """A request the atelier refuses (a name outside the campaign's folders, a file too big…)."""


@dataclass(frozen=True)
class Variant:
    """A template of the templates folder, as the « Modèle » list shows it."""

    name: str
    parent: str | None
    description: str


@dataclass
class DataSet:
    """The recipients (and figures) the atelier works with, and the names to show for their files."""

    recipients_path: Path
    figures_path: Path | None
    sheet: str | None
    shown: dict[str, str]  # path as read → name shown to the user (the uploaded name)
    result: ReadResult
    only: tuple[str, ...] = ()

    @property
    def recipients(self) -> list[Recipient]:
        if not self.only:
            return self.result.recipients
        wanted = set(self.only)
        return [r for r in self.result.recipients if r.id in wanted]

    @property
    def problems(self) -> list[Problem]:
        warnings = [replace(w, message=f"attention : {w.message}") for w in self.result.warnings]
        return self.result.problems + warnings

    @property
    def file_names(self) -> set[str]:
        """The names problems give the recipients and figures files."""
        paths = [self.recipients_path] + ([self.figures_path] if self.figures_path else [])
        return {self.shown.get(str(path), str(path)) for path in paths}

    def recipient(self, recipient_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == recipient_id), None)


@dataclass(frozen=True)
class TableView:
    """An uploaded table as the user made it: header, rows with their line, problems per line."""

    file: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems_by_line: dict[int, list[str]]
    ids_by_line: dict[int, str]
    other_problems: tuple[Problem, ...] = ()
    truncated: bool = False


@dataclass(frozen=True)
class Draft:
    """What the atelier shows for a template source: the letter (HTML and text) or the problems."""

    html: str = ""
    text: str = ""
    problems: tuple[Problem, ...] = ()
    diff: str = ""
    parent: str | None = None


@dataclass
class Drafts:
    """Where unsaved template sources are written to be compiled: one folder per template name.

    A draft of ``relance`` lives alone in ``<root>/relance/relance.j2``, so its ``{% extends
    "segur.j2" %}`` finds the saved parent in the templates folder, never another draft.
    """

    root: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    stamp: tuple[tuple[str, int, int], ...] = ()  # the templates folder when last compiled

    def refresh(self, templates_dir: Path) -> None:
        """Forget every compiled template if a file of the templates folder changed since."""
        stamp = tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(templates_dir.iterdir())
            if p.suffix in (TEMPLATE_SUFFIX, ".toml")
        )
        if stamp != self.stamp:
            forget_compiled(templates_dir)
            for folder in self.root.iterdir() if self.root.is_dir() else ():
                forget_compiled(folder.resolve(), templates_dir)
            self.stamp = stamp


# --------------------------------------------------------------------------- templates


def template_path(templates_dir: Path, name: str) -> Path:
    """The file of template ``name``, inside ``templates_dir``; :class:`Refused` for anything else."""
    if not _TEMPLATE_NAME.fullmatch(name or "") or name not in available_templates(templates_dir):
        raise Refused(f"modèle « {name} » inconnu : choisissez un modèle du dossier {templates_dir}")
    path = (templates_dir / f"{name}{TEMPLATE_SUFFIX}").resolve()
    if path.parent != templates_dir.resolve():
        raise Refused(f"modèle « {name} » hors du dossier des modèles")
    return path


def variants(templates_dir: Path) -> list[Variant]:
    """The templates and variants, base letters first (as ``lettergen variants``)."""
    return [Variant(v.name, v.parent, v.description) for v in list_variants(templates_dir)]


def template_source(templates_dir: Path, name: str) -> str:
    return template_path(templates_dir, name).read_text(encoding="utf-8")


def shown_template(templates_dir: Path, name: str) -> str:
    """The template's file as problems name it: ``templates/segur.j2``."""
    return display_name(templates_dir / f"{name}{TEMPLATE_SUFFIX}", templates_dir)


def forget_compiled(*search_path: Path, only: str | None = None) -> None:
    """Drop the compiled templates (or only template ``only``) Jinja keeps for ``search_path``.

    The template stage caches one environment per search path, without reloading changed files
    (``auto_reload=False``): right for a batch, wrong for a workbench where a draft is rewritten at
    every keystroke and a template is saved while the server runs.
    """
    cache = make_environment(tuple(search_path)).cache
    if cache is None:
        return
    if only is None:
        cache.clear()
        return
    for key in [key for key in cache if key[1] == only]:  # keys are (loader, name)
        del cache[key]


def _compile_draft(drafts: Drafts, templates_dir: Path, name: str, source: str) -> LetterTemplate:
    """Compile ``source`` as template ``name``; problems name the real file, never the draft."""
    template_path(templates_dir, name)
    if len(source) > MAX_TEMPLATE_CHARS:
        raise Refused(f"modèle trop long ({len(source)} caractères ; au plus {MAX_TEMPLATE_CHARS})")
    folder = drafts.root / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{TEMPLATE_SUFFIX}"
    write_atomically(path, source.encode("utf-8"))
    drafts.refresh(templates_dir)
    forget_compiled(folder.resolve(), templates_dir, only=path.name)
    return load_template(str(path), templates_dir)


def _rename(problems: list[Problem], names: dict[str, str]) -> tuple[Problem, ...]:
    return tuple(replace(p, file=names.get(p.file or "", p.file)) for p in problems)


def render_draft(
    drafts: Drafts, templates_dir: Path, name: str, source: str, data: DataSet, recipient_id: str, when: date
) -> Draft:
    """Compile and check ``source`` as template ``name``; render the letter of ``recipient_id``.

    The one function every render of the atelier goes through: the sandbox and limits of
    :mod:`lettergen.template` apply here (and whatever limits the template stage adds).
    """
    with drafts.lock:
        names = {str(drafts.root / name / f"{name}{TEMPLATE_SUFFIX}"): shown_template(templates_dir, name)}
        names.update(data.shown)
        try:
            template = _compile_draft(drafts, templates_dir, name, source)
        except LettergenError as error:
            return Draft(problems=_rename(error.problems, names))
        checked = replace(data.result, recipients=data.recipients)
        problems = _rename(check_template(template, checked, when), names)
        recipient = data.recipient(recipient_id)
        if recipient is None:
            return Draft(problems=problems)
        try:
            letter = render_letter(template, recipient, when, data.result.figure_names)
        except LettergenError as error:
            return Draft(problems=problems or _rename(error.problems, names))
        text = render_text(letter)
        parent = (
            template.chain[1].loader_name.removesuffix(TEMPLATE_SUFFIX) if len(template.chain) > 1 else None
        )
    diff = _diff_with_parent(templates_dir, parent, recipient, data, when, text) if parent else ""
    return Draft(render_html(letter), text, problems, diff, parent)


def _diff_with_parent(
    templates_dir: Path, parent: str, recipient: Recipient, data: DataSet, when: date, text: str
) -> str:
    """``variants diff PARENT DRAFT``: what the variant changes in its parent's letter."""
    try:
        letter = render_letter(
            load_template(parent, templates_dir), recipient, when, data.result.figure_names
        )
    except LettergenError as error:
        return f"lettre du modèle parent impossible à produire : {error}"
    return diff_letters(render_text(letter), text) or "aucune différence pour ce destinataire\n"


def save_template(
    drafts: Drafts, templates_dir: Path, name: str, source: str, data: DataSet, when: date
) -> tuple[Problem, ...]:
    """Write ``source`` to template ``name`` atomically, only if it renders for every recipient.

    Returns the problems that prevented the save (empty when saved).
    """
    draft = render_draft(drafts, templates_dir, name, source, data, "", when)
    template_problems = tuple(p for p in draft.problems if p.file not in data.file_names)
    if template_problems:
        return template_problems
    write_atomically(template_path(templates_dir, name), source.encode("utf-8"))
    forget_compiled(templates_dir)
    return ()


def preview_text(templates_dir: Path, name: str, data: DataSet, recipient_id: str, when: date) -> str:
    """The saved template's letter as ``lettergen preview`` prints it."""
    recipient = data.recipient(recipient_id)
    if recipient is None:
        raise Refused(f"destinataire « {recipient_id} » introuvable")
    template = load_template(name, templates_dir)
    return render_text(render_letter(template, recipient, when, data.result.figure_names))


# --------------------------------------------------------------------------- data


def recipient_label(recipient: Recipient) -> str:
    """``33 — Claire MARTIN (Gironde)``, as the « Destinataire » list shows a recipient."""
    try:
        place = f" ({territory(recipient.departement).nom})"
    except KeyError:
        place = ""
    return f"{recipient.id} — {recipient.prenom} {recipient.nom}{place}"


def read_data(
    recipients: Path,
    figures: Path | None,
    sheet: str | None = None,
    shown: dict[str, str] | None = None,
    only: tuple[str, ...] = (),
) -> DataSet:
    """Read the recipients and figures; problems and rows name each file as ``shown`` says."""
    names = dict(shown or {})
    result = read_recipients(recipients, figures, sheet)
    if names:
        result = ReadResult(
            recipients=[replace(r, source=names.get(r.source, r.source)) for r in result.recipients],
            figure_names=result.figure_names,
            problems=list(_rename(result.problems, names)),
            warnings=list(_rename(result.warnings, names)),
        )
    return DataSet(recipients, figures, sheet, names, result, only)


def table_view(path: Path, shown: str, data: DataSet, sheet: str | None = None) -> TableView:
    """The rows of an uploaded table, with the problems ``data`` found on each line."""
    by_line: dict[int, list[str]] = {}
    others: list[Problem] = []
    for problem in data.problems:
        if problem.file == shown and problem.line:
            by_line.setdefault(problem.line, []).append(problem.message)
        elif problem.file == shown:
            others.append(problem)
    ids = {r.line: r.id for r in data.result.recipients if r.source == shown}
    try:
        table = open_table(path, sheet=sheet, display_name=shown)
    except LettergenError:
        return TableView(shown, (), (), by_line, ids, tuple(others))
    rows: list[tuple[int, tuple[str, ...]]] = []
    truncated = False
    for row in table.rows:
        if len(rows) >= MAX_TABLE_ROWS:
            truncated = True
            break
        rows.append((row.line, row.cells))
    header_problems = [m for m in by_line.get(table.header_line, [])]
    others.extend(Problem(shown, table.header_line, m) for m in header_problems)
    return TableView(shown, table.header, tuple(rows), by_line, ids, tuple(others), truncated)


# --------------------------------------------------------------------------- the batch


@dataclass(frozen=True)
class Generation:
    """What the atelier asks the batch for."""

    templates_dir: Path
    template: str
    letterhead: Path
    letter_date: date
    data: DataSet
    formats: tuple[str, ...]
    merge: bool
    out_dir: Path


def stages(formats: tuple[str, ...], merge: bool) -> int:
    """How many progress steps each letter counts for (DOCX, then PDF)."""
    return 2 if "pdf" in formats or merge else 1


def generate_letters(job: Generation, progress: Callable[[int], None]) -> tuple[Path | None, list[Problem]]:
    """Run the real batch into ``job.out_dir``; return (merged print PDF or None, problems).

    Nothing is written when a problem is found first (as ``lettergen generate``).
    """
    template_path(job.templates_dir, job.template)
    sources = Sources(
        template=job.template,
        templates_dir=job.templates_dir,
        recipients=job.data.recipients_path,
        letterhead=job.letterhead,
        letter_date=job.letter_date,
        figures=job.data.figures_path,
        sheet=job.data.sheet,
        only=job.data.only,
    )
    options = GenerateOptions(
        out_dir=job.out_dir, formats=job.formats, jobs=os.cpu_count() or 1, force=True, merge=job.merge
    )
    forget_compiled(job.templates_dir)
    try:
        campaign = load_campaign(sources, render_check=False)
        report = run_batch(campaign, options, progress=progress)
    except LettergenError as error:
        return None, list(_rename(error.problems, job.data.shown))
    return report.merged, list(_rename(report.skipped + report.failures, job.data.shown))
