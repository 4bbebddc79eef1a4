"""The shape rules of issue 11 (« Must show »), checked over the source of lettergen/ with ast.

Each test lists every offender as FILE:LINE (function) so a failure says what to fix.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lettergen"
ROOT = PACKAGE.parent
MAX_FUNCTION_LINES = 60
# The one module allowed to move files into place (atomic writes).
FILE_WRITER = "lettergen/files.py"
FRENCH_DIR = "lettergen/french/"
MONTHS = re.compile(
    r"\b(janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre)\b",
    # Lowercase only, as French writes months in a date (« 1er juillet 2021 »); « MAI » is the RNE's
    # code for a mayor's office, not a month.
)


@cache
def sources() -> dict[str, ast.Module]:
    """Parsed modules of lettergen/, by path relative to the repository ("lettergen/x.py")."""
    return {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def functions(
    tree: ast.AST, prefix: str = ""
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualified name, node) of every function and method, nested ones included."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + node.name, node
            yield from functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from functions(node, f"{prefix}{node.name}.")
        else:
            yield from functions(node, prefix)


def enclosing(tree: ast.Module) -> dict[int, str]:
    """id(node) → name of the innermost function holding it (for messages)."""
    owner: dict[int, str] = {}
    for name, function in functions(tree):
        for node in ast.walk(function):
            owner[id(node)] = name  # inner functions come later and win
    return owner


def where(path: str, node: ast.AST, owner: dict[int, str]) -> str:
    return f"{path}:{getattr(node, 'lineno', 0)} ({owner.get(id(node), '<module>')})"


def report(title: str, offenders: list[str]) -> None:
    """Fail with every offender on its own line."""
    if offenders:
        pytest.fail(f"{title} :\n" + "\n".join(offenders), pytrace=False)


def test_no_french_api_module():
    report("module à supprimer", [p for p in sources() if p.endswith("/french_api.py")])


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(c, ast.Name) and c.id in ("ImportError", "ModuleNotFoundError") for c in caught)


def test_no_except_import_error():
    """Dependencies are imported where used, never behind a fallback."""
    offenders = []
    for path, tree in sources().items():
        owner = enclosing(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and _catches_import_error(node):
                offenders.append(where(path, node, owner))
    report("except ImportError", offenders)


def test_functions_fit_on_a_screen():
    """No function over 60 lines, counted from its first decorator; offline builders aside."""
    offenders = []
    for path, tree in sources().items():
        if Path(path).name.startswith("build_"):
            continue
        for name, node in functions(tree):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                offenders.append(f"{path}:{start} ({name}) : {length} lignes")
    report(f"fonctions de plus de {MAX_FUNCTION_LINES} lignes", offenders)


def _imported(path: str, node: ast.Import | ast.ImportFrom, known: set[str]) -> Iterator[str]:
    """lettergen modules an import statement names (a submodule when ``from pkg import sub``)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names if alias.name in known)
        return
    base = node.module or ""
    if node.level:
        package = module_name(path).split(".")
        if not path.endswith("__init__.py"):
            package = package[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    for alias in node.names:
        if f"{base}.{alias.name}" in known:
            yield f"{base}.{alias.name}"
        elif base in known:
            yield base


def import_graph() -> dict[str, dict[str, str]]:
    """module → {imported module: where}, imports inside functions included."""
    known = {module_name(path) for path in sources()}
    graph: dict[str, dict[str, str]] = {name: {} for name in known}
    for path, tree in sources().items():
        owner = enclosing(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _imported(path, node, known):
                    if target != module_name(path):
                        graph[module_name(path)].setdefault(target, where(path, node, owner))
    return graph


def circles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_import_circle():
    """No two lettergen modules import each other, directly or round a loop, at any level."""
    graph = import_graph()
    offenders = []
    for component in circles(graph):
        offenders.append(" ↔ ".join(component))
        for module in component:
            for target, place in sorted(graph[module].items()):
                if target in component:
                    offenders.append(f"    {module} → {target} : {place}")
    report("cercles d'imports", offenders)


def _moves(tree: ast.Module) -> Iterator[ast.AST]:
    """Renames: ``os.replace``/``os.rename`` (used or imported), ``shutil.move``, and
    ``path.replace(target)`` / ``path.rename(target)`` (pathlib's; ``str.replace`` takes two arguments)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in (("os", "replace"), ("os", "rename"), ("shutil", "move")):
                yield node
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module in ("os", "shutil")
            and any(alias.name in ("replace", "rename", "move") for alias in node.names)
        ) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("replace", "rename")
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.func.value, ast.Constant)
        ):
            yield node


def test_files_move_into_place_in_one_module():
    offenders = []
    for path, tree in sources().items():
        if path != FILE_WRITER:
            owner = enclosing(tree)
            offenders.extend(where(path, node, owner) for node in _moves(tree))
    report(f"fichiers renommés hors de {FILE_WRITER}", offenders)


def _docstrings(tree: ast.Module) -> set[int]:
    nodes = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)),
    ]
    return {
        id(node.body[0].value)
        for node in nodes
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }


def test_month_names_only_in_french():
    """One table of French month names, under lettergen/french/ (strings; comments and docstrings aside)."""
    offenders = []
    for path, tree in sources().items():
        if path.startswith(FRENCH_DIR):
            continue
        owner, docstrings = enclosing(tree), _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                names = sorted({m.group().lower() for m in MONTHS.finditer(node.value)})
                if names:
                    offenders.append(f"{where(path, node, owner)} : {', '.join(names)}")
    report(f"noms de mois hors de {FRENCH_DIR}", offenders)


# --- the checkers themselves, on small made-up code ---------------------------------------------


def test_checkers_catch_what_they_look_for():
    tree = ast.parse(
        "import os\n"
        "try:\n    import x\nexcept (ValueError, ImportError):\n    pass\n"
        "@decorator\n@other\ndef f():\n"
        "    os.replace(a, b)\n    target.replace(other)\n    'a'.replace('a', 'b')\n"
    )
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
    assert [_catches_import_error(h) for h in handlers] == [True]
    [(name, node)] = list(functions(tree))
    assert name == "f" and min(d.lineno for d in node.decorator_list) == 6 and node.end_lineno == 11
    assert sorted(n.lineno for n in _moves(tree)) == [9, 10]
    graph = {"a": {"b": "a:1"}, "b": {"c": "b:1"}, "c": {"a": "c:1"}, "d": {"a": "d:1"}}
    assert circles(graph) == [["a", "b", "c"]]
