"""The French names a template author types: ``destinataire``, ``departement``, ``chiffres``…

:func:`build_context` turns one :class:`~lettergen.read.records.Recipient` into
the variables a template sees. It runs once per letter (tens of thousands of
times in a big run), so everything that depends only on the territory, the
office and the gender is computed once and cached.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lettergen.errors import TemplateError
from lettergen.french import (
    FONCTIONS,
    Commune,
    Institution,
    OfficeForms,
    Territory,
    commune,
    office_forms,
    territory,
    typographie,
)
from lettergen.read.records import Recipient
from lettergen.template.election import DEFAULT_MONTHS, election
from lettergen.template.environment import attribute_names

#: The figures of the Ségur letter: always present in ``chiffres`` (``None`` when unknown).
STANDARD_FIGURES = ("etablissements", "salaries", "salaries_non_revalorises", "postes_vacants")

#: Every top-level name of the vocabulary.
VARIABLES = (
    "destinataire",
    "departement",
    "institution",
    "commune",
    "chiffres",
    "date",
    "lieu",
    "campagne",
    "faits",
    "premiere_lettre",
)

CAMPAIGN_FILE = "campagne.toml"
DEFAULT_FACTS_FILE = "faits_segur.toml"
#: The campaign setting: how many months before the letter date an election counts as recent.
MONTHS_SETTING = "felicitations_mois"


class Namespace(SimpleNamespace):
    """Read-only-by-convention attributes built from a TOML table."""

    def __iter__(self):  # pragma: no cover - convenience for {% for k in … %}
        return iter(vars(self))


def to_namespace(value: Any) -> Any:
    """Turn TOML tables into :class:`Namespace` objects and lists into tuples, recursively."""
    if isinstance(value, Mapping):
        return Namespace(**{str(k): to_namespace(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(to_namespace(v) for v in value)
    return value


def schema_of(value: Any) -> dict[str, Any] | None:
    """The attribute tree of a namespace (``None`` for a leaf), for static checks."""
    if isinstance(value, Namespace):
        return {k: schema_of(v) for k, v in vars(value).items()}
    if isinstance(value, tuple) and value and all(isinstance(v, Namespace) for v in value):
        return None
    return None


@dataclass(frozen=True)
class CampaignSettings:
    """What ``templates/campagne.toml`` and its facts file say: ``campagne``, ``faits``, ``lieu``, sender.

    Not :class:`lettergen.batch.Campaign` (a checked campaign: template and recipients).
    """

    campagne: Namespace
    faits: Namespace
    lieu: str
    sender: tuple[str, ...]
    file: str = ""
    facts_file: str = ""
    felicitations_mois: int = DEFAULT_MONTHS  # an election this recent is congratulated


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise TemplateError("fichier introuvable", _display(path)) from None
    except tomllib.TOMLDecodeError as error:
        line = None
        message = str(error)
        if "(at line " in message:
            try:
                line = int(message.rsplit("(at line ", 1)[1].split(",")[0])
            except ValueError:
                line = None
        raise TemplateError(f"fichier TOML illisible : {message}", _display(path), line) from None


def load_campaign_settings(templates_dir: str | Path) -> CampaignSettings:
    """Read ``campagne.toml`` and its facts file (``faits = "…"``, default ``faits_segur.toml``).

    Read afresh at each call (each :func:`~lettergen.template.render.load_template`),
    so that an edit shows at once.
    """
    folder = Path(templates_dir).resolve()
    campaign_path = folder / CAMPAIGN_FILE
    data = _read_toml(campaign_path)
    facts_path = folder / str(data.get("faits", DEFAULT_FACTS_FILE))
    facts = _read_toml(facts_path)
    return CampaignSettings(
        campagne=to_namespace(data),
        faits=to_namespace(facts),
        lieu=str(data.get("lieu", "")),
        sender=tuple(typographie(str(line)) for line in data.get("expediteur", ())),
        file=_display(campaign_path),
        facts_file=_display(facts_path),
        felicitations_mois=_months_setting(data, campaign_path),
    )


def _months_setting(data: Mapping[str, Any], path: Path) -> int:
    """``felicitations_mois``: a whole number of months, 12 when absent; anything else is an error."""
    value = data.get(MONTHS_SETTING, DEFAULT_MONTHS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        line = next(
            (
                n
                for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text.strip().startswith(MONTHS_SETTING)
            ),
            None,
        )
        message = f"« {MONTHS_SETTING} » : « {value} » n'est pas un nombre entier de mois (par exemple 12)"
        raise TemplateError(message, _display(path), line)
    return value


@dataclass(frozen=True)
class Destinataire:
    """The addressee as the template sees it (``destinataire``)."""

    id: str
    prenom: str
    nom: str
    genre: str | None
    feminin: bool
    civilite: str
    nom_complet: str
    fonction: str
    appel: str
    formule_politesse: str
    titre: str
    titre_adresse: str
    participe: str
    elu: str
    email: str
    elu_le: _dt.date | None  # when the recipient took office; None: unknown
    election_recente: bool  # elu_le known and within felicitations_mois of the letter date
    election_ancienne: bool  # elu_le known and earlier: never « récemment élu(e) »
    circonscription: str


DESTINATAIRE_ATTRIBUTES = tuple(f.name for f in fields(Destinataire))


class Chiffres:
    """The local figures: ``chiffres.salaries`` … (``None`` when unknown)."""

    def __init__(self, values: Mapping[str, int | None]):
        self.__dict__.update(values)

    def __repr__(self) -> str:  # shown in error messages
        return "chiffres"


#: The vocabulary's plain data objects: the sandbox reads their attributes on its fast path.
PLAIN_TYPES = frozenset({Destinataire, Chiffres, Namespace, Territory, Institution, Commune})

# 35 000 letters share about a hundred territories and a few hundred (office, gender,
# territory) combinations: each is computed once per process.
_COMBINATIONS = 4096


@lru_cache(maxsize=_COMBINATIONS)
def cached_territory(code: str) -> Territory:
    """``french.territory`` once per code."""
    return territory(code)


@lru_cache(maxsize=_COMBINATIONS)
def cached_office_forms(
    fonction: str, genre: str | None, code: str, forme_titre: str, place: Commune | None = None
) -> OfficeForms:
    """``french.office_forms`` once per (fonction, genre, département, forme du titre, commune)."""
    return office_forms(fonction, genre, cached_territory(code), forme_titre, place)


def recipient_office_forms(recipient: Recipient) -> OfficeForms:
    """The recipient's office forms; the commune counts only for an office named after it (maire)."""
    office = FONCTIONS.get(recipient.fonction)
    place = recipient.commune if office is not None and office.complement == "commune" else None
    return cached_office_forms(
        recipient.fonction, recipient.genre, recipient.departement, recipient.forme_titre, place
    )


