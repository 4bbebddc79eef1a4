"""The Jinja environment templates run in: a sandbox with French filters.

What a template may do is deliberately small:

* it runs in an :class:`ImmutableSandboxedEnvironment` (no attribute whose
  name starts with ``_``, no ``str.format`` escape, no mutation of lists or
  dicts), with :class:`StrictUndefined` (an unknown name is an error, never a
  blank);
* the globals ``cycler``, ``joiner`` and ``lipsum`` are removed, ``range`` is
  limited to :data:`MAX_RANGE` items, and every render keeps to the limits of
  :mod:`lettergen.template.limits` (time, steps, sizes of what it builds and
  writes): operators, calls and filters are checked here, loops,
  concatenations and written lists by :mod:`~lettergen.template.limited_template`;
* every ``{{ … }}`` goes through :func:`finalize`: the value is escaped with
  :func:`~lettergen.letter.escape_markup` so that recipient data can never open
  a section or an emphasis, a date is written the French way, and ``None`` (an
  unknown figure) is an error instead of a blank.
"""

from __future__ import annotations

import datetime as _dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, nodes, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from lettergen import french
from lettergen.letter import escape_markup
from lettergen.template import limits
from lettergen.template.limited_filters import limited_filters, measured
from lettergen.template.limited_template import (
    HELPERS,
    LITERAL_NAME,
    LimitedTemplate,
    limit_tree,
    literal_size,
)
from lettergen.template.limits import (
    MAX_INTEGER_DIGITS,
    MAX_RANGE,
    MAX_SEQUENCE,
    LimitExceeded,
    charge,
    check_arguments,
    check_brace_format,
    check_integer,
    check_size,
    current_budget,
)
from lettergen.template.messages import suggest

__all__ = ["MAX_INTEGER_DIGITS", "MAX_RANGE", "MAX_SEQUENCE", "LetterEnvironment", "make_environment"]

_MISSING = object()
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
    text = value if type(value) is str else str(check_size(value, "valeur écrite"))
    spending = current_budget()
    if spending is not None:  # inline: the hot path of every render
        spending.printed += len(text)
        if spending.printed > spending.max_printed:
            raise spending.printed_error()
    return escape_markup(text)


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
        raise LimitExceeded(f"range() limité à {MAX_RANGE} éléments (demandé : {len(rng)})")
    return rng


#: Values returned by the fast path: data, never callables.
_PLAIN_VALUE_TYPES = frozenset({str, int, float, bool, type(None), tuple, _dt.date})


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "**": operator.pow,
    "*": operator.mul,
    "+": operator.add,
    "-": operator.sub,
    "%": operator.mod,
}
#: Values whose methods take sizes (``center``, ``zfill``, ``to_bytes``…): their numbers are bounded.
_SIZED_OWNERS = frozenset({str, bytes, int})


def _check_operands(operator_name: str, left: Any, right: Any) -> None:
    """Refuse ``left OP right`` before it is computed when its result would be too big."""
    if operator_name == "**":
        limits.check_power(left, right)
    elif operator_name == "*":
        limits.check_product(left, right)
    elif operator_name == "+":
        limits.check_sum(left, right, "+")
    elif operator_name == "%" and isinstance(left, str):
        limits.check_percent_format(left, "opérateur %")
        values = (
            right.values() if isinstance(right, dict) else right if isinstance(right, tuple) else (right,)
        )
        widest = max(map(limits.weight, values), default=0)
        if len(left) + left.count("%") * widest > MAX_SEQUENCE:
            raise limits.too_long("opérateur %")


def _callee(function: Any) -> str:
    """How a message names what a template called."""
    name = getattr(function, "__name__", None) or getattr(function, "name", None) or "?"
    if getattr(function, "__self__", None) is not None:
        return f"méthode « {name} »"
    if hasattr(function, "_invoke"):  # a template's macro
        return f"macro « {name} »"
    return f"fonction « {name} »"


