"""The per-text caches of render_letter and the sandbox's fast attribute path change nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from jinja2.exceptions import SecurityError

from lettergen.batch import recipient_file_stem
from lettergen.template.environment import make_environment
from lettergen.template.render import TypesetCache, load_template, render_letter
from lettergen.template.vocabulary import PLAIN_TYPES, cached_territory, make_chiffres, make_destinataire
from lettergen.writers.text import render_text

from .conftest import DATE, TEMPLATES, recipient

PEOPLE = [
    recipient("33", "F"),
    recipient("59", "M", nom="LEFEBVRE", prenom="Paul"),
    recipient("01", None, nom="ROUSSEL", prenom="Dominique", figures={"etablissements": 1, "salaries": 1}),
    recipient("75", "F", nom="HIDALGO", fonction="maire", figures={}),
    recipient("976", "M", nom="SAID", fonction="depute"),
]


@pytest.mark.parametrize("name", ["segur", "relance", "courte", "cosignee", "deputes"])
def test_cached_render_equals_fresh_render(name):
    template = load_template(name, TEMPLATES)
    warm = [render_letter(template, person, DATE) for person in PEOPLE * 2]
    fresh = []
    for person in PEOPLE * 2:
        template.caches.clear()
        fresh.append(render_letter(template, person, DATE))
    assert warm == fresh
    assert [render_text(letter) for letter in warm] == [render_text(letter) for letter in fresh]
    assert [recipient_file_stem(person) for person in PEOPLE] == [
        "33-gironde-martin",
        "59-nord-lefebvre",
        "01-ain-roussel",
        "75-paris-hidalgo",
        "976-mayotte-said",
    ]


def test_caches_stay_bounded():
    template = replace(load_template("segur", TEMPLATES), caches=TypesetCache(limit=3))
    first = [render_letter(template, person, DATE) for person in PEOPLE]
    caches = template.caches
    assert all(len(cache) <= 3 for cache in (caches.paragraphs, caches.texts, caches.signatories))
    assert [render_letter(template, person, DATE) for person in PEOPLE] == first


def test_fast_attribute_path_keeps_the_sandbox():
    env = make_environment((TEMPLATES,), PLAIN_TYPES)
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
