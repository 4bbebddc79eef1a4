"""`lettergen replies add` / `import`: answers recorded once, bad rows named FILE:LINE, nothing half-done."""

from __future__ import annotations

import datetime as dt
import sqlite3

from click.testing import CliRunner
from openpyxl import Workbook

from lettergen.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def answers(campaign_dir) -> list[tuple]:
    with sqlite3.connect(campaign_dir / "registre.sqlite") as db:
        return db.execute("SELECT destinataire, date, resultat, note FROM reponses ORDER BY id").fetchall()


def test_add_once_and_unknown_id(history, campaign_dir):
    again = run(
        "replies",
        "add",
        "d001",
        "--date",
        "2021-07-20",
        "--resultat",
        "favorable",
        "--note",
        "RDV le 3 septembre",
    )
    assert again.output == "réponse de « d001 » déjà inscrite\n"
    unknown = run("replies", "add", "d004", "--date", "2021-07-20")
    assert unknown.exit_code == 1
    assert (
        unknown.output
        == "registre.sqlite: destinataire « d004 » inconnu du registre (aucune lettre envoyée)\n"
    )
    bad_date = run("replies", "add", "d000", "--date", "20/07/2021")
    assert bad_date.exit_code == 2 and "n'est pas une date AAAA-MM-JJ" in bad_date.output
    assert answers(campaign_dir) == [("d001", "2021-07-20", "favorable", "RDV le 3 septembre")]


def test_import_csv_twice_changes_nothing(history, campaign_dir):
    (campaign_dir / "reponses.csv").write_text(
        "id;date;resultat;note\nd000;2021-08-02;Rendez-vous;Reçus le 10\nd002;15/08/2021;défavorable;\n",
        encoding="utf-8",
    )
    first = run("replies", "import", "reponses.csv")
    assert first.exit_code == 0, first.output
    assert first.output == "2 réponses inscrites\n"
    second = run("replies", "import", "reponses.csv")
    assert second.output == "0 réponse inscrite, 2 déjà présentes\n"
    assert answers(campaign_dir)[1:] == [
        ("d000", "2021-08-02", "rendez-vous", "Reçus le 10"),
        ("d002", "2021-08-15", "defavorable", ""),
    ]


def test_import_bad_rows_records_nothing(history, campaign_dir):
    (campaign_dir / "reponses.csv").write_text(
        "id,date,resultat,note\nd000,2021-08-02,favorable,\nzz9,2021-08-02,,\nd002,2021-13-01,peut-être,\n",
        encoding="utf-8",
    )
    result = run("replies", "import", "reponses.csv")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "reponses.csv:3: destinataire « zz9 » inconnu du registre (aucune lettre envoyée)",
        "reponses.csv:4: colonne « date » : « 2021-13-01 » n'est pas une date AAAA-MM-JJ ou JJ/MM/AAAA",
        "reponses.csv:4: colonne « resultat » : « peut-être » inconnu "
        "(attendu : favorable, defavorable, rendez-vous, sans-suite)",
    ]
    assert len(answers(campaign_dir)) == 1


def test_import_xlsx_with_date_cells(history, campaign_dir):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Date", "Résultat", "Note"])
    sheet.append(["d002", dt.datetime(2021, 8, 30), "sans suite", "courrier type"])
    workbook.save(campaign_dir / "reponses.xlsx")
    result = run("replies", "import", "reponses.xlsx")
    assert result.exit_code == 0, result.output
    assert answers(campaign_dir)[-1] == ("d002", "2021-08-30", "sans-suite", "courrier type")
