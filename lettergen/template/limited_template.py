"""Compiled templates that count what they do: loop turns, concatenations, literals, output.

Jinja compiles ``{% for %}``, ``~`` and ``[…]`` / ``(…)`` / ``{…}`` into plain Python
that no sandbox hook sees. Before a template is compiled, :func:`limit_tree`
rewrites those nodes into calls of counting helpers (:func:`loop_items`,
:func:`concat_parts`, :func:`built_value`), registered as filters that a template
cannot name. A :class:`LimitedTemplate` renders under a
:class:`~lettergen.template.limits.Budget`, charges its literal text each time its
body runs, and caps what each block and the whole letter write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from jinja2 import Template, nodes, pass_context
from jinja2.visitor import NodeTransformer

from lettergen.template.limits import (
    MAX_BLOCK,
    MAX_LETTER,
    MAX_SEQUENCE,
    Budget,
    LimitExceeded,
    charge,
    check_size,
    current_budget,
    end_budget,
    start_budget,
    too_long,
)

RenderFunction = Callable[[Any], Iterator[str]]


#: Names of the helpers :func:`limit_tree` calls, registered as filters: a filter is called
#: directly by the compiled code (a call would go through the sandbox), and these names,
#: not being identifiers, cannot be written in a template.
LOOP_ITEMS = "lettergen:loop_items"
CONCAT_PARTS = "lettergen:concat_parts"
BUILT_VALUE = "lettergen:built_value"


class _Counting(NodeTransformer):
    """Rewrite the nodes whose cost no sandbox hook sees into calls of counting helpers."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _helper(LOOP_ITEMS, node.iter, nodes.Const(literal_size(node)))
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _helper(CONCAT_PARTS, *node.nodes)

    def _built(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return _helper(BUILT_VALUE, node)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        return self._built(node) if node.ctx == "load" else self.generic_visit(node)

    visit_List = _built
    visit_Dict = _built


def _helper(name: str, first: nodes.Node, *rest: nodes.Node) -> nodes.Node:
    helper = nodes.Filter(first, name, list(rest), [], None, None)
    return helper.set_lineno(first.lineno)


def literal_size(node: nodes.Node) -> int:
    """Characters of the literal text under ``node``."""
    return sum(len(data.data) for data in node.find_all(nodes.TemplateData))


def limit_tree(tree: nodes.Template) -> nodes.Template:
    """``tree`` with its loops, concatenations and literals counted (changed in place)."""
    _Counting().visit(tree)
    return tree


# --------------------------------------------------------------------------- helpers the tree calls


class CountedItems:
    """The items of a ``{% for %}``: each turn is a step and writes the loop's literal text again."""

    __slots__ = ("_items", "_literal", "_source")

    def __init__(self, iterable: Iterable[Any], literal: int):
        self._source = iterable
        self._items = iter(iterable)
        self._literal = literal

    def __iter__(self) -> CountedItems:
        return self

    def __next__(self) -> Any:
        item = next(self._items)
        charge(1, self._literal)
        return item

    def __len__(self) -> int:  # ``loop.length`` without turning the loop into a list
        return len(self._source)  # type: ignore[arg-type]


# Helpers take the context (``pass_context``) so that Jinja never calls them while compiling
# to fold a constant: each render needs its own counted loop.


#: Iterables whose length is known before the loop runs: up to :data:`SMALL_LOOP` turns,
#: their turns are charged at once (a letter's loops are that small); beyond, one by one,
#: so that the CPU clock is read as the loop runs.
_SIZED = frozenset({list, tuple, range, dict, str, set, frozenset})
SMALL_LOOP = 64


@pass_context
def loop_items(context: Any, iterable: Iterable[Any], literal: int) -> Iterable[Any]:
    """What ``{% for %}`` iterates: each turn a step, the loop's literal text written again.

    A short list's turns are all charged before the first (Jinja's loops never stop early), so
    that the loop itself runs as Jinja compiled it; others are charged one by one.
    """
    if type(iterable) in _SIZED and len(iterable) <= SMALL_LOOP:  # type: ignore[arg-type]
        turns = len(iterable)  # type: ignore[arg-type]
        charge(turns + 1, turns * literal)
        return iterable
    charge()
    return CountedItems(iterable, literal)


@pass_context
def concat_parts(context: Any, *parts: Any) -> str:
    """``a ~ b ~ c``: measured before it is joined."""
    texts = [part if type(part) is str else str(check_size(part, "opérateur ~")) for part in parts]
    if sum(map(len, texts)) > MAX_SEQUENCE:
        raise too_long("opérateur ~")
    return "".join(texts)


@pass_context
def built_value(context: Any, value: Any) -> Any:
    """A list, tuple or dict written in the template, measured."""
    return check_size(value, "liste écrite dans le modèle")


HELPERS = {LOOP_ITEMS: loop_items, CONCAT_PARTS: concat_parts, BUILT_VALUE: built_value}


# --------------------------------------------------------------------------- output caps


def _writer_place(generator: Any) -> tuple[str, int] | None:
    """(template file, line) of the innermost template code suspended in ``generator``."""
    place = None
    while generator is not None:
        frame = getattr(generator, "gi_frame", None)
        if frame is None:
            break
        if frame.f_code is capped.__code__:  # a block's cap: look into the block
            generator = frame.f_locals.get("pieces")
            continue
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            place = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        generator = getattr(generator, "gi_yieldfrom", None)
    return place


#: Pieces of output taken at once: counted in C (``islice``, ``join``, ``len``), not one by
#: one in Python, which would cost more than the rest of the limits. A limit is then seen at
#: most this many pieces late, each piece being at most a long text.
CHUNK = 128
LETTER_MESSAGE = f"lettre de plus de {MAX_LETTER} caractères"


class LetterTooLong(LimitExceeded):
    """The whole letter is too long (each block may not be)."""


def written(pieces: Iterator[str], size: int = CHUNK) -> str:
    """The letter ``pieces`` write, unless they add up to more than :data:`MAX_LETTER` characters.

    They are counted ``size`` at a time: a single piece at a time finds the line that writes
    the piece too many.
    """
    texts: list[str] = []
    total = 0
    while chunk := list(islice(pieces, size)):
        text = "".join(chunk)  # then len(): cheaper than summing the pieces' lengths
        total += len(text)
        if total > MAX_LETTER:
            raise LetterTooLong(LETTER_MESSAGE, _writer_place(pieces))
        if len(chunk) < size and not texts:  # a short letter: one chunk
            return text
        texts.append(text)
    return "".join(texts)


def capped(pieces: Iterator[str], limit: int, message: str, where: Any = None) -> Iterator[str]:
    """``pieces``, one by one, until they add up to more than ``limit`` characters.

    ``where`` they come from names the place when the last piece's line cannot be found.
    """
    total = 0
    while chunk := list(islice(pieces, 1)):
        total += sum(map(len, chunk))
        if total > limit:
            raise LimitExceeded(message, _writer_place(pieces) or where)
        yield from chunk


def _defined_at(function: Any) -> tuple[str, int] | None:
    """(template file, line) where a compiled block function was written."""
    template = getattr(function, "__globals__", {}).get("__jinja_template__")
    if template is None or not template.filename:
        return None
    return template.filename, template.get_corresponding_lineno(function.__code__.co_firstlineno)


class CappedBlock:
    """The render function of a block, writing at most :data:`MAX_BLOCK` characters.

    It equals the function it caps: ``{{ super() }}`` looks the block's own function up
    in the list of the context's blocks, which holds the caps.
    """

    __slots__ = ("_message", "render")

    def __init__(self, name: str, render: RenderFunction):
        self.render = render
        self._message = f"bloc « {name} » de plus de {MAX_BLOCK} caractères"

    def __call__(self, context: Any) -> Iterator[str]:
        return capped(self.render(context), MAX_BLOCK, self._message, _defined_at(self.render))

    def __eq__(self, other: object) -> bool:
        return other is self or other is self.render

    def __hash__(self) -> int:
        return hash(self.render)


class _CappingList(list[Any]):
    """A block's render functions (its own, then its parents'), each capped as it comes in."""

    def __init__(self, name: str, functions: Iterable[RenderFunction]):
        self.name = name
        super().__init__(CappedBlock(name, f) for f in functions)

    def append(self, function: RenderFunction) -> None:
        super().append(CappedBlock(self.name, function))


class _CappingBlocks(dict[str, Any]):
    """``context.blocks`` whose every block is capped, those the parents add included."""

    def setdefault(self, name: str, default: Any = None) -> Any:
        if name not in self:
            self[name] = _CappingList(name, ())
        return self[name]


#: The compiled module's global that holds :func:`literal_size` of the template.
LITERAL_NAME = "lettergen_literal"


def _charging_literal(render: RenderFunction, literal: int) -> RenderFunction:
    def root(context: Any) -> Iterator[str]:
        spending = current_budget()
        if spending is not None:  # inline: run at least twice a letter (the letter and its parent)
            spending.printed += literal
            if spending.printed > spending.max_printed:
                raise spending.printed_error()
        return render(context)

    return root


class LimitedTemplate(Template):
    """A template whose every render spends a fresh budget and writes at most :data:`MAX_LETTER`.

    Each time its body runs (the letter itself, a parent of it, an ``{% include %}``, an
    ``{% import %}``), its literal text is charged as written: a loop counts its own literal
    text at each turn, but not that of the template it includes.

    A letter longer than :data:`MAX_BLOCK` is rendered a second time with each block capped,
    to name a block too long: capping every block of every letter would cost more than all
    the other limits together, and a real letter is far shorter.
    """

    literal: int  # characters of literal text
    body: RenderFunction  # the compiled body, without the charge of its literal

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Template:
        template = super()._from_namespace(environment, namespace, globals)
        assert isinstance(template, LimitedTemplate)
        template.literal = namespace.get(LITERAL_NAME, 0)
        template.body = template.root_render_func  # what render() runs, its literal charged at once
        template.root_render_func = _charging_literal(template.body, template.literal)
        return template

    def render(self, *args: Any, **kwargs: Any) -> str:
        variables = dict(*args, **kwargs)
        try:
            text = self._render(variables, careful=False)
        except LetterTooLong as error:
            if error.where is None:  # seen after the fact: render again to see where
                self._render(variables, careful=True)
            raise
        if len(text) > MAX_BLOCK:
            self._render(variables, careful=True)
        return text

    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
        """The letter in one piece, from :meth:`render`: Jinja's own ``generate`` (and ``stream``,
        built on it) would run the body with no budget, every limit off."""
        yield self.render(*args, **kwargs)

    def _render(self, variables: dict[str, Any], careful: bool) -> str:
        context = self.new_context(variables)
        if careful:
            context.blocks = _CappingBlocks({n: _CappingList(n, f) for n, f in context.blocks.items()})
        spending = Budget()
        spending.printed = self.literal
        token = start_budget(spending)
        try:
            return written(self.body(context), 1 if careful else CHUNK)
        except Exception:
            self.environment.handle_exception()
        finally:
            end_budget(token)
        raise AssertionError("handle_exception always raises")  # pragma: no cover
