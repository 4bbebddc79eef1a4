"""End-to-end tests of the command line on the shipped example campaign."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lettergen.cli import cli
from lettergen.writers.docx import docx_text

NNBSP = "\u202f"
NBSP = "\u00a0"
DATE = ["--date", "2021-07-01"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def manifest_rows(out: Path) -> list[dict[str, str]]:
    with open(out / "manifest.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def example_ids(campaign_dir: Path) -> list[str]:
    with open(campaign_dir / "recipients/exemple.csv", newline="", encoding="utf-8") as handle:
        return [row["id"] for row in csv.DictReader(handle, delimiter=";")]


def test_generate_writes_one_docx_per_example_recipient(campaign_dir):
    """`lettergen generate` alone writes every example letter, the manifest and a French summary."""
    result = run("generate", *DATE, "--jobs", "1")
    assert result.exit_code == 0, result.output
    ids = example_ids(campaign_dir)
    rows = manifest_rows(campaign_dir / "out")
    assert [row["id"] for row in rows] == ids
    for row in rows:
        path = campaign_dir / "out" / row["docx"]
        assert row["docx"].startswith(row["id"] + "-") and row["docx"].endswith(".docx")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["docx_sha256"]
    assert result.stdout.splitlines()[0].startswith(f"{len(ids)} lettres générées dans out/")


def test_generate_twice_gives_identical_bytes(campaign_dir):
    """Same inputs and date: byte-identical DOCX, whatever --jobs."""
    assert run("generate", *DATE, "--jobs", "1", "-o", "a").exit_code == 0
    assert run("generate", *DATE, "--jobs", "2", "-o", "b").exit_code == 0
    first, second = manifest_rows(campaign_dir / "a"), manifest_rows(campaign_dir / "b")
    assert [r["docx_sha256"] for r in first] == [r["docx_sha256"] for r in second]
    for row in first:
        assert (campaign_dir / "a" / row["docx"]).read_bytes() == (
            campaign_dir / "b" / row["docx"]
        ).read_bytes()


def test_second_run_skips_up_to_date_letters(campaign_dir):
    """A re-run redoes nothing and says so; --force redoes everything."""
    run("generate", *DATE)
    again = run("generate", *DATE)
    assert again.exit_code == 0
    assert "0 lettre générée dans out/" in again.stdout
    assert "18 lettres déjà à jour" in again.stdout
    forced = run("generate", *DATE, "--force")
    assert forced.stdout.startswith("18 lettres générées dans out/")


def letter_text(campaign_dir: Path, letter_id: str) -> str:
    row = next(r for r in manifest_rows(campaign_dir / "out") if r["id"] == letter_id)
    return "\n".join(docx_text(campaign_dir / "out" / row["docx"]))


@pytest.fixture
def generated(campaign_dir):
    assert run("generate", *DATE, "--jobs", "1").exit_code == 0
    return campaign_dir


def test_docx_for_a_woman_in_gironde(generated):
    """Appel, agreement, département form, figures and closing for a woman in Gironde."""
    text = letter_text(generated, "33")
    assert "\nMadame la Présidente,\n" in text
    assert "élue" in text and "élu(e)" not in text
    assert "de la Gironde" in text
    assert f"2{NNBSP}310" in text
    assert f"183{NBSP}€" in text
    assert (
        "Nous vous prions d’agréer, Madame la Présidente, l’expression de notre haute considération." in text
    )
    assert "Bordeaux, le 1er juillet 2021" in text or "le 1er juillet 2021" in text


def test_docx_for_a_man_in_the_nord(generated):
    """A man in the Nord: « Monsieur le Président », « élu », « du Nord »."""
    text = letter_text(generated, "59")
    assert "\nMonsieur le Président,\n" in text
    assert "du Nord" in text and "de le Nord" not in text
    assert "Nous vous prions d’agréer, Monsieur le Président, l’expression" in text


def test_docx_for_an_unknown_civility(generated):
    """No civility: the neutral forms, never a guessed gender."""
    text = letter_text(generated, "01")
    assert "\nMadame, Monsieur,\n" in text
    assert "élu(e)" in text
    assert "de l’Ain" in text


def test_preview_prints_the_docx_words(generated):
    """`preview` prints exactly the DOCX body's paragraphs."""
    result = run("preview", *DATE, "--recipient", "33")
    assert result.exit_code == 0
    preview_lines = [line for line in result.stdout.splitlines() if line]
    assert preview_lines == [line for line in letter_text(generated, "33").splitlines() if line]


def test_preview_has_no_plain_space_before_high_punctuation(campaign_dir):
    """French typography: no plain space before ; : ! ? anywhere in any example letter."""
    for letter_id in example_ids(campaign_dir):
        result = run("preview", *DATE, "--recipient", letter_id)
        assert result.exit_code == 0, result.output
        for mark in ";:!?":
            assert f" {mark}" not in result.stdout, (letter_id, mark)


