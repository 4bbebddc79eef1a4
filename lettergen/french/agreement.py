"""Gender and number agreement of the words a letter adapts to its recipient.

``genre`` is "F", "M" or None. None means the gender is unknown: we never guess it,
we write the double form with parentheses and no space, the long-standing
administrative style (french_letter_conventions.md §4.2): "élu(e)", "président(e)",
"directeur(trice)", "cher(ère)". The point médian is avoided on purpose (§4.2: it
reads as a political marker in letters to elected officials).
"""

from __future__ import annotations

from lettergen.french.formats import nombre

# masculine -> (feminine, double form). Feminines follow the circulaire of 21 Nov 2017
# and the INaLF guide "Femme, j'écris ton nom…" (préfète, députée, sénatrice, maire).
_WORDS: dict[str, tuple[str, str]] = {
    "élu": ("élue", "élu(e)"),
    "nommé": ("nommée", "nommé(e)"),
    "président": ("présidente", "président(e)"),
    "cher": ("chère", "cher(ère)"),
    "directeur": ("directrice", "directeur(trice)"),
    "général": ("générale", "général(e)"),
    "sénateur": ("sénatrice", "sénateur(trice)"),
    "député": ("députée", "député(e)"),
    "préfet": ("préfète", "préfet(ète)"),
    "conseiller": ("conseillère", "conseiller(ère)"),
    "attentif": ("attentive", "attentif(ive)"),
    "engagé": ("engagée", "engagé(e)"),
    "maire": ("maire", "maire"),
    "ministre": ("ministre", "ministre"),
    "réélu": ("réélue", "réélu(e)"),
    "sensible": ("sensible", "sensible"),
    "convaincu": ("convaincue", "convaincu(e)"),
    "sensibilisé": ("sensibilisée", "sensibilisé(e)"),
    "informé": ("informée", "informé(e)"),
    "installé": ("installée", "installé(e)"),
    "désigné": ("désignée", "désigné(e)"),
    "chargé": ("chargée", "chargé(e)"),
    "délégué": ("déléguée", "délégué(e)"),
    "vice-président": ("vice-présidente", "vice-président(e)"),
    "premier": ("première", "premier(ère)"),
    "seul": ("seule", "seul(e)"),
    "tout": ("toute", "tout(e)"),
}
_BY_FEMININE = {fem: masc for masc, (fem, _) in _WORDS.items() if fem != masc}

GENRES = ("F", "M", None)


def _check_genre(genre: str | None) -> None:
    if genre not in GENRES:
        raise ValueError(f"genre invalide : {genre!r} (attendu « F », « M » ou None)")


def _double(masc: str, fem: str) -> str:
    """Build the parenthesised double form of a word pair not in the table."""
    if masc == fem:
        return masc
    if fem.startswith(masc):
        return f"{masc}({fem[len(masc) :]})"  # élu/élue -> élu(e)
    common = 0
    while common < min(len(masc), len(fem)) and masc[common] == fem[common]:
        common += 1
    return f"{masc}({fem[common:]})"  # cher/chère -> cher(ère)


def accord(mot: str, genre: str | None, feminin: str | None = None) -> str:
    """Agree a word with the recipient's gender: accord("élu", "F") → "élue".

    ``mot`` is the masculine (or the feminine of a word in the table). A capitalised
    word keeps its capital. ``feminin`` gives the feminine of a word not in the table.
    None → the double form: "élu(e)". Unknown word without ``feminin`` → KeyError.
    """
    _check_genre(genre)
    capital = mot[:1].isupper()
    key = mot.lower() if capital else mot
    key = _BY_FEMININE.get(key, key)
    if feminin is not None:
        fem = feminin.lower() if capital else feminin
        double = _WORDS[key][1] if key in _WORDS and _WORDS[key][0] == fem else _double(key, fem)
    elif key in _WORDS:
        fem, double = _WORDS[key]
    else:
        raise KeyError(f"accord : mot inconnu « {mot} » ; donnez son féminin (feminin=…)")
    result = key if genre == "M" else fem if genre == "F" else double
    return result[:1].upper() + result[1:] if capital else result


def pluriel(n: int | float, singulier: str, pluriel: str | None = None) -> str:
    """A count with its noun agreed: "0 poste vacant", "2 postes vacants", "1 234 salariés".

    French (CLDR): 0 and 1 (and anything below 2, e.g. 1,5) take the singular. The
    default plural adds "s" to each word not already ending in s, x or z; pass
    ``pluriel`` for anything else ("2 chevaux", "3 postes de travail").
    """
    if abs(n) < 2:
        words = singulier
    elif pluriel is not None:
        words = pluriel
    else:
        words = " ".join(w if w[-1:] in ("s", "x", "z") else w + "s" for w in singulier.split(" "))
    return f"{nombre(n)} {words}"
