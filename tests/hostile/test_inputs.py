"""Hostile recipients and figures: each case a bounded ``lettergen generate`` in a copy of the example.

Every refusal is exit 1, the exact French line(s), nothing in the output folder, and a peak
resident memory under the issue's 1 GB; the valid-but-awkward cases write the right letters.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from tests.hostile import builders as b
from tests.hostile.harness import PEAK_LIMIT, Outcome, run_bounded

NNBSP = "\u202f"  # French digit grouping in the limit messages
FORMULA_HINT = (
    "ouvrez le classeur dans Excel ou LibreOffice et enregistrez-le pour que les formules soient calculées"
)


def generate(folder: Path, *args: str, env: dict[str, str] | None = None) -> Outcome:
    return run_bounded(["generate", "-o", "out", "--jobs", "1", *args], folder, env=env)


def recipients_for(folder: Path, option: str) -> tuple[str, ...]:
    """For a figures file (-f) under test, recipients of our own (the example's say more than needed)."""
    if option != "-f":
        return ()
    b.csv_file(folder / "dest.csv", b.ROWS)
    return ("-r", "dest.csv")


def assert_refused(outcome: Outcome, folder: Path, *lines: str) -> None:
    assert outcome.returncode == 1, outcome.stderr
    assert outcome.errors == list(lines)
    assert "Traceback" not in outcome.stderr
    assert not (folder / "out").exists()
    assert outcome.peak_bytes < PEAK_LIMIT


def assert_letters(outcome: Outcome, folder: Path, count: int) -> None:
    assert outcome.returncode == 0, outcome.stderr
    assert len(list((folder / "out").glob("*.docx"))) == count
    assert outcome.peak_bytes < PEAK_LIMIT


# --- special files -------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["-r", "-f"])
def test_a_fifo_is_refused_at_once(hostile_dir: Path, option: str) -> None:
    os.mkfifo(hostile_dir / "tube.csv")
    outcome = generate(hostile_dir, *recipients_for(hostile_dir, option), option, "tube.csv")
    assert_refused(outcome, hostile_dir, "tube.csv: c'est un tube nommé (FIFO), pas un fichier ordinaire")


@pytest.mark.parametrize("option", ["-r", "-f"])
def test_dev_zero_is_refused_without_reading(hostile_dir: Path, option: str) -> None:
    outcome = generate(hostile_dir, *recipients_for(hostile_dir, option), option, "/dev/zero")
    assert_refused(outcome, hostile_dir, "/dev/zero: c'est un périphérique, pas un fichier ordinaire")


def test_a_directory_is_refused(hostile_dir: Path) -> None:
    outcome = generate(hostile_dir, "-r", "recipients")
    assert_refused(outcome, hostile_dir, "recipients: c'est un dossier, pas un fichier")


def test_an_unreadable_file_is_one_french_line_exit_1(hostile_dir: Path) -> None:
    path = b.csv_file(hostile_dir / "secret.csv", b.ROWS)
    path.chmod(0)
    outcome = generate(hostile_dir, "-r", "secret.csv", env=b.unreadable_env(hostile_dir / "caps"))
    assert_refused(
        outcome, hostile_dir, "secret.csv: fichier illisible (lecture refusée : droits insuffisants)"
    )


def test_a_file_over_the_size_limit_is_refused_unread(hostile_dir: Path) -> None:
    with open(hostile_dir / "enorme.csv", "wb") as handle:
        handle.truncate(3 << 30)  # sparse: 3 GB declared, nothing on disk
    outcome = generate(hostile_dir, "-r", "enorme.csv")
    assert_refused(outcome, hostile_dir, "enorme.csv: fichier de 3 Go, au-delà de la limite de 100 Mo")


# --- CSV values ----------------------------------------------------------------------------


def test_a_nul_byte_is_reported_with_its_line(hostile_dir: Path) -> None:
    path = hostile_dir / "nul.csv"
    b.csv_file(path, [*b.ROWS, ["a3", "Madame", "Ana\x00is", "DURAND", "40"]])
    outcome = generate(hostile_dir, "-r", "nul.csv")
    assert_refused(
        outcome,
        hostile_dir,
        "nul.csv:4: octet nul (0x00) dans le texte : le fichier est endommagé ou n'est pas un CSV ; "
        "enregistrez-le de nouveau au format CSV",
    )


def test_a_five_megabyte_cell_is_refused_by_its_column(hostile_dir: Path) -> None:
    b.csv_file(hostile_dir / "gros.csv", [["a1", "Madame", "Claire", "M" * (5 << 20), "33"]])
    outcome = generate(hostile_dir, "-r", "gros.csv")
    assert_refused(
        outcome,
        hostile_dir,
        f"gros.csv:2: colonne « nom » : valeur de 5{NNBSP}242{NNBSP}880 caractères (« {'M' * 40}… »), "
        f"au-delà de la limite de 1{NNBSP}000",
    )


def test_a_five_thousand_digit_figure_is_refused(hostile_dir: Path) -> None:
    header = [*b.HEADER, "salaries"]
    b.csv_file(hostile_dir / "chiffre.csv", [[*b.ROWS[0], "9" * 5000]], header)
    outcome = generate(hostile_dir, "-r", "chiffre.csv")
    assert_refused(
        outcome,
        hostile_dir,
        f"chiffre.csv:2: colonne « salaries » : valeur de 5{NNBSP}000 caractères (« {'9' * 40}… »), "
        f"au-delà de la limite de 1{NNBSP}000",
    )


def test_a_twenty_digit_figure_is_refused_by_the_digit_limit(hostile_dir: Path) -> None:
    header = [*b.HEADER, "salaries"]
    b.csv_file(hostile_dir / "chiffre.csv", [[*b.ROWS[0], "1 234 567 890 123 456 789"]], header)
    outcome = generate(hostile_dir, "-r", "chiffre.csv")
    assert_refused(
        outcome,
        hostile_dir,
        "chiffre.csv:2: colonne « salaries » : « 1 234 567 890 123 456 789 » a 19 chiffres, "
        "au-delà de la limite de 15",
    )


def test_a_four_hundred_character_name_is_refused_with_the_limit(hostile_dir: Path) -> None:
    name = "DE LA " * 66 + "ROCHE"
    b.csv_file(hostile_dir / "long.csv", [*b.ROWS, ["a3", "Madame", "Ana", name, "40"]])
    outcome = generate(hostile_dir, "-r", "long.csv")
    assert_refused(
        outcome,
        hostile_dir,
        f"long.csv:4: colonne « nom » : {len(name)} caractères (« {name[:40]}… »), "
        "au-delà de la limite de 100",
    )


def test_terminal_escapes_in_a_value_are_shown_escaped(hostile_dir: Path) -> None:
    civilite = "\x1b[2J\x1b[31mMme\x07"  # no ";": it would split the CSV line
    rows = [[f"v{n}", "Madame", "Claire", "MARTIN", "33"] for n in range(20)]  # text, not binary
    b.csv_file(hostile_dir / "esc.csv", [["a1", civilite, "Claire", "MARTIN", "33"], *rows])
    outcome = generate(hostile_dir, "-r", "esc.csv")
    assert_refused(
        outcome,
        hostile_dir,
        "esc.csv:2: colonne « civilite » : « \\x1b[2J\\x1b[31mMme\\x07 » n'est pas une civilité "
        "reconnue (Madame, Mme, Monsieur, M.)",
    )
    assert "\x1b" not in outcome.stderr and "\x07" not in outcome.stderr


def test_bidi_overrides_and_newlines_in_a_value_are_shown_escaped(hostile_dir: Path) -> None:
    path = hostile_dir / "bidi.csv"
    path.write_text(
        ";".join(b.HEADER)
        + '\na1;"Mada\u202eme\nOK: tout va bien";Claire;MARTIN;33;'
        + ";".join(b.ADDRESS)
        + "\n",
        encoding="utf-8",
    )
    outcome = generate(hostile_dir, "-r", "bidi.csv")
    assert_refused(
        outcome,
        hostile_dir,
        "bidi.csv:2: colonne « civilite » : « Mada\\u202eme\\x0aOK: tout va bien » n'est pas une civilité "
        "reconnue (Madame, Mme, Monsieur, M.)",
    )


def test_a_file_name_with_escapes_is_shown_escaped(hostile_dir: Path) -> None:
    name = "x\x1b[31m.csv"
    outcome = generate(hostile_dir, "-r", name)
    assert_refused(outcome, hostile_dir, "x\\x1b[31m.csv: fichier introuvable")


def test_a_csv_row_count_bomb_stops_at_the_limit(hostile_dir: Path) -> None:
    path = hostile_dir / "lignes.csv"
    path.write_bytes((";".join(b.HEADER) + "\n").encode() + b";;;;\n" * 300_000)
    outcome = generate(hostile_dir, "-r", "lignes.csv")
    assert_refused(
        outcome,
        hostile_dir,
        f"lignes.csv:200001: plus de 200{NNBSP}000 lignes, au-delà de la limite : "
        "découpez le fichier en plusieurs campagnes",
    )


# --- workbooks -----------------------------------------------------------------------------


def test_a_declared_three_gigabyte_sheet_is_refused_before_inflating(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})
    b.set_declared_size(path, b.SHEET, 3 << 30)
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        "d.xlsx: classeur XLSX refusé : 3 Go une fois décompressé, au-delà de la limite de 200 Mo "
        f"(partie « {b.SHEET} »)",
    )


