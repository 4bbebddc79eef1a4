"""The recipient's postal address block, per La Poste / AFNOR NF Z10-011.

Rules (french_letter_conventions.md §2.2): at most 6 lines of at most 38 characters,
ordered from the organisation down to the town; from the street line on, no
punctuation, capitals (unaccented: the safe choice for optical reading); last line
"POSTCODE TOWN" (CEDEX kept). An organisation recipient puts the organisation first,
then "Madame Marie DUPONT, Présidente".

What the block always keeps: the title (the function, « Présidente ») and the
institution, the surname, the town line. It never splits a proper name across two
lines (« du Territoire / de Belfort »): an institution is broken only before a particle
that follows a lowercase word (« Conseil départemental / du Territoire de Belfort »).
Particles before a surname are lowercase (« Maël de CALAN », :func:`names.surname`).
A line that repeats another (accents, case and punctuation aside) is removed.

Apostrophes: the human-read lines (institution, name, function, building) use the
typographic ’ of the whole letter (the body goes through ``typographie``); La Poste's
norm restricts punctuation only from the street line on [S26][S27], and there the
apostrophe, like all punctuation, becomes a space (« 1000 RUE D ALCO »).

When the block is too long, it is shortened in this order, least information lost first:

1. the institution on two lines, broken before a particle (never inside a proper name);
2. the name and the function on one line (« Madame Marie DUPONT, Présidente »), else the
   function on its own line, else the protocol form « Madame Marie DUPONT » /
   « Présidente du Conseil départemental » / « de la Haute-Garonne », which says title
   and institution in one line less (used only when it names the institution);
3. a first name that does not fit on the name line with the civility is dropped
   (« Madame de LA TOUR-MAUBOURG »), and the civility abbreviated if the surname still does not
   fit (« M. de la BOURDONNAYE-MONTLUC »); street words are abbreviated (La Poste's list);

then, while the block has more than 6 lines, lines are dropped in this order:

4. the street line, when the block has a box line (BP, CS, TSA) and a CEDEX town line:
   La Poste sorts and delivers CEDEX mail on the CEDEX code and the box number (to
   check: La Poste, « Le Cedex », and NF Z10-011; [S29] says the street may be left out);
5. the delivery-point lines (« Hôtel du Département »);
6. the first name;
7. the first street lines, keeping the last ones (the BP/CS that La Poste sorts on).

The title, the institution and the town line are never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lettergen.french.names import surname
from lettergen.french.offices import OfficeForms

MAX_LINES = 6
MAX_CHARS = 38

# A line is "from the street on" if it starts with a number or a postal service code.
_STREET = re.compile(
    r"^\s*(\d|(BP|CS|TSA|CP|CEDEX|B\.P\.|C\.S\.)\b|(rue|avenue|boulevard|place|quai|esplanade|"
    r"route|chemin|allée|cours|impasse|square|parvis|rond-point|lieu-dit)\b)",
    re.IGNORECASE,
)
# La Poste's standard abbreviations for street words, used only when a line is too long.
_ABBREVIATIONS = (
    ("BOULEVARD", "BD"),
    ("AVENUE", "AV"),
    ("FAUBOURG", "FG"),
    ("ROUTE", "RTE"),
    ("PLACE", "PL"),
    ("SQUARE", "SQ"),
    ("IMPASSE", "IMP"),
    ("CHEMIN", "CHE"),
    ("ESPLANADE", "ESP"),
    ("QUARTIER", "QUA"),
    ("RESIDENCE", "RES"),
    ("SAINTE", "STE"),
    ("SAINT", "ST"),
    ("GENERAL", "GAL"),
    ("MARECHAL", "MAL"),
    ("PRESIDENT", "PDT"),
)
# A box line: La Poste's special delivery services (boîte postale, course spéciale, TSA).
_BOX = re.compile(r"^(BP|CS|TSA|CP|CO)\b")
_PUNCT = re.compile(r"[^\w ]|_")
_SPACES = re.compile(r"\s+")
_LAST_LINE = re.compile(r"^\d{5} [A-Z0-9][A-Z0-9 ]*$")
_CIVILITE = {"F": "Madame", "M": "Monsieur", None: ""}
# The abbreviations of the Lexique des règles typographiques en usage à l'Imprimerie nationale
# (« M. », « Mme »), for a surname too long to follow the civility in full.
_CIVILITE_ABREGEE = {"F": "Mme", "M": "M.", None: ""}


def _clean(text: str) -> str:
    """Collapse runs of whitespace to one space (La Poste: one space between words)."""
    return _SPACES.sub(" ", text).strip()


def _machine(text: str) -> str:
    """A machine-read line: capitals, no accents, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("Œ", "OE").replace("Æ", "AE").replace("ß", "SS")
    return _clean(_PUNCT.sub(" ", bare))


