"""Agreement: gendered words and plurals."""

import pytest

from lettergen.french import accord, pluriel

N = "\u202f"


@pytest.mark.parametrize(
    "mot, f, m, neutre",
    [
        ("élu", "élue", "élu", "élu(e)"),
        ("président", "présidente", "président", "président(e)"),
        ("cher", "chère", "cher", "cher(ère)"),
        ("nommé", "nommée", "nommé", "nommé(e)"),
        ("directeur", "directrice", "directeur", "directeur(trice)"),
        ("sénateur", "sénatrice", "sénateur", "sénateur(trice)"),
        ("député", "députée", "député", "député(e)"),
        ("préfet", "préfète", "préfet", "préfet(ète)"),
        ("conseiller", "conseillère", "conseiller", "conseiller(ère)"),
        ("attentif", "attentive", "attentif", "attentif(ive)"),
        ("engagé", "engagée", "engagé", "engagé(e)"),
        ("maire", "maire", "maire", "maire"),
    ],
)
def test_accord_table(mot, f, m, neutre):
    """Each table word gives its feminine, masculine and parenthesised double form."""
    assert (accord(mot, "F"), accord(mot, "M"), accord(mot, None)) == (f, m, neutre)


def test_accord_keeps_capital():
    """A capitalised word stays capitalised."""
    assert accord("Cher", "F") == "Chère"
    assert accord("Président", None) == "Président(e)"


def test_accord_from_feminine():
    """The feminine form is also accepted as the key."""
    assert accord("présidente", "M") == "président"


def test_accord_explicit_feminine():
    """feminin= handles words not in the table."""
    assert accord("dévoué", "F", feminin="dévouée") == "dévouée"
    assert accord("dévoué", "M", feminin="dévouée") == "dévoué"
    assert accord("dévoué", None, feminin="dévouée") == "dévoué(e)"


def test_accord_unknown_word():
    """An unknown word without feminine raises KeyError with a French message."""
    with pytest.raises(KeyError, match="mot inconnu « zorglub »"):
        accord("zorglub", "F")


def test_accord_bad_genre():
    """A genre other than F, M or None is a ValueError."""
    with pytest.raises(ValueError):
        accord("élu", "X")


@pytest.mark.parametrize(
    "n, expected",
    [
        (0, "0 poste vacant"),
        (1, "1 poste vacant"),
        (2, "2 postes vacants"),
        (1234, f"1{N}234 postes vacants"),
    ],
)
def test_pluriel(n, expected):
    """0 and 1 are singular in French; 2 and more plural, the count formatted by nombre."""
    assert pluriel(n, "poste vacant") == expected


def test_pluriel_irregular():
    """pluriel= gives an irregular plural; words ending in s/x/z do not get another s."""
    assert pluriel(3, "cheval", "chevaux") == "3 chevaux"
    assert pluriel(1, "cheval", "chevaux") == "1 cheval"
    assert pluriel(1234, "salarié") == f"1{N}234 salariés"
    assert pluriel(2, "prix bas") == "2 prix bas"
