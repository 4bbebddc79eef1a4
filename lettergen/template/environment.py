"""The Jinja environment templates run in: a sandbox with French filters.

What a template may do is deliberately small:

* it runs in an :class:`ImmutableSandboxedEnvironment` (no attribute whose
  name starts with ``_``, no ``str.format`` escape, no mutation of lists or
  dicts), with :class:`StrictUndefined` (an unknown name is an error, never a
  blank);
* the globals ``cycler``, ``joiner`` and ``lipsum`` are removed, ``range`` is
  limited to :data:`MAX_RANGE` items, and ``**`` / ``*`` cannot build huge
  numbers or strings;
* every ``{{ … }}`` goes through :func:`finalize`: the value is escaped with
  :func:`~lettergen.letter.escape_markup` so that recipient data can never open
  a section or an emphasis, a date is written the French way, and ``None`` (an
  unknown figure) is an error instead of a blank.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, pass_context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from lettergen import french
from lettergen.letter import escape_markup
from lettergen.template.messages import suggest

MAX_RANGE = 1000
_MISSING = object()
MAX_SEQUENCE = 100_000
MAX_INTEGER_DIGITS = 30
#: Compiled templates an environment keeps: a template and its parents, with room to spare.
TEMPLATE_CACHE_SIZE = 64


class UnknownValue(ValueError):
    """A template printed a value that is unknown (``None``)."""


def finalize(value: Any) -> str:
    """Turn what ``{{ … }}`` prints into safe letter-markup text."""
    if value is None:
        raise UnknownValue(
            "valeur inconnue (chiffre absent) : entourez la phrase de "
            "{% if … %} … {% endif %} pour l'omettre quand le chiffre manque"
        )
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return escape_markup(french.date_longue(value))
    return escape_markup(str(value))


def _known(value: Any, filter_name: str) -> Any:
    if value is None:
        raise UnknownValue(
            f"valeur inconnue passée au filtre « {filter_name} » : entourez la phrase de "
            "{% if … %} … {% endif %} pour l'omettre quand le chiffre manque"
        )
    return value


def f_nombre(value: Any) -> str:
    """``{{ 1234 | nombre }}`` → ``1 234``."""
    return french.nombre(_known(value, "nombre"))


def f_euros(value: Any, abrege: bool = False) -> str:
    """``{{ 183 | euros }}`` → ``183 €``.

    ``{{ 4000000000 | euros(abrege=true) }}`` → ``4 milliards d'euros``.
    """
    value = _known(value, "euros")
    return french.euros(value, abrege=True) if abrege else french.euros(value)


def f_pourcentage(value: Any) -> str:
    """``{{ 0.125 | pourcentage }}`` → ``12,5 %``."""
    return french.pourcentage(_known(value, "pourcentage"))


def f_date_longue(value: Any) -> str:
    """``{{ date | date_longue }}`` → ``1er juillet 2021``."""
    value = _known(value, "date_longue")
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value)
    if isinstance(value, _dt.datetime):
        value = value.date()
    return french.date_longue(value)


@pass_context
def f_accord(context: Any, mot: str, feminin: str | None = None) -> str:
    """``{{ "élu" | accord }}`` → ``élue`` / ``élu`` / ``élu(e)`` selon le genre du destinataire."""
    destinataire = context.get("destinataire")
    genre = getattr(destinataire, "genre", None)
    return french.accord(mot, genre, feminin)


def f_pluriel(value: Any, singulier: str, pluriel: str | None = None) -> str:
    """``{{ 12 | pluriel("poste vacant") }}`` → ``12 postes vacants`` (nombre compris)."""
    return french.pluriel(_known(value, "pluriel"), singulier, pluriel)


def f_majuscule_initiale(value: Any) -> str:
    """``{{ "en Gironde" | majuscule_initiale }}`` → ``En Gironde``."""
    text = str(value)
    return text[:1].upper() + text[1:]


def t_connu(value: Any) -> bool:
    """``{% if chiffres.salaries is connu %}``: vrai si la valeur n'est pas absente."""
    return value is not None


FILTERS = {
    "nombre": f_nombre,
    "euros": f_euros,
    "pourcentage": f_pourcentage,
    "date_longue": f_date_longue,
    "accord": f_accord,
    "pluriel": f_pluriel,
    "majuscule_initiale": f_majuscule_initiale,
}

TESTS = {"connu": t_connu}


_OBJECT_NAMES = {
    "Destinataire": "destinataire",
    "Chiffres": "chiffres",
    "Territory": "departement",
    "Institution": "institution",
}


