"""Jinja's filters with limits: each use is a step, its numbers are bounded, its result measured.

Some filters can write far more than they are given (``indent``, ``replace``,
``wordwrap``, ``join``…): those are measured before they run, from their input
and arguments. A filter that returns an iterator (``map``, ``select``,
``batch``…) returns a :class:`MeasuredItems`, which counts every item it gives.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from lettergen.template.limits import (
    MAX_INTEGER_DIGITS,
    MAX_RANGE,
    MAX_SEQUENCE,
    LimitExceeded,
    charge,
    check_arguments,
    check_percent_format,
    check_result,
    too_big,
    too_long,
    weight,
)

Filter = Callable[..., Any]
PreCheck = Callable[[Any, tuple[Any, ...], dict[str, Any], str], Any]


class MeasuredItems:
    """The items of an iterator a filter returned: each a step, all together at most a long list."""

    __slots__ = ("_items", "_total", "_what")

    def __init__(self, items: Iterable[Any], what: str):
        self._items = iter(items)
        self._total = 0
        self._what = what

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        item = next(self._items)
        charge()
        self._total += weight(item)
        if self._total > MAX_SEQUENCE:
            raise too_long(self._what)
        return item


def measured(value: Any, what: str) -> Any:
    """What a filter or a call returned: an iterator counted item by item, anything else measured."""
    if isinstance(value, (types.GeneratorType, map, filter)):
        return MeasuredItems(value, what)
    return check_result(value, what)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _grows_to(size: int, what: str) -> None:
    if size > MAX_SEQUENCE:
        raise too_long(what)


def _indent(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    text = _text(value)
    width = args[0] if args else kwargs.get("width", 4)
    width = len(width) if isinstance(width, str) else int(width)
    _grows_to(len(text) + (text.count("\n") + 1) * width, what)
    return value


def _replace(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    text = _text(value)
    old = _text(args[0] if args else kwargs.get("old", ""))
    new = _text(args[1] if len(args) > 1 else kwargs.get("new", ""))
    count = args[2] if len(args) > 2 else kwargs.get("count")
    times = text.count(old)
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    _grows_to(len(text) + times * (len(new) - len(old)), what)
    return value


def _wordwrap(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    text = _text(value)
    width = args[0] if args else kwargs.get("width", 79)
    wrap = args[2] if len(args) > 2 else kwargs.get("wrapstring")
    lines = len(text) // max(int(width), 1) + text.count("\n") + 1
    _grows_to(len(text) + lines * len(_text(wrap or "\n")), what)
    return value


def _join(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    items = list(value) if not isinstance(value, (list, tuple)) else value
    glue = _text(args[0] if args else kwargs.get("d", ""))
    _grows_to(weight(items) + len(glue) * len(items), what)
    return items


def _format(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    check_percent_format(_text(value), what)
    values = list(args) + list(kwargs.values())
    _grows_to(len(_text(value)) + _text(value).count("%") * max(map(weight, values), default=0), what)
    return value


def _integer(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    if isinstance(value, str) and len(value.strip()) > 2 * MAX_INTEGER_DIGITS:
        raise too_big(what)
    return value


def _sum(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any], what: str) -> Any:
    """A sum of texts or lists copies the total so far at each item: few items, short total."""
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    if not isinstance(start, (str, list, tuple)):
        return value
    items = list(value)
    if len(items) > MAX_RANGE:
        raise LimitExceeded(f"somme de plus de {MAX_RANGE} textes ou listes ({what})")
    _grows_to(weight(start) + weight(items), what)
    return items


#: The filters whose numbers are sizes (a width, a count, a length), bounded by :data:`MAX_ARGUMENT`.
SIZED = frozenset(
    {"batch", "center", "indent", "replace", "round", "slice", "truncate", "urlize", "wordwrap"}
)

PRE_CHECKS: dict[str, PreCheck] = {
    "sum": _sum,
    "indent": _indent,
    "replace": _replace,
    "wordwrap": _wordwrap,
    "join": _join,
    "format": _format,
    "int": _integer,
}


def limited_filter(name: str, function: Filter) -> Filter:
    """``function`` (the filter ``name``) with its limits; Jinja's ``pass_context`` & co. kept."""
    pre_check = PRE_CHECKS.get(name)
    what = f"filtre « {name} »"
    passed = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0
    sized = name in SIZED

    @functools.wraps(function)
    def limited(*args: Any, **kwargs: Any) -> Any:
        charge()
        if sized:
            check_arguments(args[passed + 1 :], kwargs, what)
        if pre_check is not None and len(args) > passed:
            value = pre_check(args[passed], args[passed + 1 :], kwargs, what)
            args = (*args[:passed], value, *args[passed + 1 :])
        result = function(*args, **kwargs)
        if type(result) is str and len(result) <= MAX_SEQUENCE:
            return result
        return measured(result, what)

    return limited


def limited_filters(filters: Mapping[str, Filter]) -> dict[str, Filter]:
    """Every filter of ``filters`` with its limits."""
    return {name: limited_filter(name, function) for name, function in filters.items()}
