"""Offices: appel, closing, titles and participle for every office and gender."""

import pytest

import lettergen.french as fr

GIRONDE = fr.territory("33")
H = "haute"
TH = "très haute"

# fonction, genre -> appel, titre, titre_adresse, participe, consideration
CASES = {
    ("president_cd", "F"): (
        "Madame la Présidente",
        "présidente du conseil départemental de la Gironde",
        "Présidente du Conseil départemental de la Gironde",
        "élue",
        H,
    ),
    ("president_cd", "M"): (
        "Monsieur le Président",
        "président du conseil départemental de la Gironde",
        "Président du Conseil départemental de la Gironde",
        "élu",
        H,
    ),
    ("president_cd", None): (
        "Madame, Monsieur",
        "président(e) du conseil départemental de la Gironde",
        "Président(e) du Conseil départemental de la Gironde",
        "élu(e)",
        H,
    ),
    ("depute", "F"): ("Madame la Députée", "députée", "Députée", "élue", H),
    ("depute", "M"): ("Monsieur le Député", "député", "Député", "élu", H),
    ("depute", None): ("Madame, Monsieur", "député(e)", "Député(e)", "élu(e)", H),
    ("senateur", "F"): ("Madame la Sénatrice", "sénatrice", "Sénatrice", "élue", H),
    ("senateur", "M"): ("Monsieur le Sénateur", "sénateur", "Sénateur", "élu", H),
    ("senateur", None): ("Madame, Monsieur", "sénateur(trice)", "Sénateur(trice)", "élu(e)", H),
    ("maire", "F"): ("Madame la Maire", "maire", "Maire", "élue", H),
    ("maire", "M"): ("Monsieur le Maire", "maire", "Maire", "élu", H),
    ("maire", None): ("Madame, Monsieur", "maire", "Maire", "élu(e)", H),
    ("president_cr", "F"): (
        "Madame la Présidente",
        "présidente du conseil régional de la Nouvelle-Aquitaine",
        "Présidente du Conseil régional de la Nouvelle-Aquitaine",
        "élue",
        H,
    ),
    ("president_cr", "M"): (
        "Monsieur le Président",
        "président du conseil régional de la Nouvelle-Aquitaine",
        "Président du Conseil régional de la Nouvelle-Aquitaine",
        "élu",
        H,
    ),
    ("president_cr", None): (
        "Madame, Monsieur",
        "président(e) du conseil régional de la Nouvelle-Aquitaine",
        "Président(e) du Conseil régional de la Nouvelle-Aquitaine",
        "élu(e)",
        H,
    ),
    ("prefet", "F"): ("Madame la Préfète", "préfète de la Gironde", "Préfète de la Gironde", "nommée", H),
    ("prefet", "M"): ("Monsieur le Préfet", "préfet de la Gironde", "Préfet de la Gironde", "nommé", H),
    ("prefet", None): (
        "Madame, Monsieur",
        "préfet(ète) de la Gironde",
        "Préfet(ète) de la Gironde",
        "nommé(e)",
        H,
    ),
    ("ministre", "F"): ("Madame la Ministre", "ministre", "Ministre", "nommée", TH),
    ("ministre", "M"): ("Monsieur le Ministre", "ministre", "Ministre", "nommé", TH),
    ("ministre", None): ("Madame, Monsieur", "ministre", "Ministre", "nommé(e)", TH),
    ("dg_ars", "F"): (
        "Madame la Directrice générale",
        "directrice générale de l'agence régionale de santé Nouvelle-Aquitaine",
        "Directrice générale de l'Agence régionale de santé Nouvelle-Aquitaine",
        "nommée",
        H,
    ),
    ("dg_ars", "M"): (
        "Monsieur le Directeur général",
        "directeur général de l'agence régionale de santé Nouvelle-Aquitaine",
        "Directeur général de l'Agence régionale de santé Nouvelle-Aquitaine",
        "nommé",
        H,
    ),
    ("dg_ars", None): (
        "Madame, Monsieur",
        "directeur(trice) général(e) de l'agence régionale de santé Nouvelle-Aquitaine",
        "Directeur(trice) général(e) de l'Agence régionale de santé Nouvelle-Aquitaine",
        "nommé(e)",
        H,
    ),
}


def test_cases_cover_every_office_and_gender():
    """The table below covers each of the 8 offices with F, M and None (president_cr: import-elus)."""
    assert set(CASES) == {(f, g) for f in fr.FONCTIONS for g in ("F", "M", None)}
    assert set(fr.FONCTIONS) == {
        "president_cd",
        "depute",
        "senateur",
        "maire",
        "president_cr",
        "prefet",
        "ministre",
        "dg_ars",
    }


