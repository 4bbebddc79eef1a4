"""Read and validate a recipients file (and its optional figures file) in one pass.

Each known column has a validator (:data:`COLUMNS`); every other column is a local figure.
A row with a problem in any cell is reported and left out; nothing stops at the first problem.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

from lettergen.errors import Problem
from lettergen.french import FONCTIONS, Commune, commune
from lettergen.read.cells import CellError, departement_code
from lettergen.read.figures import FiguresFile, figure_columns_of, parse_figures, read_figures
from lettergen.read.limits import NAME_CHARS, number, shown
from lettergen.read.records import DEFAULT_FONCTION, ReadResult, Recipient
from lettergen.read.tables import Row, Table, TableError, header_key, open_table

ID_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POSTCODE = re.compile(r"\d{5}")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_CIRCONSCRIPTION = re.compile(r"\d[0-9AB]{1,2}-\d{2}")
# The columns of a postal address: a file with none of them gives letters without an address block.
ADDRESS_COLUMNS = ("adresse", "codepostal", "ville")

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

# --- validators: a cell's text ("" when empty or the column is absent) → the field's value ---------


def _civilite(text: str) -> str | None:
    if not text:
        return None
    genre = CIVILITES.get(text.casefold())
    if genre is None:
        raise CellError(f"« {shown(text)} » n'est pas une civilité reconnue (Madame, Mme, Monsieur, M.)")
    return genre


def _sexe(text: str) -> str | None:
    if not text:
        return None
    genre = SEXES.get(text.casefold())
    if genre is None:
        raise CellError(f"« {shown(text)} » n'est pas un sexe reconnu (F ou M)")
    return genre


def _name(text: str) -> str:
    """A first name or a name: filled, and short enough for an address block and a file name.

    400 characters are refused rather than written: no French name comes near the limit, a
    letter would show it across its address window, and one line here is clearer than a letter
    cut or missing later.
    """
    if not text:
        raise CellError("valeur vide")
    if len(text) > NAME_CHARS:
        raise CellError(
            f"{number(len(text))} caractères (« {shown(text)} »), au-delà de la limite de {NAME_CHARS}"
        )
    return text


def _text(text: str) -> str:
    return text


def _fonction(text: str) -> str:
    fonction = text or DEFAULT_FONCTION
    if fonction not in FONCTIONS:
        raise CellError(f"« {shown(fonction)} » inconnue (valeurs possibles : {', '.join(FONCTIONS)})")
    return fonction


def split_address(text: str) -> tuple[str, ...]:
    """Address lines from one cell: ``\\n`` or `` / `` between lines."""
    parts = re.split(r"\r?\n| / ", text)
    return tuple(p.strip() for p in parts if p.strip())


def _code_postal(text: str) -> str:
    if text.isdigit() and len(text) == 4:
        return "0" + text  # a spreadsheet number lost its leading zero
    if text and not _POSTCODE.fullmatch(text):
        raise CellError(f"« {shown(text)} » n'est pas un code postal (5 chiffres)")
    return text


def _email(text: str) -> str:
    if text and not _EMAIL.fullmatch(text):
        raise CellError(f"« {shown(text)} » n'est pas une adresse électronique")
    return text


def _forme_titre(text: str) -> str:
    if text and text.casefold() not in FORMES_TITRE:
        raise CellError(f"« {shown(text)} » inconnue (« le » ou « la », ou vide)")
    return text.casefold()


def _identifier(text: str) -> str:
    if text and not ID_PATTERN.fullmatch(text):
        raise CellError(
            f"« {shown(text)} » contient des caractères interdits "
            f"(lettres sans accents, chiffres, « _ », « . » et « - » seulement)"
        )
    return text


def _commune(text: str) -> Commune | None:
    if not text:
        return None
    code = "0" + text if text.isdigit() and len(text) == 4 else text  # a number lost its leading zero
    try:
        return commune(code)
    except KeyError:
        raise CellError(
            f"code commune « {text} » inconnu (code INSEE du COG 2026, par exemple 76351)"
        ) from None


def _date(text: str) -> _dt.date | None:
    """``AAAA-MM-JJ``, or ``JJ/MM/AAAA`` as a French spreadsheet writes it."""
    if not text:
        return None
    iso, french = _ISO_DATE.fullmatch(text), _FRENCH_DATE.fullmatch(text)
    if iso:
        year, month, day = iso.groups()
    elif french:
        day, month, year = french.groups()
    else:
        raise CellError(f"« {text} » n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA, par exemple 2026-03-22)")
    try:
        return _dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"« {text} » : date impossible") from None


def _circonscription(text: str) -> str:
    if text and not _CIRCONSCRIPTION.fullmatch(text):
        raise CellError(f"« {text} » n'est pas une circonscription (département-numéro, par exemple 68-03)")
    return text


Validator = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    """A known column: the :class:`Recipient` field it fills (None: combined by a row rule) and its check."""

    field: str | None
    check: Validator


# Header key (tables.header_key, after _ALIASES) → column, in the order a row's problems are reported.
# A new optional column is one line here and one field of Recipient.
COLUMNS: Mapping[str, Column] = {
    "civilite": Column(None, _civilite),  # civilite and sexe give the genre: see _genre
    "sexe": Column(None, _sexe),
    "prenom": Column("prenom", _name),
    "nom": Column("nom", _name),
    "fonction": Column("fonction", _fonction),
    "departement": Column("departement", departement_code),
    "adresse": Column("adresse", split_address),
    "codepostal": Column("code_postal", _code_postal),
    "ville": Column("ville", _text),
    "email": Column("email", _email),
    "formetitre": Column("forme_titre", _forme_titre),
    "source": Column("provenance", _text),
    "commune": Column("commune", _commune),  # required for a mayor: see _commune_rules
    "elule": Column("elu_le", _date),
    "circonscription": Column("circonscription", _circonscription),
    "id": Column(None, _identifier),  # default and uniqueness: see _identity
}
KNOWN_COLUMNS = tuple(COLUMNS)  # columns that are not figures
_RANK = {key: rank for rank, key in enumerate(COLUMNS)}
_FIELDS = tuple((key, column.field) for key, column in COLUMNS.items() if column.field)
# Fields whose value most rows repeat (the same provenance, office, département, town): one string
# each, shared by the rows, instead of one a row (34,742 mayors: about 8 MB less in the main process).
_REPEATED = frozenset(("fonction", "departement", "provenance", "ville", "code_postal", "forme_titre"))


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

    without_address = table is not None and _read_rows(table, result)
    if figures is not None:
        result.problems.extend(figures.problems)
        _merge_figures(result, figures)
    if without_address:
        message = "aucune colonne d'adresse (adresse, code_postal, ville) : lettres sans bloc adresse"
        result.warnings.append(Problem(name, None, message))
    result.problems.sort(key=lambda p: (p.file != name, p.file or "", p.line or 0))
    return result


@dataclass(frozen=True)
class _Layout:
    """Where the columns of one recipients table are, worked out once from its header."""

    file: str
    header: tuple[str, ...]
    index: Mapping[str, int]  # column key → position of its cell
    present: tuple[tuple[int, str, Validator, int], ...]  # (rank, key, check, position)
    absent: Mapping[str, Any]  # the value of each known column the table lacks
    figures: list[tuple[int, str, str]]
    postal: bool = True  # the table has an address column: every recipient needs a complete address

    def label(self, key: str) -> str:
        """The column's header as the user wrote it."""
        return self.header[self.index[key]]


