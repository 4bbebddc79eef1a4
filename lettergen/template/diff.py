"""Word-level difference between two rendered letters, for ``lettergen variants diff``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

CONTEXT_WORDS = 6
#: Two changes separated by fewer shared words than this are shown as one change.
MERGE_GAP = 5
_WORD = re.compile(r"\S+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _context(words: list[str], start: int, end: int) -> str:
    chunk = " ".join(words[max(start, 0) : end])
    return chunk


def _merged_changes(opcodes: Iterable[tuple[str, int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Changed spans; spans split only by a few shared words (« du », « de la ») are joined."""
    changes: list[list[int]] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if changes and i1 - changes[-1][1] < MERGE_GAP:
            changes[-1][1], changes[-1][3] = i2, j2
        else:
            changes.append([i1, i2, j1, j2])
    return [(i1, i2, j1, j2) for i1, i2, j1, j2 in changes]


def diff_letters(text_a: str, text_b: str, context: int = CONTEXT_WORDS) -> str:
    """What ``text_b`` changes in ``text_a``, word by word; only the changes.

    Each change is a small group of lines::

        … après « six mots avant le changement »
        - les mots supprimés
        + les mots ajoutés

    The first line quotes the words just before the change (``au début`` when
    there are none); ``-`` lines hold the words of the first letter that the
    second drops, ``+`` lines the words it adds. Changes separated by fewer
    than :data:`MERGE_GAP` shared words are shown as one, so that a rewritten
    sentence reads as a whole. Line breaks and spacing are ignored: only words
    count. Two identical letters give ``""``.
    """
    a, b = _words(text_a), _words(text_b)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    groups: list[str] = []
    for i1, i2, j1, j2 in _merged_changes(matcher.get_opcodes()):
        before = _context(a, i1 - context, i1)
        lines = [f"… après « {before} »" if before else "… au début"]
        if i2 > i1:
            lines.append("- " + " ".join(a[i1:i2]))
        if j2 > j1:
            lines.append("+ " + " ".join(b[j1:j2]))
        groups.append("\n".join(lines))
    return "\n\n".join(groups) + ("\n" if groups else "")
