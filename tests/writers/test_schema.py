"""Every part of every letter of every shipped template validates against the OOXML schemas.

For each template and variant of ``templates/`` the CLI writes the letters of the example
campaign (``recipients/exemple.csv`` with its figures), then every part of every letter is
validated (see ``ooxml_validation.py`` for which schema checks which part). Parts that are
byte-identical across letters (all but ``word/document.xml`` and ``docProps/core.xml``, copied
from the letterhead) are validated once per template: the check stays a few seconds long
and still covers every distinct part written.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lettergen.cli import cli

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(path.stem for path in (REPO / "templates").glob("*.j2"))
RECIPIENTS = REPO / "recipients" / "exemple.csv"
# A variant written for other offices has its own example file (the mayors' letter needs a commune).
RECIPIENTS_OF = {"maires": REPO / "recipients" / "exemple_maires.csv"}
FIGURES = REPO / "recipients" / "chiffres_exemple.csv"


def letter_count(template: str) -> int:
    path = RECIPIENTS_OF.get(template, RECIPIENTS)
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())


# The parts the shipped letterhead gives every letter; each must have been validated.
EXPECTED_PARTS = {
    "[Content_Types].xml",
    "_rels/.rels",
    "word/_rels/document.xml.rels",
    "word/document.xml",
    "word/styles.xml",
    "word/settings.xml",
    "word/fontTable.xml",
    "word/header1.xml",
    "word/footer1.xml",
    "word/theme/theme1.xml",
    "docProps/app.xml",
}


def generate(template: str, out: Path, *extra: str) -> list[Path]:
    """Write the example campaign's letters with ``template`` into ``out``; return the DOCX paths."""
    args = ["generate", "-t", template, "--templates-dir", str(REPO / "templates")]
    recipients = RECIPIENTS_OF.get(template, RECIPIENTS)
    args += ["-r", str(recipients), "-f", str(FIGURES), "--date", "2021-07-01", "-o", str(out)]
    result = CliRunner().invoke(cli, [*args, "--jobs", "1", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return sorted(out.glob("*.docx"))


def distinct_parts(paths: list[Path]) -> dict[tuple[str, bytes], bytes]:
    """Return the parts of the packages, each distinct (name, content) once: key (name, sha256)."""
    parts: dict[tuple[str, bytes], bytes] = {}
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                parts.setdefault((name, hashlib.sha256(data).digest()), data)
    return parts


def test_templates_are_found():
    assert {"segur", "courte", "cosignee", "relance", "deputes"} <= set(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_part_of_every_letter_is_schema_valid(template, tmp_path, ooxml_schemas):
    letters = generate(template, tmp_path)
    assert len(letters) == letter_count(template)
    parts = distinct_parts(letters)
    problems = [ooxml_schemas.check_part(name, data) for (name, _), data in parts.items()]
    assert [str(problem) for problem in problems if problem] == []
    validated = {name for name, _ in parts if ooxml_schemas.schema_for(name) is not None}
    assert validated >= EXPECTED_PARTS
    # every letter has its own body: all of them were validated
    assert sum(name == "word/document.xml" for name, _ in parts) == letter_count(template)
