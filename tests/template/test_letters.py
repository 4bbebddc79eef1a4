"""The shipped templates, rendered for women, men and unknown civilities across territories."""

from __future__ import annotations

import re
import tomllib

import pytest

from lettergen.batch import recipient_file_stem
from lettergen.template import load_template, render_letter
from lettergen.writers.text import render_text

from .conftest import DATE, TEMPLATES, recipient

VARIANTS = ("segur", "relance", "courte", "cosignee", "deputes")
# A postal address: a recipient without any has no address block.
POSTAL = {"adresse": ("Hôtel du Département",), "code_postal": "33074", "ville": "Bordeaux Cedex"}
GENDERS = {
    "F": ("33", "Madame la Présidente", "élue", "du conseil départemental de la Gironde"),
    "M": ("59", "Monsieur le Président", "élu", "du conseil départemental du Nord"),
    None: ("01", "Madame, Monsieur", "élu(e)", "du conseil départemental de l’Ain"),
}
DEPUTE_APPEL = {"F": "Madame la Députée", "M": "Monsieur le Député", None: "Madame, Monsieur"}
PLAIN_SPACE_BEFORE = re.compile(r" [;:!?]")


def letter_for(name: str, genre: str | None, **changes):
    code = GENDERS[genre][0]
    fonction = "depute" if name == "deputes" else "president_cd"
    return render_letter(
        load_template(name, TEMPLATES), recipient(code, genre, fonction=fonction, **changes), DATE
    )


@pytest.mark.parametrize("genre", ["F", "M", None])
@pytest.mark.parametrize("name", VARIANTS)
def test_appel_and_closing_follow_gender_and_office(name, genre):
    """Every template greets by gender and office and repeats the appel in the closing."""
    letter = letter_for(name, genre)
    appel = DEPUTE_APPEL[genre] if name == "deputes" else GENDERS[genre][1]
    assert letter.appel == f"{appel},"
    assert letter.closing == f"Nous vous prions d’agréer, {appel}, l’expression de notre haute considération."


@pytest.mark.parametrize("genre", ["F", "M", None])
@pytest.mark.parametrize("name", ["segur", "courte", "cosignee"])
def test_election_sentence_agrees_and_names_the_council(name, genre):
    """The congratulations say élue/élu/élu(e) and name the council with the right article."""
    _, _, participe, council = GENDERS[genre]
    titre = {"F": "présidente", "M": "président", None: "président(e)"}[genre]
    first = letter_for(name, genre).body[0].text
    assert first.startswith(f"Vous avez été récemment {participe} {titre} {council}")


@pytest.mark.parametrize("genre, expected", [("F", "félicitée"), ("M", "félicité"), (None, "félicité(e)")])
def test_follow_up_cites_first_letter_date_and_agrees(genre, expected):
    """The follow-up recalls the first letter's date in French and agrees « félicité »."""
    letter = letter_for("relance", genre, **POSTAL)
    assert letter.body[0].text.startswith(
        f"Par un courrier du 1er juillet 2021, nous vous avions {expected} de votre élection"
    )
    assert letter.objet.startswith("Relance – ")
    assert "convenir d’un rendez-vous" in render_text(letter)
    assert (
        letter.address[0]
        == {
            "F": "Conseil départemental de la Gironde",
            "M": "Conseil départemental du Nord",
            None: "Conseil départemental de l’Ain",  # the letter's one apostrophe ’, address included
        }[genre]
    )


@pytest.mark.parametrize(
    "genre, expected", [("F", "Élue de la Gironde"), ("M", "Élu du Nord"), (None, "Élu(e) de l’Ain")]
)
def test_depute_letter_cites_written_question(genre, expected):
    """The députés' letter greets Madame la Députée, cites question n° 6524 and its answer, asks a
    question."""
    letter = letter_for("deputes", genre, **POSTAL)
    text = render_text(letter)
    assert letter.body[0].text.startswith(f"{expected}, vous connaissez")
    assert "par la question écrite n° 6524, M. Didier Lemaire a interrogé le ministre de la santé" in text
    assert "réponse publiée au Journal officiel du 9 mai 2023 (page 4261)" in text
    assert "près de 700\u202f000 salariés en ont bénéficié, dont 500\u202f000 environ" in text
    assert "mobiliser 500\u00a0millions d’euros" in text
    assert "nous vous demandons d’interroger à votre tour le Gouvernement" in text
    assert letter.address[0] == "Assemblée nationale"


def test_depute_feminine_appel():
    """A woman député is « Madame la Députée »."""
    assert letter_for("deputes", "F").appel == "Madame la Députée,"


def test_cosigned_letter_has_every_cosignatory():
    """The co-signed letter is signed by every organisation of campagne.cosignataires, in order."""
    campaign = tomllib.loads((TEMPLATES / "campagne.toml").read_text(encoding="utf-8"))
    letter = letter_for("cosignee", "F")
    assert [s.nom for s in letter.signatories] == [c["nom"] for c in campaign["cosignataires"]]
    assert [s.organisation for s in letter.signatories][
        -1
    ] == "Union des acteurs de la protection de l’enfance & de la famille"
    assert "les fédérations signataires de ce courrier vous en félicitent" in letter.body[0].text


def test_base_letter_signatories_come_from_campaign():
    """The base letter is signed by campagne.signataires."""
    letter = letter_for("segur", "F")
    assert [(s.nom, s.fonction) for s in letter.signatories] == [
        ("Jeanne MARTIN", "Présidente"),
        ("Karim BENSAÏD", "Directeur général"),
    ]


