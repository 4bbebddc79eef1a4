"""Offices (fonctions): how to address, greet and name each kind of recipient.

Rules from french_letter_conventions.md §1: the appel is "Madame la Présidente" (capital
title, never abbreviated; the template adds the comma); the closing repeats the appel
between commas; the sender is collective ("Nous vous prions d'agréer"); the level is
"haute considération", "très haute" for ministers. Feminine titles follow the
circulaire of 21 November 2017 (Madame la Maire, la Préfète, la Ministre, la Députée,
la Sénatrice, la Directrice générale); ``forme_titre="le"`` gives the traditional
"Madame le Maire" for holders known to prefer it. Unknown gender: "Madame, Monsieur"
and parenthesised double forms; a gender is never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from lettergen.french.agreement import accord
from lettergen.french.communes import Commune
from lettergen.french.regions import region
from lettergen.french.territories import Territory


@dataclass(frozen=True)
class Fonction:
    """The definition of one office."""

    key: str
    libelle: str  # for messages and the CLI: "président(e) de conseil départemental"
    chef: str  # masculine title noun: "président", "député", "directeur général"
    elu: bool  # elected (élu) or appointed (nommé)
    consideration: str  # "haute" or "très haute"
    complement: str = ""  # "territoire": the territory's institution; "prefet": "de la Gironde";
    # "ars": the regional health agency; "commune": "du Havre" (when the commune is known);
    # "region": the territory's regional council; "" none
    institution: str = ""  # the address's institution line when it is the same for every holder


FONCTIONS: Mapping[str, Fonction] = MappingProxyType(
    {
        f.key: f
        for f in (
            Fonction(
                "president_cd",
                "président(e) de conseil départemental (ou équivalent)",
                "président",
                True,
                "haute",
                "territoire",
            ),
            Fonction("depute", "député(e)", "député", True, "haute", institution="Assemblée nationale"),
            Fonction("senateur", "sénateur ou sénatrice", "sénateur", True, "haute", institution="Sénat"),
            Fonction("maire", "maire", "maire", True, "haute", "commune"),
            # "haute" for préfets is a default; some guides use "très haute" (conventions §1.2).
            Fonction("prefet", "préfet ou préfète", "préfet", False, "haute", "prefet"),
            Fonction("ministre", "ministre", "ministre", False, "très haute"),
            Fonction(
                "dg_ars",
                "directeur ou directrice général(e) d'ARS",
                "directeur général",
                False,
                "haute",
                "ars",
            ),
            Fonction(
                "president_cr",
                "président(e) de conseil régional",
                "président",
                True,
                "haute",
                "region",
            ),
        )
    }
)


@dataclass(frozen=True)
class OfficeForms:
    """Every phrase that names or greets one recipient in one office."""

    appel: str  # "Madame la Présidente" (no comma: the template adds it)
    formule_politesse: str  # "Nous vous prions d'agréer, Madame la Présidente, l'expression …"
    titre: str  # running text: "présidente du conseil départemental de la Gironde"
    titre_adresse: str  # address block: "Présidente du Conseil départemental de la Gironde"
    participe: str  # "élue", "élu", "élu(e)", "nommée"…
    titre_court: str = ""  # address block, short: "Présidente", "Maire", "Directrice générale"


def _agree_title(chef: str, genre: str | None) -> str:
    """Agree a (possibly two-word) title noun: "directeur général" → "directrice générale"."""
    return " ".join(accord(word, genre) for word in chef.split(" "))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _complements(f: Fonction, territory: Territory, commune: Commune | None) -> tuple[str, str, str]:
    """(title noun, complement in running text, complement in the address block) of one office."""
    if f.complement == "territoire":
        inst = territory.institution
        return inst.chef_m, inst.complement, inst.complement_adresse
    if f.complement == "prefet" and territory.prefet_de:
        return f.chef, territory.prefet_de, territory.prefet_de
    if f.complement == "commune" and commune is not None:
        return f.chef, commune.de, commune.de
    if f.complement == "region" and territory.region_code:
        region_de = region(territory.region_code).de
        return f.chef, f"du conseil régional {region_de}", f"du Conseil régional {region_de}"
    if f.complement == "ars":
        return (
            f.chef,
            f"de l'agence régionale de santé {territory.region}",
            f"de l'Agence régionale de santé {territory.region}",
        )
    return f.chef, "", ""


# Cached: 35 000 letters share a few hundred (office, gender, territory) combinations,
# and the result is immutable.
@lru_cache(maxsize=4096)
def office_forms(
    fonction: str,
    genre: str | None,
    territory: Territory,
    forme_titre: str = "",
    commune: Commune | None = None,
) -> OfficeForms:
    """The appel, closing, titles and participle for one recipient.

    ``fonction`` is a key of FONCTIONS (KeyError otherwise); ``genre`` "F", "M" or None;
    ``territory`` decides the real office of a president_cd (Paris → maire de Paris,
    Corse → président du conseil exécutif…) and the region of a president_cr;
    ``forme_titre="le"`` → "Madame le Maire"; ``commune`` is the complement of a maire
    ("maire du Havre"; without it, plain "maire").
    """
    try:
        f = FONCTIONS[fonction]
    except KeyError:
        raise KeyError(f"fonction inconnue : {fonction!r} (attendu : {', '.join(FONCTIONS)})") from None
    if forme_titre not in ("", "la", "le"):
        raise ValueError(f"forme_titre invalide : {forme_titre!r} (attendu « le » ou vide)")

    chef, complement, complement_adresse = _complements(f, territory, commune)

    # "Madame le Maire": the holder keeps the masculine title noun, not the agreement.
    title_genre = "M" if (genre == "F" and forme_titre == "le") else genre
    chef_agreed = _agree_title(chef, title_genre)

    if genre is None:
        appel = "Madame, Monsieur"
    elif genre == "F":
        appel = f"Madame {'le' if forme_titre == 'le' else 'la'} {_capitalise(chef_agreed)}"
    else:
        appel = f"Monsieur le {_capitalise(chef_agreed)}"

    titre = f"{chef_agreed} {complement}".strip()
    return OfficeForms(
        appel=appel,
        formule_politesse=(
            f"Nous vous prions d'agréer, {appel}, l'expression de notre {f.consideration} considération."
        ),
        titre=titre,
        titre_adresse=_capitalise(f"{chef_agreed} {complement_adresse}".strip()),
        participe=accord("élu" if f.elu else "nommé", genre),
        titre_court=_capitalise(chef_agreed),
    )


def address_institution(fonction: str, territory: Territory) -> str:
    """The institution line of the address block of an office held in ``territory``.

    Follows ``Fonction.complement``: the territory's institution for a president
    (« Conseil départemental de la Gironde »), the prefecture for a préfet, the
    regional health agency for a DG d'ARS; else the office's fixed
    ``institution`` (« Assemblée nationale », « Sénat »), or none (maire, ministre).
    """
    f = FONCTIONS[fonction]
    if f.complement == "territoire":
        return territory.institution.nom
    if f.complement == "prefet":
        return f"Préfecture {territory.prefet_de}" if territory.prefet_de else ""
    if f.complement == "ars":
        return f"Agence régionale de santé {territory.region}"
    return f.institution
