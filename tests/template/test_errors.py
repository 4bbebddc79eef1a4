"""Template errors: one clean French `FILE:LINE: message` per kind, and the sandbox holds."""

from __future__ import annotations

import pytest

from lettergen.errors import TemplateError
from lettergen.read.records import ReadResult
from lettergen.template import check_template, load_template, render_letter

from .conftest import DATE, recipient

CHILD = '{% extends "segur.j2" %}\n'


def error_of(folder, source, name="essai", who=None):
    """Write ``source`` as templates/<name>.j2, load and render it; return the TemplateError."""
    (folder / f"{name}.j2").write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        template = load_template(name, folder)
        render_letter(template, who or recipient("33", "F"), DATE)
    return caught.value


def test_syntax_error(tmp_templates):
    """An unclosed tag names the file, the line and what Jinja expected."""
    error = error_of(
        tmp_templates, CHILD + "{% block objet %}\n{% if destinataire.feminin %}\nMadame\n{% endblock %}\n"
    )
    assert str(error) == (
        "templates/essai.j2:5: erreur de syntaxe : balise « endblock » inattendue ; "
        "Jinja attendait « elif », « else » ou « endif » (« if » non fermé)"
    )
    assert (error.file, error.line) == ("templates/essai.j2", 5)


def test_unclosed_print(tmp_templates):
    """A missing ``}}`` is a syntax error on the line Jinja stopped at."""
    error = error_of(tmp_templates, "[objet]\n{{ destinataire.nom }\n")
    assert str(error) == "templates/essai.j2:2: erreur de syntaxe : « } » inattendu"


def test_unknown_variable_with_suggestion(tmp_templates):
    """A misspelt variable is found before rendering, with the closest valid name."""
    error = error_of(
        tmp_templates, CHILD + "\n{% block objet %}\nObjet pour {{ destinatair.nom }}\n{% endblock %}\n"
    )
    assert (
        str(error)
        == "templates/essai.j2:4: variable inconnue « destinatair » (vouliez-vous dire « destinataire » ?)"
    )


def test_unknown_attribute_with_suggestion(tmp_templates):
    """A misspelt attribute of a vocabulary object is found too."""
    error = error_of(tmp_templates, CHILD + "{% block appel %}\n{{ destinataire.apel }},\n{% endblock %}\n")
    assert str(error) == (
        "templates/essai.j2:3: attribut inconnu « destinataire.apel » "
        "(vouliez-vous dire « destinataire.appel » ?)"
    )


def test_unknown_filter_with_suggestion(tmp_templates):
    """An unknown filter names the closest French filter."""
    error = error_of(tmp_templates, CHILD + "{% block objet %}\n{{ 183 | euro }}\n{% endblock %}\n")
    assert str(error) == "templates/essai.j2:3: filtre inconnu « euro » (vouliez-vous dire « euros » ?)"


def test_block_missing_in_parent(tmp_templates):
    """Overriding a block the parent does not have is an error (Jinja would ignore it silently)."""
    error = error_of(
        tmp_templates, CHILD + "\n{% block concluson %}\nMerci.\n{% endblock %}\n", name="relance"
    )
    assert str(error) == "templates/relance.j2:3: le bloc « concluson » n'existe pas dans « segur.j2 »"


def test_block_missing_in_parent_with_suggestion(tmp_templates):
    """A near miss suggests the real block."""
    error = error_of(tmp_templates, CHILD + "{% block felicitation %}\nBravo.\n{% endblock %}\n")
    assert str(error) == (
        "templates/essai.j2:2: le bloc « felicitation » n'existe pas dans « segur.j2 » "
        "(vouliez-vous dire « felicitations » ?)"
    )


def test_every_static_problem_at_once(tmp_templates):
    """load_template reports every static problem in one TemplateError."""
    error = error_of(
        tmp_templates,
        CHILD + "{% block objet %}\n{{ lieux }} {{ 3 | nombr }}\n{% endblock %}\n"
        "{% block fin %}{% endblock %}\n",
    )
    assert [str(p) for p in error.problems] == [
        "templates/essai.j2:3: filtre inconnu « nombr » (vouliez-vous dire « nombre » ?)",
        "templates/essai.j2:5: le bloc « fin » n'existe pas dans « segur.j2 »",
    ]


def test_runtime_error_line(tmp_templates):
    """An error raised while rendering points at the template line, through the parent."""
    error = error_of(
        tmp_templates, CHILD + "{% block objet %}\nObjet\n\n{{ chiffres.salaries // 0 }}\n{% endblock %}\n"
    )
    assert (
        str(error) == "templates/essai.j2:5: erreur pendant le rendu : "
        "ZeroDivisionError : integer division or modulo by zero"
    )


def test_unknown_figure_printed(tmp_templates):
    """Printing an unknown (None) figure is an error, not a blank."""
    who = recipient("33", "F", figures={"salaries": None})
    error = error_of(
        tmp_templates,
        CHILD + "{% block objet %}\n{{ chiffres.salaries }} salariés\n{% endblock %}\n",
        who=who,
    )
    assert str(error) == (
        "templates/essai.j2:3: valeur inconnue (chiffre absent) : entourez la phrase de "
        "{% if … %} … {% endif %} pour l'omettre quand le chiffre manque"
    )