def test_a_zip_bomb_sheet_is_refused_by_its_ratio(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})
    bomb = b"<!-- " + bytes(100 << 20).replace(b"\0", b" ") + b" -->"

    def grow(parts: dict[str, bytes]) -> None:
        parts[b.SHEET] = parts[b.SHEET].replace(b"<sheetData>", bomb + b"<sheetData>", 1)

    b.rewrite(path, grow)
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert outcome.errors[0].startswith("d.xlsx: classeur XLSX refusé : taux de compression de ")
    assert outcome.errors[0].endswith(
        f"pour 1, au-delà de la limite de 200 pour 1 (bombe de décompression ?) (partie « {b.SHEET} »)"
    )
    assert_refused(outcome, hostile_dir, outcome.errors[0])


def test_a_sheet_that_lies_about_its_size_stops_while_inflating(hostile_dir: Path) -> None:
    padding = b"<!--" + bytes(200 << 20).replace(b"\0", b"x") + b"-->"
    sheet = b.sheet_xml(b.inline_row(1, b.HEADER)) + padding
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(sheet) + compressor.flush()
    parts = b.members(b.workbook(hostile_dir / "seed.xlsx", {"Feuil1": [b.HEADER]}))
    del parts[b.SHEET]
    b.raw_member_zip(hostile_dir / "d.xlsx", parts, {b.SHEET: (deflated, zlib.crc32(sheet), 4096)})
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        f"d.xlsx: classeur XLSX illisible : archive endommagée (BadZipFile) (partie « {b.SHEET} »)",
    )