@pytest.mark.parametrize("key", sorted(CASES, key=str), ids=str)
def test_office_forms(key):
    """Exact appel, closing (repeating the appel between commas), titles and participle."""
    fonction, genre = key
    appel, titre, titre_adresse, participe, level = CASES[key]
    forms = fr.office_forms(fonction, genre, GIRONDE)
    assert forms.appel == appel
    assert forms.formule_politesse == (
        f"Nous vous prions d'agréer, {appel}, l'expression de notre {level} considération."
    )
    assert forms.titre == titre
    assert forms.titre_adresse == titre_adresse
    assert forms.participe == participe
    assert not forms.appel.endswith(",")


def test_neutral_closing_exact():
    """Unknown gender: the closing repeats "Madame, Monsieur"."""
    assert fr.office_forms("president_cd", None, GIRONDE).formule_politesse == (
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de notre haute considération."
    )


def test_ministre_closing_exact():
    """A minister gets "très haute considération"."""
    assert fr.office_forms("ministre", "F", GIRONDE).formule_politesse == (
        "Nous vous prions d'agréer, Madame la Ministre, l'expression de notre très haute considération."
    )


# code -> (appel F, appel M, titre F, titre M, titre_adresse F)
SPECIAL = {
    "75": ("Madame la Maire", "Monsieur le Maire", "maire de Paris", "maire de Paris", "Maire de Paris"),
    "2A": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente du conseil exécutif de Corse",
        "président du conseil exécutif de Corse",
        "Présidente du Conseil exécutif de Corse",
    ),
    "2B": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente du conseil exécutif de Corse",
        "président du conseil exécutif de Corse",
        "Présidente du Conseil exécutif de Corse",
    ),
    "67": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente de la Collectivité européenne d'Alsace",
        "président de la Collectivité européenne d'Alsace",
        "Présidente de la Collectivité européenne d'Alsace",
    ),
    "68": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente de la Collectivité européenne d'Alsace",
        "président de la Collectivité européenne d'Alsace",
        "Présidente de la Collectivité européenne d'Alsace",
    ),
    "6AE": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente de la Collectivité européenne d'Alsace",
        "président de la Collectivité européenne d'Alsace",
        "Présidente de la Collectivité européenne d'Alsace",
    ),
    "69": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente du conseil départemental du Rhône",
        "président du conseil départemental du Rhône",
        "Présidente du Conseil départemental du Rhône",
    ),
    "69M": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente de la Métropole de Lyon",
        "président de la Métropole de Lyon",
        "Présidente de la Métropole de Lyon",
    ),
    "972": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente du conseil exécutif de Martinique",
        "président du conseil exécutif de Martinique",
        "Présidente du Conseil exécutif de Martinique",
    ),
    "973": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente de l'Assemblée de Guyane",
        "président de l'Assemblée de Guyane",
        "Présidente de l'Assemblée de Guyane",
    ),
    "976": (
        "Madame la Présidente",
        "Monsieur le Président",
        "présidente de l'Assemblée de Mayotte",
        "président de l'Assemblée de Mayotte",
        "Présidente de l'Assemblée de Mayotte",
    ),
}


@pytest.mark.parametrize("code", list(SPECIAL))
def test_president_cd_special_institutions(code):
    """For president_cd, the territory decides the real office (Paris → maire de Paris…)."""
    appel_f, appel_m, titre_f, titre_m, adresse_f = SPECIAL[code]
    t = fr.territory(code)
    f, m = fr.office_forms("president_cd", "F", t), fr.office_forms("president_cd", "M", t)
    assert (f.appel, m.appel, f.titre, m.titre, f.titre_adresse) == (
        appel_f,
        appel_m,
        titre_f,
        titre_m,
        adresse_f,
    )
    assert (
        f.formule_politesse
        == f"Nous vous prions d'agréer, {appel_f}, l'expression de notre haute considération."
    )
    assert (f.participe, m.participe) == ("élue", "élu")


def test_paris_neutral():
    """Paris with unknown gender: "Madame, Monsieur", "maire de Paris", "élu(e)"."""
    forms = fr.office_forms("president_cd", None, fr.territory("75"))
    assert (forms.appel, forms.titre, forms.participe) == ("Madame, Monsieur", "maire de Paris", "élu(e)")


