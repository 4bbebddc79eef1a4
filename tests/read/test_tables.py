"""Table readers: encodings, separators, header matching, XLSX sheets, merged cells, figures spelling."""

from __future__ import annotations

import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lettergen.read import read_recipients
from lettergen.read.figures import FigureError, parse_figure
from lettergen.read.tables import header_key, open_table

ROWS = ["Civilité;Prénom;Nom;Département;Salariés", "Madame;Anne;MARTIN;33;1 234", "M.;Jérôme;LEFÈVRE;59;"]


def _summary(result):
    return [
        (r.id, r.genre, r.prenom, r.nom, r.departement, dict(r.figures), r.line) for r in result.recipients
    ]


EXPECTED = [
    ("33", "F", "Anne", "MARTIN", "33", {"salaries": 1234}, 2),
    ("59", "M", "Jérôme", "LEFÈVRE", "59", {"salaries": None}, 3),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("separator", [";", ",", "\t"])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_encodings_and_separators(tmp_path, encoding, separator, eol):
    """UTF-8 (with or without BOM), Windows-1252 and UTF-16, with `;`, `,` or TAB, all read the same."""
    lines = [line.replace(";", separator) for line in ROWS]
    if separator == ",":
        lines[1] = lines[1].replace("1 234", '"1 234"')
    path = tmp_path / "d.csv"
    path.write_bytes(eol.join(lines).encode(encoding) + eol.encode(encoding))
    result = read_recipients(path)
    assert result.problems == []
    assert _summary(result) == EXPECTED


def test_header_names_match_without_case_accents_spaces_hyphens_underscores():
    """`Code postal` = `CODE_POSTAL` = `code-postal` = ` Code  Postal `."""
    assert {
        header_key(h) for h in ["Code postal", "CODE_POSTAL", "code-postal", " Code  Postal ", "Côde pöstal"]
    } == {"codepostal"}


@pytest.mark.parametrize(
    "text, value",
    [
        ("1 234", 1234),
        ("1\u00a0234", 1234),
        ("1\u202f234", 1234),
        ("1234", 1234),
        ("12.0", 12),
        ("0", 0),
        ("", None),
        ("  ", None),
        ("+5", 5),
    ],
)
def test_figure_spellings(text, value):
    """French and plain spellings of whole numbers; blank is unknown."""
    assert parse_figure(text) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("-3", "« -3 » est négatif (un chiffre est un entier positif ou nul)"),
        ("1.234,5", "« 1.234,5 » n'est pas un nombre entier"),
        ("douze", "« douze » n'est pas un nombre entier"),
    ],
)
def test_bad_figures(text, message):
    """Negative and non-numeric figures are refused with a French message."""
    with pytest.raises(FigureError) as error:
        parse_figure(text)
    assert str(error.value) == message


def test_quoted_cell_with_newline_keeps_line_numbers(tmp_path):
    """A quoted address over two physical lines: the next row keeps its own line number."""
    path = tmp_path / "d.csv"
    path.write_text(
        'civilite;prenom;nom;departement;adresse\nMme;Anne;MARTIN;33;"Hôtel\n1 esplanade"\n'
        "M;Jean;DUPONT;99;\n",
        encoding="utf-8",
    )
    result = read_recipients(path)
    assert result.recipients[0].adresse == ("Hôtel", "1 esplanade")
    assert [str(p) for p in result.problems] == [f"{path}:4: colonne « departement » : code « 99 » inconnu"]


def test_blank_lines_stray_spaces_and_comment_are_ignored(tmp_path):
    """Blank lines, `# comments`, trailing separators and stray spaces do not matter."""
    path = tmp_path / "d.csv"
    path.write_text(
        "# fichier de test\ncivilite ; prenom ; nom ; departement;;\n"
        "\n  Madame ; Anne\u00a0; MARTIN ; 1 ;;\n",
        encoding="utf-8",
    )
    result = read_recipients(path)
    assert result.problems == []
    assert [(r.id, r.prenom, r.departement, r.line) for r in result.recipients] == [("01", "Anne", "01", 4)]