def test_a_workbook_with_too_many_members_is_refused(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})
    b.rewrite(path, lambda parts: parts.update({f"xl/media/x{i}.bin": b"" for i in range(2_500)}))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        "d.xlsx: classeur XLSX refusé : 2509 fichiers dans l'archive, au-delà de la limite de 2000",
    )


def test_an_xlsx_row_count_bomb_is_refused_with_the_limit(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER]})
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 1_000_001))
    b.rewrite(path, lambda parts: parts.update({b.SHEET: b.sheet_xml(b.inline_row(1, b.HEADER) + rows)}))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        f"d.xlsx: plus de 200{NNBSP}000 lignes, au-delà de la limite : "
        "découpez le fichier en plusieurs campagnes",
    )


def test_a_sparse_whole_sheet_dimension_costs_nothing(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})
    rows = "".join(b.inline_row(n, row) for n, row in enumerate([b.HEADER, *b.ROWS], start=1))
    sheet = b.sheet_xml(rows, '<dimension ref="A1:XFD1048576"/>')
    b.rewrite(path, lambda parts: parts.update({b.SHEET: sheet}))
    assert_letters(generate(hostile_dir, "-r", "d.xlsx"), hostile_dir, 2)


def test_a_merge_over_the_whole_sheet_is_refused(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})
    rows = "".join(b.inline_row(n, row) for n, row in enumerate([b.HEADER, *b.ROWS], start=1))
    sheet = b.sheet_xml(rows, tail='<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    b.rewrite(path, lambda parts: parts.update({b.SHEET: sheet}))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        f"d.xlsx: cellules fusionnées A1:XFD1048576 : plus de 1{NNBSP}000{NNBSP}000 cellules fusionnées "
        "en tout, au-delà de la limite ; défusionnez-les",
    )


def test_a_hidden_first_sheet_is_not_used(hostile_dir: Path) -> None:
    sheets = {"Brouillon": [b.HEADER, ["x", "Personne", "", "", "00"]], "Destinataires": [b.HEADER, *b.ROWS]}
    b.workbook(hostile_dir / "d.xlsx", sheets, hidden=("Brouillon",))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_letters(outcome, hostile_dir, 2)
    assert outcome.errors == []


def test_a_formula_without_cached_value_is_named(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [[*b.HEADER, "salaries"]]})
    rows = b.inline_row(1, [*b.HEADER, "salaries"]) + b.inline_row(2, b.ROWS[0])[: -len("</row>")]
    rows += '<c r="I2"><f>SUM(J2:J9)*2</f></c></row>'
    b.rewrite(path, lambda parts: parts.update({b.SHEET: b.sheet_xml(rows)}))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        f"d.xlsx:2: colonne « salaries » : formule sans valeur calculée (« =SUM(J2:J9)*2 ») ; {FORMULA_HINT}",
    )


