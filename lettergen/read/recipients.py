"""Read and validate a recipients file (and its optional figures file) in one pass."""

from __future__ import annotations

import re
from pathlib import Path

from lettergen.errors import Problem
from lettergen.read.figures import figure_columns_of, parse_figures, read_figures
from lettergen.read.records import DEFAULT_FONCTION, ReadResult, Recipient
from lettergen.read.tables import Table, TableError, header_key, open_table

ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POSTCODE = re.compile(r"\d{5}")

# Columns that are not figures, by header key (see tables.header_key).
KNOWN_COLUMNS = (
    "id",
    "civilite",
    "sexe",
    "prenom",
    "nom",
    "fonction",
    "departement",
    "adresse",
    "codepostal",
    "ville",
    "email",
    "formetitre",
    "source",
    # import-elus columns (SPEC Part 2): read as text, not as figures; their checks come with
    # the letters that use them.
    "commune",
    "elule",
    "circonscription",
)
REQUIRED = ("prenom", "nom", "departement")
_ALIASES = {
    "mail": "email",
    "courriel": "email",
    "cp": "codepostal",
    "dept": "departement",
    "dep": "departement",
    "codedepartement": "departement",
    "codedudepartement": "departement",
    "departements": "departement",
}
# What users type for a civility, by lower-case value → genre.
CIVILITES = {"madame": "F", "mme": "F", "mme.": "F", "monsieur": "M", "m.": "M", "m": "M"}
SEXES = {"f": "F", "m": "M"}
FORMES_TITRE = {"le": "le", "la": "la"}

_FALLBACK_FONCTIONS = ("president_cd", "depute", "senateur", "maire", "prefet", "ministre", "dg_ars")


def _fonctions() -> tuple[str, ...]:
    try:
        from lettergen.french import FONCTIONS  # type: ignore[attr-defined]
    except ImportError:
        return _FALLBACK_FONCTIONS
    return tuple(FONCTIONS)


def _territory_exists(code: str) -> bool:
    try:
        from lettergen.french import territory  # type: ignore[attr-defined]
    except ImportError:
        return code in _FALLBACK_CODES
    try:
        territory(code)
    except (KeyError, ValueError, TypeError):
        return False
    return True


_FALLBACK_CODES = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20]
    + ["2A", "2B", "971", "972", "973", "974", "976", "69M", "6AE"]
)


def normalize_code(raw: str) -> str:
    """``1`` → ``01``, ``2a`` → ``2A``, ``6ae`` → ``6AE``; anything else upper-cased as given."""
    try:
        from lettergen.french import normalize_departement  # type: ignore[attr-defined]
    except ImportError:
        normalize_departement = None
    value = raw.strip().upper()
    if normalize_departement is not None:
        try:
            return normalize_departement(raw)
        except Exception:  # the french layer refuses junk: the territory check reports it
            return value
    if value.isdigit() and len(value) == 1:
        return "0" + value
    if value.isdigit() and len(value) == 4 and value.startswith("0"):
        return value
    return value


def check_departement(
    raw: str, file: str, line: int, column: str = "departement"
) -> tuple[str, Problem | None]:
    """The normalised code, or a problem naming the column and the bad value."""
    if not raw:
        return "", Problem(file, line, f"colonne « {column} » : valeur vide (code du département attendu)")
    code = normalize_code(raw)
    if not _territory_exists(code):
        return "", Problem(file, line, f"colonne « {column} » : code « {raw} » inconnu")
    return code, None


def split_address(text: str) -> tuple[str, ...]:
    """Address lines from one cell: ``\\n`` or `` / `` between lines."""
    parts = re.split(r"\r?\n| / ", text)
    return tuple(p.strip() for p in parts if p.strip())