def _cut(text: str, width: int = MAX_CHARS) -> str:
    """Cut a line to ``width`` at a word boundary if there is one."""
    if len(text) <= width:
        return text
    head = text[: width + 1].rsplit(" ", 1)[0]
    return head if 0 < len(head) <= width else text[:width].rstrip()


def _abbreviate(line: str) -> str:
    """Apply La Poste abbreviations word by word until the line fits."""
    for long, short in _ABBREVIATIONS:
        if len(line) <= MAX_CHARS:
            break
        line = re.sub(rf"\b{long}\b", short, line)
    return _cut(line)


# Words that may join the words of one proper name (« Territoire de Belfort »,
# « Saint-Pierre-et-Miquelon » has hyphens and never breaks).
_CONNECTORS = frozenset(
    ("de", "du", "des", "d'", "d’", "la", "le", "les", "l'", "l’", "et", "en", "sur", "sous")
)
_PARTICLE_START = re.compile(r"^(de|du|des|d['’]|de la|de l['’])\b", re.IGNORECASE)


def _capitalised(word: str) -> bool:
    """« Territoire », « d’Alsace », « L’Haÿ »: the word (elision aside) starts with a capital."""
    bare = re.sub(r"^[dlDL]['’]", "", word)
    return bool(bare) and bare[0].isupper()


def _breakable(words: list[str], free: frozenset[int] = frozenset()) -> list[int]:
    """Indices ``i`` where a line may break before ``words[i]`` without splitting a proper name.

    A proper name runs from a capitalised word through connectors (de, la…) to the next
    capitalised word (« Territoire de Belfort »): no break inside it. ``free`` are breaks
    allowed in any case (after the function in « Présidente du Conseil… »).
    """
    runs: list[int | None] = []  # the proper name each word belongs to, if any
    current: int | None = None
    for k, word in enumerate(words):
        if _capitalised(word):
            current = current if current is not None else k
        elif word.lower() in _CONNECTORS and current is not None:
            following = next((w for w in words[k + 1 :] if w.lower() not in _CONNECTORS), "")
            current = current if _capitalised(following) else None
        else:
            current = None
        runs.append(current)
    return [i for i in range(1, len(words)) if i in free or runs[i] is None or runs[i] != runs[i - 1]]


def _wrap(text: str, width: int = MAX_CHARS, free: frozenset[int] = frozenset()) -> list[str]:
    """Wrap at word boundaries that split no proper name, before a particle if possible."""
    if len(text) <= width:
        return [text]
    words = text.split(" ")
    breaks = _breakable(words, free)
    # « Conseil départemental | des Pyrénées-Atlantiques » reads better than a blind wrap.
    for i in reversed(breaks):
        first, rest = " ".join(words[:i]), " ".join(words[i:])
        if len(first) <= width and len(rest) <= width and (i in free or _PARTICLE_START.match(rest)):
            return [first, rest]
    lines, start = [], 0
    while len(" ".join(words[start:])) > width:
        fitting = [b for b in breaks if b > start and len(" ".join(words[start:b])) <= width]
        later = [b for b in breaks if b > start]
        cut = fitting[-1] if fitting else (later[0] if later else len(words))
        lines.append(" ".join(words[start:cut]))
        start = cut
    if start < len(words):
        lines.append(" ".join(words[start:]))
    return [piece for line in lines for piece in _hard_wrap(line, width)]