def _check_method(function: Any, args: tuple[Any, ...]) -> None:
    """The text methods that write more than they are given, measured before they run."""
    owner, name = getattr(function, "__self__", None), getattr(function, "__name__", "")
    if not isinstance(owner, str) or not args:
        return
    if name == "replace" and len(args) >= 2:
        times = owner.count(str(args[0]))
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            times = min(times, args[2])
        grown = len(owner) + times * (len(str(args[1])) - len(str(args[0])))
    elif name == "join":
        items = args[0] if isinstance(args[0], (list, tuple)) else ()
        grown = limits.weight(items) + len(owner) * len(items)
    elif name == "expandtabs" and isinstance(args[0], int):
        grown = len(owner) + owner.count("\t") * args[0]
    else:
        return
    if grown > MAX_SEQUENCE:
        raise limits.too_long(f"méthode « {name} »")


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox every template is compiled in.

    ``plain_types`` are the vocabulary's plain data objects, whose instance
    attributes a template reads on a fast path (see :meth:`getattr`).
    ``limited`` (the default) keeps every render to the limits of
    :mod:`lettergen.template.limits`; an environment without them exists only
    for the benchmark that measures what they cost.
    """

    intercepted_binops = frozenset(_OPERATORS)
    plain_types: frozenset[type] = frozenset()
    limited = True
    template_class: type[Template] = LimitedTemplate

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

    def _generate(self, source: nodes.Template, name: Any, filename: Any, defer_init: bool = False) -> Any:
        """Compile ``source`` with its loops, concatenations and written lists counted.

        The module also says how much literal text the template writes each time it runs
        (see :class:`~lettergen.template.limited_template.LimitedTemplate`).
        """
        if not self.limited:
            return super()._generate(source, name, filename, defer_init)
        code = super()._generate(limit_tree(source), name, filename, defer_init)
        return f"{code}\n{LITERAL_NAME} = {literal_size(source)}\n"

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        charge()
        _check_operands(operator_name, left, right)
        result = _OPERATORS[operator_name](left, right)
        if operator_name == "%" and isinstance(left, str):
            return check_size(result, "opérateur %")
        return check_integer(result, f"opérateur {operator_name}")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """A call from a template: a step, its numbers bounded, its result measured."""
        if not __self.limited:
            return super().call(__context, __obj, *args, **kwargs)
        charge()
        what = _callee(__obj)
        if type(getattr(__obj, "__self__", None)) in _SIZED_OWNERS:  # their numbers are sizes
            check_arguments(args, kwargs, what)
        _check_method(__obj, args)
        return measured(super().call(__context, __obj, *args, **kwargs), what)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``text.format``, its widths and the size of what it writes checked first."""
        formatter = super().wrap_str_format(value)
        if formatter is None or not self.limited:
            return formatter
        text = value.__self__
        check_brace_format(text)

        def checked(*args: Any, **kwargs: Any) -> str:
            widest = max(map(limits.weight, (*args, *kwargs.values())), default=0)
            if len(text) + text.count("{") * widest > MAX_SEQUENCE:
                raise limits.too_long("méthode « format »")
            return formatter(*args, **kwargs)

        return checked


def make_environment(
    search_path: Iterable[str | Path] | str | Path,
    plain_types: Iterable[type] = (),
    variables: Iterable[str] = (),
    *,
    limited: bool = True,
) -> LetterEnvironment:
    """Return a new sandboxed environment that loads templates from ``search_path``.

    ``plain_types`` take the fast attribute path (:meth:`LetterEnvironment.getattr`);
    ``variables`` are suggested when a template names an unknown variable. Each
    call reads the templates afresh: the environment belongs to the template loaded with it.
    ``limited=False`` is for benchmarks/bench_limits.py only (the cost of the limits).
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
    if not limited:
        env.limited = False
        env.template_class = Template
        env.intercepted_binops = frozenset(["**", "*"])
    for name in ("cycler", "joiner", "lipsum", "range"):
        env.globals.pop(name, None)
    env.globals["range"] = limited_range
    if limited:  # Jinja's filters; ours write at most a few words more than they are given
        env.filters = {**limited_filters(env.filters), **HELPERS}
    env.filters.update(FILTERS)
    env.tests.update(TESTS)
    return env