def header_problems(table: Table) -> list[Problem]:
    """Two columns with the same name (after matching rules) are an error."""
    problems = []
    seen: dict[str, str] = {}
    for raw in table.header:
        key = header_key(raw)
        key = _ALIASES.get(key, key)
        if not key:
            continue
        if key in seen:
            problems.append(
                Problem(
                    table.file,
                    table.header_line,
                    f"colonne « {raw} » en double (même nom que « {seen[key]} »)",
                )
            )
        else:
            seen[key] = raw
    return problems


def read_recipients(
    path: str | Path, figures_path: str | Path | None = None, sheet: str | None = None
) -> ReadResult:
    """Read the recipients (and the figures file if given): valid recipients and every problem.

    Never raises for bad input: a file that cannot be read gives one problem.
    """
    name = str(path)
    result = ReadResult(recipients=[])
    try:
        table = open_table(path, sheet=sheet, display_name=name)
    except TableError as error:
        result.problems.append(error.problem)
        table = None

    figures = read_figures(figures_path) if figures_path is not None else None

    if table is not None:
        _read_rows(table, result)
    if figures is not None:
        result.problems.extend(figures.problems)
        _merge_figures(result, figures)
    result.problems.sort(key=lambda p: (p.file != name, p.file or "", p.line or 0))
    return result


def _read_rows(table: Table, result: ReadResult) -> None:
    file = table.file
    keys = [_ALIASES.get(header_key(h), header_key(h)) for h in table.header]
    index = {}
    for i, key in enumerate(keys):
        index.setdefault(key, i)
    problems = header_problems(table)
    for required in REQUIRED:
        if required not in index:
            problems.append(Problem(file, table.header_line, f"colonne « {required} » manquante"))
    if "civilite" not in index and "sexe" not in index:
        problems.append(Problem(file, table.header_line, "colonne « civilite » ou « sexe » manquante"))
    figure_columns, figure_header_problems = figure_columns_of(
        table, exclude=set(KNOWN_COLUMNS) | set(_ALIASES)
    )
    problems.extend(figure_header_problems)
    result.figure_names = tuple(n for _, n, _ in figure_columns)
    result.problems.extend(problems)
    header_ok = not problems
    fonctions = _fonctions()
    seen_ids: dict[str, int] = {}

    def cell(cells: tuple[str, ...], key: str) -> str:
        i = index.get(key)
        return cells[i] if i is not None else ""

    def label(key: str) -> str:
        return table.header[index[key]]

    rows_seen = 0
    for row in table.rows:
        rows_seen += 1
        if not header_ok:
            continue  # still read to the end: row-shape problems are reported too
        cells, line = row.cells, row.line
        row_problems: list[Problem] = []

        def bad(key: str, message: str) -> None:
            row_problems.append(Problem(file, line, f"colonne « {label(key)} » : {message}"))

        genre = None
        civilite = cell(cells, "civilite")
        if civilite:
            genre = CIVILITES.get(civilite.casefold())
            if genre is None:
                bad("civilite", f"« {civilite} » n'est pas une civilité reconnue (Madame, Mme, Monsieur, M.)")
        sexe = cell(cells, "sexe")
        if sexe:
            from_sexe = SEXES.get(sexe.casefold())
            if from_sexe is None:
                bad("sexe", f"« {sexe} » n'est pas un sexe reconnu (F ou M)")
            elif genre is not None and from_sexe != genre:
                bad("sexe", f"« {sexe} » contredit la civilité « {civilite} »")
            else:
                genre = from_sexe if not civilite or genre is not None else genre
        prenom, nom = cell(cells, "prenom"), cell(cells, "nom")
        if not prenom:
            bad("prenom", "valeur vide")
        if not nom:
            bad("nom", "valeur vide")
        fonction = cell(cells, "fonction") or DEFAULT_FONCTION
        if fonction not in fonctions:
            bad("fonction", f"« {fonction} » inconnue (valeurs possibles : {', '.join(fonctions)})")
        departement, problem = check_departement(cell(cells, "departement"), file, line, label("departement"))
        if problem:
            row_problems.append(problem)
        code_postal = cell(cells, "codepostal")
        if code_postal.isdigit() and len(code_postal) == 4:
            code_postal = "0" + code_postal  # a spreadsheet number lost its leading zero
        if code_postal and not _POSTCODE.fullmatch(code_postal):
            bad("codepostal", f"« {code_postal} » n'est pas un code postal (5 chiffres)")
        email = cell(cells, "email")
        if email and not _EMAIL.fullmatch(email):
            bad("email", f"« {email} » n'est pas une adresse électronique")
        forme_titre = cell(cells, "formetitre")
        if forme_titre and forme_titre.casefold() not in FORMES_TITRE:
            bad("formetitre", f"« {forme_titre} » inconnue (« le » ou « la », ou vide)")
        raw_id = cell(cells, "id")
        ident = raw_id or departement
        if raw_id and not ID_PATTERN.fullmatch(raw_id):
            bad(
                "id",
                f"« {raw_id} » contient des caractères interdits "
                f"(lettres sans accents, chiffres, « _ », « . » et « - » seulement)",
            )
        elif ident and ident in seen_ids:
            where = f"colonne « {label('id')} » : " if "id" in index else ""
            hint = "" if raw_id else " (donnez à chaque destinataire un id distinct dans une colonne « id »)"
            row_problems.append(
                Problem(file, line, f"{where}id « {ident} » déjà utilisé ligne {seen_ids[ident]}{hint}")
            )
        elif ident:
            seen_ids[ident] = line
        figures, figure_problems = parse_figures(cells, figure_columns, file, line)
        row_problems.extend(figure_problems)
        if row_problems:
            result.problems.extend(row_problems)
            continue
        result.recipients.append(
            Recipient(
                id=ident,
                genre=genre,
                prenom=prenom,
                nom=nom,
                departement=departement,
                fonction=fonction,
                adresse=split_address(cell(cells, "adresse")),
                code_postal=code_postal,
                ville=cell(cells, "ville"),
                email=email,
                forme_titre=forme_titre.casefold(),
                figures=figures,
                source=file,
                line=line,
                provenance=cell(cells, "source"),
            )
        )
    result.problems.extend(table.problems)
    if header_ok and rows_seen == 0 and not table.problems:
        result.problems.append(
            Problem(file, table.header_line, "aucun destinataire : le fichier n'a que la ligne d'en-tête")
        )