def test_check_passes_on_the_example_campaign(campaign_dir):
    """`check` exits 0 on the shipped campaign and writes nothing."""
    result = run("check", *DATE)
    assert result.exit_code == 0, result.output
    assert "18 lettres vérifiées" in result.output
    assert not (campaign_dir / "out").exists()


def test_bad_recipients_exit_1_and_write_nothing(campaign_dir):
    """Three problems: three French lines FILE:LINE, exit code 1, no output folder."""
    bad = campaign_dir / "mauvais.csv"
    bad.write_text(
        "id;civilite;prenom;nom;departement\n"
        "a;Madame;Anne;A;33\n"
        "b;Madame;Berthe;B;99\n"
        "c;Mlle;Chloé;C;59\n"
        "a;Monsieur;Denis;D;01\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["generate", *DATE, "-r", str(bad)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ":" in line and "attention" not in line]
    assert len(errors) == 3, result.stderr
    assert all(line.startswith(f"{bad}:") for line in errors)
    assert not (campaign_dir / "out").exists()


def test_bad_date_is_a_usage_error(campaign_dir):
    """A malformed --date is a usage error: exit code 2."""
    result = CliRunner().invoke(cli, ["generate", "--date", "01/07/2021"])
    assert result.exit_code == 2
    assert "n'est pas une date AAAA-MM-JJ" in result.output


def test_unknown_recipient_in_preview(campaign_dir):
    """`preview` of an unknown id: one French line, exit code 1."""
    result = CliRunner().invoke(cli, ["preview", *DATE, "--recipient", "zz"])
    assert result.exit_code == 1
    assert "destinataire « zz » introuvable" in result.stderr


def test_dry_run_writes_nothing(campaign_dir):
    """`--dry-run` lists the letters and writes nothing."""
    result = run("generate", *DATE, "--dry-run")
    assert result.exit_code == 0
    assert "18 lettres à écrire dans out/" in result.output
    assert not (campaign_dir / "out").exists()


def test_departements_command_shows_one_territory():
    """`departements 59` shows the Nord with its article and « de » form."""
    result = run("departements", "59")
    assert result.exit_code == 0
    assert "du Nord" in result.output and "dans le Nord" in result.output


def test_python_dash_m_runs_the_same_cli():
    """`python -m lettergen --version` runs the console script's code."""
    completed = subprocess.run(
        [sys.executable, "-m", "lettergen", "--version"], capture_output=True, text=True, check=True
    )
    assert completed.stdout.startswith("lettergen ")


@pytest.mark.libreoffice
def test_generated_docx_converts_with_libreoffice(generated, soffice, tmp_path):
    """LibreOffice converts a generated letter to PDF without error."""
    docx = next((generated / "out").glob("33-*.docx"))
    profile = tmp_path / "profile"
    completed = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    from pypdf import PdfReader

    reader = PdfReader(tmp_path / docx.with_suffix(".pdf").name)
    assert 1 <= len(reader.pages) <= 2
    assert "Madame la Présidente" in "".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    "letter_id, expected",
    [
        (
            "75",
            ["\nMonsieur le Maire,\n", "élu maire de Paris", "Nous vous prions d’agréer, Monsieur le Maire,"],
        ),
        ("2A", ["\nMonsieur le Président,\n", "président du conseil exécutif de Corse"]),
        ("6AE", ["\nMadame la Présidente,\n", "présidente de la Collectivité européenne d’Alsace"]),
        (
            "973",
            [
                "\nMadame, Monsieur,\n",
                "élu(e) président(e) de l’Assemblée de Guyane",
                "Nous vous prions d’agréer, Madame, Monsieur, l’expression",
            ],
        ),
        ("976", ["\nMadame la Présidente,\n", "présidente de l’Assemblée de Mayotte", "à Mayotte"]),
        ("69M", ["présidente de la Métropole de Lyon"]),
        ("69", ["président du conseil départemental du Rhône"]),
        ("40", ["des Landes", "dans les Landes"]),
        ("28", ["d’Eure-et-Loir", "en Eure-et-Loir"]),
        ("49", ["de Maine-et-Loire", "en Maine-et-Loire"]),
    ],
)
def test_preview_special_institutions(campaign_dir, letter_id, expected):
    """Paris, Corse, Alsace, Guyane, Mayotte, Lyon and the le/la/l'/les forms come out right."""
    result = run("preview", *DATE, "--recipient", letter_id)
    assert result.exit_code == 0, result.output
    for fragment in expected:
        assert fragment in result.stdout, (letter_id, fragment)


def test_variants_lists_every_variant_with_its_blocks(campaign_dir):
    """`variants` lists the base letter and its four variants with the blocks they replace."""
    result = run("variants")
    assert result.exit_code == 0
    for name in (
        "segur",
        "relance (hérite de segur)",
        "courte (hérite de segur)",
        "cosignee (hérite de segur)",
        "deputes (hérite de segur)",
    ):
        assert any(line.startswith(name) for line in result.stdout.splitlines()), name
    assert "blocs remplacés :" in result.stdout


