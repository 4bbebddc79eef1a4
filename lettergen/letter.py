"""The letter: a small structured value that every writer lays out.

A template renders *letter markup*, plain text that a press officer can read:

    [objet]
    Conséquences du Ségur de la santé
    [appel]
    Madame la Présidente,
    [corps]
    First paragraph, which may span
    several lines of the template.

    Second paragraph, with **bold** and *italic* words.
    [formule]
    Nous vous prions d'agréer, Madame la Présidente, …
    [signataires]
    Jeanne MARTIN | Présidente | Fédération exemple

A line holding only ``[name]`` opens a section; blank lines separate
paragraphs; ``\\*``, ``\\[`` and ``\\\\`` are literal characters. Values
printed by ``{{ … }}`` are escaped (see :func:`escape_markup`) so recipient data
can never open a section or an emphasis.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

# ``courriel``: the cover text of the e-mail carrying the letter (``lettergen send``); no writer prints it.
SECTIONS = ("objet", "appel", "corps", "formule", "signataires", "pj", "copie", "courriel")
REQUIRED_SECTIONS = ("objet", "appel", "corps", "formule")

_SECTION_LINE = re.compile(r"^\[([a-z_]+)\]\s*$")
_EMPHASIS = re.compile(r"(\\.|\*\*|\*)", re.S)


class Run(NamedTuple):
    """A stretch of text with one emphasis.

    An immutable named tuple rather than a frozen dataclass: every letter makes a
    few dozen of them (:meth:`Letter.blocks`), and a tuple is made three times as
    fast; writers read it as ``(text, bold, italic)``.
    """

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: runs of text, some emphasised."""

    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @classmethod
    def plain(cls, text: str) -> Paragraph:
        return cls((Run(text),))


@dataclass(frozen=True)
class Signatory:
    """One signatory: name, function, organisation."""

    nom: str
    fonction: str = ""
    organisation: str = ""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(part for part in (self.organisation, self.nom, self.fonction) if part)


class Role(StrEnum):
    """What a block of the letter is; writers map it to a style (DOCX) or an element (HTML).

    The values are the markup's section names where there is one; a body paragraph
    is one ``corps`` block, each signatory one ``signataire`` block.
    """

    EXPEDITEUR = "expediteur"
    ADRESSE = "adresse"
    LIEU_DATE = "lieu_date"
    OBJET = "objet"
    APPEL = "appel"
    CORPS = "corps"
    FORMULE = "formule"
    SIGNATAIRE = "signataire"
    PJ = "pj"
    COPIE = "copie"


#: The labels the letter prints before its objet, attachments and copies.
OBJET_LABEL = "Objet\u00a0:"
PJ_LABEL = "P.\u00a0J.\u00a0:"
COPIE_LABEL = "Copie à\u00a0:"


#: One line of a block: runs of text, some emphasised (a body paragraph's runs).
Line = tuple[Run, ...]


class Block(NamedTuple):
    """One paragraph of the letter as read: its role and its lines.

    A writer shows the lines of a block separated by line breaks. ``text`` is
    what a reader of the letter sees, lines joined by ``\\n``. A named tuple,
    like :class:`Run`, because every letter makes a score of them:
    ``for role, lines in letter.blocks()`` reads it.
    """

    role: Role
    lines: tuple[Line, ...]

    @property
    def line_texts(self) -> list[str]:
        """The text of each line."""
        return ["".join([run.text for run in line]) for line in self.lines]

    @property
    def text(self) -> str:
        return "\n".join(self.line_texts)

    @classmethod
    def plain(cls, role: Role, lines: Iterable[str]) -> Block:
        """A block of unemphasised lines."""
        return cls(role, tuple([(Run(line),) for line in lines]))


@dataclass(frozen=True)
class Letter:
    """Everything a writer needs to lay out one letter, and nothing about layout.

    Writers read it through :meth:`blocks`, the one reading order; the fields say
    what each part is for code that needs one (the DOCX title is ``objet``).
    ``date`` is the letter's date (``None`` for a letter made by hand without one);
    ``place_date`` is the line that shows it, as typeset.
    """

    recipient_id: str
    objet: str
    appel: str
    body: tuple[Paragraph, ...]
    closing: str
    signatories: tuple[Signatory, ...] = ()
    sender: tuple[str, ...] = ()
    address: tuple[str, ...] = ()
    place_date: str = ""
    attachments: str = ""
    copies: str = ""
    date: datetime.date | None = None

    def blocks(self) -> tuple[Block, ...]:
        """Return the letter as blocks, in reading order.

        This is the one reading order shared by the plain-text preview, the DOCX
        body and any other writer, so that all say exactly the same words.
        """
        blocks: list[Block] = []
        if self.sender:
            blocks.append(Block.plain(Role.EXPEDITEUR, self.sender))
        if self.address:
            blocks.append(Block.plain(Role.ADRESSE, self.address))
        if self.place_date:
            blocks.append(Block.plain(Role.LIEU_DATE, (self.place_date,)))
        blocks.append(Block(Role.OBJET, ((Run(OBJET_LABEL, bold=True), Run(f" {self.objet}")),)))
        blocks.append(Block.plain(Role.APPEL, (self.appel,)))
        corps = Role.CORPS
        blocks.extend([Block(corps, (paragraph.runs,)) for paragraph in self.body])
        blocks.append(Block.plain(Role.FORMULE, (self.closing,)))
        blocks.extend(self._signatory_blocks())
        if self.attachments:
            blocks.append(Block.plain(Role.PJ, (f"{PJ_LABEL} {self.attachments}",)))
        if self.copies:
            blocks.append(Block.plain(Role.COPIE, (f"{COPIE_LABEL} {self.copies}",)))
        return tuple(blocks)

    def _signatory_blocks(self) -> list[Block]:
        """One block per signatory; an organisation the previous signatory has is said once."""
        blocks, previous = [], None
        for signatory in self.signatories:
            lines = signatory.lines
            if signatory.organisation and signatory.organisation == previous:
                lines = lines[1:]
            blocks.append(Block.plain(Role.SIGNATAIRE, lines))
            previous = signatory.organisation
        return blocks


