"""The limits every template render keeps to, and the checks that enforce them.

A template is code: typed in the workbench or sent by a colleague, it must not
be able to run for ever or eat the machine. Every render gets a :class:`Budget`
(steps and CPU time); every value a template builds is measured by
:func:`weight` before or after it is built; what it prints is counted. Hitting
a limit raises :class:`LimitExceeded`, whose French message names the limit.
The figures are in docs/templates.md (« Les limites d'un modèle »).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from jinja2.exceptions import SecurityError

#: Items ``range()`` may give.
MAX_RANGE = 1000
#: Characters of a text, or items of a list (nested items and their texts counted).
MAX_SEQUENCE = 100_000
#: Digits of an integer a template computes.
MAX_INTEGER_DIGITS = 30
#: A number given to a filter or a method (a width, a count, a length).
MAX_ARGUMENT = MAX_SEQUENCE
#: Loop turns, calls, filters and operators of one letter.
MAX_STEPS = 100_000
#: CPU time of one letter, in seconds (of the thread that renders it).
CPU_SECONDS = 1.0
#: Characters one block may write.
MAX_BLOCK = 100_000
#: Characters of one letter's markup.
MAX_LETTER = 200_000
#: Characters printed in one letter, wherever they go (blocks, macros, ``{% set %}`` captures).
MAX_PRINTED = 1_000_000
#: Charges between two readings of the CPU clock (a system call). Between two charges a template
#: runs at most a few dozen operations on values of bounded size: a few milliseconds.
CLOCK_EVERY = 8

_INTEGER_CEILING = 10**MAX_INTEGER_DIGITS
_INTEGER_BITS = math.ceil(MAX_INTEGER_DIGITS * math.log2(10))
_SCALARS = frozenset({int, float, bool, type(None)})


class LimitExceeded(SecurityError):
    """A template went past one of the limits; ``where`` = (template file, line) when known."""

    def __init__(self, message: str, where: tuple[str, int] | None = None):
        super().__init__(f"limite dépassée : {message}")
        self.where = where


def too_long(what: str) -> LimitExceeded:
    return LimitExceeded(f"texte ou liste de plus de {MAX_SEQUENCE} éléments ({what})")


def too_big(what: str) -> LimitExceeded:
    return LimitExceeded(f"nombre de plus de {MAX_INTEGER_DIGITS} chiffres ({what})")


# --------------------------------------------------------------------------- the budget


class Budget:
    """What one letter may still spend. Mutable on purpose: it is spent as the letter renders,
    and belongs to that render only (see :func:`budget`)."""

    __slots__ = ("_charges", "_deadline", "cpu_seconds", "max_printed", "max_steps", "printed", "steps")

    def __init__(
        self, max_steps: int = MAX_STEPS, cpu_seconds: float = CPU_SECONDS, max_printed: int = MAX_PRINTED
    ):
        self.max_steps = max_steps
        self.cpu_seconds = cpu_seconds
        self.max_printed = max_printed
        self.steps = 0
        self.printed = 0
        self._charges = 0
        self._deadline = time.thread_time() + cpu_seconds

    def printed_error(self) -> LimitExceeded:
        return LimitExceeded(f"plus de {self.max_printed} caractères écrits pour une lettre")

    def charge(self, steps: int = 1, printed: int = 0) -> None:
        """Spend ``steps`` steps and ``printed`` printed characters; raise when one runs out."""
        self.steps += steps
        if self.steps > self.max_steps:
            raise LimitExceeded(
                f"plus de {self.max_steps} étapes de calcul pour une lettre (boucle ou appel sans fin ?)"
            )
        if printed:
            self.printed += printed
            if self.printed > self.max_printed:
                raise self.printed_error()
        self._charges += 1
        if self._charges % CLOCK_EVERY == 0 and time.thread_time() > self._deadline:
            raise LimitExceeded(f"plus de {self.cpu_seconds:g} s de calcul pour une lettre")


# The budget of the render running in this thread (or task): a context variable, so that
# renders in the workbench's threads and in worker processes each spend their own.
_CURRENT: ContextVar[Budget | None] = ContextVar("lettergen_template_budget", default=None)


def start_budget(spending: Budget | None = None) -> Token[Budget | None]:
    """Give the renders of this thread (or task) ``spending``, a fresh :class:`Budget` by default."""
    return _CURRENT.set(spending or Budget())


def end_budget(token: Token[Budget | None]) -> None:
    _CURRENT.reset(token)


@contextmanager
def budget(spending: Budget | None = None) -> Iterator[Budget]:
    """Give the renders inside the ``with`` block ``spending`` (a fresh :class:`Budget` by default)."""
    spending = spending or Budget()
    token = _CURRENT.set(spending)
    try:
        yield spending
    finally:
        _CURRENT.reset(token)


def charge(steps: int = 1, printed: int = 0) -> None:
    """Spend from the current render's budget (nothing to spend outside a render)."""
    spending = _CURRENT.get()
    if spending is not None:
        spending.charge(steps, printed)


