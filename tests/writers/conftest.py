"""Shared fixtures for the writers' tests: letterhead, DOCX writer, sample letters, OOXML schemas."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from ooxml_validation import OoxmlSchemas

from lettergen.letter import Letter, Paragraph, Run, Signatory
from lettergen.writers.docx import DocxWriter

REPO = Path(__file__).resolve().parents[2]
LETTERHEAD = REPO / "templates" / "papier_en_tete.docx"
SCHEMAS = REPO / "tests" / "data" / "ooxml_xsd"

SIGNATORIES = (
    Signatory("Jeanne MARTIN", "Présidente", "Fédération exemple"),
    Signatory("Paul DURAND", "Président", "Union des associations exemple"),
    Signatory("Amina BENALI", "Directrice générale", "Réseau exemple"),
)

PARAGRAPH = (
    "Nous souhaitons attirer votre attention sur la situation des professionnels du secteur "
    "social et médico-social\u202f: ils ont contribué de manière continue à la gestion de la "
    "crise, auprès des plus vulnérables, pendant toute la pandémie. "
)


def make_letter(signatories: int | tuple = 1, paragraphs: int = 3, **changes) -> Letter:
    """Return a complete letter with ``signatories`` co-signatories and bold/italic runs."""
    body = [
        Paragraph(
            (
                Run("Vous avez été récemment "),
                Run("élue", bold=True),
                Run(" présidente du conseil départemental de la Gironde, "),
                Run("et nous vous en félicitons", italic=True),
                Run("."),
                Run(" Très sincèrement.", bold=True, italic=True),
            )
        )
    ]
    body += [
        Paragraph.plain(
            f"{n}. {PARAGRAPH * 2}« 1\u202f234\u00a0€ » et 12,5\u00a0% ; l’œuvre de l’État\u202f!"
        )
        for n in range(2, paragraphs + 1)
    ]
    fields = dict(
        recipient_id="33",
        objet="Conséquences du Ségur de la santé – attractivité des métiers",
        appel="Madame la Présidente,",
        body=tuple(body),
        closing="Nous vous prions d’agréer, Madame la Présidente, l’expression de notre haute considération.",
        signatories=SIGNATORIES[:signatories] if isinstance(signatories, int) else signatories,
        sender=("Fédération exemple", "12 rue de l’Exemple", "75000 PARIS"),
        address=(
            "Conseil départemental de la Gironde",
            "Madame Marie DUPONT, Présidente",
            "Hôtel du Département",
            "1 ESPLANADE DE L EXEMPLE",
            "33000 BORDEAUX",
        ),
        place_date="Paris, le 1er juillet 2022",
        date=datetime.date(2022, 7, 1),
        attachments="Communiqué interfédéral du 12 juillet 2021",
        copies="Madame la Préfète de la Gironde",
    )
    fields.update(changes)
    return Letter(**fields)


@pytest.fixture(scope="session")
def letterhead_path() -> Path:
    """The letterhead committed in ``templates/``."""
    return LETTERHEAD


@pytest.fixture(scope="session")
def docx_writer(letterhead_path) -> DocxWriter:
    """One writer for the session, as batch builds one per process."""
    return DocxWriter(letterhead_path)


@pytest.fixture(scope="session")
def make_docx_letter():
    """The :func:`make_letter` factory, for tests that need variants."""
    return make_letter


@pytest.fixture(scope="session")
def ooxml_schemas() -> OoxmlSchemas:
    """The OOXML transitional schemas, compiled once for the session."""
    return OoxmlSchemas(SCHEMAS)
