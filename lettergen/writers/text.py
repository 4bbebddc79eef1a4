"""Plain-text writer: the preview a press officer reads in a terminal."""

from __future__ import annotations

from lettergen.letter import Letter


def render_text(letter: Letter) -> str:
    """Return the letter as plain text, blocks separated by a blank line.

    The words are exactly those of the DOCX body: both writers read
    :meth:`Letter.blocks`.
    """
    return "\n\n".join(block.text for block in letter.blocks()) + "\n"