@pytest.mark.parametrize("genre", ["F", "M", None])
@pytest.mark.parametrize("name", VARIANTS)
def test_183_euros_and_french_typography_everywhere(name, genre):
    """Every letter cites 183 € with a no-break space and has no plain space before ; : ! ?."""
    text = render_text(letter_for(name, genre))
    assert "183\u00a0€ net mensuels" in text
    assert "183 €" not in text
    assert not PLAIN_SPACE_BEFORE.search(text)
    assert "...." not in text and "…." not in text and " - " not in text
    assert "l'Etat" not in text and "Etat" not in text


def test_local_figures_sentence_gironde():
    """With every figure known, the local paragraph gives all four, formatted."""
    body = [p.text for p in letter_for("segur", "F").body]
    assert (
        "Ces difficultés se mesurent en Gironde. Nos adhérents y gèrent 212 établissements et services, "
        "qui emploient 9\u202f840 salariés. Aujourd’hui encore, 2\u202f310 salariés de nos établissements "
        "restent exclus de la revalorisation de 183\u00a0€ net mensuels. Faute de candidats, "
        "415 postes y sont vacants."
    ) in body


def test_unknown_figures_leave_their_sentence_out():
    """A None figure drops its sentence: never 0, never a blank."""
    figures = {"etablissements": 74, "salaries": None, "salaries_non_revalorises": 1, "postes_vacants": None}
    body = [p.text for p in letter_for("segur", "M", figures=figures).body]
    assert (
        "Ces difficultés se mesurent dans le Nord. Nos adhérents y gèrent 74 établissements et services. "
        "Aujourd’hui encore, 1 salarié de nos établissements reste exclu de la revalorisation de "
        "183\u00a0€ net mensuels."
    ) in body
    text = " ".join(body)
    assert "vacant" not in text and "emploient" not in text and "None" not in text


def test_no_figures_no_paragraph():
    """With no figure at all (or only zeros) the local paragraph disappears."""
    for figures in ({}, dict.fromkeys(("etablissements", "salaries"), 0)):
        text = render_text(letter_for("segur", "F", figures=figures))
        assert "Ces difficultés se mesurent" not in text
        assert " 0 " not in text


def test_only_employees_known():
    """Only the employees known: the sentence says so without an establishment count."""
    body = [p.text for p in letter_for("segur", None, figures={"salaries": 3410}).body]
    assert (
        "Ces difficultés se mesurent dans l’Ain. Nos établissements et services adhérents y emploient "
        "3\u202f410 salariés." in body
    )


@pytest.mark.parametrize(
    "code, genre, sentence",
    [
        ("75", "F", "Vous avez été récemment élue maire de Paris, et nous vous en félicitons."),
        (
            "2A",
            "M",
            "Vous avez été récemment élu président du conseil exécutif de Corse, et nous vous en félicitons.",
        ),
        (
            "6AE",
            "F",
            "Vous avez été récemment élue présidente de la Collectivité européenne d’Alsace, "
            "et nous vous en félicitons.",
        ),
        (
            "67",
            "M",
            "Vous avez été récemment élu président de la Collectivité européenne d’Alsace, "
            "et nous vous en félicitons.",
        ),
        (
            "973",
            None,
            "Vous avez été récemment élu(e) président(e) de l’Assemblée de Guyane, "
            "et nous vous en félicitons.",
        ),
        (
            "976",
            "F",
            "Vous avez été récemment élue présidente de l’Assemblée de Mayotte, et nous vous en félicitons.",
        ),
    ],
)
def test_base_letter_in_special_territories(code, genre, sentence):
    """Paris, Corse, Alsace, Guyane and Mayotte get their own institution and title."""
    letter = render_letter(load_template("segur", TEMPLATES), recipient(code, genre), DATE)
    assert letter.body[0].text == sentence
    assert not PLAIN_SPACE_BEFORE.search(render_text(letter))


def test_paris_locative_and_appel():
    """Paris: « Madame la Maire » and « à Paris »."""
    letter = render_letter(load_template("segur", TEMPLATES), recipient("75", "F"), DATE)
    assert letter.appel == "Madame la Maire,"
    assert any(p.text.startswith("Ces difficultés se mesurent à Paris.") for p in letter.body)


def test_letter_frame_fields():
    """Sender, place and date, objet and file name are filled."""
    letter = letter_for("segur", "F")
    assert letter.sender[0] == "Fédération exemple des acteurs sociaux et médico-sociaux"
    assert letter.place_date == "Paris, le 1er juillet 2021"
    assert letter.objet == (
        "Conséquences du Ségur de la santé sur l’attractivité des métiers du soin et de l’accompagnement"
    )
    assert recipient_file_stem(recipient("33", "F")) == "33-gironde-martin"
    assert letter.recipient_id == "33"
    assert letter.attachments == "" and letter.copies == ""


def test_seed_errors_corrected():
    """The seed letter's mistakes are gone from the base letter."""
    text = render_text(letter_for("segur", "F"))
    for wrong in (
        "note secteur",
        "croire",
        "prendrez en compte de",
        "en faveur la",
        "Santé",
        "COVID",
        "élu (e)",
        "présidente,",
        "sincère considération",
    ):
        assert wrong not in text
    for right in (
        "notre secteur non revalorisé",
        "prendrez en compte cette problématique",
        "en faveur de la reconnaissance",
        "l’État",
        "de la Covid-19",
        "deux vitesses – les EHPAD",
    ):
        assert right in text
