"""Communes of the COG 2026: names with their article, « de » and « à » forms from TNCC."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettergen.french.communes import Commune, commune, communes

EXAMPLES = {
    "76351": ("Le Havre", "du Havre", "au Havre"),
    "85194": ("Les Sables-d'Olonne", "des Sables-d'Olonne", "aux Sables-d'Olonne"),
    "97101": ("Les Abymes", "des Abymes", "aux Abymes"),
    "17300": ("La Rochelle", "de La Rochelle", "à La Rochelle"),
    "94038": ("L'Haÿ-les-Roses", "de L'Haÿ-les-Roses", "à L'Haÿ-les-Roses"),
    "76255": ("Eu", "d'Eu", "à Eu"),
    "80829": ("Y", "d'Y", "à Y"),
    "75056": ("Paris", "de Paris", "à Paris"),
    "60703": ("Aux Marais", "des Marais", "aux Marais"),  # TNCC 6
    "66104": ("Los Masos", "de Los Masos", "à Los Masos"),  # TNCC 8
    "63448": ("Le Vernet-Chaméane", "du Vernet-Chaméane", "au Vernet-Chaméane"),  # TNCC 0 in the COG
}
ALL = communes()


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_forms_of_each_article_type(code):
    """Each TNCC gives the forms the COG writes: contracted for le/les/aux, article kept otherwise."""
    place = commune(code)
    assert (place.nom, place.de, place.a) == EXAMPLES[code]


def test_every_commune_of_the_cog_is_there():
    """The 34,875 communes (TYPECOM COM) of the COG 2026, Corsican codes included."""
    assert len(ALL) == 34875
    assert commune("2A004").nom == "Ajaccio" and commune("2A004").departement == "2A"
    assert commune(" 76351 ").code == "76351"


def test_unknown_code_is_a_clear_key_error():
    with pytest.raises(KeyError, match="code commune inconnu : '99999'"):
        commune("99999")


def test_loaded_once_and_immutable():
    """One table per process, shared by every lookup; a Commune is frozen."""
    assert commune("76351") is commune("76351")
    with pytest.raises(AttributeError):
        commune("76351").nom = "X"  # type: ignore[misc]


@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(ALL))
def test_no_commune_gets_a_wrong_form(place: Commune):
    """Every commune has non-empty forms and never « de le », « à le », « de les », « à les »."""
    assert place.nom and place.de and place.a
    for form in (place.de, place.a):
        low = form.casefold()
        assert not low.startswith(("de le ", "à le ", "de les ", "à les ", "de aux ", "à aux "))
        assert form.endswith(place.nom_sans_article.removeprefix("Le "))
    assert place.de.startswith(("de ", "d'", "du ", "des "))
    assert place.a.startswith(("à ", "au ", "aux "))


def test_all_communes_checked_once():
    """The same rules over the whole table, not only a sample."""
    wrong = ("de le ", "à le ", "de les ", "à les ")
    assert [
        c.code for c in ALL if c.de.casefold().startswith(wrong) or c.a.casefold().startswith(wrong)
    ] == []
    assert {c.de[:2] for c in ALL if c.tncc == "1"} == {"d'"}
