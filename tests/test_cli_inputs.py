"""Bad input through the command line: exact French lines, exit code 1, output untouched."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lettergen.cli import cli

_spec = importlib.util.spec_from_file_location(
    "read_catalogue", Path(__file__).parent / "read" / "test_catalogue.py"
)
catalogue = importlib.util.module_from_spec(_spec)
sys.modules["read_catalogue"] = catalogue  # dataclasses look their module up there
_spec.loader.exec_module(catalogue)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", catalogue.MALFORMED_CASES, ids=[c.name for c in catalogue.MALFORMED_CASES])
@pytest.mark.parametrize("command", ["generate", "check"])
def test_malformed_input_exits_1_and_writes_nothing(case, command, campaign_dir):
    """Each malformed input: its exact lines on stderr, exit code 1, the output folder unchanged."""
    for name, data in case.files.items():
        (campaign_dir / name).write_bytes(data)
    out = campaign_dir / "out"
    out.mkdir()
    (out / "ancienne-lettre.docx").write_bytes(b"deja la")
    before = snapshot(out)
    args = [command, "-r", case.recipients, "--date", "2021-07-01"]
    if case.figures:
        args += ["-f", case.figures]
    if command == "generate":
        args += ["-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    problems = [line for line in result.stderr.splitlines() if "attention : " not in line]
    assert problems == list(case.expected)
    assert snapshot(out) == before
    assert "Traceback" not in result.output


def test_import_rne_writes_a_recipients_file_that_generates(campaign_dir):
    """`recipients import-rne` on RNE files, then `generate -r` on its output, both succeed."""
    data = Path(__file__).parent / "read" / "data" / "rne"
    cd = next(data.glob("elus-conseillers-departementaux-cd_2026-05-06*.csv"))
    ma = next(data.glob("elus-membres-dune-assemblee-ma_2026-05-06*.csv"))
    out_csv = campaign_dir / "presidents.csv"
    result = CliRunner().invoke(cli, ["recipients", "import-rne", str(cd), str(ma), "-o", str(out_csv)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"97 destinataires écrits dans {out_csv}"
    assert "16 (Charente)" in result.stderr and "26 (Drôme)" in result.stderr
    generated = CliRunner().invoke(
        cli, ["generate", "-r", str(out_csv), "--date", "2021-07-01", "--only", "33,2A,973"]
    )
    assert generated.exit_code == 0, generated.output
    assert generated.stdout.startswith("3 lettres générées dans out/")


def test_import_rne_on_a_missing_file(campaign_dir):
    """A missing RNE file: one French line, exit code 1, nothing written."""
    result = CliRunner().invoke(cli, ["recipients", "import-rne", "absent.csv", "-o", "sortie.csv"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "absent.csv: fichier introuvable"
    assert not (campaign_dir / "sortie.csv").exists()


def test_skip_invalid_writes_the_valid_letters(campaign_dir):
    """`--skip-invalid`: valid letters written, the invalid listed, exit code 1."""
    bad = campaign_dir / "mixte.csv"
    bad.write_text(
        "id;civilite;prenom;nom;departement\na;Madame;Anne;A;33\nb;Madame;Berthe;B;99\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["generate", "-r", str(bad), "--date", "2021-07-01", "--skip-invalid"])
    assert result.exit_code == 1
    assert result.stdout.startswith("1 lettre générée dans out/")
    assert f"{bad}:3: colonne « departement » : code « 99 » inconnu" in result.stderr
    assert [p.name for p in (campaign_dir / "out").glob("*.docx")] == ["a-gironde-a.docx"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_skip_invalid_renders_once_and_says_what_the_check_says(jobs, campaign_dir):
    """`--skip-invalid` renders each letter once, as it writes it (no check pass before): a letter
    that does not render is left out with the very line the check pass gives (without the option:
    nothing written), the others are written and recorded, by 2 workers (70 letters) or in-process."""
    rows = "".join(f"r{i:02d};Madame;Anne;A{i};33\n" for i in range(70))
    (campaign_dir / "soixante-dix.csv").write_text(
        "id;civilite;prenom;nom;departement\n" + rows, encoding="utf-8"
    )
    (campaign_dir / "templates" / "casse.j2").write_text(
        '{% extends "segur.j2" %}{% block objet %}'
        '{% if destinataire.id == "r03" %}{{ 1 // 0 }}{% endif %}Objet{% endblock %}',
        encoding="utf-8",
    )
    args = ["generate", "-t", "casse", "-r", "soixante-dix.csv", "--date", "2021-07-01"]
    args += ["--jobs", jobs]
    checked = CliRunner().invoke(cli, args)
    assert checked.exit_code == 1 and not (campaign_dir / "out").exists()
    line = next(line for line in checked.stderr.splitlines() if "r03" in line)
    assert line == (
        "templates/casse.j2:1: erreur pendant le rendu : ZeroDivisionError : "
        "integer division or modulo by zero (destinataire « r03 »)"
    )
    result = CliRunner().invoke(cli, [*args, "--skip-invalid"])
    assert result.exit_code == 1
    assert [entry for entry in result.stderr.splitlines() if "r03" in entry] == [line]
    assert result.stdout.startswith("69 lettres générées dans out/")
    written = sorted(p.name.split("-")[0] for p in (campaign_dir / "out").glob("*.docx"))
    assert written == [f"r{i:02d}" for i in range(70) if i != 3]
    manifest = (campaign_dir / "out" / "manifest.csv").read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[0] for row in manifest[1:]] == written
