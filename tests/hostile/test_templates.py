"""Hostile templates: each one, run by the real CLI in a bounded subprocess, stops at a limit.

Every case writes a variant of the example campaign, templates/hostile.j2, whose block
« objet » (opened on line 2) holds the payload on line 3, and runs ``check``, ``preview`` or
``generate`` on it. Each must exit 1 with the exact French line naming the template's line and
the first recipient, write nothing, and stay far below the memory bound.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.hostile.harness import PEAK_LIMIT, Outcome, run_bounded

VARIANT = '{{% extends "segur.j2" %}}\n{{% block objet %}}\n{payload}\n{{% endblock %}}\n'
TIMEOUT = 180  # the CPU-budget cases spend 1 s of CPU per letter, on a machine that may be busy
LIMIT = "limite dépassée : "
TOO_LONG = "texte ou liste de plus de 100000 éléments"
TOO_BIG = "nombre de plus de 30 chiffres"
STEPS = "plus de 100000 étapes de calcul pour une lettre (boucle ou appel sans fin ?)"
HUGE = "argument trop grand : 1000000000 ({} ; au plus 100000)"
COMMANDS = {
    "check": ["check", "-t", "hostile"],
    "preview": ["preview", "-t", "hostile", "--recipient", "33"],
    "generate": ["generate", "-t", "hostile", "-o", "out", "--only", "33"],
}

#: (name, payload, line of the problem, message, commands)
CASES = [
    # The first wave's catalogue, kept covered.
    ("range", "{% for x in range(10**9) %}{% endfor %}", 3,
     "range() limité à 1000 éléments (demandé : 1000000000)", ("check", "preview", "generate")),
    ("repetition", "{{ 'x' * 10**10 }}", 3, f"{TOO_LONG} (opérateur *)", ("check", "preview", "generate")),
    ("tour de puissances", "{{ 9 ** 9 ** 9 ** 9 }}", 3, f"{TOO_BIG} (opérateur **)", ("check", "generate")),
    ("macro recursive", "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}", 3,
     "appels imbriqués trop profonds (macro qui s'appelle sans fin ?)", ("check", "preview", "generate")),
    # Time.
    ("boucles imbriquees",
     "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", 3, STEPS,
     ("check", "preview", "generate")),
    ("macro exponentielle",
     "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(80) }}", 3, STEPS,
     ("generate",)),
    ("calcul lent",
     "{% for i in range(1000) %}{% for j in range(1000) %}{% set s = (range(1000) | list) | sort %}"
     "{% endfor %}{% endfor %}", 3, "plus de 1 s de calcul pour une lettre", ("check",)),
    # Sizes built.
    ("concatenation doublee",
     "{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
     3, f"{TOO_LONG} (opérateur ~)", ("check", "generate")),
    ("liste doublee",
     "{% set ns = namespace(l=[1]) %}{% for i in range(90) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}"
     "{{ ns.l }}", 3, f"{TOO_LONG} (liste écrite dans le modèle)", ("preview",)),
    ("liste allongee",
     "{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = ns.l + ['x' * 1000] %}"
     "{% endfor %}", 3, f"{TOO_LONG} (opérateur +)", ("generate",)),
    ("liste multipliee", "{{ [1] * 100000 * 100000 }}", 3, f"{TOO_LONG} (opérateur *)", ("check",)),
    ("entier carre",
     "{% set ns = namespace(n=2) %}{% for i in range(100) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
     3, f"{TOO_BIG} (opérateur *)", ("preview",)),
    ("entier double",
     "{% set ns = namespace(n=10**29) %}{% for i in range(999) %}{% set ns.n = ns.n + ns.n %}{% endfor %}",
     3, f"{TOO_BIG} (opérateur +)", ("check",)),
    ("entier lu", "{{ ('9' * 5000) | int }}", 3, f"{TOO_BIG} (filtre « int »)", ("generate",)),
    ("somme", "{{ ([10**29] * 20) | sum }}", 3, f"{TOO_BIG} (filtre « sum »)", ("check",)),
    # Formats and filter arguments.
    ("largeur %", "{{ '%999999999d' % 1 }}", 3, "format de largeur 999999999 (opérateur % ; au plus 100000)",
     ("check", "preview", "generate")),
    ("largeur format", "{{ '{:>99999999}'.format(1) }}", 3,
     "format de largeur 99999999 (méthode « format » ; au plus 100000)", ("preview",)),
    ("filtre format", "{{ '%999999999s' | format('x') }}", 3,
     "format de largeur 999999999 (filtre « format » ; au plus 100000)", ("generate",)),
    ("center", "{{ 'x' | center(10**9) }}", 3, HUGE.format("filtre « center »"), ("check", "generate")),
    ("methode center", "{{ 'x'.center(10**9) }}", 3, HUGE.format("méthode « center »"), ("preview",)),
    ("indent", "{{ ('x\\n' * 50000) | indent(1000) }}", 3, f"{TOO_LONG} (filtre « indent »)", ("check",)),
    ("wordwrap", "{{ ('x' * 1000) | wordwrap(1, wrapstring='y' * 1000) }}", 3,
     f"{TOO_LONG} (filtre « wordwrap »)", ("generate",)),
    ("truncate", "{{ 'x' | truncate(10**9) }}", 3, HUGE.format("filtre « truncate »"), ("preview",)),
    ("replace", "{{ ('x' * 1000) | replace('x', 'y' * 1000) }}", 3, f"{TOO_LONG} (filtre « replace »)",
     ("check",)),
    ("round", "{{ 1.5 | round(10**9) }}", 3, HUGE.format("filtre « round »"), ("generate",)),
    ("slice", "{{ range(10) | slice(10**9) | list }}", 3, HUGE.format("filtre « slice »"), ("check",)),
    ("join", "{{ range(1000) | join('x' * 1000) }}", 3, f"{TOO_LONG} (filtre « join »)", ("preview",)),
    ("map", "{{ range(999) | map('string') | map('center', 1000) | list }}", 3,
     f"{TOO_LONG} (filtre « map »)", ("generate",)),
    ("to_bytes", "{{ (1).to_bytes(10**9, 'big') }}", 3, HUGE.format("méthode « to_bytes »"), ("check",)),
    ("expandtabs", "{{ ('\\t' * 1000).expandtabs(100000) }}", 3, f"{TOO_LONG} (méthode « expandtabs »)",
     ("preview",)),
    # What is written.
    ("bloc trop long", "{% for i in range(3) %}{{ 'x' * 50000 }}{% endfor %}", 3,
     "bloc « objet » de plus de 100000 caractères", ("check", "generate")),
    ("lettre trop longue",
     "{{ 'x' * 99000 }}{% endblock %}{% block appel %}{{ 'y' * 99000 }}{% endblock %}"
     "{% block felicitations %}{{ 'z' * 99000 }}", 3, "lettre de plus de 200000 caractères", ("preview",)),
    ("capture",
     "{% set s = 'x' * 99999 %}{% set c %}{% for i in range(1000) %}{{ s }}{% endfor %}{% endset %}", 3,
     "plus de 1000000 caractères écrits pour une lettre", ("generate",)),
]  # fmt: skip

RUNS = [
    pytest.param(payload, line, message, command, id=f"{name}-{command}")
    for name, payload, line, message, commands in CASES
    for command in commands
]


def expected_line(line: int, message: str, recipient: str = "33") -> str:
    return f"templates/hostile.j2:{line}: {LIMIT}{message} (destinataire « {recipient} »)"


def assert_refused(outcome: Outcome, folder: Path, line: str) -> None:
    assert outcome.returncode == 1, outcome.stderr
    assert line in outcome.errors, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert outcome.stdout == ""
    assert not (folder / "out").exists()
    assert outcome.peak_bytes < PEAK_LIMIT


@pytest.mark.parametrize("payload, line, message, command", RUNS)
def test_a_hostile_template_stops_at_its_limit(hostile_dir: Path, payload, line, message, command) -> None:
    (hostile_dir / "templates" / "hostile.j2").write_text(VARIANT.format(payload=payload), encoding="utf-8")
    outcome = run_bounded(COMMANDS[command], hostile_dir, timeout=TIMEOUT)
    assert_refused(outcome, hostile_dir, expected_line(line, message))


@pytest.mark.parametrize("options", [(), ("--skip-invalid",)])
def test_generate_in_worker_processes_stops_every_letter(hostile_dir: Path, options: tuple[str, ...]) -> None:
    """Enough letters for the worker pool (and its memory ceiling): the run stops at the first letter
    that hits a limit (every other would spend the same budget), named; none written."""
    source = hostile_dir / "recipients" / "exemple.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, people = rows[0], rows[1:]
    many = [[f"{row[0]}-{n}", *row[1:]] for n in range(5) for row in people]  # 90 letters
    with (hostile_dir / "recipients" / "nombreux.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([header, *many])
    payload = "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"
    (hostile_dir / "templates" / "hostile.j2").write_text(VARIANT.format(payload=payload), encoding="utf-8")
    command = ["generate", "-t", "hostile", "-r", "recipients/nombreux.csv", "-o", "out", "--jobs", "2"]
    command += options  # --skip-invalid skips bad rows; a template past its limits stops the run
    outcome = run_bounded(command, hostile_dir, timeout=TIMEOUT)
    assert_refused(outcome, hostile_dir, expected_line(3, STEPS, "33-0"))
    assert sum(line.startswith("templates/hostile.j2:3: ") for line in outcome.errors) == 1


def test_an_included_template_repeated_in_a_capture_stops(hostile_dir: Path) -> None:
    """4 GB of an included template's text in a ``{% set %}`` capture: stopped at 1,000,000 characters."""
    (hostile_dir / "templates" / "gros.j2").write_text("x" * 50000, encoding="utf-8")
    payload = (
        "{% set c %}{% for i in range(1000) %}{% for j in range(80) %}{% include 'gros.j2' %}"
        "{% endfor %}{% endfor %}{% endset %}"
    )
    (hostile_dir / "templates" / "hostile.j2").write_text(VARIANT.format(payload=payload), encoding="utf-8")
    outcome = run_bounded(COMMANDS["generate"], hostile_dir, timeout=TIMEOUT)
    assert_refused(
        outcome, hostile_dir, expected_line(3, "plus de 1000000 caractères écrits pour une lettre")
    )
