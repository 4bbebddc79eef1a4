"""click's own messages are French whatever the locale (lettergen/cli_french.py)."""

from __future__ import annotations

import ast
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import click
import pytest

from lettergen import cli_french
from lettergen.cli_french import MESSAGES, PLURALS, FrenchClick

CLICK_DIR = Path(click.__file__).parent
# Words of click's English output, none of which may survive in lettergen's (whole words: TEXTE is
# French).
ENGLISH = re.compile(
    r"\b(Usage|Try|Error|Show|default|Missing|Invalid|No such|Did you mean|TEXT|PATH|INTEGER|COMMAND|ARGS"
    r"|Options:|Commands)\b|x>="
)


def run_lettergen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m lettergen ARGS`` under an English, non-French locale."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_MESSAGES")}
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return subprocess.run(
        [sys.executable, "-m", "lettergen", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def assert_no_english(text: str) -> None:
    found = [match.group() for match in ENGLISH.finditer(text)]
    assert not found, f"anglais de click dans la sortie : {found}\n{text}"


def test_unknown_option(tmp_path):
    result = run_lettergen("generate", "--nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Utilisation : lettergen generate [OPTIONS]",
        "Essayez « lettergen generate --help » pour l'aide.",
        "",
        "Erreur : option inconnue « --nope ». Vouliez-vous dire « --force » ?",
    ]


def test_generate_help(tmp_path):
    result = run_lettergen("generate", "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Utilisation : lettergen generate [OPTIONS]"
    assert "Options :" in lines
    assert lines[-1].split() == ["-h,", "--help", "Afficher", "ce", "message", "et", "quitter."]
    flat = " ".join(result.stdout.split())  # help text is wrapped to the terminal width
    assert "[défaut : segur]" in flat
    assert "--jobs ENTIER" in flat and " ; au moins 1]" in flat
    assert "-o, --out CHEMIN" in flat
    assert_no_english(result.stdout)


def test_top_level_help(tmp_path):
    result = run_lettergen("--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Utilisation : lettergen [OPTIONS] COMMANDE [ARGUMENTS]..."
    assert "Options :" in lines and "Commandes :" in lines
    assert "  --version   Afficher la version et quitter." in lines
    assert_no_english(result.stdout)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ("preview", "--date", "nope"),
            "Erreur : valeur invalide pour « --date » : « nope » n'est pas une date",
        ),
        (
            ("generate", "--jobs", "0"),
            "Erreur : valeur invalide pour « --jobs » : il faut au moins 1, pas 0.",
        ),
        (
            ("generate", "--format", "odt"),
            "Erreur : valeur invalide pour « --format » : « odt » n'est pas parmi",
        ),
        (("nope",), "Erreur : commande inconnue « nope »."),
        (("generate", "-o"), "Erreur : l'option « -o » demande une valeur."),
    ],
)
def test_usage_errors(tmp_path, args, error):
    result = run_lettergen(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(error), result.stderr
    assert_no_english(result.stderr)


def _click_calls() -> tuple[set[str], set[tuple[str, str]], list[str]]:
    """Every literal msgid of the installed click: ``_("…")``, ``ngettext("…", "…", n)``."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    dynamic: list[str] = []
    for path in sorted(CLICK_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            literals = [
                a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
            if node.func.id == "_":
                if len(literals) == 1:
                    singles.add(literals[0])
                else:
                    dynamic.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
            elif node.func.id == "ngettext":
                assert len(literals) == 2, f"{path.name}:{node.lineno}: {ast.unparse(node)}"
                plurals.add((literals[0], literals[1]))
    return singles, plurals, dynamic


def test_every_click_msgid_has_french():
    """A click upgrade that brings new strings fails here: translate them in cli_french.py."""
    singles, plurals, dynamic = _click_calls()
    assert len(singles) > 50 and len(plurals) > 5  # the parse found click's strings
    assert sorted(singles - MESSAGES.keys()) == []
    assert sorted(plurals - PLURALS.keys()) == []
    # The one non-literal call, _(extra["required"]), translates the word "required".
    assert [call.split(": ", 1)[1] for call in dynamic] == ["_(extra['required'])"]
    assert "required" in MESSAGES


def test_every_click_module_with_gettext_is_patched():
    """Each module that binds ``_`` or ``ngettext`` is in CLICK_MODULES (Windows-only aside)."""
    binding = {
        f"click.{path.stem}"
        for path in CLICK_DIR.glob("*.py")
        if "from gettext import" in path.read_text(encoding="utf-8")
    }
    patched = {module.__name__ for module in cli_french.CLICK_MODULES}
    assert binding - patched == {"click._winconsole"}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_french_strings_use_only_fields_click_passes():
    """Every ``{field}`` of a French string is one click formats it with (else a KeyError)."""
    wrong = [en for en, fr in MESSAGES.items() if "%(" not in en and not _fields(fr) <= _fields(en)]
    for (one, many), (un, plusieurs) in PLURALS.items():
        given = _fields(one) | _fields(many)
        if not (_fields(un) | _fields(plusieurs)) <= given:
            wrong.append(one)
    assert wrong == []


def test_plural_chosen_by_count():
    french = FrenchClick()
    one, many = "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."
    assert french.ngettext(one, many, 1).format(name="-o", nargs=1) == "l'option « -o » demande une valeur."
    assert french.ngettext(one, many, 2).format(name="-o", nargs=2) == "l'option « -o » demande 2 valeurs."
    assert french.ngettext("new {x}", "news {x}", 3) == "news {x}"  # unknown: click's own words
    assert french.gettext("Usage:") == "Utilisation :"


@pytest.mark.parametrize(
    ("kind", "options", "described"),
    [
        (click.IntRange, {"min": 1}, "au moins 1"),
        (click.IntRange, {"min": 0, "min_open": True}, "plus de 0"),
        (click.IntRange, {"max": 9}, "au plus 9"),
        (click.FloatRange, {"max": 2.5, "max_open": True}, "moins de 2.5"),
        (click.IntRange, {"min": 1, "max": 10}, "de 1 à 10"),
        (click.IntRange, {"min": 1, "max": 10, "max_open": True}, "entre 1 et 10 exclu"),
    ],
)
def test_ranges_described_in_french(kind, options, described):
    assert cli_french._describe_range(kind(**options)) == described


def test_help_extras_get_french_semicolons():
    assert (
        cli_french._french_extras("Texte.  [défaut : 2; au moins 1]") == "Texte.  [défaut : 2 ; au moins 1]"
    )
    assert cli_french._french_extras("Une; deux.") == "Une; deux."  # no extras: left alone