def _hard_wrap(line: str, width: int) -> list[str]:
    """A line still too long (one proper name over 38 characters): wrap it at any space."""
    if len(line) <= width:
        return [line]
    lines, current = [], ""
    for word in line.split(" "):
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            if current:
                lines.append(current)
            current = _cut(word, width)
    return [*lines, current] if current else lines


def _typographic(text: str) -> str:
    """A human-read line: single spaces, the letter's apostrophe ’."""
    return _clean(text).replace("'", "’")


def _key(line: str) -> str:
    """What makes two lines the same line: letters and digits, accents and case aside."""
    return _machine(line)


def _unique(lines: list[str], seen: set[str]) -> list[str]:
    """``lines`` without those already seen (or repeated), in order; updates ``seen``."""
    kept = []
    for line in lines:
        key = _key(line)
        if key and key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


@dataclass(frozen=True)
class _Parts:
    """The pieces of a block before it is laid out."""

    identities: tuple[tuple[str, ...], ...]  # name and institution layouts, preferred first
    short_identities: tuple[tuple[str, ...], ...]  # the same without the first name
    delivery: tuple[str, ...]
    street: tuple[str, ...]
    boxes: tuple[bool, ...]  # per street line: BP/CS/TSA line
    town: str


def address_block(
    genre: str | None,
    prenom: str,
    nom: str,
    office: OfficeForms,
    institution_nom: str,
    adresse: tuple[str, ...],
    code_postal: str,
    ville: str,
) -> tuple[str, ...]:
    """The address block, ≤ 6 lines of ≤ 38 characters, organisation first.

    >>> from lettergen.french import office_forms, territory
    >>> print("\\n".join(address_block("F", "Marie", "DUPONT",
    ...     office_forms("president_cd", "F", territory("33")),
    ...     "Conseil départemental de la Gironde", ("Hôtel du Département",
    ...     "1 esplanade Charles-de-Gaulle", "CS 71223"), "33074", "Bordeaux Cedex")))
    Conseil départemental de la Gironde
    Madame Marie DUPONT, Présidente
    Hôtel du Département
    1 ESPLANADE CHARLES DE GAULLE
    CS 71223
    33074 BORDEAUX CEDEX
    """
    parts = _parts(genre, prenom, nom, office, institution_nom, adresse, code_postal, ville)
    cedex = bool(re.search(r"\bCEDEX\b", parts.town))
    boxed = cedex and any(parts.boxes)
    no_street = tuple(s for s, box in zip(parts.street, parts.boxes, strict=True) if box)
    # Drop order 4–6 of the module docstring; each step keeps what the previous ones kept.
    steps = (
        (parts.identities, parts.delivery, parts.street),
        (parts.identities, parts.delivery, no_street if boxed else parts.street),
        (parts.identities, (), no_street if boxed else parts.street),
        (parts.short_identities, (), no_street if boxed else parts.street),
    )
    for identities, delivery, street in steps:
        for identity in identities:
            block = [*identity, *delivery, *street, *([parts.town] if parts.town else [])]
            if len(block) <= MAX_LINES:
                return tuple(block)
    # Step 7: more street lines than room; keep the last ones and the town.
    identity = min(parts.short_identities, key=len)
    room = max(MAX_LINES - len(identity) - (1 if parts.town else 0), 0)
    last_street = no_street if boxed else parts.street
    kept = last_street[len(last_street) - room :] if room else ()
    return tuple([*identity, *kept, *([parts.town] if parts.town else [])])[:MAX_LINES]


