"""`generate --format pdf` and `--merge` end to end: the PDFs are read back."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from lettergen.cli import cli
from lettergen.writers.pdf import pdf_fonts, pdf_text

NNBSP = "\u202f"
DATE = ["--date", "2021-07-01"]


def _generate(campaign_dir: Path, *extra: str):
    return CliRunner().invoke(cli, ["generate", *DATE, "--format", "docx", "--format", "pdf", *extra])


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.libreoffice
def test_pdf_letters_read_back(campaign_dir, soffice):
    """Each PDF holds the appel, the département form and the figures with U+202F, on 1–2 pages."""
    result = _generate(campaign_dir, "--merge")
    assert result.exit_code == 0, result.output
    out = campaign_dir / "out"
    rows = _rows(out)
    assert all(row["pdf"] for row in rows)
    by_id = {row["id"]: out / row["pdf"] for row in rows}
    gironde = pdf_text(by_id["33"])
    assert "Madame la Présidente," in gironde
    assert "de la Gironde" in gironde
    assert f"2{NNBSP}310" in gironde and f"9{NNBSP}840" in gironde
    assert "Monsieur le Président," in pdf_text(by_id["59"]) and "du Nord" in pdf_text(by_id["59"])
    for path in by_id.values():
        assert 1 <= len(PdfReader(path).pages) <= 2
        fonts = pdf_fonts(path)
        assert fonts and all(embedded for _, embedded in fonts), (path, fonts)

    merged = PdfReader(out / "lettres-a-imprimer.pdf")
    start = 0
    for row in rows:  # in recipient order, each letter starts on an odd page (index 0, 2, 4…)
        letter = PdfReader(by_id[row["id"]])
        assert start % 2 == 0
        assert merged.pages[start].extract_text() == letter.pages[0].extract_text()
        start += len(letter.pages) + len(letter.pages) % 2
    assert len(merged.pages) == start


def test_pdf_without_libreoffice_fails_at_once(campaign_dir, monkeypatch):
    """No LibreOffice: `--format pdf` fails at once with the install hint; DOCX alone still works."""
    monkeypatch.setenv("PATH", str(campaign_dir / "vide"))
    result = CliRunner().invoke(cli, ["generate", *DATE, "--format", "pdf"])
    assert result.exit_code == 1
    assert "sudo apt-get install libreoffice-writer-nogui fonts-liberation2" in result.stderr
    assert not (campaign_dir / "out").exists()
    docx_only = CliRunner().invoke(cli, ["generate", *DATE])
    assert docx_only.exit_code == 0
    assert docx_only.stdout.startswith("18 lettres générées dans out/")


@pytest.mark.libreoffice
def test_same_inputs_give_the_same_pdf_bytes(campaign_dir, soffice):
    """Two runs with the same inputs and date write byte-identical PDFs (stamped with the letter's date)."""
    for out in ("a", "b"):
        result = CliRunner().invoke(cli, ["generate", *DATE, "--format", "pdf", "--only", "33,59", "-o", out])
        assert result.exit_code == 0, result.output
    assert [r["pdf_sha256"] for r in _rows(campaign_dir / "a")] == [
        r["pdf_sha256"] for r in _rows(campaign_dir / "b")
    ]
    assert [r["docx"] for r in _rows(campaign_dir / "a")] == ["", ""]  # PDF only: no DOCX kept
    assert sorted(p.name for p in (campaign_dir / "a").iterdir()) == [
        "33-gironde-martin.pdf",
        "59-nord-lefebvre.pdf",
        "manifest.csv",
    ]
