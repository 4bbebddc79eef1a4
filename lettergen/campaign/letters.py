"""The one door from the campaign stage to the letter pipeline (batch, template, writers).

Everything the campaign needs of a letter goes through here: loading the campaign, rendering a
recipient's letter (with the register's ``premiere_lettre``), its e-mail cover text, its
fingerprint, its DOCX and PDF files. When the pipeline's API changes, only this module changes.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lettergen.batch import (
    Campaign,
    Sources,
    file_stems,
    letter_fingerprint,
    load_campaign,
    run_fingerprint,
)
from lettergen.errors import ConversionError, LettergenError, Problem
from lettergen.files import write_atomically
from lettergen.french import date_longue, typographie
from lettergen.letter import Letter, paragraphs_of, parse_markup
from lettergen.manifest import ManifestRow, sha256_file, write_manifest
from lettergen.read.records import Recipient
from lettergen.template.render import render_letter, render_markup
from lettergen.template.vocabulary import first_letter
from lettergen.writers.docx import DocxWriter

#: Variables added to one letter's template context (``premiere_lettre``).
Extra = Mapping[str, Any]


@dataclass(frozen=True)
class PreparedLetter:
    """One recipient's letter, rendered and checked, with what its e-mail needs."""

    recipient: Recipient
    letter: Letter
    cover: str
    fingerprint: str
    stem: str  # its files' name, as ``generate`` gives it (:func:`~lettergen.batch.file_stems`)

    @property
    def pdf_name(self) -> str:
        return f"{self.stem}.pdf"

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.recipient.prenom, self.recipient.nom) if part)


def load(sources: Sources) -> Campaign:
    """The campaign: template compiled, data read; ``.problems`` lists every problem found so far."""
    return load_campaign(sources, render_check=False)


def template_name(campaign: Campaign) -> str:
    return campaign.template.name


def campaign_file(campaign: Campaign) -> str:
    """``templates/campagne.toml`` as messages name it."""
    return campaign.template.settings.file


def envoi_settings(campaign: Campaign) -> dict[str, Any]:
    """The ``[envoi]`` table of ``campagne.toml`` (empty when absent), inner tables as dicts."""
    table = getattr(campaign.template.settings.campagne, "envoi", None)
    return _plain(table) if table is not None else {}


def _plain(value: Any) -> Any:
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {key: _plain(item) for key, item in vars(value).items()}
    return value


def first_letter_extra(date: _dt.date, canal: str) -> Extra:
    """The context a follow-up sees for a recipient whose first letter is known."""
    return {"premiere_lettre": first_letter(date, canal)}


def prepare(
    campaign: Campaign, recipients: Iterable[Recipient], extras: Mapping[str, Extra] | None = None
) -> tuple[list[PreparedLetter], list[Problem]]:
    """Render every recipient's letter and cover text; a recipient whose letter fails is a problem."""
    extras = extras or {}
    run = run_fingerprint(campaign.sources)
    recipients = list(recipients)
    # The names ``generate`` gives: two recipients never share a draft or a PDF.
    stems = file_stems({r.id: r for r in [*campaign.data.recipients, *recipients]}.values())
    prepared: list[PreparedLetter] = []
    problems: list[Problem] = []
    for recipient in recipients:
        extra = extras.get(recipient.id)
        try:
            letter = _render(campaign, recipient, extra)
            cover = _cover(campaign, recipient, letter, extra)
        except LettergenError as error:
            problems.append(
                Problem(error.file, error.line, f"{error.message} (destinataire « {recipient.id} »)")
            )
            continue
        prepared.append(
            PreparedLetter(recipient, letter, cover, letter_fingerprint(run, recipient), stems[recipient.id])
        )
    return prepared, problems


def _render(campaign: Campaign, recipient: Recipient, extra: Extra | None) -> Letter:
    sources = campaign.sources
    return render_letter(campaign.template, recipient, sources.letter_date, campaign.data.figure_names, extra)


