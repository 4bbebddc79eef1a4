"""Static checks of a template and its parents, before anything is rendered.

Jinja itself accepts a child template that overrides a block its parent does
not have (the block is silently ignored), and only finds an unknown variable
when the line runs. These checks find both, with the file and line, and a
suggestion of the closest valid name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import TemplateNotFound, TemplateSyntaxError, meta, nodes

from lettergen.errors import Problem
from lettergen.template.messages import suggest, syntax_message


@dataclass
class SourceFile:
    """One template of an inheritance chain, parsed."""

    loader_name: str  # the name Jinja knows it by: "segur.j2"
    filename: str  # absolute, normalised path
    display: str  # as the user types it: "templates/segur.j2"
    source: str
    ast: nodes.Template
    parent: str | None = None  # loader name of the template it extends
    blocks: tuple[str, ...] = ()  # every block defined in this file
    top_blocks: tuple[tuple[str, int], ...] = ()  # blocks that override the parent's
    description: str = ""
    problems: list[Problem] = field(default_factory=list)


def display_name(filename: str | os.PathLike[str], templates_dir: Path) -> str:
    """A template's path as the user would type it: relative to the templates folder's parent."""
    path = Path(os.path.normpath(filename))
    for base in (templates_dir.resolve().parent, Path.cwd().resolve()):
        try:
            return path.resolve().relative_to(base).as_posix()
        except ValueError:
            continue
    return str(filename)


def description_of(source: str, ast: nodes.Template) -> str:
    """The variant's description: a leading ``{# description : … #}`` or ``{% set description = "…" %}``."""
    match = re.match(r"\s*\{#-?\s*description\s*:\s*(.*?)\s*-?#\}", source, re.S | re.I)
    if match:
        return " ".join(match.group(1).split())
    for assign in ast.find_all(nodes.Assign):
        named = isinstance(assign.target, nodes.Name) and assign.target.name == "description"
        if named and isinstance(assign.node, nodes.Const):
            return " ".join(str(assign.node.value).split())
    return ""


def _top_level_blocks(node: nodes.Node) -> list[nodes.Block]:
    found: list[nodes.Block] = []
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Block):
            found.append(child)
        else:
            found.extend(_top_level_blocks(child))
    return found


def parse_file(env: Any, loader_name: str, templates_dir: Path, display: str | None = None) -> SourceFile:
    """Load and parse one template; a syntax error is returned as a problem, not raised."""
    source, filename, _ = env.loader.get_source(env, loader_name)
    filename = os.path.normpath(filename)
    shown = display or display_name(filename, templates_dir)
    try:
        ast = env.parse(source, loader_name, filename)
    except TemplateSyntaxError as error:
        empty = nodes.Template([], lineno=1)
        item = SourceFile(loader_name, filename, shown, source, empty)
        item.problems.append(Problem(shown, error.lineno, syntax_message(error.message or "")))
        return item
    parent = None
    for extends in ast.find_all(nodes.Extends):
        if isinstance(extends.template, nodes.Const) and isinstance(extends.template.value, str):
            parent = extends.template.value
        break
    blocks = tuple(b.name for b in ast.find_all(nodes.Block))
    top = tuple((b.name, b.lineno) for b in _top_level_blocks(ast))
    return SourceFile(
        loader_name, filename, shown, source, ast, parent, blocks, top, description_of(source, ast)
    )


def load_chain(
    env: Any, loader_name: str, templates_dir: Path, display: str | None = None
) -> list[SourceFile]:
    """The template and its parents, child first. A missing parent is a problem of the child."""
    chain = [parse_file(env, loader_name, templates_dir, display)]
    seen = {loader_name}
    while chain[-1].parent and not chain[-1].problems:
        child, parent = chain[-1], chain[-1].parent
        if parent in seen:
            line = next((e.lineno for e in child.ast.find_all(nodes.Extends)), None)
            child.problems.append(Problem(child.display, line, f"héritage circulaire : « {parent} »"))
            break
        seen.add(parent)
        try:
            chain.append(parse_file(env, parent, templates_dir))
        except TemplateNotFound:
            line = next((e.lineno for e in child.ast.find_all(nodes.Extends)), None)
            names = env.loader.list_templates()
            child.problems.append(
                Problem(
                    child.display,
                    line,
                    f"le modèle parent « {parent} » est introuvable" + suggest(parent, names),
                )
            )
            break
    return chain


def _store_names(ast: nodes.Template) -> set[str]:
    names = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for macro in ast.find_all(nodes.Macro):
        names.update(a.name for a in macro.args)
    return names


def _attribute_path(node: nodes.Getattr | nodes.Getitem) -> tuple[str, list[str]] | None:
    attrs: list[str] = []
    current: nodes.Node = node
    while isinstance(current, (nodes.Getattr, nodes.Getitem)):
        if isinstance(current, nodes.Getattr):
            attrs.append(current.attr)
        elif isinstance(current.arg, nodes.Const) and isinstance(current.arg.value, str):
            attrs.append(current.arg.value)
        else:
            return None
        current = current.node
    if isinstance(current, nodes.Name) and current.ctx == "load":
        return current.name, list(reversed(attrs))
    return None


