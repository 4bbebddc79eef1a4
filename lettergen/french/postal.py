"""The recipient's postal address block, per La Poste / AFNOR NF Z10-011.

Rules (french_letter_conventions.md §2.2): at most 6 lines of at most 38 characters,
ordered from the organisation down to the town; from the street line on, no
punctuation, capitals (unaccented: the safe choice for optical reading); last line
"POSTCODE TOWN" (CEDEX kept). An organisation recipient puts the organisation first,
then "Madame Marie DUPONT, Présidente".

The block must always fit, so when the input is too long this module shortens in a
fixed order, least information lost first: split the organisation over two lines,
move the function to its own line or drop it (the organisation line says it), drop
delivery-point lines ("Hôtel du Département"), abbreviate street words, and only
then cut a line at a word boundary. The town line is never dropped.
"""

from __future__ import annotations

import re
import unicodedata

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
_PUNCT = re.compile(r"[^\w ]|_")
_SPACES = re.compile(r"\s+")
_LAST_LINE = re.compile(r"^\d{5} [A-Z0-9][A-Z0-9 ]*$")
_CIVILITE = {"F": "Madame", "M": "Monsieur", None: ""}


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


def _wrap(text: str, width: int = MAX_CHARS) -> list[str]:
    """Wrap at word boundaries, preferring to break before "de/du/des/d'" for names."""
    if len(text) <= width:
        return [text]
    # "Conseil départemental | des Pyrénées-Atlantiques" reads better than a blind wrap.
    for m in reversed(list(re.finditer(r" (?=(de|du|des|d'|de la|de l')\b)", text))):
        first, rest = text[: m.start()], text[m.end() :]
        if len(first) <= width and len(rest) <= width:
            return [first, rest]
    words, lines, current = text.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            if current:
                lines.append(current)
            current = _cut(word, width)
    if current:
        lines.append(current)
    return lines


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
    org = _wrap(_clean(institution_nom)) if institution_nom.strip() else []
    person = _clean(" ".join(p for p in (_CIVILITE[genre], prenom, nom) if p.strip()))
    if len(person) > MAX_CHARS:
        person = _clean(f"{_CIVILITE[genre]} {nom}")  # drop the first name before cutting
    person = _cut(person)
    function = _cut(_clean(office.titre_court)) if office.titre_court else ""

    lines_in = [_clean(a) for a in adresse if a and a.strip()]
    first_street = next((i for i, a in enumerate(lines_in) if _STREET.match(a)), len(lines_in))
    delivery = [_cut(a) for a in lines_in[:first_street]]
    street = [_abbreviate(_machine(a)) for a in lines_in[first_street:]]
    street = [s for s in street if s]
    town = _town_line(code_postal, ville)

    # Shorten in order until the block fits; each step loses the least information left:
    # the function's own line, then delivery-point lines, then the second organisation line.
    def assemble(org_lines, function_line, delivery_lines, street_lines):
        name_lines = _name_lines(person, function, function_line)
        return [*org_lines, *name_lines, *delivery_lines, *street_lines, *([town] if town else [])]

    for org_lines, function_line, delivery_lines in (
        (org, True, delivery),
        (org, False, delivery),
        (org, False, []),
        (org[:1], False, []),
    ):
        block = assemble(org_lines, function_line, delivery_lines, street)
        if len(block) <= MAX_LINES:
            return tuple(block)
    # Still too long (more than 3 street lines): keep the last ones, which carry the
    # BP/CS code that La Poste sorts on. The town line always stays.
    street_kept = street[len(block) - MAX_LINES :]
    return tuple(assemble(org[:1], False, [], street_kept))


def _name_lines(person: str, function: str, function_line: bool) -> list[str]:
    """« Madame Marie DUPONT, Présidente » on one line, else on two if allowed, else the name."""
    if function and person:
        joined = f"{person}, {function}"
        if len(joined) <= MAX_CHARS:
            return [joined]
        if function_line:
            return [person, function]
    return [person] if person else []


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
