"""Load a template once, render it into a :class:`~lettergen.letter.Letter` per recipient.

::

    template = load_template("relance", Path("templates"))   # TemplateError(file, line)
    problems = check_template(template, read_result)           # before any letter is written
    letter = render_letter(template, recipient, date(2021, 7, 1))
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError, TemplateAssertionError, UndefinedError

from lettergen.errors import InvalidInput, Problem, TemplateError, TemplateLimitError
from lettergen.french import address_block, address_institution, date_longue, typographie
from lettergen.letter import (
    Letter,
    MarkupError,
    Paragraph,
    Run,
    Signatory,
    parse_emphasis,
    parse_markup,
    parse_signatories,
    text_of,
)
from lettergen.read.records import ReadResult, Recipient
from lettergen.template.checks import SourceFile, display_name, load_chain, parse_file, static_problems
from lettergen.template.environment import LetterEnvironment, UnknownValue, make_environment
from lettergen.template.limits import LimitExceeded
from lettergen.template.messages import security_message, suggest, syntax_message, template_line
from lettergen.template.vocabulary import (
    PLAIN_TYPES,
    VARIABLES,
    CampaignSettings,
    build_context,
    cached_territory,
    load_campaign_settings,
    recipient_office_forms,
    vocabulary_schema,
)

TEMPLATE_SUFFIX = ".j2"
MEMORY_MESSAGE = "limite dépassée : mémoire épuisée pendant le rendu de la lettre"


class TemplateProblems(InvalidInput, TemplateError):
    """A :class:`TemplateError` that carries every problem found in one pass."""


#: Entries each dict of a :class:`TypesetCache` holds before it is emptied.
CACHE_LIMIT = 4096


@dataclass(eq=False)
class TypesetCache:
    """The typeset texts of one template's letters, reused from letter to letter.

    Most of a letter is the same for every recipient, and the rest repeats per
    territory and office: each paragraph, one-paragraph section and signatories
    section is read (emphasis) and typeset once, then reused. Each dict is emptied
    when it reaches ``limit`` entries so that memory stays flat however many
    letters are rendered.
    """

    limit: int = CACHE_LIMIT
    paragraphs: dict[str, Paragraph] = field(default_factory=dict)
    texts: dict[tuple[str, ...], str] = field(default_factory=dict)
    signatories: dict[tuple[tuple[str, ...], ...], tuple[Signatory, ...]] = field(default_factory=dict)
    place_dates: dict[tuple[str, _dt.date], str] = field(default_factory=dict)

    def clear(self) -> None:
        for cache in (self.paragraphs, self.texts, self.signatories, self.place_dates):
            cache.clear()

    def _remember(self, cache: dict[Any, Any], key: Any, value: Any) -> Any:
        if len(cache) >= self.limit:
            cache.clear()
        cache[key] = value
        return value

    def body(self, section: list[list[str]]) -> tuple[Paragraph, ...]:
        """``paragraphs_of(section)``, each paragraph through ``typographie``."""
        result = []
        for lines in section:
            text = " ".join(lines)
            paragraph = self.paragraphs.get(text)
            if paragraph is None:
                paragraph = self._remember(self.paragraphs, text, _typo_paragraph(parse_emphasis(text)))
            result.append(paragraph)
        return tuple(result)

    def text(self, section: list[list[str]]) -> str:
        """``typographie(text_of(section))``."""
        key = tuple(" ".join(lines) for lines in section)
        text = self.texts.get(key)
        if text is None:
            text = self._remember(self.texts, key, _typo(text_of(section)))
        return text

    def signatories_of(self, section: list[list[str]]) -> tuple[Signatory, ...]:
        """``parse_signatories(section)``, every part through ``typographie``."""
        key = tuple(tuple(lines) for lines in section)
        signatories = self.signatories.get(key)
        if signatories is None:
            typeset = tuple(
                Signatory(_typo(s.nom), _typo(s.fonction), _typo(s.organisation))
                for s in parse_signatories(section)
            )
            signatories = self._remember(self.signatories, key, typeset)
        return signatories

    def place_date(self, lieu: str, letter_date: _dt.date) -> str:
        """« Paris, le 1er juillet 2021 », typeset."""
        text = self.place_dates.get((lieu, letter_date))
        if text is None:
            written = date_longue(letter_date)
            text = _typo(f"{lieu}, le {written}" if lieu else written)
            self._remember(self.place_dates, (lieu, letter_date), text)
        return text


@dataclass(frozen=True, eq=False)
class LetterTemplate:
    """A compiled template, its parents and the campaign settings it speaks for.

    It owns its Jinja environment (which read its files when it was loaded: load
    the template again to see an edit) and the cache of its typeset texts.
    """

    name: str
    file: str  # as the user types it: "templates/relance.j2"
    templates_dir: Path
    jinja: Template
    settings: CampaignSettings
    chain: tuple[SourceFile, ...]
    env: LetterEnvironment = field(repr=False)
    caches: TypesetCache = field(default_factory=TypesetCache, repr=False)

    @property
    def displays(self) -> dict[str, str]:
        """Jinja file name → name shown to the user, for every file of the chain."""
        return {item.filename: item.display for item in self.chain}

    @property
    def description(self) -> str:
        return self.chain[0].description if self.chain else ""


@dataclass(frozen=True)
class VariantInfo:
    """One template of the templates folder, as ``lettergen variants`` lists it."""

    name: str
    description: str
    parent: str | None
    blocks_overridden: tuple[str, ...]
    file: str = ""
    problem: str = ""


# --------------------------------------------------------------------------- loading


def _resolve(name_or_path: str | os.PathLike[str], templates_dir: Path) -> tuple[Path, str | None]:
    """The template file, and the text to show for it when the user gave a path."""
    text = os.fspath(name_or_path)
    by_name = os.sep not in text and "/" not in text and not text.endswith(TEMPLATE_SUFFIX)
    if by_name:
        return templates_dir / f"{text}{TEMPLATE_SUFFIX}", None
    path = Path(text)
    if not path.exists() and os.sep not in text and "/" not in text:
        return templates_dir / text, None
    return path, text


def available_templates(templates_dir: Path) -> list[str]:
    """Names of the templates in ``templates_dir`` (``segur``, ``relance``…)."""
    if not templates_dir.is_dir():
        return []
    return sorted(p.stem for p in templates_dir.glob(f"*{TEMPLATE_SUFFIX}"))


def load_template(
    name_or_path: str | os.PathLike[str], templates_dir: str | os.PathLike[str] = "templates"
) -> LetterTemplate:
    """Find, parse, check and compile a template (a name like ``relance`` or a path).

    Every call reads the files again: a template edited on disk is rendered from
    its new source by the template this returns.
    Raises :class:`TemplateError` (every problem in ``.problems``) for a
    missing file, a syntax error, an unknown filter, test, variable or
    attribute, or a block that the parent template does not have.
    Unknown ``chiffres.…`` are checked by :func:`check_template`, which knows the data.
    """
    templates_dir = Path(templates_dir)
    path, typed = _resolve(name_or_path, templates_dir)
    if not path.is_file():
        raise _not_found(os.fspath(name_or_path), templates_dir)
    settings = load_campaign_settings(templates_dir)
    env = make_environment(_search_path(path, templates_dir), PLAIN_TYPES, VARIABLES)
    display = typed if typed is not None else display_name(path, templates_dir)
    try:
        chain = load_chain(env, path.name, templates_dir, display)
    except TemplateNotFound:  # pragma: no cover - path checked above
        raise TemplateError("modèle introuvable", display) from None
    problems = static_problems(chain, env, vocabulary_schema(settings))
    if problems:
        raise TemplateProblems(problems)
    try:
        # The parents are compiled now too, from the sources just checked.
        compiled = [env.get_template(item.loader_name) for item in chain]
    except TemplateSyntaxError as error:
        shown = _display_for(error.filename, chain, templates_dir)
        raise TemplateError(_compile_message(error), shown, error.lineno) from None
    return LetterTemplate(path.stem, display, templates_dir, compiled[0], settings, tuple(chain), env)


def _not_found(typed: str, templates_dir: Path) -> TemplateError:
    names = available_templates(templates_dir)
    return TemplateError(
        f"modèle « {typed} » introuvable"
        + suggest(Path(typed).stem, names)
        + (" ; modèles disponibles : " + ", ".join(names) if names else ""),
    )


def _search_path(path: Path, templates_dir: Path) -> tuple[Path, ...]:
    """A template outside the templates folder finds its parents beside it, then in the folder."""
    parent_dir = path.resolve().parent
    return (templates_dir,) if parent_dir == templates_dir.resolve() else (parent_dir, templates_dir)


def _compile_message(error: TemplateSyntaxError) -> str:
    if isinstance(error, TemplateAssertionError):
        match = re.match(r"No (filter|test) named '([^']*)'", error.message or "")
        if match:
            kind = "filtre inconnu" if match.group(1) == "filter" else "test inconnu"
            return f"{kind} « {match.group(2)} »"
    return syntax_message(error.message or "")


def _display_for(filename: str | None, chain: Sequence[SourceFile], templates_dir: Path) -> str | None:
    if not filename:
        return chain[0].display if chain else None
    normal = os.path.normpath(filename)
    for item in chain:
        if item.filename == normal:
            return item.display
    return display_name(normal, templates_dir)


# --------------------------------------------------------------------------- rendering


def render_markup(
    template: LetterTemplate,
    recipient: Recipient,
    letter_date: _dt.date,
    figure_names: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The letter markup the template produces for ``recipient`` (before parsing).

    ``extra``: variables added for this letter (see :func:`build_context`).
    """
    context = build_context(recipient, template.settings, letter_date, figure_names, extra)
    try:
        return template.jinja.render(context)
    except TemplateError:
        raise
    except Exception as error:  # every failure becomes FILE:LINE: message
        raise _runtime_error(template, error) from None


