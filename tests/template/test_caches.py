"""The per-text caches of render_letter and the sandbox's fast attribute path change nothing."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from lettergen.template import render
from lettergen.template.environment import make_environment
from lettergen.template.render import load_template, render_letter
from lettergen.template.vocabulary import cached_territory, make_chiffres, make_destinataire
from lettergen.writers.text import render_text

from .conftest import DATE, TEMPLATES, recipient

PEOPLE = [
    recipient("33", "F"),
    recipient("59", "M", nom="LEFEBVRE", prenom="Paul"),
    recipient("01", None, nom="ROUSSEL", prenom="Dominique", figures={"etablissements": 1, "salaries": 1}),
    recipient("75", "F", nom="HIDALGO", fonction="maire", figures={}),
    recipient("976", "M", nom="SAID", fonction="depute"),
]


def _clear_caches() -> None:
    for cache in (render._paragraphs, render._texts, render._signatories, render._place_dates):
        cache.clear()


@pytest.mark.parametrize("name", ["segur", "relance", "courte", "cosignee", "deputes"])
def test_cached_render_equals_fresh_render(name):
    template = load_template(name, TEMPLATES)
    warm = [render_letter(template, person, DATE) for person in PEOPLE * 2]
    fresh = []
    for person in PEOPLE * 2:
        _clear_caches()
        fresh.append(render_letter(template, person, DATE))
    assert warm == fresh
    assert [render_text(letter) for letter in warm] == [render_text(letter) for letter in fresh]
    assert [letter.file_stem for letter in warm] == [letter.file_stem for letter in fresh]


def test_caches_stay_bounded(monkeypatch):
    monkeypatch.setattr(render, "_CACHE_LIMIT", 3)
    template = load_template("segur", TEMPLATES)
    first = [render_letter(template, person, DATE) for person in PEOPLE]
    assert all(len(cache) <= 3 for cache in (render._paragraphs, render._texts, render._signatories))
    assert [render_letter(template, person, DATE) for person in PEOPLE] == first


def test_fast_attribute_path_keeps_the_sandbox():
    env = make_environment((TEMPLATES,))
    person = PEOPLE[0]
    values = {"d": make_destinataire(person), "t": cached_territory("33"), "c": make_chiffres(person.figures)}
    assert (
        env.from_string("{{ d.appel }} {{ t.institution.nom }} {{ c.salaries }}").render(values)
        == "Madame la Présidente Conseil départemental de la Gironde 9840"
    )
    # properties and unknown names take the sandbox's path
    assert env.from_string("{{ t.institution.titre_f }}").render(values).startswith("présidente")
    for payload in ("{{ d.__class__ }}", "{{ d.__dict__ }}", "{{ t.__init__ }}", "{{ c.__repr__() }}"):
        with pytest.raises((SecurityError, Exception)) as error:
            env.from_string(payload).render(values)
        assert "unsafe" in str(error.value) or "inconnu" in str(error.value)
