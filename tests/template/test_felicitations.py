"""The felicitations rule: a recent election congratulated, an old one not, an unknown one as written."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.errors import TemplateError
from lettergen.french import commune
from lettergen.template import load_template, render_letter
from lettergen.template.election import election, months_before

from .conftest import TEMPLATES, recipient

LETTER = dt.date(2026, 12, 1)
OLD = dt.date(2021, 7, 1)  # the presidents elected in 2021
RECENT = dt.date(2026, 10, 1)  # two months before the letter
WITH_ELECTION = ("segur", "courte", "cosignee", "relance")


def _first(name: str, elu_le: dt.date | None, genre: str | None = "F", **changes) -> str:
    person = recipient("33", genre, elu_le=elu_le, **changes)
    return render_letter(load_template(name, TEMPLATES), person, LETTER).body[0].text


@pytest.mark.parametrize(
    "genre, recent, old",
    [
        (
            "F",
            "Vous avez été récemment élue présidente du conseil départemental de la Gironde, "
            "et nous vous en félicitons.",
            "Présidente du conseil départemental de la Gironde depuis le 1er juillet 2021, "
            "vous savez combien",
        ),
        (
            None,
            "Vous avez été récemment élu(e) président(e) du conseil départemental de la Gironde, "
            "et nous vous en félicitons.",
            "Président(e) du conseil départemental de la Gironde depuis le 1er juillet 2021, "
            "vous savez combien",
        ),
    ],
)
def test_base_letter_recent_old_and_unknown(genre, recent, old):
    """Two months before the letter: « récemment », congratulated; 2021: sitting; unknown: as written."""
    assert _first("segur", RECENT, genre) == recent
    assert _first("segur", OLD, genre).startswith(old)
    assert _first("segur", None, genre) == recent


@pytest.mark.parametrize("name", WITH_ELECTION)
def test_an_old_election_is_never_recent_nor_congratulated(name):
    text = _first(name, OLD)
    assert "récemment" not in text and "félicit" not in text
    assert "récemment" in _first(name, RECENT) or name == "relance"
    assert "félicit" in _first(name, RECENT)


def test_follow_up_does_not_recall_congratulations_it_never_sent():
    assert _first("relance", OLD).startswith(
        "Par un courrier du 1er juillet 2021, nous vous avions appelé votre attention sur la situation"
    )


def test_mayor_letter_names_the_commune():
    """« élue maire du Havre » two months after the election; « Maire du Havre depuis … » years after."""
    mayor = {"fonction": "maire", "commune": commune("76351")}
    person = recipient("76", "F", elu_le=RECENT, **mayor)
    letter = render_letter(load_template("maires", TEMPLATES), person, LETTER)
    assert letter.appel == "Madame la Maire,"
    assert letter.body[0].text == "Vous avez été récemment élue maire du Havre, et nous vous en félicitons."
    old = render_letter(load_template("maires", TEMPLATES), recipient("76", "M", elu_le=OLD, **mayor), LETTER)
    assert old.body[0].text.startswith("Maire du Havre depuis le 1er juillet 2021, vous savez combien")
    traditional = recipient("76", "F", elu_le=RECENT, forme_titre="le", **mayor)
    assert render_letter(load_template("maires", TEMPLATES), traditional, LETTER).appel == "Madame le Maire,"


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)), st.integers(0, 240))
def test_months_before_is_the_same_day_or_the_months_end(day, months):
    earlier = months_before(day, months)
    assert (day.year - earlier.year) * 12 + day.month - earlier.month == months
    assert earlier.day == day.day or earlier.day < day.day and (earlier + dt.timedelta(days=1)).day == 1


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)), st.integers(0, 36))
def test_election_boundary(letter_date, months):
    """Elected on the boundary day: recent; the day before: old."""
    boundary = months_before(letter_date, months)
    assert election(boundary, letter_date, months) == "recente"
    assert election(boundary - dt.timedelta(days=1), letter_date, months) == "ancienne"
    assert election(None, letter_date, months) == "inconnue"


def test_the_months_are_a_campaign_setting(tmp_templates):
    """felicitations_mois = 60 in campagne.toml: a 2021 president is congratulated in 2026."""
    toml = tmp_templates / "campagne.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("felicitations_mois = 12", "felicitations_mois = 72")
    )
    letter = render_letter(load_template("segur", tmp_templates), recipient("33", "F", elu_le=OLD), LETTER)
    assert letter.body[0].text.startswith("Vous avez été récemment élue")


def test_a_bad_setting_is_a_french_line(tmp_templates):
    toml = tmp_templates / "campagne.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("felicitations_mois = 12", 'felicitations_mois = "douze"'))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("felicitations_mois"))
    with pytest.raises(TemplateError) as raised:
        load_template("segur", tmp_templates)
    assert str(raised.value) == (
        f"templates/campagne.toml:{line}: « felicitations_mois » : « douze » n'est pas un nombre "
        "entier de mois (par exemple 12)"
    )


def test_a_misspelt_commune_attribute_is_a_french_line(tmp_templates):
    """``commune.de`` is known to the static checks; a typo is refused with the closest name."""
    (tmp_templates / "faute.j2").write_text(
        '{% extends "segur.j2" %}\n{% block objet %}\nL’action sociale {{ commune.dd }}\n{% endblock %}\n',
        encoding="utf-8",
    )
    with pytest.raises(TemplateError) as raised:
        load_template("faute", tmp_templates)
    assert str(raised.value).startswith("templates/faute.j2:3: attribut inconnu « commune.dd »")