def _runtime_error(template: LetterTemplate, error: Exception) -> TemplateError:
    filename, line = template_line(error, template.displays)
    if isinstance(error, LimitExceeded) and error.where is not None:
        filename, line = error.where  # where the text was written, not where it was read
    shown = _display_for(filename, template.chain, template.templates_dir) if filename else template.file
    if isinstance(error, SecurityError):
        message = str(error) if isinstance(error, LimitExceeded) else security_message(str(error))
    elif isinstance(error, UndefinedError):
        message = str(error)
        if message.startswith("access to attribute"):
            message = security_message(message)
    elif isinstance(error, UnknownValue):
        message = str(error)
    elif isinstance(error, TemplateSyntaxError):
        shown = _display_for(error.filename, template.chain, template.templates_dir)
        message, line = _compile_message(error), error.lineno
    elif isinstance(error, TemplateNotFound):
        message = f"modèle « {error.name} » introuvable"
    else:
        message = _failure_message(error)
    if isinstance(error, (LimitExceeded, MemoryError, RecursionError, OverflowError)):
        return TemplateLimitError(message, shown, line)
    return TemplateError(message, shown, line)


def _failure_message(error: Exception) -> str:
    if isinstance(error, MemoryError):
        return MEMORY_MESSAGE
    if isinstance(error, RecursionError):
        return "limite dépassée : appels imbriqués trop profonds (macro qui s'appelle sans fin ?)"
    if isinstance(error, OverflowError):
        return "limite dépassée : calcul trop grand (OverflowError)"
    return f"erreur pendant le rendu : {type(error).__name__} : {error}"