@pytest.mark.parametrize(
    "fonction, appel, titre",
    [
        ("maire", "Madame le Maire", "maire"),
        ("prefet", "Madame le Préfet", "préfet de la Gironde"),
        ("president_cd", "Madame le Président", "président du conseil départemental de la Gironde"),
        ("ministre", "Madame le Ministre", "ministre"),
    ],
)
def test_forme_titre_le(fonction, appel, titre):
    """forme_titre="le" gives the traditional "Madame le Maire"; the participle stays feminine."""
    forms = fr.office_forms(fonction, "F", GIRONDE, forme_titre="le")
    assert forms.appel == appel
    assert forms.titre == titre
    assert forms.formule_politesse.startswith(f"Nous vous prions d'agréer, {appel}, ")
    assert forms.participe in ("élue", "nommée")


def test_forme_titre_le_paris():
    """Paris with forme_titre="le": "Madame le Maire"."""
    assert fr.office_forms("president_cd", "F", fr.territory("75"), "le").appel == "Madame le Maire"


def test_forme_titre_ignored_for_men():
    """forme_titre="le" changes nothing for a man."""
    assert fr.office_forms("maire", "M", GIRONDE, "le") == fr.office_forms("maire", "M", GIRONDE)


def test_unknown_fonction_raises_keyerror():
    """An unknown office key raises KeyError."""
    with pytest.raises(KeyError):
        fr.office_forms("pape", "M", GIRONDE)


def test_titre_court():
    """The short title used in the address block."""
    assert fr.office_forms("dg_ars", "F", GIRONDE).titre_court == "Directrice générale"
    assert fr.office_forms("president_cd", None, GIRONDE).titre_court == "Président(e)"


@pytest.mark.parametrize(
    ("fonction", "gironde", "paris", "alsace"),
    [
        (
            "president_cd",
            "Conseil départemental de la Gironde",
            "Ville de Paris",
            "Collectivité européenne d'Alsace",
        ),
        ("depute", "Assemblée nationale", "Assemblée nationale", "Assemblée nationale"),
        ("senateur", "Sénat", "Sénat", "Sénat"),
        ("maire", "", "", ""),
        ("prefet", "Préfecture de la Gironde", "Préfecture de Paris", ""),
        ("ministre", "", "", ""),
        (
            "dg_ars",
            "Agence régionale de santé Nouvelle-Aquitaine",
            "Agence régionale de santé Île-de-France",
            "Agence régionale de santé Grand Est",
        ),
    ],
)
def test_address_institution(fonction, gironde, paris, alsace):
    """The address's institution line follows Fonction.complement (none for a préfet without département)."""
    assert fr.address_institution(fonction, GIRONDE) == gironde
    assert fr.address_institution(fonction, fr.territory("75")) == paris
    assert fr.address_institution(fonction, fr.territory("6AE")) == alsace


@pytest.mark.parametrize(
    ("genre", "forme_titre", "appel", "titre", "participe"),
    [
        ("F", "", "Madame la Maire", "maire du Havre", "élue"),
        ("F", "le", "Madame le Maire", "maire du Havre", "élue"),
        ("M", "", "Monsieur le Maire", "maire du Havre", "élu"),
        (None, "", "Madame, Monsieur", "maire du Havre", "élu(e)"),
    ],
)
def test_maire_with_its_commune(genre, forme_titre, appel, titre, participe):
    """The commune is the complement of a maire: « élue maire du Havre », « Maire du Havre »."""
    from lettergen.french.communes import commune

    forms = fr.office_forms("maire", genre, fr.territory("76"), forme_titre, commune("76351"))
    assert (forms.appel, forms.titre, forms.participe) == (appel, titre, participe)
    assert f"{forms.participe} {forms.titre}" == f"{participe} maire du Havre"
    assert forms.titre_adresse == "Maire du Havre" and forms.titre_court == "Maire"


@pytest.mark.parametrize(
    ("code", "titre"),
    [
        ("85194", "maire des Sables-d'Olonne"),
        ("97101", "maire des Abymes"),
        ("17300", "maire de La Rochelle"),
        ("94038", "maire de L'Haÿ-les-Roses"),
        ("76255", "maire d'Eu"),
        ("80829", "maire d'Y"),
        ("75056", "maire de Paris"),
    ],
)
def test_maire_of_each_article_type(code, titre):
    from lettergen.french.communes import commune

    place = commune(code)
    assert fr.office_forms("maire", "F", fr.territory(place.departement), "", place).titre == titre
