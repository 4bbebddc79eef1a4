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
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError, TemplateAssertionError, UndefinedError

from lettergen.errors import InvalidInput, Problem, TemplateError
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
from lettergen.template import french_api as french
from lettergen.template.checks import SourceFile, display_name, load_chain, parse_file, static_problems
from lettergen.template.environment import UnknownValue, make_environment
from lettergen.template.messages import security_message, suggest, syntax_message, template_line
from lettergen.template.vocabulary import (
    Campaign,
    build_context,
    cached_office_forms,
    cached_territory,
    load_campaign,
    vocabulary_schema,
)

TEMPLATE_SUFFIX = ".j2"
MAX_STEM = 80


class TemplateProblems(InvalidInput, TemplateError):
    """A :class:`TemplateError` that carries every problem found in one pass."""


@dataclass
class LetterTemplate:
    """A compiled template, its parents and the campaign it speaks for."""

    name: str
    file: str  # as the user types it: "templates/relance.j2"
    templates_dir: Path
    jinja: Template
    campaign: Campaign
    chain: list[SourceFile]
    env: Any = field(repr=False, default=None)

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

    Raises :class:`TemplateError` (every problem in ``.problems``) for a
    missing file, a syntax error, an unknown filter, test, variable or
    attribute, or a block that the parent template does not have.
    Unknown ``chiffres.…`` are checked by :func:`check_template`, which knows the data.
    """
    templates_dir = Path(templates_dir)
    path, typed = _resolve(name_or_path, templates_dir)
    if not path.is_file():
        names = available_templates(templates_dir)
        wanted = Path(os.fspath(name_or_path)).stem
        raise TemplateError(
            f"modèle « {os.fspath(name_or_path)} » introuvable"
            + suggest(wanted, names)
            + (" ; modèles disponibles : " + ", ".join(names) if names else ""),
        )
    campaign = load_campaign(templates_dir)
    parent_dir = path.resolve().parent
    if parent_dir == templates_dir.resolve():
        search = (templates_dir,)
    else:
        search = (parent_dir, templates_dir)
    env = make_environment(search)
    display = typed if typed is not None else display_name(path, templates_dir)
    try:
        chain = load_chain(env, path.name, templates_dir, display)
    except TemplateNotFound:  # pragma: no cover - path checked above
        raise TemplateError("modèle introuvable", display) from None
    problems = static_problems(chain, env, vocabulary_schema(campaign))
    if problems:
        raise TemplateProblems(problems)
    try:
        jinja = env.get_template(path.name)
    except TemplateSyntaxError as error:
        shown = _display_for(error.filename, chain, templates_dir)
        raise TemplateError(_compile_message(error), shown, error.lineno) from None
    return LetterTemplate(path.stem, display, templates_dir, jinja, campaign, chain, env)


def _compile_message(error: TemplateSyntaxError) -> str:
    if isinstance(error, TemplateAssertionError):
        match = re.match(r"No (filter|test) named '([^']*)'", error.message or "")
        if match:
            kind = "filtre inconnu" if match.group(1) == "filter" else "test inconnu"
            return f"{kind} « {match.group(2)} »"
    return syntax_message(error.message or "")


def _display_for(filename: str | None, chain: list[SourceFile], templates_dir: Path) -> str | None:
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
    context = build_context(recipient, template.campaign, letter_date, figure_names, extra)
    try:
        return template.jinja.render(context)
    except TemplateError:
        raise
    except Exception as error:  # every failure becomes FILE:LINE: message
        raise _runtime_error(template, error) from None


def _runtime_error(template: LetterTemplate, error: Exception) -> TemplateError:
    filename, line = template_line(error, template.displays)
    shown = _display_for(filename, template.chain, template.templates_dir) if filename else template.file
    if isinstance(error, SecurityError):
        message = security_message(str(error))
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
    elif isinstance(error, (OverflowError, MemoryError, RecursionError)):
        message = f"accès interdit dans un modèle : calcul trop grand ({type(error).__name__})"
    else:
        message = f"erreur pendant le rendu : {type(error).__name__} : {error}"
    return TemplateError(message, shown, line)


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
    return french.typographie(text) if text else text


def _typo_paragraph(paragraph: Paragraph) -> Paragraph:
    return Paragraph(tuple(Run(_typo(run.text), run.bold, run.italic) for run in paragraph.runs))


# Most of a letter is the same for every recipient, and the rest repeats per territory
# and office: each paragraph, one-paragraph section and signatories section is read
# (emphasis) and typeset once, then reused. Results depend only on the text, so the
# caches are shared by every template; each is emptied when it reaches _CACHE_LIMIT
# entries so that memory stays flat however many letters are rendered.
_CACHE_LIMIT = 4096
_paragraphs: dict[str, Paragraph] = {}
_texts: dict[tuple[str, ...], str] = {}
_signatories: dict[tuple[tuple[str, ...], ...], tuple[Signatory, ...]] = {}
_place_dates: dict[tuple[str, _dt.date], str] = {}


def _remember(cache: dict, key: Any, value: Any) -> Any:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _body(section: list[list[str]]) -> tuple[Paragraph, ...]:
    """``paragraphs_of(section)``, each paragraph through ``typographie``."""
    result = []
    for lines in section:
        text = " ".join(lines)
        paragraph = _paragraphs.get(text)
        if paragraph is None:
            paragraph = _remember(_paragraphs, text, _typo_paragraph(parse_emphasis(text)))
        result.append(paragraph)
    return tuple(result)


def _section_text(section: list[list[str]]) -> str:
    """``typographie(text_of(section))``."""
    key = tuple(" ".join(lines) for lines in section)
    text = _texts.get(key)
    if text is None:
        text = _remember(_texts, key, _typo(text_of(section)))
    return text


def _signatories_of(section: list[list[str]]) -> tuple[Signatory, ...]:
    key = tuple(tuple(lines) for lines in section)
    signatories = _signatories.get(key)
    if signatories is None:
        signatories = _remember(
            _signatories,
            key,
            tuple(
                Signatory(_typo(s.nom), _typo(s.fonction), _typo(s.organisation))
                for s in parse_signatories(section)
            ),
        )
    return signatories


def _place_date(lieu: str, letter_date: _dt.date) -> str:
    text = _place_dates.get((lieu, letter_date))
    if text is None:
        place_date = (
            f"{lieu}, le {french.date_longue(letter_date)}" if lieu else french.date_longue(letter_date)
        )
        text = _remember(_place_dates, (lieu, letter_date), _typo(place_date))
    return text


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


def slug(text: str) -> str:
    """ASCII, lowercase, ``[a-z0-9-]``: ``« Côtes-d'Armor »`` → ``cotes-d-armor``."""
    text = unicodedata.normalize("NFKD", text.translate(_STEM_MAP))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode()).strip("-")