def static_problems(chain: Sequence[SourceFile], env: Any, schema: dict[str, Any]) -> list[Problem]:
    """Every problem found without data: syntax, filters, tests, blocks, variables, attributes.

    ``schema`` maps each vocabulary variable to its known attributes
    (nested dicts; ``None`` means not checked).
    """
    problems: list[Problem] = []
    for item in chain:
        problems.extend(item.problems)
    if problems:
        return problems
    known_variables = set(schema) | set(env.globals)
    for index, item in enumerate(chain):
        problems += _filter_and_test_problems(item, env)
        if item.parent and index + 1 < len(chain):
            problems += _block_problems(item, chain[index + 1 :])
        problems += _variable_problems(item, known_variables)
        problems += _forbidden_attributes(item)
        problems += _attribute_problems(item, schema)
    unique: list[Problem] = []
    for problem in problems:
        if problem not in unique:
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.file or "", p.line or 0))


def _filter_and_test_problems(item: SourceFile, env: Any) -> list[Problem]:
    problems = [
        Problem(
            item.display,
            node.lineno,
            # the limits' own helpers (``lettergen:…``) cannot be written: never suggested
            f"filtre inconnu « {node.name} »" + suggest(node.name, (n for n in env.filters if ":" not in n)),
        )
        for node in item.ast.find_all(nodes.Filter)
        if node.name not in env.filters
    ]
    problems += [
        Problem(item.display, node.lineno, f"test inconnu « {node.name} »" + suggest(node.name, env.tests))
        for node in item.ast.find_all(nodes.Test)
        if node.name not in env.tests
    ]
    return problems


def _block_problems(item: SourceFile, ancestors: Sequence[SourceFile]) -> list[Problem]:
    """Blocks a child overrides that none of its ancestors has (Jinja would ignore them)."""
    parent_blocks = {name for ancestor in ancestors for name in ancestor.blocks}
    return [
        Problem(
            item.display,
            line,
            f"le bloc « {name} » n'existe pas dans « {item.parent} »" + suggest(name, parent_blocks),
        )
        for name, line in item.top_blocks
        if name not in parent_blocks
    ]


def _variable_problems(item: SourceFile, known_variables: set[str]) -> list[Problem]:
    ast = item.ast
    try:
        undeclared = meta.find_undeclared_variables(ast) - known_variables
    except TemplateSyntaxError:  # an unknown filter or test, reported above
        undeclared = set()
    return [
        Problem(
            item.display,
            _first_line(ast, name),
            f"variable inconnue « {name} »" + suggest(name, known_variables),
        )
        for name in sorted(undeclared, key=lambda n: _first_line(ast, n))
    ]


def _attribute_nodes(ast: nodes.Template) -> Iterator[nodes.Getattr | nodes.Getitem]:
    """Every ``x.y`` and ``x[…]`` of the template, in pre-order."""
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))
        yield node


def _forbidden_attributes(item: SourceFile) -> list[Problem]:
    """``x._y`` and ``x["_y"]``: one problem per line, naming the first such attribute written."""
    forbidden: dict[int, str] = {}
    for node in _attribute_nodes(item.ast):
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            name = node.arg.value
        else:
            name = ""
        if name.startswith("_"):
            forbidden[node.lineno] = name  # pre-order walk: the innermost (first written) wins
    return [
        Problem(item.display, line, f"accès interdit dans un modèle : attribut « {name} »")
        for line, name in forbidden.items()
    ]


def _attribute_problems(item: SourceFile, schema: dict[str, Any]) -> list[Problem]:
    """Unknown attributes of the vocabulary's variables (``destinataire.nomm``, ``chiffres.x``)."""
    local = _store_names(item.ast)
    problems = []
    for node in _attribute_nodes(item.ast):
        path = _attribute_path(node)
        if path is None or path[0] in local or path[0] not in schema:
            continue
        message = _check_path(path[0], path[1], schema[path[0]])
        if message:
            problems.append(Problem(item.display, node.lineno, message))
    return problems


def _first_line(ast: nodes.Template, name: str) -> int:
    for node in ast.find_all(nodes.Name):
        if node.name == name and node.ctx == "load":
            return node.lineno
    return 1


def _check_path(root: str, attrs: list[str], tree: Any) -> str | None:
    walked = root
    for attr in attrs:
        if attr.startswith("_"):
            return None  # reported as a sandbox violation
        if not isinstance(tree, dict):
            return None
        if attr not in tree:
            kind = "chiffre inconnu" if root == "chiffres" else "attribut inconnu"
            hint = suggest(attr, tree)
            if hint:
                best = hint.split("« ")[1].split(" »")[0]
                hint = f" (vouliez-vous dire « {walked}.{best} » ?)"
            elif root == "chiffres":
                hint = " (chiffres disponibles : " + ", ".join(sorted(tree)) + ")"
            return f"{kind} « {walked}.{attr} »{hint}"
        walked = f"{walked}.{attr}"
        tree = tree[attr]
    return None
