"""The streaming XLSX reader gives exactly what openpyxl's ``iter_rows(values_only=True)`` gives."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lettergen.read import read_recipients, xlsx
from lettergen.read.tables import open_table


def _typed(rows):
    """Rows with each value's type, so that 12 and 12.0 (or 1 and True) differ."""
    return [[(type(v).__name__, v) for v in row] for row in rows]


def _both(path, sheet=None):
    fast = xlsx.load(path)
    ref = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        assert fast.sheetnames == ref.sheetnames
        name = sheet or ref.sheetnames[0]
        ws_fast, ws_ref = fast[name], ref[name]
        assert (ws_fast.max_row, ws_fast.max_column) == (ws_ref.max_row, ws_ref.max_column)
        return _typed(xlsx.iter_values(ws_fast)), _typed(ws_ref.iter_rows(values_only=True))
    finally:
        ref.close()
        fast.close()


def _save(path, rows, merges=(), title="Feuil1", write_only=False):
    workbook = openpyxl.Workbook(write_only=write_only)
    if write_only:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    else:
        sheet = workbook.active
        sheet.title = title
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        for merge in merges:
            sheet.merge_cells(merge)
        other = workbook.create_sheet("Autre")
        other["B3"] = "autre"
    workbook.save(path)


ROWS = [
    [None],
    ["Civilité", "Prénom", "Nom", "Département", "Code postal", "Salariés", "Actif", "Date"],
    ["Madame", "Anne", "MARTIN", 1, 1000, 12.0, True, dt.datetime(2026, 5, 6)],
    [],
    [],
    ["Monsieur", 'Jean & <Jo> "d\'Arc"', "DUPONT", "2a", None, 12.5, False, dt.date(2024, 2, 29)],
    [None, None, None, None, None, None, None, None, None, "loin"],
    ["  espaces  ", "=1+1", -3, 1e20, 1.5e-7],
]


@pytest.mark.parametrize("write_only", [False, True])
def test_openpyxl_written_files(tmp_path, write_only):
    """Files written by openpyxl (normal: with dimension; write-only: without): same rows, same types."""
    path = tmp_path / "t.xlsx"
    _save(path, ROWS, merges=["F2:F3"] if not write_only else [], write_only=write_only)
    fast, ref = _both(path)
    assert fast == ref
    assert len(fast) >= 7


def test_named_sheet(tmp_path):
    path = tmp_path / "t.xlsx"
    _save(path, ROWS)
    fast, ref = _both(path, "Autre")
    assert (
        fast
        == ref
        == [[("NoneType", None), ("NoneType", None)]] * 2 + [[("NoneType", None), ("str", "autre")]]
    )


NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{NS}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>Nom</t></is></c></row>
<row><c t="inlineStr"><is><r><rPr><b/></rPr><t>Hé</t></r><r><t xml:space="preserve"> ho </t></r></is></c><c/><c t="s"><v>2</v></c></row>
<row r="5"><c r="C5"><v>12.0</v></c><c r="B5" t="b"><v>1</v></c><c r="E5"><v>7</v></c></row>
<row r="6"><c r="A6" t="str"><f>A5</f><v>calculé</v></c><c r="B6"><f>1+1</f><v>2</v></c><c r="C6" t="e"><v>#N/A</v></c>
<c r="D6" t="inlineStr"/><c r="E6" t="s"><v></v></c><c r="F6"><v>1E3</v></c><c r="AA6"><v>-0.5</v></c></row>
<row r="4"><c r="A4"><v>1</v></c></row>
<row><c><v>3</v></c><!-- un commentaire --><c r="C8" t="inlineStr"><is><t>x005F_y</t></is></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A7:B8"/></mergeCells></worksheet>"""  # noqa: E501 (a sheet's XML as Excel writes it)
STRINGS = f"""<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="{NS}" count="3" uniqueCount="3"><si><t>Civilité</t></si>
<si><r><rPr><i/></rPr><t>Pré</t></r><r><t>nom</t></r></si><si><t xml:space="preserve"> a&amp;b_x005F_c </t><phoneticPr fontId="1"/></si></sst>"""  # noqa: E501 (a sheet's XML as Excel writes it)
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Main" sheetId="1" r:id="rId1"/></sheets></workbook>"""
RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/s.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""  # noqa: E501 (package XML as Excel writes it)
TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/s.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""  # noqa: E501 (package XML as Excel writes it)
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501 (package XML as Excel writes it)


