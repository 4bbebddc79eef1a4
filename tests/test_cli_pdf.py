"""`generate --format pdf` and `--merge` end to end: the PDFs are read back."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

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


# A PDF engine gone wrong: writes the same bytes under <stem>.pdf for every DOCX it is given.
FAKE_ENGINE = """#!/bin/sh
out=.
while [ $# -gt 0 ]; do
  case "$1" in
    --outdir) out="$2"; shift;;
    *.docx) printf '%s' "$GARBAGE" > "$out/$(basename "$1" .docx).pdf";;
  esac
  shift
done
"""
GARBAGE = {
    "texte": ("ceci n’est pas un PDF", "le fichier produit n’est pas un PDF complet (23 octets)"),
    "faux PDF": (
        "%PDF-1.6\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n" + "x" * 80 + "\n%%EOF\n",
        "PDF de LibreOffice illisible (pypdf ne peut pas le lire)",
    ),
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_broken_pdf_engine_never_gives_a_letter(campaign_dir, monkeypatch, kind):
    """An engine writing garbage as .pdf: one French line per letter, exit 1, no PDF, no traceback."""
    garbage, reason = GARBAGE[kind]
    engine = campaign_dir / "moteur"
    engine.mkdir()
    (engine / "soffice").write_text(FAKE_ENGINE)
    (engine / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", f"{engine}:{os.environ['PATH']}")
    monkeypatch.setenv("GARBAGE", garbage)
    result = CliRunner().invoke(cli, ["generate", *DATE, "--format", "pdf", "--merge", "--only", "33,59"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if "conversion en PDF" in line]
    assert lines == [
        f"{letter} : conversion en PDF impossible : LibreOffice n’a pas pu convertir cette lettre : {reason}"
        for letter in ("33", "59")
    ]
    assert "Traceback" not in result.output
    out = campaign_dir / "out"
    assert list(out.glob("*.pdf")) == []  # no letter, and no print file with letters missing
    assert "lettres-a-imprimer.pdf non écrit : des lettres n'ont pas de PDF" in result.stderr.splitlines()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


def test_merge_names_an_unreadable_letter(tmp_path):
    """A letter PDF damaged on disk: --merge's assembly says which, in French, and writes nothing."""
    from lettergen.errors import ConversionError
    from lettergen.writers.pdf import merge_pdfs

    good = tmp_path / "bonne.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(good, "wb") as handle:
        writer.write(handle)
    damaged = tmp_path / "abimee.pdf"
    damaged.write_bytes(good.read_bytes()[:200])
    merged = tmp_path / "tout.pdf"
    with pytest.raises(ConversionError) as caught:
        merge_pdfs([good, damaged], merged)
    assert [str(p) for p in caught.value.problems] == [
        f"{damaged}: ce n’est pas un PDF lisible : assemblage impossible"
    ]
    assert not merged.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["abimee.pdf", "bonne.pdf"]
    assert merge_pdfs([good, good], merged) == 4  # one page each, a blank after each
    assert len(PdfReader(merged).pages) == 4
