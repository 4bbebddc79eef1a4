"""Markup escaping, filters, file names, variant listing and the word diff."""

from __future__ import annotations

from lettergen.template import diff_letters, list_variants, load_template, render_letter
from lettergen.template.environment import make_environment
from lettergen.template.vocabulary import (
    PLAIN_TYPES,
    build_context,
    cached_office_forms,
    load_campaign_settings,
)
from lettergen.writers.text import render_text

from .conftest import DATE, TEMPLATES, recipient

SPECIAL = (
    '[objet]\nA & B < C > D "guillemets" \\*étoile\\* \\[crochet]\n[appel]\n{{ destinataire.appel }},\n'
    "[corps]\n{{ destinataire.nom }} **gras** & {{ chiffres.note }}\n"
    '[formule]\nMerci <toujours> & "encore".\n'
)


def test_xml_special_characters_survive(tmp_templates):
    """&, <, >, quotes, * and [ in template text and in data come out intact (data cannot open markup)."""
    (tmp_templates / "special.j2").write_text(SPECIAL, encoding="utf-8")
    who = recipient("33", "F", nom='*Dupont* & [Fils] <x> "y"', figures={"note": "**pas gras** [corps]"})
    letter = render_letter(load_template("special", tmp_templates), who, DATE)
    assert letter.objet == 'A & B < C > D "guillemets" *étoile* [crochet]'
    assert letter.body[0].text == '*Dupont* & [Fils] <x> "y" gras & **pas gras** [corps]'
    assert [(r.text, r.bold) for r in letter.body[0].runs] == [
        ('*Dupont* & [Fils] <x> "y" ', False),
        ("gras", True),
        (" & **pas gras** [corps]", False),
    ]
    assert letter.closing == 'Merci <toujours> & "encore".'
    assert len(letter.body) == 1


def test_data_newlines_cannot_open_a_section(tmp_templates):
    """A value with a newline and a section header stays on one line of text."""
    (tmp_templates / "special.j2").write_text(SPECIAL, encoding="utf-8")
    who = recipient("33", "F", nom="X\n[formule]\nPiège", figures={"note": 1})
    letter = render_letter(load_template("special", tmp_templates), who, DATE)
    assert letter.body[0].text.startswith("X [formule] Piège gras")
    assert letter.closing == 'Merci <toujours> & "encore".'


def render_string(source: str, who=None) -> str:
    """Render a template string with the vocabulary of ``who`` (default: a woman in Gironde)."""
    env = make_environment((TEMPLATES,), PLAIN_TYPES)
    context = build_context(who or recipient("33", "F"), load_campaign_settings(TEMPLATES), DATE)
    return env.from_string(source).render(context)


def test_filters():
    """Each French filter gives its documented output."""
    assert render_string("{{ 1234 | nombre }}") == "1\u202f234"
    assert render_string("{{ 183 | euros }}") == "183\u00a0€"
    assert render_string("{{ 4000000000 | euros(abrege=true) }}") == "4\u00a0milliards d'euros"
    assert render_string("{{ 0.125 | pourcentage }}") == "12,5\u00a0%"
    assert render_string("{{ date | date_longue }}") == "1er juillet 2021"
    assert render_string("{{ date }}") == "1er juillet 2021"
    assert render_string('{{ "élu" | accord }}') == "élue"
    assert render_string('{{ "élu" | accord }}', recipient("59", "M")) == "élu"
    assert render_string('{{ "élu" | accord }}', recipient("01", None)) == "élu(e)"
    assert render_string('{{ "attentif" | accord("attentive") }}') == "attentive"
    assert render_string('{{ chiffres.postes_vacants | pluriel("poste vacant") }}') == "415 postes vacants"
    assert render_string('{{ 1 | pluriel("poste vacant") }}') == "1 poste vacant"
    assert render_string("{{ departement.dans | majuscule_initiale }}") == "En Gironde"
    assert render_string("{% if chiffres.salaries is connu %}oui{% endif %}") == "oui"


def test_vocabulary_values():
    """The vocabulary's French names hold the expected values."""
    source = (
        "{{ destinataire.nom_complet }}|{{ destinataire.titre }}|{{ destinataire.titre_adresse }}|"
        "{{ departement.de }}|{{ departement.le }}|{{ institution.nom }}|{{ lieu }}|"
        "{{ campagne.date_premiere_lettre }}|{{ faits.question_ecrite.numero }}|{{ chiffres.etablissements }}"
    )
    assert render_string(source, recipient("33", "F", prenom="Marie", nom="Dupont")) == (
        "Madame Marie DUPONT|présidente du conseil départemental de la Gironde|"
        "Présidente du Conseil départemental de la Gironde|de la Gironde|la Gironde|"
        "Conseil départemental de la Gironde|Paris|1er juillet 2021|6524|212"
    )


def test_office_forms_cached():
    """office_forms is computed once per (fonction, genre, territory, forme_titre)."""
    cached_office_forms.cache_clear()
    for _ in range(50):
        build_context(recipient("33", "F"), load_campaign_settings(TEMPLATES), DATE)
    info = cached_office_forms.cache_info()
    assert (info.misses, info.hits) == (1, 49)


def test_list_variants():
    """Every shipped template is listed with its description, parent and overridden blocks."""
    variants = {v.name: v for v in list_variants(TEMPLATES)}
    assert list(variants)[0] == "segur"
    assert set(variants) >= {"segur", "relance", "courte", "cosignee", "deputes"}
    assert variants["segur"].parent is None
    assert variants["relance"].parent == "segur"
    assert variants["relance"].blocks_overridden == (
        "objet",
        "felicitations",
        "attention",
        "constat",
        "transformation",
        "conference",
    )
    assert variants["cosignee"].blocks_overridden == ("felicitations", "conference", "signataires")
    assert variants["relance"].description.startswith("Relance : rappelle le premier courrier")


def test_diff_small_example():
    """The diff shows each change with the words before it, removed then added."""
    assert diff_letters("a b c d e f g h", "a x c d e f g h i") == (
        "… après « a »\n- b\n+ x\n\n… après « c d e f g h »\n+ i\n"
    )
    assert diff_letters("a b c d", "a x c y") == "… après « a »\n- b c d\n+ x c y\n"
    assert diff_letters("même texte\n", "même   texte") == ""


def test_diff_segur_relance_shows_only_changes():
    """segur vs relance: the removed and added words, and none of the shared paragraphs."""
    who = recipient("33", "F")
    text_a = render_text(render_letter(load_template("segur", TEMPLATES), who, DATE))
    text_b = render_text(render_letter(load_template("relance", TEMPLATES), who, DATE))
    out = diff_letters(text_a, text_b)
    removed = [line[2:] for line in out.splitlines() if line.startswith("- ")]
    added = [line[2:] for line in out.splitlines() if line.startswith("+ ")]
    assert all(
        line.startswith(("- ", "+ ", "… après « ", "… au début")) or not line for line in out.splitlines()
    )
    assert "Relance –" in added[0]
    assert any("Vous avez été récemment élue présidente" in r for r in removed)
    assert any("Par un courrier du 1er juillet 2021" in a for a in added)
    assert any("convenir d’un rendez-vous" in a for a in added)
    shared = "Si l’accord de méthode constitue une avancée"
    assert shared not in "\n".join(removed + added)
    assert "Madame la Présidente" not in "\n".join(removed + added)
