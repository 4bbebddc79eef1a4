"""Catalogue of malformed inputs: each gives exact French problem lines, never a traceback.

``MALFORMED_CASES`` is meant to be reused by the CLI tests (exit code 1, nothing written):
each case names the files to write (name → bytes; the first is the recipients file), the figures
file if any, and the exact lines expected, with file names as given (relative to the folder the
files are written in). Load it with ``importlib`` from ``tests/read/test_catalogue.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
import pytest

from lettergen.read import read_recipients

H = "civilite;prenom;nom;departement"


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, bytes]  # the first is the recipients file; an empty dict: the file is missing
    expected: tuple[str, ...]
    figures: str | None = None
    recipients: str = "destinataires.csv"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]], merge: str | None = None, title: str = "Feuil1") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


D = "destinataires.csv"
F = "chiffres.csv"
X = "destinataires.xlsx"
GOOD = csv_bytes(H, "Madame;Anne;MARTIN;33")

MALFORMED_CASES: list[Case] = [
    Case("fichier_absent", {}, ("absent.csv: fichier introuvable",), recipients="absent.csv"),
    Case("fichier_vide", {D: b""}, (f"{D}: fichier vide",)),
    Case("fichier_blanc", {D: b"  \r\n\n \n"}, (f"{D}: fichier vide",)),
    Case(
        "binaire_png",
        {D: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"},
        (f"{D}: ce fichier n'est pas un tableau CSV ou XLSX (contenu binaire)",),
    ),
    Case(
        "html_enregistre_en_csv",
        {D: b"<!DOCTYPE html>\n<html><body><table><tr><td>nom</td></tr></table></body></html>\n"},
        (
            f"{D}: ce fichier est une page web (HTML) ou du XML, pas un tableau CSV : "
            "enregistrez le tableau au format CSV ou XLSX",
        ),
    ),
    Case(
        "excel_97",
        {D: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64},
        (f"{D}: classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le au format .xlsx ou CSV",),
    ),
    Case(
        "zip_abime",
        {X: b"PK\x03\x04" + b"garbage" * 10},
        (f"{X}: classeur XLSX illisible (BadZipFile)",),
        recipients=X,
    ),
    Case(
        "xlsx_premiere_feuille_vide",
        {X: xlsx_bytes([])},
        (f"{X}: la première feuille « Feuil1 » est vide",),
        recipients=X,
    ),
    Case(
        "octets_illisibles",
        {D: csv_bytes(H, "Madame;Anne;MARTIN;33").replace(b"\n", b"\n", 1) + b"M.;Jean;DU\x81PONT;59\n"},
        (f"{D}:3: octets illisibles (0x81) : le fichier n'est ni en UTF-8 ni en Windows-1252",),
    ),
    Case(
        "colonne_nom_absente",
        {D: csv_bytes("civilite;prenom;departement", "Madame;Anne;33")},
        (f"{D}:1: colonne « nom » manquante",),
    ),
    Case(
        "colonnes_civilite_et_sexe_absentes",
        {D: csv_bytes("prenom;nom;departement", "Anne;MARTIN;33")},
        (f"{D}:1: colonne « civilite » ou « sexe » manquante",),
    ),
    Case(
        "deux_colonnes_absentes",
        {D: csv_bytes("civilite;nom", "Madame;MARTIN")},
        (f"{D}:1: colonne « prenom » manquante", f"{D}:1: colonne « departement » manquante"),
    ),
    Case(
        "colonne_en_double",
        {
            D: csv_bytes(
                "civilite;prenom;nom;departement;Code postal;code_postal", "Madame;Anne;MARTIN;33;33000;33000"
            )
        },
        (f"{D}:1: colonne « code_postal » en double (même nom que « Code postal »)",),
    ),
    Case(
        "en_tete_seul",
        {D: csv_bytes(H)},
        (f"{D}:1: aucun destinataire : le fichier n'a que la ligne d'en-tête",),
    ),
    Case(
        "departement_inconnu",
        {D: csv_bytes(H, "Madame;Anne;MARTIN;33", "M.;Jean;DUPONT;59", "M.;Paul;DURAND;99")},
        (f"{D}:4: colonne « departement » : code « 99 » inconnu",),
    ),
    Case(
        "departement_vide",
        {D: csv_bytes(H, "Madame;Anne;MARTIN;")},
        (f"{D}:2: colonne « departement » : valeur vide (code du département attendu)",),
    ),
    Case(
        "departement_20",
        {D: csv_bytes(H, "Madame;Anne;MARTIN;20")},
        (f"{D}:2: colonne « departement » : code « 20 » inconnu",),
    ),
    Case(
        "civilite_inconnue",
        {D: csv_bytes(H, "Dr;Anne;MARTIN;33")},
        (
            f"{D}:2: colonne « civilite » : « Dr » n'est pas une civilité reconnue "
            "(Madame, Mme, Monsieur, M.)",
        ),
    ),
    Case(
        "sexe_inconnu",
        {D: csv_bytes("sexe;prenom;nom;departement", "X;Anne;MARTIN;33")},
        (f"{D}:2: colonne « sexe » : « X » n'est pas un sexe reconnu (F ou M)",),
    ),
    Case(
        "civilite_et_sexe_contradictoires",
        {D: csv_bytes("civilite;sexe;prenom;nom;departement", "Madame;M;Anne;MARTIN;33")},
        (f"{D}:2: colonne « sexe » : « M » contredit la civilité « Madame »",),
    ),
    Case("nom_vide", {D: csv_bytes(H, "Madame;Anne;;33")}, (f"{D}:2: colonne « nom » : valeur vide",)),
    Case(
        "fonction_inconnue",
        {D: csv_bytes(H + ";fonction", "Madame;Anne;MARTIN;33;presidente")},
        (
            f"{D}:2: colonne « fonction » : « presidente » inconnue (valeurs possibles : "
            "president_cd, depute, senateur, maire, prefet, ministre, dg_ars, president_cr)",
        ),
    ),
    Case(
        "id_en_double",
        {D: csv_bytes("id;" + H, "a;Madame;Anne;MARTIN;33", "a;M.;Jean;DUPONT;59")},
        (f"{D}:3: colonne « id » : id « a » déjà utilisé ligne 2",),
    ),
    Case(
        "id_par_defaut_en_double",
        {D: csv_bytes(H, "Madame;Anne;MARTIN;33", "M.;Jean;DUPONT;33")},
        (
            f"{D}:3: id « 33 » déjà utilisé ligne 2 "
            "(donnez à chaque destinataire un id distinct dans une colonne « id »)",
        ),
    ),
    Case(
        "id_caracteres_interdits",
        {D: csv_bytes("id;" + H, "Gironde/Martin;Madame;Anne;MARTIN;33")},
        (
            f"{D}:2: colonne « id » : « Gironde/Martin » contient des caractères interdits "
            "(lettres sans accents, chiffres, « _ », « . » et « - » seulement)",
        ),
    ),
    Case(
        "code_postal_faux",
        {D: csv_bytes(H + ";code_postal", "Madame;Anne;MARTIN;33;330")},
        (f"{D}:2: colonne « code_postal » : « 330 » n'est pas un code postal (5 chiffres)",),
    ),
    Case(
        "email_faux",
        {D: csv_bytes(H + ";email", "Madame;Anne;MARTIN;33;anne.gironde.fr")},
        (f"{D}:2: colonne « email » : « anne.gironde.fr » n'est pas une adresse électronique",),
    ),
    Case(
        "chiffre_negatif",
        {D: csv_bytes(H + ";salaries", "Madame;Anne;MARTIN;33;-12")},
        (f"{D}:2: colonne « salaries » : « -12 » est négatif (un chiffre est un entier positif ou nul)",),
    ),
    Case(
        "chiffre_non_numerique",
        {D: csv_bytes(H + ";salaries", "Madame;Anne;MARTIN;33;beaucoup")},
        (f"{D}:2: colonne « salaries » : « beaucoup » n'est pas un nombre entier",),
    ),
    Case(
        "chiffre_decimal",
        {D: csv_bytes(H + ";salaries", "Madame;Anne;MARTIN;33;12,5")},
        (f"{D}:2: colonne « salaries » : « 12,5 » n'est pas un nombre entier",),
    ),
    Case(
        "nom_de_chiffre_invalide",
        {D: csv_bytes(H + ";2021", "Madame;Anne;MARTIN;33;5")},
        (
            f"{D}:1: colonne « 2021 » : ce nom ne peut pas servir de nom de chiffre "
            "(il doit commencer par une lettre)",
        ),
    ),
    Case(
        "champs_en_trop",
        {D: csv_bytes(H, "Madame;Anne;MARTIN;33;en trop")},
        (f"{D}:2: 5 champs sur la ligne, l'en-tête en a 4 (champ en trop : « en trop »)",),
    ),
    Case(
        "champs_manquants",
        {D: csv_bytes(H, "Madame;Anne;MARTIN")},
        (f"{D}:2: 3 champs sur la ligne, l'en-tête en a 4 (séparateur : point-virgule)",),
    ),
    Case(
        "plusieurs_problemes_en_une_passe",
        {
            D: csv_bytes(
                H + ";salaries",
                "Dr;Anne;MARTIN;33;1 234",
                "M.;Jean;DUPONT;99;-1",
                "Mme;Lise;;59;x",
            )
        },
        (
            f"{D}:2: colonne « civilite » : « Dr » n'est pas une civilité reconnue "
            "(Madame, Mme, Monsieur, M.)",
            f"{D}:3: colonne « departement » : code « 99 » inconnu",
            f"{D}:3: colonne « salaries » : « -1 » est négatif (un chiffre est un entier positif ou nul)",
            f"{D}:4: colonne « nom » : valeur vide",
            f"{D}:4: colonne « salaries » : « x » n'est pas un nombre entier",
        ),
    ),
    Case(
        "xlsx_ligne_excel",
        {
            X: xlsx_bytes(
                [
                    ["Civilité", "Prénom", "Nom", "Département"],
                    ["Madame", "Anne", "MARTIN", 33],
                    [],
                    ["M.", "Jean", "DUPONT", 99],
                ]
            )
        },
        (f"{X}:4: colonne « Département » : code « 99 » inconnu",),
        recipients=X,
    ),
    Case(
        "xlsx_chiffre_decimal",
        {
            X: xlsx_bytes(
                [
                    ["civilite", "prenom", "nom", "departement", "salaries"],
                    ["Madame", "Anne", "MARTIN", 33, 12.5],
                ]
            )
        },
        (f"{X}:2: colonne « salaries » : « 12.5 » n'est pas un nombre entier",),
        recipients=X,
    ),
    Case("chiffres_absent", {D: GOOD}, ("absent.csv: fichier introuvable",), figures="absent.csv"),
    Case(
        "chiffres_sans_departement",
        {D: GOOD, F: csv_bytes("dep_code;salaries", "33;5")},
        (f"{F}:1: colonne « departement » manquante",),
        figures=F,
    ),
    Case(
        "chiffres_departement_inconnu",
        {D: GOOD, F: csv_bytes("departement;salaries", "33;5", "999;3")},
        (f"{F}:3: colonne « departement » : code « 999 » inconnu",),
        figures=F,
    ),
    Case(
        "chiffres_departement_en_double",
        {D: GOOD, F: csv_bytes("departement;salaries", "33;5", "33;6")},
        (f"{F}:3: colonne « departement » : département « 33 » déjà présent ligne 2",),
        figures=F,
    ),
    Case(
        "chiffres_non_numeriques",
        {D: GOOD, F: csv_bytes("departement,salaries,postes_vacants", "33,5,NC")},
        (f"{F}:2: colonne « postes_vacants » : « NC » n'est pas un nombre entier",),
        figures=F,
    ),
]


@pytest.mark.parametrize("case", MALFORMED_CASES, ids=[c.name for c in MALFORMED_CASES])
def test_malformed_input_gives_exact_french_lines(case, tmp_path, monkeypatch):
    """Each malformed input gives exactly the expected `FILE:LINE: message` lines."""
    monkeypatch.chdir(tmp_path)
    for name, data in case.files.items():
        (tmp_path / name).write_bytes(data)
    result = read_recipients(case.recipients, figures_path=case.figures)
    assert [str(p) for p in result.problems] == list(case.expected)


def test_catalogue_is_large_enough():
    """The catalogue holds at least 25 distinct malformed inputs."""
    assert len({c.name for c in MALFORMED_CASES}) == len(MALFORMED_CASES) >= 25


def test_valid_rows_are_kept_beside_problems(tmp_path, monkeypatch):
    """With problems, the valid recipients are still returned (for --skip-invalid)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / D).write_bytes(
        csv_bytes(H, "Madame;Anne;MARTIN;33", "M.;Paul;DURAND;99", "M.;Jean;DUPONT;59")
    )
    result = read_recipients(D)
    assert [r.id for r in result.recipients] == ["33", "59"]
    assert [str(p) for p in result.problems] == [f"{D}:3: colonne « departement » : code « 99 » inconnu"]
