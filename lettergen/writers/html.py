"""HTML writer: the letter laid out like its A4 page, for the atelier's « Aperçu ».

It reads the same :class:`~lettergen.letter.Letter` as the DOCX and text writers and says the
same words in the same order as :meth:`Letter.blocks` (a test compares them with ``preview``).
Every text is escaped: recipient data and template output never become markup. The page is
drawn by :data:`PAGE_CSS` (millimetres, as on paper), served beside the fragment, because the
atelier's Content-Security-Policy forbids inline styles.
"""

from __future__ import annotations

import re
from html import escape as _escape

from lettergen.letter import Letter, Paragraph, Signatory, organisation_spans

_ORDINAL = re.compile(r"(?<!\w)1er(?!\w)")

#: The A4 page: 210 × 297 mm, margins and the window-envelope address box (DL window,
#: 100 × 45 mm, its left edge 110 mm from the page's left and top 45 mm from the top, as the
#: DOCX writer places it).
PAGE_CSS = """\
.lettre-page {
  box-sizing: border-box; width: 210mm; min-height: 297mm; padding: 20mm 20mm 20mm 25mm;
  margin: 0 auto; background: #fff; color: #111; position: relative;
  font-family: "Liberation Sans", Arial, sans-serif; font-size: 11pt; line-height: 1.35;
  box-shadow: 0 1px 6px rgba(0, 0, 0, .25);
}
.lettre-page p { margin: 0 0 3.5mm; }
.lettre-page .lettre-expediteur { font-size: 9.5pt; width: 80mm; height: 25mm; }
.lettre-page .lettre-expediteur p, .lettre-page .lettre-adresse p { margin: 0; }
.lettre-page .lettre-adresse { position: absolute; left: 110mm; top: 45mm; width: 85mm; }
.lettre-page .lettre-date { margin: 38mm 0 0; text-align: right; }
.lettre-page .lettre-objet { font-weight: bold; margin-top: 8mm; }
.lettre-page .lettre-appel { margin-top: 6mm; }
.lettre-page .lettre-corps p { text-align: justify; hyphens: auto; }
.lettre-page .lettre-formule { margin-top: 4mm; }
.lettre-page .lettre-signataires { display: grid; column-gap: 8mm; margin-top: 6mm; text-align: center; }
.lettre-page .lettre-signataires.colonnes-1 { margin-left: 87mm; text-align: left; }
.lettre-page .lettre-signataires.colonnes-2 { grid-template-columns: repeat(2, 1fr); }
.lettre-page .lettre-signataires.colonnes-3 { grid-template-columns: repeat(3, 1fr); }
.lettre-page .lettre-signataires.colonnes-4 { grid-template-columns: repeat(4, 1fr); }
.lettre-page .lettre-signataires .organisation { margin: 0; }
.lettre-page .lettre-signataires .organisation.sur-2 { grid-column: span 2; }
.lettre-page .lettre-signataires .organisation.sur-3 { grid-column: span 3; }
.lettre-page .lettre-signataires .organisation.sur-4 { grid-column: span 4; }
.lettre-page .lettre-signataire p { margin: 0; }
.lettre-page .lettre-signataire .nom { font-weight: bold; margin-top: 26mm; }  /* room to sign */
.lettre-page .lettre-mentions { margin-top: 8mm; font-size: 9.5pt; }
"""


def escape(text: str) -> str:
    """``html.escape``, and « 1er » with its « er » raised (``<sup>``), as the DOCX prints it."""
    escaped = _escape(text)
    return _ORDINAL.sub("1<sup>er</sup>", escaped) if "1er" in escaped else escaped


def _lines(lines: tuple[str, ...] | list[str], css_class: str, label: str) -> str:
    inner = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return f'<div class="{css_class}" aria-label="{escape(label)}">{inner}</div>'


def _runs(paragraph: Paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = escape(run.text)
        if run.italic:
            text = f"<em>{text}</em>"
        if run.bold:
            text = f"<strong>{text}</strong>"
        parts.append(text)
    return "".join(parts)


def _signatory(signatory: Signatory) -> str:
    lines = [f'<p class="nom">{escape(signatory.nom)}</p>']
    if signatory.fonction:
        lines.append(f'<p class="fonction">{escape(signatory.fonction)}</p>')
    return f'<div class="lettre-signataire">{"".join(lines)}</div>'


def _signatories(signatories: tuple[Signatory, ...]) -> list[str]:
    """Four columns a row, as the DOCX: the organisations (one over those sharing it), then the names."""
    parts = []
    for start in range(0, len(signatories), 4):
        row = signatories[start : start + 4]
        cells = []
        if any(s.organisation for s in row):
            for organisation, span in organisation_spans(s.organisation for s in row):
                cells.append(f'<p class="organisation sur-{span}">{escape(organisation)}</p>')
        cells.extend(_signatory(signatory) for signatory in row)
        parts.append(f'<div class="lettre-signataires colonnes-{len(row)}">{"".join(cells)}</div>')
    return parts


def render_html(letter: Letter) -> str:
    """Return the letter as an HTML fragment: one ``<article class="lettre-page">``.

    The reading order is that of :meth:`Letter.blocks`: sender, address, place and date,
    objet, appel, body, closing, signatories, enclosures, copies.
    """
    parts = ['<article class="lettre-page" lang="fr">']
    if letter.sender:
        parts.append(_lines(letter.sender, "lettre-expediteur", "Expéditeur"))
    if letter.address:
        parts.append(_lines(letter.address, "lettre-adresse", "Adresse du destinataire"))
    if letter.place_date:
        parts.append(f'<p class="lettre-date">{escape(letter.place_date)}</p>')
    else:
        parts.append('<p class="lettre-date"></p>')
    parts.append(f'<p class="lettre-objet">Objet\u00a0: {escape(letter.objet)}</p>')
    parts.append(f'<p class="lettre-appel">{escape(letter.appel)}</p>')
    parts.append('<div class="lettre-corps">')
    parts.extend(f"<p>{_runs(paragraph)}</p>" for paragraph in letter.body)
    parts.append("</div>")
    parts.append(f'<p class="lettre-formule">{escape(letter.closing)}</p>')
    parts.extend(_signatories(letter.signatories))
    mentions = []
    if letter.attachments:
        mentions.append(f"<p>P.\u00a0J.\u00a0: {escape(letter.attachments)}</p>")
    if letter.copies:
        mentions.append(f"<p>Copie à\u00a0: {escape(letter.copies)}</p>")
    if mentions:
        parts.append(f'<div class="lettre-mentions">{"".join(mentions)}</div>')
    parts.append("</article>")
    return "".join(parts)


def render_html_document(letter: Letter, title: str = "Lettre") -> str:
    """A whole HTML page holding the letter and its CSS (to save or print one letter)."""
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{PAGE_CSS}</style></head>"
        f"<body>{render_html(letter)}</body></html>\n"
    )
