"""The limits of a template render: each one met gives its exact French line, nothing else breaks.

The figures are lettergen/template/limits.py's; docs/templates.md lists them with these messages.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lettergen.errors import TemplateError, TemplateLimitError
from lettergen.template import check_template, load_template, render_letter, render_markup
from lettergen.template import render as render_stage
from lettergen.template.environment import make_environment
from lettergen.template.limits import (
    MAX_ARGUMENT,
    MAX_SEQUENCE,
    Budget,
    LimitExceeded,
    budget,
    charge,
    weight,
)

from .conftest import DATE, recipient

#: The payload goes on line 3, inside the block « objet » opened on line 2.
VARIANT = '{{% extends "segur.j2" %}}\n{{% block objet %}}\n{payload}\n{{% endblock %}}\n'
LIMIT = "limite dépassée : "
TOO_LONG = "texte ou liste de plus de 100000 éléments"
TOO_BIG = "nombre de plus de 30 chiffres"
HUGE = "argument trop grand : 1000000000 ({} ; au plus 100000)"
WIDTH = "format de largeur 999999999"
BLOCK = "bloc « objet » de plus de 100000 caractères"
HYPOTHESIS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def render_variant(folder, payload, who=None):
    """Write the variant templates/essai.j2 with ``payload`` and render it; return the markup."""
    (folder / "essai.j2").write_text(VARIANT.format(payload=payload), encoding="utf-8")
    return render_markup(load_template("essai", folder), who or recipient("33", "F"), DATE)


def limit_of(folder, payload, who=None) -> TemplateLimitError:
    with pytest.raises(TemplateLimitError) as caught:
        render_variant(folder, payload, who)
    return caught.value


CASES = [
    ("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
     3, "plus de 100000 étapes de calcul pour une lettre (boucle ou appel sans fin ?)"),
    ("{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(60) }}",
     3, "plus de 100000 étapes de calcul pour une lettre (boucle ou appel sans fin ?)"),
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}",
     3, "appels imbriqués trop profonds (macro qui s'appelle sans fin ?)"),
    ("{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}",
     3, f"{TOO_LONG} (opérateur ~)"),
    ("{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}",
     3, f"{TOO_LONG} (liste écrite dans le modèle)"),
    ("{% set ns = namespace(l=[]) %}{% for i in range(1000) %}{% set ns.l = ns.l + ['x' * 1000] %}"
     "{% endfor %}", 3, f"{TOO_LONG} (opérateur +)"),
    ("{{ 'x' * 10**10 }}", 3, f"{TOO_LONG} (opérateur *)"),
    ("{{ [1] * 100000 * 100000 }}", 3, f"{TOO_LONG} (opérateur *)"),
    ("{% set ns = namespace(n=10**29) %}{% for i in range(200) %}{% set ns.n = ns.n + ns.n %}{% endfor %}",
     3, f"{TOO_BIG} (opérateur +)"),
    ("{% set ns = namespace(n=-10**29) %}{% for i in range(200) %}{% set ns.n = ns.n - -ns.n %}"
     "{% endfor %}", 3, f"{TOO_BIG} (opérateur -)"),
    ("{% set ns = namespace(n=2) %}{% for i in range(100) %}{% set ns.n = ns.n * ns.n %}{% endfor %}",
     3, f"{TOO_BIG} (opérateur *)"),
    ("{{ 9 ** 9 ** 9 }}", 3, f"{TOO_BIG} (opérateur **)"),
    ("{{ ('9' * 5000) | int }}", 3, f"{TOO_BIG} (filtre « int »)"),
    ("{{ ([10**29] * 20) | sum }}", 3, f"{TOO_BIG} (filtre « sum »)"),
    ("{{ ([[1]] * 2000) | sum(start=[]) }}", 3, "somme de plus de 1000 textes ou listes (filtre « sum »)"),
    ("{{ '%999999999d' % 1 }}", 3, f"{WIDTH} (opérateur % ; au plus 100000)"),
    ("{{ '%*d' % (5, 1) }}", 3, "largeur « * » refusée dans un format (opérateur %)"),
    ("{{ '{:>99999999}'.format(1) }}", 3, "format de largeur 99999999 (méthode « format » ; au plus 100000)"),
    ("{{ '{:{w}}'.format(1, w=5) }}", 3, "largeur calculée refusée dans un format (méthode « format »)"),
    ("{{ '{0}{0}{0}'.format('x' * 99999) }}", 3, f"{TOO_LONG} (méthode « format »)"),
    ("{{ '%999999999s' | format('x') }}", 3, f"{WIDTH} (filtre « format » ; au plus 100000)"),
    ("{{ 'x' | center(10**9) }}", 3, HUGE.format("filtre « center »")),
    ("{{ 'x' | truncate(10**9) }}", 3, HUGE.format("filtre « truncate »")),
    ("{{ 1.5 | round(10**9) }}", 3, HUGE.format("filtre « round »")),
    ("{{ range(10) | slice(10**9) | list }}", 3,
     HUGE.format("filtre « slice »")),
    ("{{ ('x\\n' * 50000) | indent(1000) }}", 3, f"{TOO_LONG} (filtre « indent »)"),
    ("{{ ('x' * 1000) | wordwrap(1, wrapstring='y' * 1000) }}", 3, f"{TOO_LONG} (filtre « wordwrap »)"),
    ("{{ ('x' * 1000) | replace('x', 'y' * 1000) }}", 3, f"{TOO_LONG} (filtre « replace »)"),
    ("{{ range(1000) | join('x' * 1000) }}", 3, f"{TOO_LONG} (filtre « join »)"),
    ("{{ range(999) | map('string') | map('center', 1000) | list }}", 3, f"{TOO_LONG} (filtre « map »)"),
    ("{{ 'x'.center(10**9) }}", 3, HUGE.format("méthode « center »")),
    ("{{ (1).to_bytes(10**9, 'big') }}", 3,
     HUGE.format("méthode « to_bytes »")),
    ("{{ ('a' * 1000).replace('a', 'x' * 1000) }}", 3, f"{TOO_LONG} (méthode « replace »)"),
    ("{{ ('\\t' * 1000).expandtabs(100000) }}", 3, f"{TOO_LONG} (méthode « expandtabs »)"),
    ("{{ dict(a='x' * 99999, b='y' * 99999) }}", 3, f"{TOO_LONG} (fonction « dict »)"),
    ("{% for x in range(10**9) %}{% endfor %}", 3, "range() limité à 1000 éléments (demandé : 1000000000)"),
    ("{% set s = 'x' * 99999 %}{% set c %}{% for i in range(1000) %}{{ s }}{% endfor %}{% endset %}",
     3, "plus de 1000000 caractères écrits pour une lettre"),
    ("{% for i in range(3) %}{{ 'x' * 50000 }}{% endfor %}", 3, BLOCK),
    ("{{ 'x' * 50000 }}\n{{ 'y' * 50000 }}", 4, BLOCK),
    ("{{ 'x' * 99000 }}{% endblock %}{% block appel %}{{ 'y' * 99000 }}{% endblock %}"
     "{% block felicitations %}{{ 'z' * 99000 }}", 3, "lettre de plus de 200000 caractères"),
]  # fmt: skip


@pytest.mark.parametrize("payload, line, message", CASES)
def test_each_limit_is_one_french_line(tmp_templates, payload, line, message):
    """Every limit met is a TemplateLimitError naming the variant's line, in French."""
    error = limit_of(tmp_templates, payload)
    assert str(error) == f"templates/essai.j2:{line}: {LIMIT}{message}"
    assert error.problems == [error.problem]


