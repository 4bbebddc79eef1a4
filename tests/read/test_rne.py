"""RNE import: the real 2026 files, synthetic files in every older format, the shipped recipients."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lettergen.errors import InvalidInput
from lettergen.read import read_recipients
from lettergen.read.rne import (
    OUTPUT_COLUMNS,
    import_rne,
    import_rne_command,
    parse_date,
    write_recipients_csv,
)

DATA = Path(__file__).parent / "data" / "rne"
REPO = Path(__file__).resolve().parents[2]
CD = "elus-conseillers-departementaux-cd_{}.csv"
CSP = "elus-membres-dune-assemblee-ma_{}.csv"
DATES = ("2026-04-24", "2026-05-06")
ADDR = (
    "adresses postales tirées de l'Annuaire de l'administration (DILA) du 2017-12-12 : "
    "à vérifier avant l'envoi"
)
EXPECTED_CODES = sorted(
    [f"{n:02d}" for n in range(1, 96) if n not in (16, 20, 26, 67, 68, 75)]
    + ["2A", "2B", "69M", "6AE", "971", "972", "973", "974", "976"]
)
EXPECTED_CODES.remove("2B")  # the Collectivité de Corse is one recipient, coded 2A


def expected_warnings() -> list[str]:
    return [
        "16 (Charente) : aucun « Président du conseil départemental » en fonction dans le RNE "
        "(siège vacant ?) : "
        "destinataire à ajouter à la main",
        "26 (Drôme) : aucun « Président du conseil départemental » en fonction dans le RNE "
        "(siège vacant ?) : "
        "destinataire à ajouter à la main",
        "75 (Paris) : la maire ou le maire de Paris n'est pas dans ces fichiers "
        "(fichier des maires du RNE) : "
        "destinataire à ajouter à la main",
        ADDR,
    ]


def _real(date: str) -> list[Path]:
    return [DATA / CD.format(date), DATA / CSP.format(date)]


@pytest.mark.parametrize("date", DATES)
def test_real_files_give_93_cd_presidents_plus_4_csp_heads(date):
    """Both real releases: 93 CD presidents of 95 groups + Corse, Martinique, Guyane, Lyon = 97 rows."""
    result = import_rne(_real(date))
    assert [r.departement for r in result.rows] == EXPECTED_CODES
    assert len(result.rows) == 97
    warnings = [str(w) for w in result.warnings]
    assert warnings[:4] == expected_warnings()
    assert (
        len(warnings) == 5
        and warnings[4].startswith("6AE (")
        and warnings[4].endswith(
            ") : pas d'adresse dans l'Annuaire de l'administration (DILA) du 2017-12-12 : "
            "adresse laissée vide, à compléter"
        )
    )


@pytest.mark.parametrize("date", DATES)
def test_csp_heads_and_cea(date):
    """The heads of Corse (executive), Martinique (executive), Guyane and Lyon (assembly), and the CeA."""
    rows = {r.departement: r for r in import_rne(_real(date)).rows}
    heads = {
        code: (rows[code].civilite, rows[code].prenom, rows[code].nom)
        for code in ("2A", "972", "973", "69M", "6AE")
    }
    assert heads == {
        "2A": ("Monsieur", "Gilles", "SIMEONI"),
        "972": ("Monsieur", "Serge", "LETCHIMY"),
        "973": ("Monsieur", "Gabriel", "SERVILLE"),
        "69M": ("Madame", "Véronique", "SARSELLI"),
        "6AE": ("Monsieur", "Frédéric", "BIERRY"),
    }
    assert rows["6AE"].adresse == () and rows["6AE"].code_postal == ""
    assert (
        rows["6AE"].source
        == f"RNE {date} ; adresse : absente de l'Annuaire de l'administration (DILA) du 2017-12-12"
    )
    assert rows["01"].adresse == ("Hôtel du département", "45 avenue Alsace-Lorraine", "BP 114")
    assert (rows["01"].code_postal, rows["01"].ville) == ("01003", "Bourg-en-Bresse Cedex")
    assert rows["74"].adresse == (
        "1 avenue d'Albigny",
        "CS 32444",
    )  # the postal address, not the physical one
    assert rows["972"].ville == "Fort-de-France Cedex"  # the CTM record, not the stale conseil général
    assert rows["01"].source == f"RNE {date} ; adresse : Annuaire de l'administration (DILA) du 2017-12-12"


def test_output_reads_back_without_problems(tmp_path):
    """The written CSV has the recipients columns and reads back with read_recipients, no problem."""
    out = tmp_path / "rne.csv"
    count, warnings = import_rne_command(_real("2026-05-06"), out)
    assert count == 97 and len(warnings) == 5
    assert out.read_text(encoding="utf-8").splitlines()[0] == ";".join(OUTPUT_COLUMNS)
    result = read_recipients(out)
    assert result.problems == [] and result.figure_names == ()
    assert len(result.recipients) == 97
    first = result.recipients[0]
    assert (first.id, first.genre, first.prenom, first.nom, first.departement) == (
        "01",
        "M",
        "Jean",
        "DEGUERRY",
        "01",
    )
    assert first.provenance == "RNE 2026-05-06 ; adresse : Annuaire de l'administration (DILA) du 2017-12-12"
    assert not list(tmp_path.glob(".*.tmp"))


def test_no_personal_data_beyond_what_letters_need(tmp_path):
    """No birth date, profession or canton leaks into the recipients file."""
    out = tmp_path / "rne.csv"
    import_rne_command(_real("2026-05-06"), out)
    text = out.read_text(encoding="utf-8")
    assert "1955" not in text and "cadre" not in text.lower() and "Ambérieu" not in text


def test_shipped_recipients_match_a_fresh_import(tmp_path):
    """recipients/rne_presidents_2026-05-06.csv is exactly what the importer writes today."""
    out = tmp_path / "rne.csv"
    import_rne_command(_real("2026-05-06"), out)
    assert (REPO / "recipients" / "rne_presidents_2026-05-06.csv").read_bytes() == out.read_bytes()


# --- synthetic files in the older formats, built from the 2026-04-24 release ---------------------


def _current_rows() -> tuple[list[str], list[list[str]]]:
    text = (DATA / CD.format("2026-04-24")).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return rows[0], rows[1:]


def _unpad(date: str) -> str:
    if not date:
        return ""
    d, m, y = date.split("/")
    return f"{int(d)}/{int(m)}/{y}"


def _iso(date: str, suffix: str = "") -> str:
    if not date:
        return ""
    d, m, y = date.split("/")
    return f"{y}-{m}-{d}{suffix}"


def _tsv(rows: list[list[str]], sep: str = "\t", eol: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator=eol, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return buffer.getvalue()


def _format_2020() -> bytes:
    header, rows = _current_rows()
    old_header = [
        "Code du département",
        "Libellé du département",
        "Nom de l'élu",
        "Prénom de l'élu",
        "Code sexe",
        "Code du canton",
        "Libellé du canton",
        "Libellé de fonction",
        "Code profession",
        "Libellé de la profession",
        "Date de naissance",
        "Date de début du mandat",
        "Date de début de la fonction",
        "Date de fin de la fonction",
    ]
    out = [old_header]
    for r in rows:
        dep, lib, canton, lcanton, nom, prenom, sexe, naissance, csp, lcsp, mandat, fonction, debut = r
        if dep == "01" and fonction:
            # a past president of the Ain, with an end date: must be ignored
            out.append(
                [
                    dep,
                    lib,
                    "ANCIEN",
                    "Président",
                    "M",
                    canton,
                    lcanton,
                    fonction,
                    csp,
                    lcsp,
                    "5/4/1950",
                    "29/3/2015",
                    "2/4/2015",
                    "10/7/2017",
                ]
            )
        out.append(
            [
                dep,
                lib,
                nom,
                prenom,
                sexe,
                canton,
                lcanton,
                fonction,
                csp,
                lcsp,
                _unpad(naissance),
                _unpad(mandat),
                _unpad(debut),
                "",
            ]
        )
    return ("Titre du rapport\r\n" + _tsv(out, eol="\r\n")).encode("cp1252")


def _format_2022() -> bytes:
    header, rows = _current_rows()
    return _tsv([header] + rows).encode("utf-8")


def _format_2023_06() -> bytes:
    _, rows = _current_rows()
    snake = [
        "code_departement",
        "libelle_departement",
        "code_canton",
        "libelle_canton",
        "nom_elu",
        "prenom_elu",
        "sexe_elu",
        "date_naissance_elu",
        "code_categorie_socio_professionnelle",
        "libelle_categorie_socio_professionnelle",
        "date_debut_mandat",
        "libelle_fonction",
        "date_debut_fonction",
        "lieu_naissance_elu",
        "code_nuance_mandat",
        "libelle_nuance_mandat",
    ]
    out = [snake]
    for r in rows:
        r = list(r)
        for i in (7, 10, 12):
            r[i] = _iso(r[i], " 00:00:00+00")
        out.append(r + ["", "DVD", "Divers droite"])
    return _tsv(out).encode("utf-8")


def _format_2023_11() -> bytes:
    header, rows = _current_rows()
    return _tsv([header] + rows, sep=",").encode("utf-8")


def _csp_tab() -> bytes:
    text = (DATA / CSP.format("2026-04-24")).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return _tsv(rows).encode("utf-8")


@pytest.mark.parametrize(
    "builder",
    [_format_2020, _format_2022, _format_2023_06, _format_2023_11],
    ids=["2020-latin1-titre", "2022-12-tab", "2023-06-snake", "2023-11-virgule"],
)
def test_older_formats_give_the_same_recipients(builder, tmp_path):
    """A CD file in each older published format gives the same recipients as the current one."""
    cd = tmp_path / CD.format("2026-04-24")
    cd.write_bytes(builder())
    csp = tmp_path / CSP.format("2026-04-24")
    csp.write_bytes(_csp_tab())
    reference = import_rne(_real("2026-04-24"))
    result = import_rne([cd, csp])
    assert result.rows == reference.rows
    assert [str(w) for w in result.warnings] == [str(w) for w in reference.warnings]


def test_2026_05_06_format_details(tmp_path):
    """Quotes, ISO dates, CRLF and codes without leading zeros: `1` is read as `01`."""
    head = (DATA / CD.format("2026-05-06")).read_bytes().split(b"\r\n")
    cd = tmp_path / "cd.csv"
    cd.write_bytes(b"\r\n".join(head[:1] + [line for line in head[1:] if line.startswith(b"1;")]) + b"\r\n")
    result = import_rne([cd])
    assert [(r.departement, r.nom, r.source.split(" ;")[0]) for r in result.rows] == [
        ("01", "DEGUERRY", "RNE")
    ]
    assert str(result.warnings[0]) == (
        "fichier des collectivités à statut particulier non fourni : "
        "Corse, Martinique, Guyane et Métropole de Lyon absentes"
    )


def test_not_an_rne_file_is_a_clean_error(tmp_path):
    """A recipients file passed as RNE gives one French problem, not a traceback."""
    path = tmp_path / "x.csv"
    path.write_text("civilite;prenom;nom;departement\nMadame;Anne;MARTIN;33\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        import_rne([path, tmp_path / "absent.csv"])
    assert [str(p) for p in error.value.problems] == [
        f"{path}:1: ce fichier n'est pas un fichier du RNE reconnu "
        "(conseillers départementaux ou membres des "
        "assemblées des collectivités à statut particulier)",
        f"{tmp_path / 'absent.csv'}: fichier introuvable",
    ]


def test_nothing_written_when_the_import_fails(tmp_path):
    """import_rne_command writes no file when an input is bad."""
    out = tmp_path / "out.csv"
    with pytest.raises(InvalidInput):
        import_rne_command([tmp_path / "absent.csv"], out)
    assert list(tmp_path.iterdir()) == []


def test_write_replaces_atomically(tmp_path):
    """Writing over an existing file replaces it whole and leaves no temporary file."""
    out = tmp_path / "out.csv"
    out.write_text("ancien", encoding="utf-8")
    assert write_recipients_csv([], out) == 0
    assert out.read_text(encoding="utf-8") == ";".join(OUTPUT_COLUMNS) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("02/05/1955", (1955, 5, 2)),
        ("5/4/1980", (1980, 4, 5)),
        ("1955-05-02", (1955, 5, 2)),
        ("1955-05-02 00:00:00+00", (1955, 5, 2)),
        ("", None),
        ("31/02/2020", None),
    ],
)
def test_parse_date_formats(text, expected):
    """Every RNE date spelling is parsed; an impossible date gives None."""
    result = parse_date(text)
    assert (result and (result.year, result.month, result.day)) == expected or (
        result is None and expected is None
    )