def _parts(genre, prenom, nom, office, institution_nom, adresse, code_postal, ville) -> _Parts:
    """Clean, deduplicate and lay out the pieces of the block (steps 1–3 of the docstring)."""
    institution = _typographic(institution_nom)
    org = _wrap(institution) if institution else []
    seen = {_key(line) for line in org} | ({_key(institution)} if institution else set())
    civilite = _CIVILITE[genre]
    family = surname(nom)
    person = _clean(" ".join(p for p in (civilite, _typographic(prenom), family) if p.strip()))
    short = _clean(f"{civilite} {family}")
    if len(short) > MAX_CHARS:  # never cut a name while the civility can be shortened
        short = _clean(f"{_CIVILITE_ABREGEE[genre]} {family}")
    short = _cut(short)
    if len(person) > MAX_CHARS:
        person = short  # drop the first name before cutting anything
    person = _cut(person)
    function = _typographic(office.titre_court)
    title = _typographic(office.titre_adresse)
    protocol = bool(institution) and institution.casefold() in title.casefold()
    identities = tuple(_identities(org, person, function, title if protocol else ""))
    short_identities = tuple(_identities(org, short, function, title if protocol else ""))

    lines_in = [_clean(a) for a in adresse if a and a.strip()]
    first_street = next((i for i, a in enumerate(lines_in) if _STREET.match(a)), len(lines_in))
    delivery = _unique([_cut(_typographic(a)) for a in lines_in[:first_street]], seen)
    street = _unique([s for s in (_abbreviate(_machine(a)) for a in lines_in[first_street:]) if s], seen)
    return _Parts(
        identities=identities,
        short_identities=short_identities,
        delivery=tuple(delivery),
        street=tuple(street),
        boxes=tuple(bool(_BOX.match(s)) for s in street),
        town=_town_line(code_postal, ville),
    )


def _identities(org: list[str], person: str, function: str, title: str) -> list[tuple[str, ...]]:
    """The layouts of institution, name and function, preferred first, each keeping all three."""
    layouts = []
    if function and person and len(f"{person}, {function}") <= MAX_CHARS:
        layouts.append((*org, f"{person}, {function}"))
    layouts.append(tuple(line for line in (*org, person, function) if line))
    if title and person:
        free = frozenset([len(function.split(" "))]) if title.startswith(f"{function} ") else frozenset()
        layouts.append((person, *_wrap(title, free=free)))
    return layouts


def _town_line(code_postal: str, ville: str) -> str:
    """ "33074 BORDEAUX CEDEX": postcode (never grouped) and town in unaccented capitals."""
    line = _machine(f"{code_postal.strip()} {ville}")
    if len(line) > MAX_CHARS:
        line = re.sub(r"\bSAINTE\b", "STE", line)
        line = re.sub(r"\bSAINT\b", "ST", line)
    return _cut(line)


def validate_address(lines: tuple[str, ...] | list[str]) -> list[str]:
    """Return the problems of an address block against NF Z10-011, in French."""
    problems = []
    if not lines:
        return ["adresse vide"]
    if len(lines) > MAX_LINES:
        problems.append(f"{len(lines)} lignes : la norme en admet {MAX_LINES} au plus")
    for i, line in enumerate(lines, 1):
        if not line.strip():
            problems.append(f"ligne {i} vide : supprimez-la")
        if len(line) > MAX_CHARS:
            problems.append(f"ligne {i} : {len(line)} caractères, {MAX_CHARS} au plus")
        if "  " in line:
            problems.append(f"ligne {i} : espaces multiples")
    for i, line in enumerate(lines, 1):
        if (_STREET.match(line) or i == len(lines)) and _PUNCT.search(line):
            problems.append(f"ligne {i} : pas de ponctuation à partir de la ligne de la voie")
    last = lines[-1]
    if not _LAST_LINE.match(last):
        problems.append(
            f"dernière ligne « {last} » : attendu le code postal (5 chiffres) puis la commune "
            "en capitales, par exemple « 33074 BORDEAUX CEDEX »"
        )
    return problems
