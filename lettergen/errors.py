"""One exception hierarchy for lettergen.

Every error a user can cause carries the file and line it comes from, so the
CLI prints it as ``FILE:LINE: message`` without knowing which stage raised it.
Messages are in French: they are shown to press officers and delegates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# What a value may carry that a terminal would obey instead of show: C0 and C1 controls (ESC
# starts the sequences that move the cursor, retitle the window, rewrite the line; CR and LF
# would forge a second line), DEL, and the Unicode controls that reorder or hide text (bidi
# embeddings, overrides and isolates, marks, line and paragraph separators, zero-width joiners).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def shown_safely(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape: ``\\x1b``, ``\\u202e``."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True)
class Problem:
    """One problem in the user's input: where it is and what is wrong.

    Printed as one line whatever the file name and the values quoted in the message hold:
    :func:`shown_safely` escapes control characters here, the one place every problem and
    warning goes through before it reaches a terminal.
    """

    file: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        message = shown_safely(self.message)
        if self.file and self.line:
            return f"{shown_safely(self.file)}:{self.line}: {message}"
        if self.file:
            return f"{shown_safely(self.file)}: {message}"
        return message


class LettergenError(Exception):
    """Base of every error lettergen raises on purpose.

    ``file`` and ``line`` say where in the user's files the problem lies
    (a recipients row as the user sees it, a template line).
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    @property
    def problem(self) -> Problem:
        return Problem(self.file, self.line, self.message)

    @property
    def problems(self) -> list[Problem]:
        return [self.problem]

    def __str__(self) -> str:
        return str(self.problem)

    def __reduce__(self):
        # Exceptions pickle their ``args`` by default, which loses ``file`` and ``line``: workers
        # send errors back to the main process, so they must cross a pickle whole.
        return (type(self), (self.message, self.file, self.line))


class InputError(LettergenError):
    """Bad recipients, figures or RNE data."""


class TemplateError(LettergenError):
    """A template that does not parse, names an unknown variable, or breaks the sandbox."""


class TemplateLimitError(TemplateError):
    """A template went past one of the limits of a render (time, steps, sizes, memory)."""


class LetterheadError(LettergenError):
    """A letterhead document lettergen cannot use."""


class ConversionError(LettergenError):
    """LibreOffice is missing or failed to convert a letter."""


class OutputError(LettergenError):
    """The output folder cannot be written."""


class InvalidInput(LettergenError):
    """Several problems found in one pass; nothing may be written.

    ``warnings`` are what the same pass found worth saying without stopping (a département with
    no figures…), for a caller that shows them along with the problems.
    """

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()):
        self._problems = list(problems)
        self.warnings = list(warnings)
        first = self._problems[0] if self._problems else Problem(None, None, "entrée invalide")
        super().__init__(first.message, first.file, first.line)

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self._problems)

    def __reduce__(self):
        return (type(self), (self._problems, self.warnings))


class RegisterError(LettergenError):
    """A campaign register that cannot be opened, is busy, or does not know a recipient."""


class SendingError(LettergenError):
    """The SMTP server cannot be reached or refuses the whole run (not one recipient)."""