#: The budget of the render running in this thread, or ``None``.
current_budget = _CURRENT.get


# --------------------------------------------------------------------------- sizes


def weight(value: Any, limit: int = MAX_SEQUENCE) -> int:
    """Characters and items ``value`` holds, nested containers included, counted until past ``limit``.

    A list holding the same list twice weighs twice that list: printing it writes it twice.
    """
    kind = type(value)
    if kind is str:
        return len(value)
    if kind in _SCALARS:
        return 1
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes, bytearray)):
            total += len(item) or 1
        elif isinstance(item, dict):
            total += 1
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 1
            stack.extend(item)
        elif isinstance(item, range):
            total += len(item) or 1
        else:
            total += 1
    return total


def check_size(value: Any, what: str) -> Any:
    """``value``, unless it holds more than :data:`MAX_SEQUENCE` characters or items."""
    if type(value) not in _SCALARS and weight(value) > MAX_SEQUENCE:
        raise too_long(what)
    return value


def check_integer(value: Any, what: str) -> Any:
    """``value``, unless it is an integer of more than :data:`MAX_INTEGER_DIGITS` digits."""
    if type(value) is int and not -_INTEGER_CEILING < value < _INTEGER_CEILING:
        raise too_big(what)
    return value


def check_result(value: Any, what: str) -> Any:
    """``value`` if it is neither too long nor too big."""
    return check_integer(check_size(value, what), what)


def check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> None:
    """No number given to a filter or a method may pass :data:`MAX_ARGUMENT`."""
    for value in (*args, *kwargs.values()):
        if type(value) is int and abs(value) > MAX_ARGUMENT:
            raise LimitExceeded(f"argument trop grand : {value} ({what} ; au plus {MAX_ARGUMENT})")


# --------------------------------------------------------------------------- operators


def check_power(left: Any, right: Any) -> None:
    powers = type(left) is int and type(right) is int and abs(left) > 1 and right > 0
    if powers and right * math.log10(abs(left)) > MAX_INTEGER_DIGITS:
        raise too_big("opérateur **")


def check_product(left: Any, right: Any) -> None:
    """``left * right`` would neither repeat a text or list too often nor build a huge integer."""
    if type(left) is int and type(right) is int:
        if left.bit_length() + right.bit_length() > 2 * _INTEGER_BITS:
            raise too_big("opérateur *")
        return
    for seq, times in ((left, right), (right, left)):
        if type(times) is int and type(seq) not in _SCALARS and weight(seq) * times > MAX_SEQUENCE:
            raise too_long("opérateur *")


def check_sum(left: Any, right: Any, operator_name: str) -> None:
    """``left + right`` (or ``~``) would not build a text or list too long."""
    if type(left) in _SCALARS or type(right) in _SCALARS:
        return
    if weight(left) + weight(right) > MAX_SEQUENCE:
        raise too_long(f"opérateur {operator_name}")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?[a-zA-Z%]")


def check_percent_format(text: str, what: str) -> None:
    """``text % values`` writes at most :data:`MAX_SEQUENCE` characters of padding."""
    total = 0
    for width, precision in _PERCENT_SPEC.findall(text):
        if "*" in (width, precision):
            raise LimitExceeded(f"largeur « * » refusée dans un format ({what})")
        total += int(width or 0) + int(precision or 0)
    if total > MAX_SEQUENCE:
        raise LimitExceeded(f"format de largeur {total} ({what} ; au plus {MAX_SEQUENCE})")


_BRACE_WIDTHS = re.compile(r"\d+")


def check_brace_format(text: str) -> None:
    """``text.format(…)`` pads with at most :data:`MAX_SEQUENCE` characters; no width computed."""
    from string import Formatter

    total = 0
    for _literal, _field, spec, _conversion in Formatter().parse(text):
        if spec and "{" in spec:
            raise LimitExceeded("largeur calculée refusée dans un format (méthode « format »)")
        total += sum(int(number) for number in _BRACE_WIDTHS.findall(spec or ""))
    if total > MAX_SEQUENCE:
        raise LimitExceeded(f"format de largeur {total} (méthode « format » ; au plus {MAX_SEQUENCE})")
