"""Postal address block (La Poste NF Z10-011) and its validator."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lettergen.french as fr

GIRONDE = fr.territory("33")
ADRESSE = ("Hôtel du Département", "1 esplanade Charles-de-Gaulle", "CS 71223")


def test_gironde_block():
    """The reference block: organisation, name with short function, delivery point, street, CS, town."""
    office = fr.office_forms("president_cd", "F", GIRONDE)
    block = fr.address_block(
        "F", "Marie", "DUPONT", office, GIRONDE.institution.nom, ADRESSE, "33074", "Bordeaux Cedex"
    )
    assert block == (
        "Conseil départemental de la Gironde",
        "Madame Marie DUPONT, Présidente",
        "Hôtel du Département",
        "1 ESPLANADE CHARLES DE GAULLE",
        "CS 71223",
        "33074 BORDEAUX CEDEX",
    )
    assert fr.validate_address(block) == []


def test_long_institution_split():
    """A 46-character institution is split before "des"; the delivery point gives way."""
    t = fr.territory("64")
    office = fr.office_forms("president_cd", "M", t)
    block = fr.address_block(
        "M",
        "Jean",
        "MARTIN",
        office,
        t.institution.nom,
        ("Hôtel du Département", "64 avenue Jean-Biray", "CS 31560"),
        "64058",
        "Pau Cedex 9",
    )
    assert block == (
        "Conseil départemental",
        "des Pyrénées-Atlantiques",
        "Monsieur Jean MARTIN, Président",
        "64 AVENUE JEAN BIRAY",
        "CS 31560",
        "64058 PAU CEDEX 9",
    )


def test_unknown_genre_no_civility():
    """Unknown gender: the name line has no civility."""
    office = fr.office_forms("president_cd", None, GIRONDE)
    block = fr.address_block(
        None, "Marie", "DUPONT", office, GIRONDE.institution.nom, ADRESSE, "33074", "Bordeaux Cedex"
    )
    assert block[1] == "Marie DUPONT, Président(e)"


def test_paris():
    """Paris: Ville de Paris, Madame la Maire's line."""
    t = fr.territory("75")
    office = fr.office_forms("president_cd", "F", t)
    block = fr.address_block(
        "F",
        "Anne",
        "DURAND",
        office,
        t.institution.nom,
        ("Hôtel de Ville", "Place de l'Hôtel-de-Ville"),
        "75004",
        "Paris",
    )
    assert block == (
        "Ville de Paris",
        "Madame Anne DURAND, Maire",
        "Hôtel de Ville",
        "PLACE DE L HOTEL DE VILLE",
        "75004 PARIS",
    )


def test_long_name_drops_function_first():
    """A long name keeps the name; the function goes to its own line if there is room."""
    office = fr.office_forms("president_cd", "F", GIRONDE)
    block = fr.address_block(
        "F",
        "Marie-Christine",
        "DE LA TOURNE",
        office,
        GIRONDE.institution.nom,
        ("1 esplanade Charles-de-Gaulle",),
        "33074",
        "Bordeaux Cedex",
    )
    assert block == (
        "Conseil départemental de la Gironde",
        "Madame Marie-Christine DE LA TOURNE",
        "Présidente",
        "1 ESPLANADE CHARLES DE GAULLE",
        "33074 BORDEAUX CEDEX",
    )


def test_too_long_name_drops_first_name():
    """A name line over 38 characters loses the first name before anything is cut."""
    office = fr.office_forms("president_cd", "F", GIRONDE)
    block = fr.address_block(
        "F",
        "Marie-Christine",
        "DE LA TOUR-MAUBOURG",
        office,
        GIRONDE.institution.nom,
        ("1 esplanade Charles-de-Gaulle",),
        "33074",
        "Bordeaux Cedex",
    )
    assert block[1] == "Madame DE LA TOUR-MAUBOURG, Présidente"


def test_town_line_never_dropped():
    """With too many address lines the town line stays last."""
    office = fr.office_forms("depute", "F", GIRONDE)
    block = fr.address_block(
        "F",
        "Marie",
        "DUPONT",
        office,
        "Assemblée nationale",
        tuple(f"{i} rue de l'Université" for i in range(1, 9)),
        "75355",
        "Paris 07 SP",
    )
    assert len(block) == 6
    assert block[-1] == "75355 PARIS 07 SP"
    assert block[0] == "Assemblée nationale"


@pytest.mark.parametrize(
    "lines, problem",
    [
        (("a",) * 7, "7 lignes : la norme en admet 6 au plus"),
        (("x" * 39, "33000 BORDEAUX"), "ligne 1 : 39 caractères, 38 au plus"),
        (
            ("Madame X", "1 rue, de la Paix", "33000 BORDEAUX"),
            "ligne 2 : pas de ponctuation à partir de la ligne de la voie",
        ),
    ],
)
def test_validate_address_problems(lines, problem):
    """validate_address reports each problem in French."""
    assert problem in fr.validate_address(lines)


def test_validate_last_line():
    """The last line must be a 5-digit postcode and the town in capitals."""
    problems = fr.validate_address(("Madame X", "33000 Bordeaux"))
    assert any(p.startswith("dernière ligne « 33000 Bordeaux »") for p in problems)


_word = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    genre=st.sampled_from(["F", "M", None]),
    fonction=st.sampled_from(sorted(fr.FONCTIONS)),
    code=st.sampled_from([t.code for t in fr.territories()]),
    prenom=_word,
    nom=_word,
    institution=_word,
    adresse=st.lists(_word, max_size=8).map(tuple),
    code_postal=st.from_regex(r"[0-9]{5}", fullmatch=True),
    ville=_word,
)
def test_block_always_fits(genre, fonction, code, prenom, nom, institution, adresse, code_postal, ville):
    """Whatever the input, the block has ≤ 6 lines of ≤ 38 characters and ends with the postcode."""
    office = fr.office_forms(fonction, genre, fr.territory(code))
    block = fr.address_block(genre, prenom, nom, office, institution, adresse, code_postal, ville)
    assert len(block) <= 6
    assert all(len(line) <= 38 for line in block)
    assert block[-1].startswith(code_postal)