def attribute_names(value_or_type: Any) -> tuple[str, ...]:
    """Public attribute names of a vocabulary object (dataclass, namedtuple or plain object)."""
    if is_dataclass(value_or_type):
        kind = value_or_type if isinstance(value_or_type, type) else type(value_or_type)
        properties = [
            n for n in dir(kind) if not n.startswith("_") and isinstance(getattr(kind, n), property)
        ]
        return tuple(f.name for f in fields(value_or_type)) + tuple(properties)
    names = getattr(value_or_type, "_fields", None)
    if names:
        return tuple(names)
    return tuple(n for n in dir(value_or_type) if not n.startswith("_"))


class FrenchUndefined(StrictUndefined):
    """:class:`StrictUndefined` whose error says, in French, what is unknown and what was meant.

    ``variables`` are the names suggested for an unknown variable; each
    environment gets its subclass that knows them (see :func:`make_environment`).
    """

    __slots__ = ()
    variables: tuple[str, ...] = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        name = str(self._undefined_name)
        if self._undefined_obj is missing:
            return f"variable inconnue « {name} »" + suggest(name, self.variables)
        obj = self._undefined_obj
        if isinstance(obj, dict):
            candidates = [str(k) for k in obj]
        else:
            candidates = list(vars(obj)) if hasattr(obj, "__dict__") else []
            candidates += list(attribute_names(obj))
        candidates = [c for c in candidates if not c.startswith("_")]
        owner = _OBJECT_NAMES.get(type(obj).__name__)
        if owner:
            wrong = f"{owner}.{name}"
            hint = suggest(name, candidates)
            if hint:
                hint = f" (vouliez-vous dire « {owner}.{hint.split('« ')[1].split(' »')[0]} » ?)"
            kind = "chiffre inconnu" if owner == "chiffres" else "attribut inconnu"
            return f"{kind} « {wrong} »{hint}"
        return f"attribut inconnu « {name} »" + suggest(name, candidates)


def limited_range(*args: int) -> range:
    """``range`` with at most :data:`MAX_RANGE` items."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range() limité à {MAX_RANGE} éléments (demandé : {len(rng)})")
    return rng


def _size(value: Any) -> int | None:
    try:
        return len(value)
    except TypeError:
        return None


#: Values returned by the fast path: data, never callables.
_PLAIN_VALUE_TYPES = frozenset({str, int, float, bool, type(None), tuple, _dt.date})


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox every template is compiled in.

    ``plain_types`` are the vocabulary's plain data objects, whose instance
    attributes a template reads on a fast path (see :meth:`getattr`).
    """

    intercepted_binops = frozenset(["**", "*"])
    plain_types: frozenset[type] = frozenset()

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` from a template, with a fast path for the vocabulary's data objects.

        For an instance of one of :attr:`plain_types` and a public name found in its
        instance ``__dict__`` whose value is plain data (or another such object), the
        value is what ``getattr`` gives and what the sandbox would allow (no ``_`` name,
        not a callable, not a mutable builtin's method): it is returned at once.
        Everything else (properties, methods, unknown names…) goes through the sandbox.
        """
        plain = self.plain_types
        if type(obj) in plain and attribute[:1] != "_":
            value = obj.__dict__.get(attribute, _MISSING)
            if type(value) in _PLAIN_VALUE_TYPES or type(value) in plain:
                return value
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            powers = isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0
            if powers and right * math.log10(abs(left)) > MAX_INTEGER_DIGITS:
                raise SecurityError("nombre trop grand (opérateur **)")
            return operator.pow(left, right)
        if operator_name == "*":
            for seq, times in ((left, right), (right, left)):
                size = _size(seq)
                if size is not None and isinstance(times, int) and size * times > MAX_SEQUENCE:
                    raise SecurityError("texte ou liste trop long (opérateur *)")
            return operator.mul(left, right)
        return super().call_binop(context, operator_name, left, right)


def make_environment(
    search_path: Iterable[str | Path] | str | Path,
    plain_types: Iterable[type] = (),
    variables: Iterable[str] = (),
) -> LetterEnvironment:
    """Return a new sandboxed environment that loads templates from ``search_path``.

    ``plain_types`` take the fast attribute path (:meth:`LetterEnvironment.getattr`);
    ``variables`` are suggested when a template names an unknown variable. Each
    call reads the templates afresh: the environment belongs to the template loaded with it.
    """
    if isinstance(search_path, (str, Path)):
        search_path = (search_path,)
    folders = [str(Path(p).resolve()) for p in search_path]
    undefined = type("FrenchUndefined", (FrenchUndefined,), {"__slots__": (), "variables": tuple(variables)})
    env = LetterEnvironment(
        loader=FileSystemLoader(folders, encoding="utf-8"),
        undefined=undefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
        cache_size=TEMPLATE_CACHE_SIZE,
    )
    env.plain_types = frozenset(plain_types)
    for name in ("cycler", "joiner", "lipsum", "range"):
        env.globals.pop(name, None)
    env.globals["range"] = limited_range
    env.filters.update(FILTERS)
    env.tests.update(TESTS)
    return env
