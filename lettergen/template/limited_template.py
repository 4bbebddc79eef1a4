"""Compiled templates that count what they do: loop turns, concatenations, literals, output.

Jinja compiles ``{% for %}``, ``~`` and ``[…]`` / ``(…)`` / ``{…}`` into plain Python
that no sandbox hook sees. Before a template is compiled, :func:`limit_tree`
rewrites those nodes into calls of the environment's counting helpers
(:func:`loop_items`, :func:`concat_parts`, :func:`built_value`); since calls go
through the sandbox, each is a step and its result is measured. A
:class:`LimitedTemplate` renders under a :class:`~lettergen.template.limits.Budget`
and caps what each block and the whole letter write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import Template, nodes
from jinja2.visitor import NodeTransformer

from lettergen.template.limits import (
    MAX_BLOCK,
    MAX_LETTER,
    MAX_SEQUENCE,
    LimitExceeded,
    budget,
    charge,
    check_size,
    too_long,
)

RenderFunction = Callable[[Any], Iterator[str]]


class _Counting(NodeTransformer):
    """Rewrite the nodes whose cost no sandbox hook sees into calls of counting helpers."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        literal = sum(len(data.data) for data in node.find_all(nodes.TemplateData))
        node.iter = _helper("loop_items", node.iter, nodes.Const(literal), lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _helper("concat_parts", *node.nodes, lineno=node.lineno)

    def _built(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        return _helper("built_value", node, lineno=node.lineno)

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        return self._built(node) if node.ctx == "load" else self.generic_visit(node)

    visit_List = _built
    visit_Dict = _built


def _helper(name: str, *args: nodes.Node, lineno: int) -> nodes.Node:
    call = nodes.Call(nodes.EnvironmentAttribute(name), list(args), [], None, None)
    return call.set_lineno(lineno)


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


def loop_items(iterable: Iterable[Any], literal: int) -> CountedItems:
    return CountedItems(iterable, literal)


def concat_parts(*parts: Any) -> str:
    """``a ~ b ~ c``: measured before it is joined."""
    texts = [part if type(part) is str else str(check_size(part, "opérateur ~")) for part in parts]
    if sum(map(len, texts)) > MAX_SEQUENCE:
        raise too_long("opérateur ~")
    return "".join(texts)


def built_value(value: Any) -> Any:
    """A list, tuple or dict written in the template (measured by the sandbox's call)."""
    return value


# --------------------------------------------------------------------------- output caps


def _writer_place(generator: Any) -> tuple[str, int] | None:
    """(template file, line) of the innermost template code suspended in ``generator``."""
    place = None
    while generator is not None:
        frame = getattr(generator, "gi_frame", None)
        if frame is None:
            break
        if frame.f_code is capped.__code__:  # a block's cap: look at the block it caps
            generator = frame.f_locals.get("pieces")
            continue
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            place = (template.filename, template.get_corresponding_lineno(frame.f_lineno))
        generator = getattr(generator, "gi_yieldfrom", None)
    return place


def capped(pieces: Iterator[str], limit: int, message: str) -> Iterator[str]:
    """``pieces``, until they add up to more than ``limit`` characters."""
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > limit:
            raise LimitExceeded(message, _writer_place(pieces))
        yield piece


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
        return capped(self.render(context), MAX_BLOCK, self._message)

    def __eq__(self, other: object) -> bool:
        return other is self or other is self.render

    def __hash__(self) -> int:
        return hash(self.render)


class LimitedTemplate(Template):
    """A template whose every render spends a fresh budget and writes at most :data:`MAX_LETTER`."""

    @classmethod
    def _from_namespace(cls, environment: Any, namespace: Any, globals: Any) -> Template:
        template = super()._from_namespace(environment, namespace, globals)
        template.blocks = {name: CappedBlock(name, f) for name, f in template.blocks.items()}
        return template

    def render(self, *args: Any, **kwargs: Any) -> str:
        context = self.new_context(dict(*args, **kwargs))
        message = f"lettre de plus de {MAX_LETTER} caractères"
        with budget():
            try:
                return "".join(capped(self.root_render_func(context), MAX_LETTER, message))
            except Exception:
                self.environment.handle_exception()
        raise AssertionError("handle_exception always raises")  # pragma: no cover