def _minimal(path, sheet=SHEET):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/sharedStrings.xml", STRINGS)
        archive.writestr("xl/worksheets/s.xml", sheet)


def test_hand_written_minimal_xlsx(tmp_path):
    """Shared strings (rich text runs, phonetic, x005F_), inline strings, missing `r`, gaps, formulas,
    errors."""
    path = tmp_path / "m.xlsx"
    _minimal(path)
    fast, ref = _both(path)
    assert fast == ref
    assert fast[1] == [("str", "Hé ho "), ("NoneType", None), ("str", " a&b_c ")]
    assert fast[0][:2] == [("str", "Civilité"), ("str", "Prénom")]
    table = open_table(path)
    assert table.header == ("Civilité", "Prénom", "", "Nom")
    # row 4 after row 6 (and the row without `r` after it) come too late: openpyxl skips them, so do we
    assert [(r.line, r.cells) for r in table.rows] == [(2, ("Hé ho", "", "a&b_c", ""))]
    assert [str(p) for p in table.problems] == [
        f"{path}:5: 5 champs sur la ligne, l'en-tête en a 4 (champ en trop : « 7 »)",
        f"{path}:6: 27 champs sur la ligne, l'en-tête en a 4 (champ en trop : « 1000 »)",
    ]


def test_dimension_limits_rows_and_columns(tmp_path):
    """A `<dimension>` smaller than the data cuts rows and columns, as openpyxl does."""
    path = tmp_path / "d.xlsx"
    _minimal(path, SHEET.replace("<sheetData>", '<dimension ref="A1:C5"/><sheetData>'))
    fast, ref = _both(path)
    assert fast == ref and len(fast) == 5 and {len(r) for r in fast} == {3}


def test_damaged_cell_is_a_problem(tmp_path):
    """A non-numeric number in the data gives the same French problem line as before."""
    path = tmp_path / "b.xlsx"
    _minimal(path, SHEET.replace("<v>7</v>", "<v>sept</v>"))
    table = open_table(path)
    list(table.rows)
    assert [str(p) for p in table.problems][-1] == f"{path}: classeur XLSX illisible (ValueError)"


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("&<>\"'éàçÉ\u00a0\u202f"),
    max_size=12,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                TEXT,
                st.integers(-(10**12), 10**12),
                st.floats(allow_nan=False, allow_infinity=False),
                st.booleans(),
                st.none(),
            ),
            max_size=7,
        ),
        max_size=6,
    ),
    write_only=st.booleans(),
)
def test_random_cells_same_values_as_openpyxl(tmp_path, rows, write_only):
    """Random text (accents, XML specials), ints, floats, booleans and blanks: same values as openpyxl."""
    rows = [[v.lstrip("=") if isinstance(v, str) else v for v in row] for row in rows]  # no formulas
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("S") if write_only else workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "r.xlsx"
    path.write_bytes(buffer.getvalue())
    fast, ref = _both(path)
    assert fast == ref


def test_read_recipients_same_as_before(tmp_path):
    """End to end: a workbook read through read_recipients (merged cells, numbers, gaps)."""
    path = tmp_path / "d.xlsx"
    _save(
        path,
        [
            ["id", "civilite", "prenom", "nom", "fonction", "departement", "salaries"],
            ["a", "Mme", "Anne", "MARTIN", "depute", 33, 12.0],
            ["b", "M.", "Jean", "DUPONT", "senateur", None, 7],
            [],
            ["c", "M.", "Paul", "DURAND", "prefet", "2a", 3.5],
        ],
        merges=["F2:F3"],
    )
    result = read_recipients(path)
    assert [(r.id, r.departement, r.line) for r in result.recipients] == [("a", "33", 2), ("b", "33", 3)]
    assert [str(p) for p in result.problems] == [
        f"{path}:5: colonne « salaries » : « 3.5 » n'est pas un nombre entier"
    ]