def _merge_figures(result: ReadResult, figures) -> None:
    """Add the figures file's columns to each recipient (a recipient's own column wins when filled)."""
    names = list(result.figure_names)
    for name in figures.names:
        if name not in names:
            names.append(name)
    result.figure_names = tuple(names)
    merged = []
    used: set[str] = set()
    figures_usable = bool(figures.names) or not figures.problems
    for recipient in result.recipients:
        row = figures.by_departement.get(recipient.departement)
        values: dict[str, int | None] = {n: None for n in names}
        if row is not None:
            used.add(recipient.departement)
            values.update(row)
        elif recipient.departement not in figures.lines and figures_usable:
            result.warnings.append(
                Problem(
                    recipient.source,
                    recipient.line,
                    f"aucune ligne de chiffres pour le département « {recipient.departement} » "
                    f"dans {figures.file} : les phrases qui en ont besoin seront omises",
                )
            )
        else:
            used.add(recipient.departement)  # its figure row has problems, already reported
        for key, value in recipient.figures.items():
            if value is not None or key not in values:
                values[key] = value
        merged.append(_replace_figures(recipient, values))
    result.recipients[:] = merged
    recipient_codes = {r.departement for r in result.recipients}
    for code, line in sorted(figures.lines.items(), key=lambda item: item[1]):
        if code not in recipient_codes and code not in used:
            result.warnings.append(
                Problem(
                    figures.file,
                    line,
                    f"chiffres du département « {code} » : aucun destinataire dans ce département",
                )
            )


def _replace_figures(recipient: Recipient, values: dict[str, int | None]) -> Recipient:
    from dataclasses import replace

    return replace(recipient, figures=values)
