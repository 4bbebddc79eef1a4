"""French hyphenation: the letters hyphenate their justified text, never their address or date.

The letterhead turns automatic hyphenation on (``w:autoHyphenation`` and its settings in
``word/settings.xml``), is French (``w:lang w:val="fr-FR"``) and marks the styles that must not
hyphenate (``w:suppressAutoHyphens``). LibreOffice hyphenates with Debian's ``hyphen-fr``
patterns (installed by ``dev.sh``); the PDFs of the example campaign are read back with
``pdftotext -bbox-layout`` to measure the spaces between words.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from lettergen.cli import cli
from lettergen.letter import Role
from lettergen.writers.docx import STYLE_NAMES, docx_text

REPO = Path(__file__).resolve().parents[2]
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XHTML = {"h": "http://www.w3.org/1999/xhtml"}
HYPHEN_PATTERNS = Path("/usr/share/hyphen/hyph_fr.dic")  # Debian package hyphen-fr
UNHYPHENATED_ROLES = (
    Role.EXPEDITEUR,
    Role.ADRESSE,
    Role.LIEU_DATE,
    Role.OBJET,
    Role.APPEL,
    Role.SIGNATAIRE,
    Role.PJ,
)
HYPHENATED_ROLES = (Role.CORPS, Role.FORMULE)

# Widest space allowed between two words of a full justified line, in points.
# Measured with LibreOffice 7.4, Liberation Serif 11 pt, on the 90 letters of the five shipped
# templates: 4.81 pt at most with hyphenation; 7.13 pt in the Gironde letter and 8.23 pt at
# worst without it. The natural space is 0.25 em = 2.75 pt: the bound, 2 × 2.75 = 5.5 pt, leaves
# 0.7 pt for another LibreOffice build and catches the stretched lines of unhyphenated text.
WIDEST_GAP = 5.5
RIGHT_MARGIN = 2.0 / 2.54 * 72  # of the shipped letterhead (tools/make_letterhead.py)
# A full line's last word ends up to 1.5 pt short of the margin (its last glyph's advance).
REACH = 3.0


def letterhead_part(name: str) -> etree._Element:
    with zipfile.ZipFile(REPO / "templates" / "papier_en_tete.docx") as archive:
        return etree.fromstring(archive.read(name))


def style(styles: etree._Element, name: str) -> etree._Element:
    found = styles.xpath("w:style[w:name/@w:val=$name]", namespaces={"w": W}, name=name)
    assert len(found) == 1, name
    return found[0]


def suppresses_hyphens(styles: etree._Element, name: str) -> bool:
    """True when style ``name`` or one it is based on sets ``w:suppressAutoHyphens``."""
    element = style(styles, name)
    while True:
        flag = element.find(f"{{{W}}}pPr/{{{W}}}suppressAutoHyphens")
        if flag is not None:
            return flag.get(f"{{{W}}}val", "true") not in ("false", "0", "off")
        based = element.find(f"{{{W}}}basedOn")
        if based is None:
            return False
        element = styles.xpath("w:style[@w:styleId=$id]", namespaces={"w": W}, id=based.get(f"{{{W}}}val"))[0]


def test_letterhead_styles_say_where_words_may_be_cut():
    styles = letterhead_part("word/styles.xml")
    for role in UNHYPHENATED_ROLES:
        assert suppresses_hyphens(styles, STYLE_NAMES[role]), STYLE_NAMES[role]
    for name in ("header", "footer"):
        assert suppresses_hyphens(styles, name), name
    for role in HYPHENATED_ROLES:
        assert not suppresses_hyphens(styles, STYLE_NAMES[role]), STYLE_NAMES[role]


def test_letterhead_is_french_throughout():
    styles = letterhead_part("word/styles.xml")
    languages = styles.findall(f".//{{{W}}}lang")
    assert languages, "no w:lang in styles.xml"
    assert {lang.get(f"{{{W}}}val") for lang in languages} == {"fr-FR"}
    assert style(styles, "Normal").find(f"{{{W}}}rPr/{{{W}}}lang").get(f"{{{W}}}val") == "fr-FR"


def test_letters_carry_the_hyphenation_settings(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [*example_campaign(out), "--only", "33"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "33-gironde-martin.docx") as archive:
        settings = etree.fromstring(archive.read("word/settings.xml"))
    assert settings.find(f"{{{W}}}autoHyphenation") is not None
    assert settings.find(f"{{{W}}}hyphenationZone").get(f"{{{W}}}val") == "454"
    assert settings.find(f"{{{W}}}consecutiveHyphenLimit").get(f"{{{W}}}val") == "2"
    assert settings.find(f"{{{W}}}doNotHyphenateCaps") is not None


def example_campaign(out: Path, *extra: str) -> list[str]:
    """CLI arguments writing the example campaign (template segur) into ``out``."""
    return [
        "generate",
        "--templates-dir",
        str(REPO / "templates"),
        "-r",
        str(REPO / "recipients" / "exemple.csv"),
        "-f",
        str(REPO / "recipients" / "chiffres_exemple.csv"),
        "--date",
        "2021-07-01",
        "-o",
        str(out),
        "--jobs",
        "2",
        *extra,
    ]


def pdf_lines(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, str]]]]:
    """Return every line of ``pdf`` as (page width, line's right edge, [(xMin, xMax, word)])."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True)
    lines = []
    for page in etree.fromstring(html.stdout).iterfind(".//h:page", XHTML):
        width = float(page.get("width"))
        for line in page.iterfind(".//h:line", XHTML):
            words = [
                (float(w.get("xMin")), float(w.get("xMax")), w.text) for w in line.iterfind("h:word", XHTML)
            ]
            lines.append((width, float(line.get("xMax")), words))
    return lines


def widest_gap(pdf: Path) -> float:
    """The widest space between two words on the lines that reach the right margin."""
    gaps = [
        after[0] - before[1]
        for width, x_max, words in pdf_lines(pdf)
        if x_max >= width - RIGHT_MARGIN - REACH
        for before, after in zip(words, words[1:], strict=False)
    ]
    assert len(gaps) > 100, pdf  # the letter's justified lines were found
    return max(gaps)


def hyphenated_words(pdf: Path, text: str) -> list[str]:
    """Words cut at a line end by hyphenation: « proté- / gés » where the letter has « protégés »."""
    found = []
    lines = [words for _, _, words in pdf_lines(pdf) if words]
    for words, following in zip(lines, lines[1:], strict=False):
        head, tail = words[-1][2], following[0][2]
        if head.endswith(("-", "\u00ad")) and len(head) > 1:
            whole = re.sub(r"\W+$", "", head[:-1] + tail)
            if whole in text and f"{head[:-1]}-{tail}" not in text:
                found.append(whole)
    return found


@pytest.fixture(scope="module")
def example_pdfs(tmp_path_factory) -> tuple[Path, Path]:
    """The example campaign's letters as DOCX and PDF, hyphenated and (for comparison) not."""
    if shutil.which("soffice") is None or not HYPHEN_PATTERNS.exists():
        if os.environ.get("CI"):
            pytest.fail("LibreOffice et hyphen-fr sont requis en CI")
        pytest.skip("LibreOffice ou hyphen-fr (motifs de césure du français) absent")
    root = tmp_path_factory.mktemp("hyphenation")
    hyphenated, plain = root / "hyphenated", root / "plain"
    unhyphenated = root / "sans_cesure.docx"
    unhyphenated.write_bytes(without_hyphenation(REPO / "templates" / "papier_en_tete.docx"))
    for out, extra in ((hyphenated, ()), (plain, ("--papier", str(unhyphenated), "--only", "33"))):
        args = example_campaign(out, "--format", "docx", "--format", "pdf", *extra)
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return hyphenated, plain


def without_hyphenation(letterhead: Path) -> bytes:
    """The letterhead with ``w:autoHyphenation w:val="false"`` (a letterhead that opts out)."""
    out = io.BytesIO()
    with zipfile.ZipFile(letterhead) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/settings.xml":
                data = data.replace(b"<w:autoHyphenation/>", b'<w:autoHyphenation w:val="false"/>')
                assert b'w:autoHyphenation w:val="false"' in data
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.libreoffice
def test_example_letters_hyphenate_and_have_no_stretched_space(example_pdfs):
    hyphenated, _ = example_pdfs
    pdfs = sorted(hyphenated.glob("*.pdf"))
    assert len(pdfs) == 18
    for pdf in pdfs:
        text = "\n".join(docx_text(pdf.with_suffix(".docx")))
        assert hyphenated_words(pdf, text), f"{pdf.name}: aucune coupure de mot en fin de ligne"
        assert widest_gap(pdf) <= WIDEST_GAP, pdf.name


@pytest.mark.libreoffice
def test_the_bound_catches_unhyphenated_justified_text(example_pdfs):
    """Without hyphenation the same letters stretch their spaces beyond the bound."""
    _, plain = example_pdfs
    gironde = plain / "33-gironde-martin.pdf"
    text = "\n".join(docx_text(gironde.with_suffix(".docx")))
    assert hyphenated_words(gironde, text) == []
    assert widest_gap(gironde) > WIDEST_GAP + 1.0  # measured: 7.13 pt