def test_the_cpu_budget_stops_a_letter_whose_steps_are_slow(tmp_templates):
    """Few steps, each one costly: the thread's CPU time stops the letter after 1 s."""
    payload = (
        "{% for i in range(1000) %}{% for j in range(1000) %}"
        "{% set s = (range(1000) | list) | sort %}{% endfor %}{% endfor %}"
    )
    started = time.thread_time()
    error = limit_of(tmp_templates, payload)
    assert str(error) == f"templates/essai.j2:3: {LIMIT}plus de 1 s de calcul pour une lettre"
    assert 1 <= time.thread_time() - started < 5


def test_legitimate_templates_render_the_same_with_and_without_limits(tmp_templates, monkeypatch):
    """The benchmark's unlimited environment writes what the shipped one writes."""
    from .conftest import TEMPLATES

    people = [recipient("33", "F"), recipient("59", "M", figures={}), recipient("01", None)]
    for name in ("segur", "relance", "courte", "cosignee"):
        limited = load_template(name, TEMPLATES)
        with monkeypatch.context() as patch:
            patch.setattr(
                render_stage, "make_environment", lambda *a, **k: make_environment(*a, **k, limited=False)
            )
            unlimited = load_template(name, TEMPLATES)
        assert limited.env.limited and not unlimited.env.limited
        for person in people:
            assert render_markup(limited, person, DATE) == render_markup(unlimited, person, DATE)