def test_a_password_protected_workbook_is_named_as_such(hostile_dir: Path) -> None:
    b.encrypted_workbook(hostile_dir / "d.xlsx")
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        "d.xlsx: classeur protégé par un mot de passe : lettergen ne peut pas le lire ; enregistrez-en une "
        "copie sans mot de passe (Fichier > Informations > Protéger le classeur) ou en CSV",
    )


def test_an_ods_is_refused_by_name(hostile_dir: Path) -> None:
    b.ods_file(hostile_dir / "d.ods")
    outcome = generate(hostile_dir, "-r", "d.ods")
    assert_refused(
        outcome,
        hostile_dir,
        "d.ods: classeur OpenDocument (.ods) non pris en charge : enregistrez-le au format .xlsx ou CSV "
        "(LibreOffice : Fichier > Enregistrer sous)",
    )


LAUGHS = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
    b'<!ENTITY %c "%s">' % (c, b"&%c;" % (c - 1) * 10) for c in b"bcdefghij"
)


def with_dtd(xml: bytes, root: bytes, entities: bytes) -> bytes:
    """``xml`` with a DTD declaring ``entities`` after its XML declaration."""
    dtd = b"<!DOCTYPE " + root + b" [" + entities + b"]>"
    if not xml.startswith(b"<?xml"):
        return dtd + xml
    declaration, _, rest = xml.partition(b"?>")
    return declaration + b"?>" + dtd + rest


def test_an_entity_bomb_in_the_workbook_part_is_refused(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})

    def bomb(parts: dict[str, bytes]) -> None:
        parts["xl/workbook.xml"] = with_dtd(parts["xl/workbook.xml"], b"workbook", LAUGHS)

    b.rewrite(path, bomb)
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        "d.xlsx: classeur XLSX refusé : déclaration de type de document (DTD) interdite "
        "(partie « xl/workbook.xml »)",
    )


def test_an_external_entity_in_the_sheet_is_refused(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [b.HEADER, *b.ROWS]})
    rows = b.inline_row(1, b.HEADER) + b.inline_row(2, ["&x;"])
    sheet = with_dtd(b.sheet_xml(rows), b"worksheet", b'<!ENTITY x SYSTEM "file:///etc/passwd">')
    b.rewrite(path, lambda parts: parts.update({b.SHEET: sheet}))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        "d.xlsx: classeur XLSX refusé : déclaration de type de document (DTD) interdite "
        f"(partie « {b.SHEET} »)",
    )


def test_a_five_thousand_digit_number_cell_is_refused(hostile_dir: Path) -> None:
    path = b.workbook(hostile_dir / "d.xlsx", {"Feuil1": [[*b.HEADER, "salaries"]]})
    rows = b.inline_row(1, [*b.HEADER, "salaries"]) + b.inline_row(2, b.ROWS[0])[: -len("</row>")]
    rows += f'<c r="I2"><v>{"7" * 5000}</v></c></row>'
    b.rewrite(path, lambda parts: parts.update({b.SHEET: b.sheet_xml(rows)}))
    outcome = generate(hostile_dir, "-r", "d.xlsx")
    assert_refused(
        outcome,
        hostile_dir,
        f"d.xlsx:2: colonne « salaries » : valeur de 5{NNBSP}000 caractères (« {'7' * 40}… »), "
        f"au-delà de la limite de 1{NNBSP}000",
    )


def test_a_command_argument_with_escapes_is_echoed_escaped(hostile_dir: Path) -> None:
    outcome = run_bounded(["departements", "9\x1b]2;pirate\x07"], hostile_dir)
    assert outcome.returncode == 1
    assert outcome.errors == [
        "département « 9\\x1b]2;pirate\\x07 » inconnu (voir « lettergen departements »)"
    ]
    assert outcome.peak_bytes < PEAK_LIMIT


def test_a_bad_date_with_escapes_is_echoed_escaped(hostile_dir: Path) -> None:
    outcome = generate(hostile_dir, "--date", "2026\x1b[2J")
    assert outcome.returncode == 2
    assert outcome.errors[-1] == (
        "Erreur : valeur invalide pour « --date » : « 2026\\x1b[2J » n'est pas une date AAAA-MM-JJ "
        "(exemple : 2021-07-01)"
    )
    assert "\x1b" not in outcome.stderr and not (hostile_dir / "out").exists()