def test_variants_diff_shows_only_the_changes(campaign_dir):
    """`variants diff segur relance` prints removed and added words, never the unchanged letter."""
    result = run("variants", "diff", "segur", "relance", *DATE, "--recipient", "33")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("+ ") for line in lines)
    assert any(line.startswith("- ") for line in lines)
    assert all(line == "" or line[:2] in ("+ ", "- ", "… ") for line in lines), lines
    assert "1er juillet 2021" in result.stdout


def problem_lines(result) -> list[str]:
    """stderr without the warnings (« attention : … »), which the example campaign has."""
    return [line for line in result.stderr.splitlines() if "attention : " not in line]


def test_letter_blocked_by_a_folder_is_one_french_line(campaign_dir):
    """A folder where a letter's DOCX goes: one `FILE: message` line, exit 1, no traceback."""
    assert run("generate", *DATE, "--only", "33", "--jobs", "1", "-o", "first").exit_code == 0
    name = manifest_rows(campaign_dir / "first")[0]["docx"]
    (campaign_dir / "out" / name).mkdir(parents=True)
    result = CliRunner().invoke(cli, ["generate", *DATE, "--only", "33", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert problem_lines(result) == [
        f"out/{name}: impossible d'écrire ce fichier : un dossier porte déjà ce nom"
    ]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert (campaign_dir / "out" / name).is_dir()
    assert not (campaign_dir / "out" / "manifest.csv").exists()


def test_manifest_blocked_by_a_folder_is_one_french_line(campaign_dir):
    """A folder named manifest.csv: one line naming it, exit 1; the letters stay journaled."""
    (campaign_dir / "out" / "manifest.csv").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["generate", *DATE, "--only", "33,59", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert problem_lines(result) == [
        "out/manifest.csv: impossible d'écrire ce fichier : un dossier porte déjà ce nom"
    ]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    (campaign_dir / "out" / "manifest.csv").rmdir()
    again = run("generate", *DATE, "--only", "33,59", "--jobs", "1")
    assert again.exit_code == 0, again.output
    assert "2 lettres déjà à jour" in again.stdout
    assert [row["id"] for row in manifest_rows(campaign_dir / "out")] == ["33", "59"]


def test_output_folder_that_is_a_file_is_one_french_line(campaign_dir):
    (campaign_dir / "out").write_text("pas un dossier", encoding="utf-8")
    result = CliRunner().invoke(cli, ["generate", *DATE, "--only", "33", "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert problem_lines(result) == ["out: impossible d'écrire ce fichier : un fichier porte déjà ce nom"]


def test_missing_letterhead_is_one_french_line(campaign_dir):
    result = CliRunner().invoke(cli, ["generate", *DATE, "--papier", "absent.docx"])
    assert result.exit_code == 1, result.output
    assert problem_lines(result) == ["absent.docx: papier à en-tête introuvable"]
    assert not (campaign_dir / "out").exists()


def test_check_prints_the_warnings_then_the_problems(campaign_dir):
    """`check` on bad data still shows what it warns about, first, then each problem."""
    bad = campaign_dir / "mauvais.csv"
    bad.write_text(
        "id;civilite;prenom;nom;departement\na;Madame;Anne;A;80\nb;Mlle;Berthe;B;33\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["check", *DATE, "-r", str(bad), "-f", "recipients/chiffres_exemple.csv"]
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:2: attention : aucune ligne de chiffres pour le département « 80 »")
    assert lines[-1] == (
        f"{bad}:3: colonne « civilite » : « Mlle » n'est pas une civilité reconnue "
        "(Madame, Mme, Monsieur, M.)"
    )


@pytest.mark.parametrize("option", [["-t", "relance"], ["--only", "33"], ["--papier", "papier.docx"]])
def test_variants_diff_refuses_the_options_it_would_ignore(campaign_dir, option):
    """`variants diff` takes its two variants as arguments: -t, --only and --papier are usage errors."""
    result = CliRunner().invoke(
        cli, ["variants", "diff", "segur", "relance", *DATE, "--recipient", "33", *option]
    )
    assert result.exit_code == 2
    assert option[0] in result.stderr
    assert result.stdout == ""


def test_variants_diff_reads_the_templates_dir_given_to_variants(campaign_dir):
    (campaign_dir / "templates").rename(campaign_dir / "modeles")
    args = ["diff", "segur", "relance", *DATE, "--recipient", "33"]
    assert (
        run("variants", "--templates-dir", "modeles", *args).stdout
        == run("variants", *args, "--templates-dir", "modeles").stdout
    )
    assert any(
        line.startswith("+ ")
        for line in run("variants", "--templates-dir", "modeles", *args).stdout.splitlines()
    )