def _layout(table: Table, result: ReadResult) -> _Layout | None:
    """The table's layout, or None (its problems added to ``result``) when the header is unusable."""
    keys = [_ALIASES.get(header_key(h), header_key(h)) for h in table.header]
    index: dict[str, int] = {}
    for i, key in enumerate(keys):
        index.setdefault(key, i)
    problems = header_problems(table)
    for required in REQUIRED:
        if required not in index:
            problems.append(Problem(table.file, table.header_line, f"colonne « {required} » manquante"))
    if "civilite" not in index and "sexe" not in index:
        problems.append(Problem(table.file, table.header_line, "colonne « civilite » ou « sexe » manquante"))
    figures, figure_problems = figure_columns_of(table, exclude=set(KNOWN_COLUMNS) | set(_ALIASES))
    problems.extend(figure_problems)
    result.figure_names = tuple(name for _, name, _ in figures)
    result.problems.extend(problems)
    if problems:
        return None
    present = tuple((_RANK[key], key, c.check, index[key]) for key, c in COLUMNS.items() if key in index)
    absent = {key: c.check("") for key, c in COLUMNS.items() if key not in index}
    postal = any(key in index for key in ADDRESS_COLUMNS)
    return _Layout(table.file, table.header, index, present, absent, figures, postal)


def _read_rows(table: Table, result: ReadResult) -> bool:
    """Read every row into ``result``; True when the table has recipients and no address column."""
    layout = _layout(table, result)
    seen_ids: dict[str, int] = {}
    rows_seen = 0
    for row in table.rows:
        rows_seen += 1
        if layout is None:
            continue  # still read to the end: row-shape problems are reported too
        recipient, problems = _read_row(row, layout, seen_ids)
        if recipient is None:
            result.problems.extend(problems)
            continue
        result.recipients.append(recipient)
        if layout.postal and recipient.missing_address:
            result.undeliverable[recipient.id] = _undeliverable(recipient)
    result.problems.extend(table.problems)
    if layout is not None and rows_seen == 0 and not table.problems:
        result.problems.append(
            Problem(
                table.file, table.header_line, "aucun destinataire : le fichier n'a que la ligne d'en-tête"
            )
        )
    return layout is not None and not layout.postal and bool(result.recipients)


