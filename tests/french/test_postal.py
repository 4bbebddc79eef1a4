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
    """A 46-character institution is split before "des"; with a CS box and CEDEX the street gives way."""
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
        "Hôtel du Département",
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
        "Madame Marie-Christine de la TOURNE",
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
    assert block[1] == "Madame de la TOUR-MAUBOURG, Présidente"


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


# --- issue 12: title and institution kept, names whole, particles, duplicates, apostrophes -----


def _president_block(code, genre, prenom, nom, adresse, code_postal, ville):
    t = fr.territory(code)
    office = fr.office_forms("president_cd", genre, t)
    return fr.address_block(genre, prenom, nom, office, t.institution.nom, adresse, code_postal, ville)


def test_long_name_keeps_title_in_protocol_form():
    """« Monsieur Charles Ange GINESY, Président » is 39 characters: the title goes with the institution."""
    block = _president_block(
        "06",
        "M",
        "Charles Ange",
        "GINESY",
        ("Centre administratif départemental", "147 boulevard du Mercantour", "BP 3007"),
        "06201",
        "Nice Cedex 3",
    )
    assert block == (
        "Monsieur Charles Ange GINESY",
        "Président du Conseil départemental",
        "des Alpes-Maritimes",
        "Centre administratif départemental",
        "BP 3007",
        "06201 NICE CEDEX 3",
    )


def test_territoire_de_belfort_not_split():
    """The break falls before « du Territoire de Belfort », never inside the proper name."""
    block = _president_block(
        "90",
        "M",
        "Florian",
        "BOUQUET",
        ("Hôtel du département", "6 place de la Révolution-Française"),
        "90020",
        "Belfort Cedex",
    )
    assert block[:2] == ("Conseil départemental", "du Territoire de Belfort")


def test_particles_lowercase():
    """« Maël de CALAN », « d’ORMESSON », but « LE DORVEN » keeps its article."""
    names = {"DE CALAN": "de CALAN", "D'ORMESSON": "d’ORMESSON", "LE DORVEN": "LE DORVEN"}
    for nom, shown in names.items():
        block = _president_block("29", "M", "Maël", nom, ("32 boulevard Dupleix",), "29196", "Quimper Cedex")
        assert block[1] == f"Monsieur Maël {shown}, Président"


def test_duplicate_lines_removed():
    """The Manche file repeats the institution as its address: the block says it once."""
    block = _president_block(
        "50", "M", "Jean", "MORIN", ("Conseil départemental de la Manche",), "50050", "Saint-Lô Cedex"
    )
    assert block == (
        "Conseil départemental de la Manche",
        "Monsieur Jean MORIN, Président",
        "50050 SAINT LO CEDEX",
    )
    twice = _president_block("50", "M", "Jean", "MORIN", ("Maison du département",) * 2, "50050", "Saint-Lô")
    assert twice.count("Maison du département") == 1


def test_one_apostrophe_style():
    """Human-read lines use the letter's ’; the street line has no apostrophe at all."""
    block = _president_block("01", "M", "Jean", "DEGUERRY", ("1000 rue d'Alco",), "01003", "Bourg-en-Bresse")
    assert block[0] == "Conseil départemental de l’Ain"
    assert block[2] == "1000 RUE D ALCO"
    assert not any("'" in line for line in block)


def test_cedex_box_drops_street_before_building():
    """Seven lines: with a CS box and CEDEX the street goes first, the building stays (drop order 4)."""
    block = _president_block(
        "13",
        "F",
        "Martine",
        "VASSAL",
        ("Hôtel du département", "52 avenue de Saint-Just", "BP 56"),
        "13256",
        "Marseille Cedex 20",
    )
    assert block == (
        "Conseil départemental",
        "des Bouches-du-Rhône",
        "Madame Martine VASSAL, Présidente",
        "Hôtel du département",
        "BP 56",
        "13256 MARSEILLE CEDEX 20",
    )


_name = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèçëÿ", min_size=1, max_size=12).map(str.capitalize)
_line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=50)


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from([t.code for t in fr.territories()]),
    genre=st.sampled_from(["F", "M", None]),
    prenom=st.lists(_name, min_size=1, max_size=2).map("-".join),
    nom=st.lists(_name, min_size=1, max_size=2).map(" ".join),
    particle=st.sampled_from(["", "de ", "d'", "du ", "de la ", "van "]),
    adresse=st.lists(st.one_of(_line, st.sampled_from(["Hôtel du département", "BP 12"])), max_size=5),
    cedex=st.booleans(),
)
def test_president_block_keeps_title_institution_and_names(
    code, genre, prenom, nom, particle, adresse, cedex
):
    """Never > 38 characters or 6 lines; title and institution kept; no name split; no duplicate line."""
    t = fr.territory(code)
    office = fr.office_forms("president_cd", genre, t)
    adresse = (*adresse, *adresse[:1])  # a repeated line, as in the Manche file
    ville = "Ville Cedex" if cedex else "Ville"
    institution = t.institution.nom
    block = fr.address_block(genre, prenom, particle + nom, office, institution, adresse, "12345", ville)
    joined = " ".join(block)
    assert len(block) <= 6 and all(len(line) <= 38 for line in block)
    assert t.institution.nom.replace("'", "’") in joined
    assert office.titre_court in joined
    if t.nom in t.institution.nom:  # the territory's name on one line (« Territoire de Belfort »)
        assert any(t.nom.replace("'", "’") in line for line in block)
    surname = fr.names.surname(particle + nom)
    assert any(surname in line for line in block)
    assert f"{particle.strip().lower()} ".lstrip() in joined or particle.startswith("d'")
    keys = [fr.postal._machine(line) for line in block]
    assert len(set(keys)) == len(keys)
    assert "'" not in joined


def test_a_surname_too_long_for_the_civility_keeps_whole_with_the_abbreviation():
    """« Monsieur de la … » past 38 characters: « M. » rather than a cut surname (hypothesis found it)."""
    t = fr.territory("01")
    office = fr.office_forms("president_cd", "M", t)
    block = fr.address_block(
        "M", "A", "de la Aaaaaaaaaaa Aaaaaaaaaaaa", office, t.institution.nom, (), "01000", "Bourg"
    )
    assert "M. de la AAAAAAAAAAA AAAAAAAAAAAA" in block