_CIVILITE = {"F": "Madame", "M": "Monsieur"}


def make_destinataire(
    recipient: Recipient, letter_date: _dt.date | None = None, months: int = DEFAULT_MONTHS
) -> Destinataire:
    """The ``destinataire`` object for one recipient (its election seen from ``letter_date``)."""
    forms = recipient_office_forms(recipient)
    status = election(recipient.elu_le, letter_date, months) if letter_date else "inconnue"
    civilite = _CIVILITE.get(recipient.genre or "", "")
    nom_complet = " ".join(part for part in (civilite, recipient.prenom, recipient.nom.upper()) if part)
    return Destinataire(
        id=recipient.id,
        prenom=recipient.prenom,
        nom=recipient.nom,
        genre=recipient.genre,
        feminin=recipient.genre == "F",
        civilite=civilite,
        nom_complet=nom_complet,
        fonction=recipient.fonction,
        appel=forms.appel,
        formule_politesse=forms.formule_politesse,
        titre=forms.titre,
        titre_adresse=forms.titre_adresse,
        participe=forms.participe,
        elu=forms.participe,
        email=recipient.email,
        elu_le=recipient.elu_le,
        election_recente=status == "recente",
        election_ancienne=status == "ancienne",
        circonscription=recipient.circonscription,
    )


def make_chiffres(figures: Mapping[str, int | None], figure_names: Iterable[str] = ()) -> Chiffres:
    """The ``chiffres`` object: every column, the standard figures, ``figure_names`` (``None`` if absent)."""
    values: dict[str, int | None] = dict.fromkeys(STANDARD_FIGURES)
    for name in figure_names:
        values[name] = None
    values.update(figures)
    return Chiffres(values)


def first_letter(date: _dt.date | None, canal: str | None = None) -> Namespace:
    """``premiere_lettre``: the recipient's first letter, its letter date and channel (email, courrier)."""
    return Namespace(date=date, canal=canal)


def build_context(
    recipient: Recipient,
    settings: CampaignSettings,
    letter_date: _dt.date,
    figure_names: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the variables a template sees for ``recipient``.

    ``figure_names`` (the data set's figure columns) are present in ``chiffres``
    even when this recipient has no value for them. ``extra`` replaces variables
    for this letter: the campaign register passes the recipient's own
    ``premiere_lettre``; without it, ``premiere_lettre.date`` is
    ``campagne.date_premiere_lettre``.
    """
    territory = cached_territory(recipient.departement)
    context = {
        "destinataire": make_destinataire(recipient, letter_date, settings.felicitations_mois),
        "departement": territory,
        "institution": territory.institution,
        "commune": recipient.commune,
        "chiffres": make_chiffres(recipient.figures, figure_names),
        "date": letter_date,
        "lieu": settings.lieu,
        "campagne": settings.campagne,
        "faits": settings.faits,
        "premiere_lettre": first_letter(getattr(settings.campagne, "date_premiere_lettre", None)),
    }
    if extra:
        context.update(extra)
    return context


def vocabulary_schema(
    settings: CampaignSettings, figure_names: Iterable[str] | None = None
) -> dict[str, Any]:
    """The known attributes of each top-level variable, for static checks.

    A value of ``None`` means "any attribute" (not checked). ``chiffres`` is
    checked only when ``figure_names`` is given (``check_template``).
    """
    sample = cached_territory("33")
    territory_attrs: dict[str, Any] = dict.fromkeys(attribute_names(sample))
    institution_attrs: dict[str, Any] = dict.fromkeys(attribute_names(sample.institution))
    territory_attrs["institution"] = institution_attrs
    chiffres: dict[str, Any] | None = None
    if figure_names is not None:
        chiffres = {name: None for name in (*STANDARD_FIGURES, *figure_names)}
    return {
        "destinataire": {name: None for name in DESTINATAIRE_ATTRIBUTES},
        "departement": territory_attrs,
        "institution": institution_attrs,
        "commune": dict.fromkeys(attribute_names(commune("76351"))),
        "chiffres": chiffres,
        "date": None,
        "lieu": None,
        "campagne": schema_of(settings.campagne),
        "faits": schema_of(settings.faits),
        "premiere_lettre": {"date": None, "canal": None},
    }