def _xlsx(path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        for merge in (merges or {}).get(title, []):
            sheet.merge_cells(merge)
    workbook.save(path)


def test_xlsx_first_sheet_numbers_and_excel_row_numbers(tmp_path):
    """XLSX: numeric cells (1, 12.0, 4-digit postcode), a title row and a gap keep Excel's row numbers."""
    path = tmp_path / "d.xlsx"
    _xlsx(
        path,
        {
            "Destinataires": [
                [None],
                ["Civilité", "Prénom", "Nom", "Département", "Code postal", "Salariés"],
                ["Madame", "Anne", "MARTIN", 1, 1000, 12.0],
                [],
                [],
                ["Monsieur", "Jean", "DUPONT", "2a", None, 1234],
            ],
            "Autre": [["x"]],
        },
    )
    result = read_recipients(path)
    assert result.problems == []
    assert [(r.id, r.departement, r.code_postal, dict(r.figures), r.line) for r in result.recipients] == [
        ("01", "01", "01000", {"salaries": 12}, 3),
        ("2A", "2A", "", {"salaries": 1234}, 6),
    ]


def test_xlsx_named_sheet_and_missing_sheet(tmp_path):
    """`sheet=` picks a sheet by name; an unknown name lists the sheets."""
    path = tmp_path / "d.xlsx"
    _xlsx(
        path,
        {
            "Notes": [["rien"]],
            "Liste": [["sexe", "prenom", "nom", "departement"], ["F", "Anne", "MARTIN", 33]],
        },
    )
    assert [r.genre for r in read_recipients(path, sheet="Liste").recipients] == ["F"]
    result = read_recipients(path, sheet="Feuil9")
    assert [str(p) for p in result.problems] == [
        f"{path}: feuille « Feuil9 » introuvable (feuilles : « Notes », « Liste »)"
    ]


def test_xlsx_merged_cells_are_filled(tmp_path):
    """A département merged over two rows applies to both rows."""
    path = tmp_path / "d.xlsx"
    _xlsx(
        path,
        {
            "F": [
                ["id", "civilite", "prenom", "nom", "fonction", "departement"],
                ["a", "Mme", "Anne", "MARTIN", "depute", 33],
                ["b", "M.", "Jean", "DUPONT", "senateur", None],
            ]
        },
        merges={"F": ["F2:F3"]},
    )
    result = read_recipients(path)
    assert result.problems == []
    assert [(r.id, r.fonction, r.departement) for r in result.recipients] == [
        ("a", "depute", "33"),
        ("b", "senateur", "33"),
    ]


def test_figures_file_merges_and_warns(tmp_path):
    """Figures join by département; a row without recipient and a recipient without figures are warnings."""
    rec = tmp_path / "d.csv"
    rec.write_text(
        "civilite;prenom;nom;departement;postes_vacants\nMme;Anne;MARTIN;33;7\nM.;Jean;DUPONT;59;\n",
        encoding="utf-8",
    )
    fig = tmp_path / "f.csv"
    fig.write_text("Département;Salariés;postes_vacants\n33;9 840;1\n40;12;\n", encoding="cp1252")
    result = read_recipients(rec, figures_path=fig)
    assert result.problems == []
    assert result.figure_names == ("postes_vacants", "salaries")
    assert [dict(r.figures) for r in result.recipients] == [
        {"postes_vacants": 7, "salaries": 9840},
        {"postes_vacants": None, "salaries": None},
    ]
    assert [str(w) for w in result.warnings] == [
        f"{rec}:3: aucune ligne de chiffres pour le département « 59 » dans {fig} : "
        "les phrases qui en ont besoin seront omises",
        f"{fig}:3: chiffres du département « 40 » : aucun destinataire dans ce département",
        f"{rec}: aucune colonne d'adresse (adresse, code_postal, ville) : lettres sans bloc adresse",
    ]


def test_rows_are_streamed(tmp_path):
    """open_table yields rows lazily with their line numbers."""
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2\n3;4\n", encoding="utf-8")
    table = open_table(path)
    assert table.header == ("a", "b") and table.separator == ";"
    rows = iter(table.rows)
    assert next(rows).line == 2
    assert [(r.line, r.cells) for r in rows] == [(3, ("3", "4"))]


# --- property tests: never an exception, whatever the bytes ---------------------------------------

CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(result):
    assert isinstance(result.recipients, list)
    for problem in result.problems + result.warnings:
        assert isinstance(problem.message, str) and problem.message and "Traceback" not in problem.message
        assert "\n" not in str(problem)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_never_raise(tmp_path, data):
    """Random bytes as recipients or figures give a ReadResult, never an exception."""
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    _check(read_recipients(path))
    good = tmp_path / "g.csv"
    good.write_text("civilite;prenom;nom;departement\nMme;A;B;33\n", encoding="utf-8")
    _check(read_recipients(good, figures_path=path))


@SETTINGS
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=6),
    header=st.lists(
        st.sampled_from(
            [
                "civilite",
                "Sexe",
                "prénom",
                "NOM",
                "département",
                "id",
                "fonction",
                "adresse",
                "code postal",
                "email",
                "forme_titre",
                "salariés",
                "x",
                "",
            ]
        ),
        max_size=8,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]),
    separator=st.sampled_from([";", ",", "\t"]),
)
def test_random_cells_and_encodings_never_raise(tmp_path, rows, header, encoding, separator):
    """Random cells, headers, encodings and separators give a ReadResult, never an exception."""
    text = "\n".join(separator.join(r) for r in [header] + rows)
    path = tmp_path / "r.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _check(read_recipients(path))


@SETTINGS
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                CELL.map(lambda s: "".join(c for c in s if c.isprintable())),
                st.integers(-(10**6), 10**9),
                st.floats(allow_nan=False, allow_infinity=False),
                st.none(),
            ),
            max_size=6,
        ),
        max_size=5,
    )
)
def test_random_xlsx_cells_never_raise(tmp_path, rows):
    """Random XLSX cells (text, ints, floats, blanks) give a ReadResult, never an exception."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["civilite", "prenom", "nom", "departement", "salaries"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "r.xlsx"
    path.write_bytes(buffer.getvalue())
    _check(read_recipients(path))