def test_long_letters_blocks_and_super_still_render(tmp_templates):
    """A long letter (each block under its cap) is rendered again with its blocks capped: same text."""
    payload = "{{ super() }} {{ 'x' * 60000 }}{% endblock %}{% block appel %}{{ super() }} {{ 'y' * 60000 }}"
    markup = render_variant(tmp_templates, payload)
    assert "x" * 60000 in markup and "y" * 60000 in markup
    assert "Madame la Présidente" in markup


def test_loops_lists_and_concatenations_keep_their_meaning(tmp_templates):
    """The rewritten loops, ``~`` and written lists behave as Jinja's."""
    payload = (
        "{% for a, b in [(1, 'un'), (2, 'deux')] %}{{ a }}={{ b }}{{ ',' if not loop.last }}{% endfor %} "
        "{{ 'a' ~ 1 ~ [2] }} {{ {'k': (3, 4)}['k'][1] }} "
        "{% for x in range(3) | map('string') %}{{ loop.index }}{{ x }}{% endfor %} "
        "{% for x in [] %}x{% else %}vide{% endfor %}"
    )
    markup = render_variant(tmp_templates, payload)
    assert "1=un,2=deux a1\\[2] 4 102132 vide" in markup  # [ escaped: it would open a section


def test_check_stops_at_the_first_limit(tmp_templates):
    """A limit met stops check_template: each further letter would spend its budget again."""
    (tmp_templates / "essai.j2").write_text(VARIANT.format(payload="{{ 'x' * 10**10 }}"), encoding="utf-8")
    people = [recipient("33", "F"), recipient("59", "M"), recipient("01", None)]
    problems = check_template(load_template("essai", tmp_templates), people, DATE)
    assert [str(p) for p in problems] == [
        f"templates/essai.j2:3: {LIMIT}{TOO_LONG} (opérateur *) (destinataire « 33 »)"
    ]


def test_memory_exhausted_while_building_a_letter_is_that_letters_problem(tmp_templates, monkeypatch):
    """A MemoryError after the render (markup, typography) is a TemplateLimitError too."""

    def exhausted(markup):
        raise MemoryError

    monkeypatch.setattr(render_stage, "parse_markup", exhausted)
    template = load_template("segur", tmp_templates)
    with pytest.raises(TemplateLimitError) as caught:
        render_letter(template, recipient("33", "F"), DATE)
    assert (
        str(caught.value)
        == "templates/segur.j2: limite dépassée : mémoire épuisée pendant le rendu de la lettre"
    )


def test_renders_in_threads_each_spend_their_own_budget(tmp_templates):
    """The workbench renders in threads: a runaway letter in one does not stop the others."""
    (tmp_templates / "boucle.j2").write_text(
        VARIANT.format(
            payload="{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}"
        ),
        encoding="utf-8",
    )
    runaway, good = load_template("boucle", tmp_templates), load_template("segur", tmp_templates)
    results: dict[str, str] = {}

    def render(name, template):
        try:
            results[name] = render_markup(template, recipient("33", "F"), DATE)[:8]
        except TemplateError as error:
            results[name] = error.message

    threads = [threading.Thread(target=render, args=(f"bon{i}", good)) for i in range(4)]
    threads.append(threading.Thread(target=render, args=("boucle", runaway)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.pop("boucle").startswith(f"{LIMIT}plus de 100000 étapes")
    assert set(results.values()) == {"[objet]\n"}


# --------------------------------------------------------------------------- the pieces


def test_the_budget_counts_steps_and_printed_characters():
    spending = Budget(max_steps=10, cpu_seconds=60, max_printed=100)
    with budget(spending):
        for _ in range(10):
            charge()
        with pytest.raises(LimitExceeded) as caught:
            charge()
    assert (
        str(caught.value)
        == f"{LIMIT}plus de 10 étapes de calcul pour une lettre (boucle ou appel sans fin ?)"
    )
    with pytest.raises(LimitExceeded) as caught:
        Budget(max_printed=100).charge(0, 101)
    assert str(caught.value) == f"{LIMIT}plus de 100 caractères écrits pour une lettre"
    charge(10**9)  # outside a render, nothing to spend


def test_the_cpu_budget_is_the_threads_cpu_time():
    spending = Budget(max_steps=10**9, cpu_seconds=0.05)
    started = time.thread_time()
    with pytest.raises(LimitExceeded) as caught:
        while True:
            spending.charge()
    assert str(caught.value) == f"{LIMIT}plus de 0.05 s de calcul pour une lettre"
    assert time.thread_time() - started >= 0.05


nested = st.recursive(
    st.text(max_size=20) | st.integers() | st.none(),
    lambda children: st.lists(children, max_size=5) | st.tuples(children, children),
    max_leaves=30,
)


def _expected_weight(value):
    if isinstance(value, str):
        return len(value) or 1
    if isinstance(value, (list, tuple)):
        return 1 + sum(_expected_weight(item) for item in value)
    return 1


@settings(deadline=None)
@given(nested)
def test_weight_counts_every_character_and_item(value):
    expected = len(value) if isinstance(value, str) else _expected_weight(value)
    assert weight(value, limit=10**9) == expected


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=60))
def test_a_list_holding_another_twice_weighs_it_twice(depth):
    value: list = [1]
    for _ in range(depth):
        value = [value, value]
    expected = 3 * 2**depth - 1  # 2 for [1], then 1 + twice the one below at each level
    if expected <= MAX_SEQUENCE:
        assert weight(value) == expected
    else:
        assert weight(value) > MAX_SEQUENCE