def test_markup_error_points_at_template_line(tmp_templates):
    """A bad section header written in the template is reported at its line."""
    error = error_of(tmp_templates, CHILD + "{% block objet %}\nObjet\n[conclusion]\n{% endblock %}\n")
    assert str(error).startswith(
        "templates/essai.j2:4: balisage de la lettre : section « [conclusion] » inconnue"
    )


def test_missing_template_suggests(tmp_templates):
    """An unknown template name lists what exists."""
    with pytest.raises(TemplateError) as caught:
        load_template("segurr", tmp_templates)
    assert (
        str(caught.value)
        == "modèle « segurr » introuvable (vouliez-vous dire « segur » ?) ; modèles disponibles : segur"
    )


def test_check_template_unknown_figure_and_runtime(tmp_templates):
    """check_template knows the data's figure columns and renders every recipient."""
    source = CHILD + (
        "{% block chiffres_locaux %}\n{% if chiffres.places_creche %}{{ chiffres.places_creche | nombre }} "
        "places.{% endif %}\n{{ chiffres.postes_vacants | nombre }} postes.\n{% endblock %}\n"
    )
    (tmp_templates / "essai.j2").write_text(source, encoding="utf-8")
    template = load_template("essai", tmp_templates)
    people = [recipient("33", "F"), recipient("59", "M", figures={}), recipient("01", None, figures={})]
    data = ReadResult(people, figure_names=("places_creche",))
    assert [str(p) for p in check_template(template, data, DATE)] == [
        "templates/essai.j2:4: valeur inconnue passée au filtre « nombre » : entourez la phrase de "
        "{% if … %} … {% endif %} pour l'omettre quand le chiffre manque (destinataire « 59 » et 1 autre(s))",
    ]
    (tmp_templates / "typo.j2").write_text(
        CHILD + "{% block objet %}\n{% if chiffres.postes_vacant %}x{% endif %}\n{% endblock %}\n",
        encoding="utf-8",
    )
    assert [str(p) for p in check_template(load_template("typo", tmp_templates), data, DATE)] == [
        "templates/typo.j2:3: chiffre inconnu « chiffres.postes_vacant » "
        "(vouliez-vous dire « chiffres.postes_vacants » ?)",
    ]


def test_shipped_templates_check_clean():
    """Every shipped template passes check_template for the three test recipients."""
    from .conftest import TEMPLATES

    people = [
        recipient("33", "F"),
        recipient("59", "M", figures={}),
        recipient("01", None, figures={"salaries": 5}),
    ]
    for name in ("segur", "relance", "courte", "cosignee"):
        assert check_template(load_template(name, TEMPLATES), people, DATE) == []


PAYLOADS = [
    (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "accès interdit dans un modèle : attribut « __class__ »",
    ),
    ("{{ self.__init__.__globals__ }}", "accès interdit dans un modèle : attribut « __init__ »"),
    ("{{ cycler.__init__.__globals__.os }}", "variable inconnue « cycler »"),
    ("{{ lipsum.__globals__['os'] }}", "variable inconnue « lipsum » (vouliez-vous dire « lieu » ?)"),
    ("{{ joiner.__init__.__globals__ }}", "variable inconnue « joiner »"),
    ("{{ destinataire.__init__.__globals__ }}", "accès interdit dans un modèle : attribut « __init__ »"),
    ("{{ request }}", "variable inconnue « request »"),
    ("{{ config.items() }}", "variable inconnue « config »"),
    ("{{ cycler }}", "variable inconnue « cycler »"),
    (
        "{% for x in range(10**9) %}{% endfor %}",
        "limite dépassée : range() limité à 1000 éléments (demandé : 1000000000)",
    ),
    (
        "{% for x in range(100000) %}{% endfor %}",
        "limite dépassée : range() limité à 1000 éléments (demandé : 100000)",
    ),
    ("{{ 'a' * 1000000000 }}", "limite dépassée : texte ou liste de plus de 100000 éléments (opérateur *)"),
    ("{{ 9 ** 9 ** 9 }}", "limite dépassée : nombre de plus de 30 chiffres (opérateur **)"),
    (
        "{{ '{0.__class__}'.format(destinataire) }}",
        "accès interdit dans un modèle : attribut « __class__ » d'un objet « Destinataire »",
    ),
    (
        "{{ destinataire | attr('__class__') }}",
        "accès interdit dans un modèle : attribut « __class__ » d'un objet « Destinataire »",
    ),
    ("{{ faits.revalorisation.__dict__ }}", "accès interdit dans un modèle : attribut « __dict__ »"),
    ("{% include '/etc/passwd' %}", "modèle « /etc/passwd » introuvable"),
    (
        "{% set l = [1] %}{{ l.append(2) }}",
        "accès interdit dans un modèle : attribut « append » d'un objet « list »",
    ),
]


@pytest.mark.parametrize("payload, message", PAYLOADS)
def test_sandbox_escapes_fail_cleanly(tmp_templates, payload, message):
    """Known Jinja escape payloads fail with a TemplateError naming the file and line."""
    error = error_of(tmp_templates, "[objet]\n" + payload + "\n[appel]\nx\n[corps]\nx\n[formule]\nx\n")
    lines = str(error).splitlines()
    assert lines[0] == f"templates/essai.j2:2: {message}"
    assert all(line.startswith("templates/essai.j2:2: ") for line in lines)