def _markup_error(template: LetterTemplate, markup: str, error: MarkupError) -> TemplateError:
    """Point at the template line that wrote the faulty markup when it is literal text."""
    message = f"balisage de la lettre : {error}"
    if error.line:
        rendered = markup.splitlines()[error.line - 1].strip()
        for item in template.chain:
            for number, line in enumerate(item.source.splitlines(), start=1):
                if rendered and line.strip() == rendered:
                    return TemplateError(message, item.display, number)
        message += f" (ligne {error.line} du texte produit)"
    return TemplateError(message, template.file, None)


def _typo(text: str) -> str:
    return typographie(text) if text else text


def _typo_paragraph(paragraph: Paragraph) -> Paragraph:
    return Paragraph(tuple(Run(_typo(run.text), run.bold, run.italic) for run in paragraph.runs))


def render_letter(
    template: LetterTemplate,
    recipient: Recipient,
    letter_date: _dt.date,
    figure_names: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> Letter:
    """Render ``template`` for ``recipient``: a :class:`Letter` whose every text went through ``typographie``.

    ``figure_names`` (``ReadResult.figure_names``) makes every figure column of
    the data set exist in ``chiffres`` (``None``) even for a recipient without it.
    A render that runs out of memory (a worker's ceiling, see lettergen/batch.py) is a
    :class:`TemplateError` too: one letter's problem, not the run's.
    """
    try:
        return _letter(template, recipient, letter_date, figure_names, extra)
    except MemoryError:
        raise TemplateLimitError(MEMORY_MESSAGE, template.file) from None


def _letter(
    template: LetterTemplate,
    recipient: Recipient,
    letter_date: _dt.date,
    figure_names: Iterable[str],
    extra: Mapping[str, Any] | None,
) -> Letter:
    markup = render_markup(template, recipient, letter_date, figure_names, extra)
    try:
        sections = parse_markup(markup)
    except MarkupError as error:
        raise _markup_error(template, markup, error) from None
    settings, caches = template.settings, template.caches
    return Letter(
        recipient_id=recipient.id,
        objet=caches.text(sections["objet"]),
        appel=caches.text(sections["appel"]),
        body=caches.body(sections["corps"]),
        closing=caches.text(sections["formule"]),
        signatories=caches.signatories_of(sections.get("signataires", [])),
        sender=settings.sender,  # already typeset by load_campaign_settings
        address=_address(recipient),
        place_date=caches.place_date(settings.lieu, letter_date),
        attachments=caches.text(sections.get("pj", [])),
        copies=caches.text(sections.get("copie", [])),
        date=letter_date,
    )


def _address(recipient: Recipient) -> tuple[str, ...]:
    """The address block; none for a recipient whose row gives no address at all (nothing to print)."""
    if not recipient.has_address:
        return ()
    territory = cached_territory(recipient.departement)
    return tuple(
        address_block(
            recipient.genre,
            recipient.prenom,
            recipient.nom.upper(),
            recipient_office_forms(recipient),
            address_institution(recipient.fonction, territory),
            recipient.adresse,
            recipient.code_postal,
            recipient.ville,
        )
    )


# --------------------------------------------------------------------------- checking


def check_template(
    template: LetterTemplate,
    read_result: ReadResult | Iterable[Recipient],
    letter_date: _dt.date | None = None,
    render: bool = True,
) -> list[Problem]:
    """Every problem of ``template`` with this data, one :class:`Problem` each, before rendering for real.

    Static: unknown variables, attributes and ``chiffres.…`` (against the
    figure columns read plus the four standard ones). Then the template is
    rendered for every recipient to catch what only data reveals (a figure
    printed while unknown, a sandbox violation in a branch…); a problem met by
    several recipients is reported once, naming the first. ``render=False``
    stops after the static checks (the batch renders in its worker processes).
    """
    if isinstance(read_result, ReadResult):
        recipients = list(read_result.recipients)
        figure_names = tuple(read_result.figure_names)
    else:
        recipients = list(read_result)
        figure_names = tuple(sorted({k for r in recipients for k in r.figures}))
    problems = static_problems(
        template.chain, template.env, vocabulary_schema(template.settings, figure_names)
    )
    if problems or not render:
        return problems
    when = letter_date or _dt.date.today()
    return problems + _render_problems(template, recipients, when, figure_names)


def _render_problems(
    template: LetterTemplate, recipients: list[Recipient], when: _dt.date, figure_names: tuple[str, ...]
) -> list[Problem]:
    """Render for every recipient; a problem met by several is reported once, naming the first.

    A limit reached stops the check: the template is at fault, and every further letter
    would spend its whole budget again before saying the same.
    """
    seen: dict[tuple[str | None, int | None, str], list[str]] = {}
    for recipient in recipients:
        try:
            render_letter(template, recipient, when, figure_names)
        except TemplateError as error:
            seen.setdefault((error.file, error.line, error.message), []).append(recipient.id)
            if isinstance(error, TemplateLimitError):
                break
        except Exception as error:  # data the french stage cannot handle
            message = f"destinataire impossible à traiter : {type(error).__name__} : {error}"
            file = recipient.source or None
            seen.setdefault((file, recipient.line or None, message), []).append(recipient.id)
    problems = []
    for (file, line, message), ids in seen.items():
        others = f" et {len(ids) - 1} autre(s)" if len(ids) > 1 else ""
        problems.append(Problem(file, line, f"{message} (destinataire « {ids[0]} »{others})"))
    return problems


# --------------------------------------------------------------------------- listing


def list_variants(templates_dir: str | os.PathLike[str] = "templates") -> list[VariantInfo]:
    """The templates of ``templates_dir``: base letters first, then variants, by name."""
    templates_dir = Path(templates_dir)
    env = make_environment((templates_dir,))
    infos: list[VariantInfo] = []
    for name in available_templates(templates_dir):
        item = parse_file(env, f"{name}{TEMPLATE_SUFFIX}", templates_dir)
        parent = (
            item.parent[: -len(TEMPLATE_SUFFIX)]
            if item.parent and item.parent.endswith(TEMPLATE_SUFFIX)
            else item.parent
        )
        overridden = tuple(dict.fromkeys(n for n, _ in item.top_blocks)) if item.parent else ()
        problem = str(item.problems[0]) if item.problems else ""
        infos.append(VariantInfo(name, item.description, parent, overridden, item.display, problem))
    infos.sort(key=lambda v: (v.parent is not None, v.name))
    return infos