def _cover(campaign: Campaign, recipient: Recipient, letter: Letter, extra: Extra | None) -> str:
    """The template's ``[courriel]`` section as plain text, or the default cover text."""
    sources = campaign.sources
    markup = render_markup(
        campaign.template, recipient, sources.letter_date, campaign.data.figure_names, extra
    )
    section = parse_markup(markup).get("courriel")
    if section:
        return "\n\n".join(typographie(p.text) for p in paragraphs_of(section)) + "\n"
    return default_cover(letter, sources.letter_date)


def default_cover(letter: Letter, letter_date: _dt.date) -> str:
    """A short French cover text: the appel, what is attached, the signatories."""
    signatures = [", ".join(part for part in (s.nom, s.fonction) if part) for s in letter.signatories]
    organisations = list(dict.fromkeys(s.organisation for s in letter.signatories if s.organisation))
    paragraphs = [
        letter.appel,
        typographie(
            f"Vous trouverez ci-joint, au format PDF, notre courrier du {date_longue(letter_date)} "
            f"ayant pour objet : « {letter.objet} »."
        ),
        "Nous vous en souhaitons bonne réception et restons à votre disposition pour tout échange.",
        "Bien cordialement,",
    ]
    closing = "\n".join(signatures + organisations)
    return "\n\n".join(paragraphs + ([closing] if closing else [])) + "\n"


# --- files ------------------------------------------------------------------------------


def write_docx(campaign: Campaign, prepared: Iterable[PreparedLetter], folder: Path) -> dict[str, Path]:
    """Write each letter's DOCX into ``folder``; return the paths by recipient id."""
    writer = DocxWriter(campaign.sources.letterhead)
    paths: dict[str, Path] = {}
    for item in prepared:
        path = folder / f"{item.stem}.docx"
        write_atomically(path, writer.render(item.letter, campaign.sources.letter_date))
        paths[item.recipient.id] = path
    return paths


#: Makes the PDFs of some letters in a folder; returns the PDF paths by recipient id.
PdfMaker = Callable[[Campaign, list[PreparedLetter], Path], dict[str, Path]]


def write_pdfs(campaign: Campaign, prepared: list[PreparedLetter], folder: Path) -> dict[str, Path]:
    """Each letter as a PDF in ``folder`` (DOCX first, in a temporary folder, then LibreOffice)."""
    from lettergen.writers.pdf import convert_to_pdf

    stamp = _dt.datetime.combine(campaign.sources.letter_date, _dt.time(), _dt.UTC)
    with tempfile.TemporaryDirectory(prefix=".lettergen-docx-", dir=folder) as docx_dir:
        docx = write_docx(campaign, prepared, Path(docx_dir))
        jobs = max(1, min(2, os.cpu_count() or 1))
        report = convert_to_pdf(list(docx.values()), folder, jobs=jobs, creation_date=stamp)
    if report.failures:
        raise ConversionError("; ".join(str(failure) for failure in report.failures))
    return {letter_id: folder / f"{path.stem}.pdf" for letter_id, path in docx.items()}


def write_letters(
    campaign: Campaign,
    prepared: list[PreparedLetter],
    out_dir: Path,
    formats: tuple[str, ...],
    pdf_maker: PdfMaker = write_pdfs,
) -> Path:
    """Write the letters like ``generate``: one file per format and ``manifest.csv``; return the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {item.recipient.id: ManifestRow(item.recipient.id, item.fingerprint) for item in prepared}
    if "docx" in formats:
        for letter_id, path in write_docx(campaign, prepared, out_dir).items():
            rows[letter_id].files["docx"] = (path.name, sha256_file(path))
    if "pdf" in formats:
        for letter_id, path in pdf_maker(campaign, prepared, out_dir).items():
            rows[letter_id].files["pdf"] = (path.name, sha256_file(path))
    return write_manifest(out_dir, list(rows.values()))