@HYPOTHESIS
@given(st.integers(min_value=3, max_value=MAX_ARGUMENT * 10))  # truncate needs 3
def test_a_filters_size_argument_is_refused_past_the_bound(tmp_templates, width):
    if width > MAX_ARGUMENT:
        error = limit_of(tmp_templates, f"{{{{ 'x' | truncate({width}) }}}}")
        assert str(error).endswith(
            f"argument trop grand : {width} (filtre « truncate » ; au plus {MAX_ARGUMENT})"
        )
    else:
        render_variant(tmp_templates, f"{{{{ 'x' | truncate({width}) }}}}")


@HYPOTHESIS
@given(st.integers(min_value=0, max_value=10**16), st.integers(min_value=0, max_value=10**16))
def test_a_product_is_refused_exactly_when_it_has_more_than_30_digits(tmp_templates, left, right):
    payload = f"{{{{ {left} * {right} * {right} }}}}"
    if left * right < 10**30 and left * right * right < 10**30:
        assert str(left * right * right) in render_variant(tmp_templates, payload)
    else:
        assert str(limit_of(tmp_templates, payload)).endswith(f"{TOO_BIG} (opérateur *)")


@HYPOTHESIS
@given(st.lists(st.integers(min_value=0, max_value=60000), min_size=1, max_size=4))
def test_a_concatenation_is_refused_exactly_past_the_bound(tmp_templates, sizes):
    payload = "{{ (" + " ~ ".join(f"'x' * {size}" for size in sizes) + ") | length }}"
    if sum(sizes) > MAX_SEQUENCE:
        assert str(limit_of(tmp_templates, payload)).endswith(f"{TOO_LONG} (opérateur ~)")
    else:
        assert f"\n{sum(sizes)}\n" in render_variant(tmp_templates, payload)


# --------------------------------------------------------------------------- worker processes


def test_workers_get_a_memory_ceiling_and_the_main_process_does_not(tmp_path):
    """The batch initializer sets RLIMIT_AS in a pool's worker only (LibreOffice runs from the main one)."""
    from lettergen import batch

    before = resource.getrlimit(resource.RLIMIT_AS)
    sources = batch.Sources("segur", Path("templates"), tmp_path, tmp_path / "x.docx", DATE)
    with multiprocessing.get_context("spawn").Pool(1, _limit_only, (sources,)) as pool:
        soft, _hard = pool.apply(resource.getrlimit, (resource.RLIMIT_AS,))
    assert soft == min(batch.WORKER_MEMORY, before[0] if before[0] >= 0 else batch.WORKER_MEMORY)
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def _limit_only(sources) -> None:
    """The batch initializer's memory ceiling, without compiling a template."""
    from lettergen import batch

    with contextlib.suppress(Exception):  # no letterhead in tmp_path: only the ceiling matters here
        batch._init_worker(sources, ())


def test_an_included_templates_text_is_charged_each_time(tmp_templates):
    """A loop counts its own literal text; an included template's is charged when it runs."""
    (tmp_templates / "gros.j2").write_text("x" * 50000, encoding="utf-8")
    payload = (
        "{% set c %}{% for i in range(1000) %}{% for j in range(80) %}{% include 'gros.j2' %}"
        "{% endfor %}{% endfor %}{% endset %}"
    )
    error = limit_of(tmp_templates, payload)
    assert str(error) == f"templates/essai.j2:3: {LIMIT}plus de 1000000 caractères écrits pour une lettre"


@pytest.mark.parametrize("way", ["render", "generate", "stream"])
def test_every_way_of_rendering_spends_the_budget(way):
    """Jinja's generate() and stream() run a template's body too: the same limit stops them."""
    env = make_environment(Path(__file__).parent)
    template = env.from_string("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}")
    with pytest.raises(LimitExceeded, match="plus de 100000 étapes de calcul pour une lettre"):
        result = getattr(template, way)()
        if way != "render":
            "".join(result)