def organisation_spans(organisations: Iterable[str]) -> list[tuple[str, int]]:
    """Consecutive equal organisations as (organisation, how many signatories share it).

    Writers that set signatories side by side say a shared organisation once, over them.
    """
    spans: list[tuple[str, int]] = []
    for organisation in organisations:
        if spans and spans[-1][0] == organisation:
            spans[-1] = (organisation, spans[-1][1] + 1)
        else:
            spans.append((organisation, 1))
    return spans


class MarkupError(ValueError):
    """Letter markup that cannot be read; ``line`` is 1-based in the rendered text."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def escape_markup(text: str) -> str:
    """Return ``text`` with every markup character made literal, on one line."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("[", "\\[")
    return " ".join(text.splitlines())


def parse_markup(markup: str) -> dict[str, list[list[str]]]:
    """Split rendered letter markup into sections, each a list of paragraphs of lines."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for number, raw in enumerate(markup.splitlines(), start=1):
        line = raw.strip()
        header = _SECTION_LINE.match(line)
        if header:
            name = header.group(1)
            if name not in SECTIONS:
                raise MarkupError(
                    f"section « [{name}] » inconnue (sections possibles : "
                    + ", ".join(f"[{s}]" for s in SECTIONS)
                    + ")",
                    number,
                )
            if name in sections:
                raise MarkupError(f"section « [{name}] » présente deux fois", number)
            current = sections[name] = [[]]
            continue
        if not line:
            if current is not None and current[-1]:
                current.append([])
            continue
        if current is None:
            raise MarkupError("texte avant la première section (commencez par « [objet] »)", number)
        current[-1].append(line)
    missing = [name for name in REQUIRED_SECTIONS if not any(sections.get(name, [[]]))]
    if missing:
        raise MarkupError("section(s) vide(s) ou absente(s) : " + ", ".join(f"[{m}]" for m in missing))
    return {name: [lines for lines in paragraphs if lines] for name, paragraphs in sections.items()}


def paragraphs_of(section: list[list[str]]) -> tuple[Paragraph, ...]:
    """Join each paragraph's lines with spaces and read its emphasis."""
    return tuple(parse_emphasis(" ".join(lines)) for lines in section)


def text_of(section: list[list[str]]) -> str:
    """Return a one-paragraph section (objet, appel, formule…) as plain text."""
    return " ".join(p.text for p in paragraphs_of(section))


def parse_emphasis(text: str) -> Paragraph:
    """Turn ``**bold**`` and ``*italic*`` into runs; unbalanced marks stay literal."""
    runs: list[Run] = []
    bold = italic = False
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            runs.append(Run("".join(buffer), bold, italic))
            buffer.clear()

    for token in _EMPHASIS.split(text):
        if not token:
            continue
        if token.startswith("\\") and len(token) == 2:
            buffer.append(token[1])
        elif token == "**":
            flush()
            bold = not bold
        elif token == "*":
            flush()
            italic = not italic
        else:
            buffer.append(token)
    flush()
    if bold or italic:
        # An unclosed mark is a typo, not an intent: keep the text plain.
        plain = _EMPHASIS.sub(lambda m: m.group(0)[1] if m.group(0).startswith("\\") else "", text)
        return Paragraph.plain(plain)
    return Paragraph(tuple(_merge(runs)))


def _merge(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    return merged


def parse_signatories(section: list[list[str]]) -> tuple[Signatory, ...]:
    """Read the ``nom | fonction | organisation`` lines of the ``[signataires]`` section."""
    signatories = []
    for lines in section:
        for line in lines:
            parts = [parse_emphasis(part.strip()).text for part in line.split("|")] + ["", ""]
            if parts[0]:
                signatories.append(Signatory(parts[0], parts[1], parts[2]))
    return tuple(signatories)
