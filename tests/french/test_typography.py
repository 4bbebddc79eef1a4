"""Typography: spaces before punctuation, guillemets, apostrophes, ellipsis, dashes."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.french import identifier, typographie

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    "texte, attendu",
    [
        ("Objet: rappel", "Objet\u00a0: rappel"),
        ("Vraiment ?", "Vraiment\u202f?"),
        ("Vraiment?", "Vraiment\u202f?"),
        ("Merci !", "Merci\u202f!"),
        ("a ; b", "a\u202f; b"),
        ("Quoi ?!", "Quoi\u202f?!"),
        ("« oui »", "«\u202foui\u202f»"),
        ("«oui»", "«\u202foui\u202f»"),
        ("l'État", "l’État"),
        ("aujourd'hui", "aujourd’hui"),
        ("et puis...", "et puis…"),
        ("etc….", "etc…"),
        ("les métiers - tous - comptent", "les métiers – tous – comptent"),
        ("12,5 %", "12,5\u00a0%"),
        ("183 €", "183\u00a0€"),
        ("à 10:30 ou à 14 h 30", "à 10:30 ou à 14 h 30"),
        ("Écrire à contact@exemple.fr ; merci", "Écrire à contact@exemple.fr\u202f; merci"),
        (
            "Voir https://exemple.fr/a?b=1:2 ou www.exemple.fr.",
            "Voir https://exemple.fr/a?b=1:2 ou www.exemple.fr.",
        ),
        ("Rendez-vous", "Rendez-vous"),
        ("Objet\u00a0: déjà fait\u202f!", "Objet\u00a0: déjà fait\u202f!"),
    ],
)
def test_typographie(texte, attendu):
    """Exact output for each rule, and protected e-mails, URLs and times."""
    assert typographie(texte) == attendu


def test_example_sentence():
    """A sentence combining every rule."""
    assert typographie("Objet: l'État... - enfin - « oui » ?") == (
        "Objet\u00a0: l’État… – enfin – «\u202foui\u202f»\u202f?"
    )


_text = st.text(alphabet=st.sampled_from(list("ab é'.-:;!?«»%€ 1\u00a0\u202f\n")), max_size=40)
_general = st.text(max_size=60)


@given(st.one_of(_text, _general))
def test_idempotent(texte):
    """Applying typographie twice gives the same as once."""
    once = typographie(texte)
    assert typographie(once) == once


@given(st.one_of(_text, _general))
def test_no_plain_space_before_double_punctuation(texte):
    """No plain space (U+0020) remains before ; : ! ?."""
    assert not re.search(r" [;:!?]", typographie(texte))


_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_url = st.builds(lambda h, p, q: f"https://{h}.fr/{p}?x={q}:1", _label, _label, _label) | st.builds(
    lambda h, p: f"www.{h}.org/{p}", _label, _label
)
_email = st.builds(lambda u, d: f"{u}.x@{d}.fr", _label, _label)


@given(_text, st.one_of(_url, _email), _text)
def test_urls_and_emails_unchanged(before, token, after):
    """A URL or e-mail address in the text comes out unchanged."""
    assert token in typographie(f"{before} {token} {after}")


@pytest.mark.parametrize(
    "texte, attendu",
    [
        ("Salariés non revalorisés", "salaries_non_revalorises"),
        ("Postes vacants (ETP)", "postes_vacants_etp"),
        ("  Établissements  ", "etablissements"),
        ("2024 – budget", "2024_budget"),
    ],
)
def test_identifier(texte, attendu):
    """A figure column's header becomes the name templates type after « chiffres. »."""
    assert identifier(texte) == attendu
