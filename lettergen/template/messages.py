"""French wording of template errors, and where in a template they happened."""

from __future__ import annotations

import difflib
import os
import re
import traceback
from collections.abc import Iterable

_QUOTED = re.compile(r"'([^']*)'")


def suggest(name: str, candidates: Iterable[str]) -> str:
    """`` (vouliez-vous dire « x » ?)`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (vouliez-vous dire « {close[0]} » ?)" if close else ""


def french_list(names: Iterable[str]) -> str:
    """``« a », « b » ou « c »``."""
    items = [f"« {n} »" for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " ou " + items[-1]


def _tag_hint(message: str) -> str:
    hint = ""
    looking = re.search(r"looking for (?:the following tags: )?(.*?)\.", message)
    if looking and _QUOTED.findall(looking.group(1)):
        hint = " ; Jinja attendait " + french_list(_QUOTED.findall(looking.group(1)))
    innermost = re.search(r"innermost block that needs to be closed is '([^']*)'", message)
    if innermost:
        hint += f" (« {innermost.group(1)} » non fermé)"
    return hint


_TOKENS = {
    "end of print statement": "« }} »",
    "end of statement block": "« %} »",
    "name": "un nom",
    "end of template": "la fin du modèle",
}


def _token(text: str) -> str:
    return _TOKENS.get(text, f"« {text} »")


def syntax_message(message: str) -> str:
    """Translate a Jinja ``TemplateSyntaxError`` message."""
    message = message or ""
    match = re.match(r"Encountered unknown tag '([^']*)'", message)
    if match:
        if "looking for" in message or "expecting this tag" in message:
            return f"erreur de syntaxe : balise « {match.group(1)} » inattendue" + _tag_hint(message)
        return f"erreur de syntaxe : balise inconnue « {match.group(1)} »" + _tag_hint(message)
    if message.lower().startswith("unexpected end of template"):
        expected = re.search(r"expected '([^']*)'", message)
        text = "erreur de syntaxe : fin du modèle inattendue"
        if expected:
            text += f", {_token(expected.group(1))} attendu"
        return text + _tag_hint(message)
    match = re.match(r"expected token '([^']*)', got '([^']*)'", message)
    if match:
        return f"erreur de syntaxe : {_token(match.group(1))} attendu, « {match.group(2)} » trouvé"
    match = re.match(r"unexpected '([^']*)'", message)
    if match:
        return f"erreur de syntaxe : « {match.group(1)} » inattendu"
    match = re.match(r"unexpected char '?(.*?)'? at", message)
    if match:
        return f"erreur de syntaxe : caractère « {match.group(1)} » inattendu"
    match = re.match(r"block '([^']*)' defined twice", message)
    if match:
        return f"le bloc « {match.group(1)} » est défini deux fois"
    return f"erreur de syntaxe : {message}"


def security_message(message: str) -> str:
    """Translate a sandbox ``SecurityError`` message."""
    message = message or ""
    match = re.match(r"access to attribute '([^']*)' of '([^']*)' object is unsafe", message)
    if match:
        return (
            f"accès interdit dans un modèle : attribut « {match.group(1)} » d'un objet « {match.group(2)} »"
        )
    if "is not safely callable" in message:
        return f"accès interdit dans un modèle : appel de fonction refusé ({message})"
    if "range too big" in message:
        return "accès interdit dans un modèle : range() trop grand"
    if re.search(r"[àéèç]", message):  # already French (our own limits)
        return f"accès interdit dans un modèle : {message}"
    return f"accès interdit dans un modèle : {message}"


def template_line(error: BaseException, filenames: Iterable[str]) -> tuple[str | None, int | None]:
    """The innermost template frame of ``error``'s traceback: (filename, line).

    Jinja rewrites tracebacks so that frames of compiled templates carry the
    template's file name and line; any frame whose file is a ``.j2`` template,
    or one of ``filenames``, counts.
    """
    wanted = {os.path.normpath(f) for f in filenames}
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        name = os.path.normpath(frame.filename)
        if name in wanted or name.endswith(".j2"):
            found = (name, frame.lineno)
    return found