def _read_row(row: Row, layout: _Layout, seen_ids: dict[str, int]) -> tuple[Recipient | None, list[Problem]]:
    """One recipient, or every problem of its row (in column order, then its figures')."""
    file, line, cells = layout.file, row.line, row.cells
    values = dict(layout.absent)
    ranked: list[tuple[int, Problem]] = []
    for rank, key, check, i in layout.present:
        try:
            values[key] = check(cells[i])
        except CellError as error:
            ranked.append((rank, Problem(file, line, f"colonne « {layout.header[i]} » : {error}")))
    genre = _genre(values, cells, layout, line, ranked)
    _commune_rules(values, layout, line, ranked)
    ident = _identity(values, layout, line, seen_ids, ranked)
    figures, figure_problems = parse_figures(cells, layout.figures, file, line)
    if ranked or figure_problems:
        return None, [problem for _, problem in sorted(ranked, key=itemgetter(0))] + figure_problems
    fields = {name: values[key] for key, name in _FIELDS}
    for name in _REPEATED.intersection(fields):
        if isinstance(fields[name], str):
            fields[name] = sys.intern(fields[name])
    return Recipient(id=ident, genre=genre, figures=figures, source=file, line=line, **fields), []


def _undeliverable(recipient: Recipient) -> Problem:
    missing = ", ".join(recipient.missing_address)
    message = (
        f"adresse postale incomplète (manque : {missing}) : lettre impossible à distribuer "
        f"(destinataire « {recipient.id} »)"
    )
    return Problem(recipient.source, recipient.line, message)


def _commune_rules(
    values: dict[str, Any], layout: _Layout, line: int, ranked: list[tuple[int, Problem]]
) -> None:
    """A mayor needs a commune; a commune must lie in the row's département."""
    place, fonction, code = values.get("commune"), values.get("fonction"), values.get("departement")
    where = f"colonne « {layout.label('commune')} » : " if "commune" in layout.index else ""
    message = ""
    if place is None and fonction == "maire" and "commune" in values:
        needed = "code INSEE de la commune obligatoire pour un maire"
        message = f"{where}valeur vide ({needed})" if where else f"colonne « commune » manquante ({needed})"
    elif place is not None and code and code not in _territories_of(place):
        message = f"{where}la commune {place.code} ({place.nom}) n'est pas dans le département « {code} »"
    if message:
        ranked.append((_RANK["commune"], Problem(layout.file, line, message)))


def _territories_of(place: Commune) -> tuple[str, ...]:
    """The lettergen territories a commune can belong to: its COG département, 69M, 6AE."""
    extra = {"69": ("69M",), "67": ("6AE",), "68": ("6AE",)}
    return (place.departement, *extra.get(place.departement, ()))


def _genre(
    values: dict[str, Any],
    cells: tuple[str, ...],
    layout: _Layout,
    line: int,
    ranked: list[tuple[int, Problem]],
) -> str | None:
    """The civility's genre, else the sexe's; a sexe that contradicts the civility is a problem."""
    from_civilite, from_sexe = values.get("civilite"), values.get("sexe")
    if from_civilite and from_sexe and from_civilite != from_sexe:
        sexe, civilite = cells[layout.index["sexe"]], cells[layout.index["civilite"]]
        message = f"colonne « {layout.label('sexe')} » : « {sexe} » contredit la civilité « {civilite} »"
        ranked.append((_RANK["sexe"], Problem(layout.file, line, message)))
    return from_civilite or from_sexe


def _identity(
    values: dict[str, Any],
    layout: _Layout,
    line: int,
    seen_ids: dict[str, int],
    ranked: list[tuple[int, Problem]],
) -> str:
    """The id (the commune's code, else the département's, by default); one used before is a problem."""
    if "id" not in values:
        return ""  # refused by its validator
    raw_id = values["id"]
    place = values.get("commune")
    ident = raw_id or (place.code if place is not None else values.get("departement", ""))
    if not ident:
        return ""
    if ident not in seen_ids:
        seen_ids[ident] = line
        return ident
    where = f"colonne « {layout.label('id')} » : " if "id" in layout.index else ""
    hint = "" if raw_id else " (donnez à chaque destinataire un id distinct dans une colonne « id »)"
    message = f"{where}id « {ident} » déjà utilisé ligne {seen_ids[ident]}{hint}"
    ranked.append((_RANK["id"], Problem(layout.file, line, message)))
    return ident


def _merge_figures(result: ReadResult, figures: FiguresFile) -> None:
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
    return replace(recipient, figures=values)
