"""A template edited on disk is rendered from its new source at the next load, in the same process."""

from __future__ import annotations

from lettergen.template import load_template, render_letter
from lettergen.writers.text import render_text

from .conftest import DATE, recipient

OBJET = "Conséquences du Ségur de la santé sur l’attractivité des métiers du soin et de l’accompagnement"
EDITED = "Objet modifié pendant que le processus tourne"
VARIANT = '{% extends "segur.j2" %}\n{% block appel %}\nChère {{ destinataire.appel }},\n{% endblock %}\n'


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_edited_template_is_rendered_from_its_new_source(tmp_templates):
    """Edit the template between two loads: the second letter says the new words, the first kept its own."""
    who = recipient("33", "F")
    before = load_template("segur", tmp_templates)
    assert render_letter(before, who, DATE).objet == OBJET
    _edit(tmp_templates / "segur.j2", OBJET, EDITED)
    after = load_template("segur", tmp_templates)
    assert render_letter(after, who, DATE).objet == EDITED
    assert render_letter(before, who, DATE).objet == OBJET  # a loaded template is a snapshot


def test_variant_shows_its_edited_parent(tmp_templates):
    """Edit the parent of a variant between two loads of the variant: the edit shows through."""
    (tmp_templates / "variante.j2").write_text(VARIANT, encoding="utf-8")
    who = recipient("33", "F")
    first = render_letter(load_template("variante", tmp_templates), who, DATE)
    assert (first.objet, first.appel) == (OBJET, "Chère Madame la Présidente,")
    _edit(tmp_templates / "segur.j2", OBJET, EDITED)
    second = render_letter(load_template("variante", tmp_templates), who, DATE)
    assert (second.objet, second.appel) == (EDITED, "Chère Madame la Présidente,")


def test_edited_variant_and_campaign_settings_show_at_next_load(tmp_templates):
    """The variant itself and campagne.toml are read afresh too."""
    (tmp_templates / "variante.j2").write_text(VARIANT, encoding="utf-8")
    who = recipient("33", "F")
    assert "Paris, le 1er juillet 2021" in render_text(
        render_letter(load_template("variante", tmp_templates), who, DATE)
    )
    _edit(tmp_templates / "variante.j2", "Chère", "Très chère")
    _edit(tmp_templates / "campagne.toml", 'lieu = "Paris"', 'lieu = "Lyon"')
    letter = render_letter(load_template("variante", tmp_templates), who, DATE)
    assert letter.appel == "Très chère Madame la Présidente,"
    assert letter.place_date == "Lyon, le 1er juillet 2021"
