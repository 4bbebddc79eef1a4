"""French typography for every generated paragraph (french_letter_conventions.md §3.1).

- U+202F (narrow no-break space) before ``; ! ?`` and inside ``« »``;
- U+00A0 (no-break space) before ``:``, and before ``%`` / ``€`` when a plain space is there;
- typographic apostrophe inside words (l'État → l’État);
- "..." and "…." → "…"; " - " used as an incise → " – ".

E-mail addresses, URLs and times ("10:30") are left as they are. The function is
idempotent, so templates may call it on text that already went through it. It runs
on every paragraph of every letter: regexes are compiled once, and a text without
any of the characters concerned returns at once.
"""

from __future__ import annotations

import re
import unicodedata

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"  # espace insécable

# Horizontal spaces we replace: plain, no-break, thin, narrow no-break. Not newlines.
_SP = "[ \t\u00a0\u2009\u202f]"

# Tokens never touched. URLs stop before trailing sentence punctuation so that
# "voir https://x.fr ; merci" still gets its space before ";".
_URL_OR_TIME = (
    r"(?:(?:https?|ftp)://|mailto:|www\.)[^\s<>«»\"]*[^\s<>«»\".,;:!?)\]]"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_PROTECTED = re.compile(_URL_OR_TIME + r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The e-mail branch tries a match at every word; skip it when there is no "@".
_PROTECTED_NO_EMAIL = re.compile(_URL_OR_TIME)
_TRIGGERS = re.compile(r"[;:!?«»'.…%€-]")

_ELLIPSIS = re.compile(r"\.{3,}|…\.+")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
# Only the hyphen itself is replaced, so "x - - y" is done in one pass (idempotence).
_INCISE = re.compile(r"(?<=\S )-(?= \S)")
_OPEN_GUILLEMET = re.compile(r"«" + _SP + r"*+")
_CLOSE_GUILLEMET = re.compile(r"(?<=\S)" + _SP + r"*+»")
# A run of ;!? (e.g. "?!") gets one narrow space before it; a run of spaces before it
# collapses. At the start of a line the spaces are just dropped (see _before).
# Possessive "*+" avoids backtracking at every space: about twice as fast.
_DOUBLE_PUNCT = re.compile(_SP + r"*+([;!?]+)")
_COLON = re.compile(_SP + r"*+:")
_UNIT = re.compile(r"(?<=\S) +(?=[%€])")


_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _before(space: str, keep_between_digits: bool = False):
    """Build the replacement that puts exactly ``space`` before a punctuation mark."""

    def repl(m: re.Match[str]) -> str:
        start, text = m.start(), m.string
        punct = m.group(0).lstrip(" \t\u00a0\u2009\u202f")
        if start == 0 or text[start - 1] in _LINE_BREAKS:
            return punct  # line start: nothing to attach to, no space at all
        if (
            keep_between_digits
            and start == m.end() - 1
            and text[start - 1].isdigit()
            and text[m.end() : m.end() + 1].isdigit()
        ):
            return punct  # "1:2", "10:30:15" are not a colon in a sentence
        return space + punct

    return repl


_before_double = _before(NNBSP)
_before_colon = _before(NBSP, keep_between_digits=True)


def _typo_plain(text: str) -> str:
    """Apply every rule to text that contains no protected token."""
    # Each rule runs only if its trigger character is present: a substring test is
    # ~50x cheaper than a regex scan, and most paragraphs trigger two or three rules.
    if ".." in text or "…." in text:
        text = _ELLIPSIS.sub("…", text)
    if "'" in text:
        text = _APOSTROPHE.sub("’", text)
    if " - " in text:
        text = _INCISE.sub("–", text)
    if "«" in text:
        text = _OPEN_GUILLEMET.sub("«" + NNBSP, text)
    if "»" in text:
        text = _CLOSE_GUILLEMET.sub(NNBSP + "»", text)
    if ";" in text or "!" in text or "?" in text:
        text = _DOUBLE_PUNCT.sub(_before_double, text)
    if ":" in text:
        text = _COLON.sub(_before_colon, text)
    if " %" in text or " €" in text:
        text = _UNIT.sub(NBSP, text)
    return text


def typographie(texte: str) -> str:
    """Apply French typography to a generated text (idempotent).

    >>> typographie("Objet: l'État... - enfin - « oui » ?")
    'Objet\\xa0: l’État… – enfin – «\\u202foui\\u202f»\\u202f?'
    """
    if not _TRIGGERS.search(texte):
        return texte
    # Only a colon (times, URLs, mailto:), "@" or "www." can start a protected token.
    if ":" not in texte and "@" not in texte and "www." not in texte:
        return _typo_plain(texte)
    protected = _PROTECTED if "@" in texte else _PROTECTED_NO_EMAIL
    tokens = protected.findall(texte)
    if not tokens:
        return _typo_plain(texte)
    # Swap each protected token for a private-use placeholder: a non-space, non-word
    # character, so the rules around it behave as they would around the token itself.
    mark = next(chr(c) for c in range(0xE000, 0xF8FF) if chr(c) not in texte)
    masked = protected.sub(mark, texte)
    parts = _typo_plain(masked).split(mark)
    out = [parts[0]]
    for token, part in zip(tokens, parts[1:], strict=True):
        out.append(token)
        out.append(part)
    return "".join(out)


def identifier(texte: str) -> str:
    """A name a template author can type, from a French heading (a figure column's header).

    ASCII, lowercase, words joined by ``_``: ``Salariés non revalorisés`` →
    ``salaries_non_revalorises`` (``chiffres.salaries_non_revalorises``).
    Not a file name: those are ``lettergen.batch.slug``.
    """
    text = unicodedata.normalize("NFKD", str(texte))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")