_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


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


def address_institution(fonction: str, territory: Any) -> str:
    """The organisation line of the address block for an office."""
    if fonction == "depute":
        return "Assemblée nationale"
    if fonction == "senateur":
        return "Sénat"
    if fonction == "prefet":
        return f"Préfecture {territory.prefet_de}" if territory.prefet_de else ""
    if fonction == "dg_ars":
        return f"Agence régionale de santé {territory.region}"
    if fonction in ("maire", "ministre"):
        return ""
    return territory.institution.nom


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
    """
    markup = render_markup(template, recipient, letter_date, figure_names, extra)
    try:
        sections = parse_markup(markup)
    except MarkupError as error:
        raise _markup_error(template, markup, error) from None
    territory = cached_territory(recipient.departement)
    forms = cached_office_forms(
        recipient.fonction, recipient.genre, recipient.departement, recipient.forme_titre
    )
    campaign = template.campaign
    address = french.address_block(
        recipient.genre,
        recipient.prenom,
        recipient.nom.upper(),
        forms,
        address_institution(recipient.fonction, territory),
        recipient.adresse,
        recipient.code_postal,
        recipient.ville,
    )
    return Letter(
        recipient_id=recipient.id,
        objet=_section_text(sections["objet"]),
        appel=_section_text(sections["appel"]),
        body=_body(sections["corps"]),
        closing=_section_text(sections["formule"]),
        signatories=_signatories_of(sections.get("signataires", [])),
        sender=_sender(campaign),
        address=tuple(address),
        place_date=_place_date(campaign.lieu, letter_date),
        attachments=_section_text(sections.get("pj", [])),
        copies=_section_text(sections.get("copie", [])),
        file_stem=file_stem(recipient.id, territory.nom, recipient.nom),
    )


def _sender(campaign: Campaign) -> tuple[str, ...]:
    return campaign.sender  # already typeset by load_campaign


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
        template.chain, template.env, vocabulary_schema(template.campaign, figure_names)
    )
    if problems or not render:
        return problems
    when = letter_date or _dt.date.today()
    seen: dict[tuple[str | None, int | None, str], list[str]] = {}
    for recipient in recipients:
        try:
            render_letter(template, recipient, when, figure_names)
        except TemplateError as error:
            seen.setdefault((error.file, error.line, error.message), []).append(recipient.id)
        except Exception as error:  # data the french stage cannot handle
            message = f"destinataire impossible à traiter : {type(error).__name__} : {error}"
            file = recipient.source or None
            seen.setdefault((file, recipient.line or None, message), []).append(recipient.id)
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
