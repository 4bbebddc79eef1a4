"""Turn the official Répertoire national des élus (RNE) into a recipients file.

Reads every format the Ministère de l'Intérieur has published for the two files that hold the
heads of the collectivities with departmental powers (see ``docs`` of the read stage):

* conseillers départementaux (CD): 2020 Latin-1 TAB file with a ``Titre du rapport`` first line
  and past functions; 2022 TAB; 2023 snake_case TAB; 2023-11 comma; current ``;`` file; the
  2026-05-06 file with quotes, ISO dates and codes without leading zeros;
* membres des assemblées des collectivités à statut particulier (CSP).

Kept: the current « Président du conseil départemental » of each département of the CD file
(the Collectivité européenne d'Alsace as ``6AE``), and from the CSP file the heads of Corse
(CSP ``94`` → président de l'organe exécutif; recipient département ``2A``, the first of the two
codes the french layer maps to the Collectivité de Corse), Martinique ``972`` (organe exécutif),
Guyane ``973`` and the Métropole de Lyon ``69M`` (président de l'assemblée). Only the fields a
letter needs are kept: no birth date, no profession.

Postal addresses come from the packaged DILA Annuaire de l'administration extract of 2017-12-12
(``lettergen/read/data/adresses_conseils_departementaux.csv``); a territory it lacks gets a blank
address and a warning, never a guess.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lettergen.errors import InputError, InvalidInput, Problem
from lettergen.files import atomic_writer
from lettergen.french import territory
from lettergen.read.tables import Row, Table, TableError, header_key, open_table

ADDRESSES = Path(__file__).parent / "data" / "adresses_conseils_departementaux.csv"
ADDRESSES_DATE = "2017-12-12"
ADDRESSES_LABEL = f"Annuaire de l'administration (DILA) du {ADDRESSES_DATE}"

PRESIDENT_CD = "Président du conseil départemental"
EXECUTIVE = "Président de l'organe exécutif"
ASSEMBLY = "Président de l'assemblée"

# CSP code → (recipient département code, function label of the head, address: (annuaire code, pivot), name)
CSP_HEADS = {
    "94": ("2A", EXECUTIVE, ("2A", "cr"), "Collectivité de Corse"),
    "972": ("972", EXECUTIVE, ("972", "cr"), "Collectivité territoriale de Martinique"),
    "973": ("973", ASSEMBLY, ("973", "cr"), "Collectivité territoriale de Guyane"),
    "69M": ("69M", ASSEMBLY, ("69", "epci"), "Métropole de Lyon"),
}

OUTPUT_COLUMNS = (
    "id",
    "civilite",
    "prenom",
    "nom",
    "fonction",
    "departement",
    "adresse",
    "code_postal",
    "ville",
    "email",
    "elu_le",
    "source",
)

# Header keys (tables.header_key) of each RNE column, in every vocabulary published.
_COLUMNS = {
    "departement": ("codedudepartement", "codedepartement"),
    "libelle": ("libelledudepartement", "libelledepartement"),
    "nom": ("nomdelelu", "nomelu"),
    "prenom": ("prenomdelelu", "prenomelu"),
    "sexe": ("codesexe", "sexeelu"),
    "fonction": ("libelledelafonction", "libellefonction", "libelledefonction"),
    "debut": ("datededebutdelafonction", "datedebutfonction"),
    "fin": ("datedefindelafonction", "datefinfonction"),
    "csp": (
        "codedelacollectiviteastatutparticulier",
        "codecollectiviteastatutparticulier",
        "codecollectivitestatutparticulier",
    ),
    "canton": ("codeducanton", "codecanton"),
}
# An annuaire address: (street lines, postcode, town, e-mail).
_Address = tuple[tuple[str, ...], str, str, str]
_DATE_IN_NAME = re.compile(r"(20\d\d)-(\d\d)-(\d\d)")


@dataclass(frozen=True)
class RneRecipient:
    """One row of the recipients file written from the RNE."""

    id: str
    civilite: str
    prenom: str
    nom: str
    fonction: str
    departement: str
    adresse: tuple[str, ...]
    code_postal: str
    ville: str
    email: str
    source: str
    elu_le: str = ""  # date the function began (AAAA-MM-JJ), "" when the file has none

    def as_row(self) -> dict[str, str]:
        """The CSV row: address lines joined with `` / ``."""
        row = {name: getattr(self, name) for name in OUTPUT_COLUMNS}
        row["adresse"] = " / ".join(self.adresse)
        return row


@dataclass
class RneImport:
    """What an RNE import gives: recipients rows (sorted by code) and warnings to show the user."""

    rows: list[RneRecipient] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class _Holder:
    code: str
    nom: str
    prenom: str
    sexe: str
    debut: _dt.date | None
    file: str
    line: int
    rne_date: str
    label: str


def parse_date(text: str) -> _dt.date | None:
    """``02/05/1955``, ``2/5/1955``, ``1955-05-02`` or ``1955-05-02 00:00:00+00`` → date; else None."""
    value = text.strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    try:
        if match:
            return _dt.date(int(match[3]), int(match[2]), int(match[1]))
        match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", value)
        if match:
            return _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return None


def normalize_rne_code(raw: str) -> str:
    """``1`` → ``01``; ``971``, ``2A`` and ``6AE`` unchanged."""
    value = raw.strip().upper()
    if value.isdigit() and len(value) < 2:
        return value.zfill(2)
    return value


def rne_date(path: Path) -> str:
    """The release date in an RNE file's name (``…_2026-05-06.csv``), or ``""``."""
    match = _DATE_IN_NAME.search(path.name)
    return match.group(0) if match else ""


def _territory_name(code: str, fallback: str) -> str:
    try:
        return territory(code).nom
    except KeyError:
        return fallback or code


def import_rne(paths: Sequence[str | Path], addresses: str | Path = ADDRESSES) -> RneImport:
    """Read RNE files (CD and/or CSP, any published format) → presidents with addresses, and warnings.

    Raises :class:`InvalidInput` when a file cannot be read or is not an RNE file it knows.
    """
    problems: list[Problem] = []
    holders: dict[str, _Holder] = {}
    result = RneImport()
    cd_groups: dict[str, str] = {}  # every département of a CD file → its label
    kinds: set[str] = set()
    for path in paths:
        opened = _open_rne(path)
        if isinstance(opened, Problem):
            problems.append(opened)
            continue
        kinds.add(opened.kind)
        found = _cd_holders(opened, cd_groups) if opened.kind == "cd" else _csp_holders(opened)
        for holder in found:
            _keep(holders, holder, result.warnings)
        problems.extend(opened.table.problems)
    if problems:
        raise InvalidInput(problems)
    if not kinds:
        raise InputError("aucun fichier du RNE fourni")
    address_book, address_problems = _load_addresses(addresses)
    if address_problems:
        raise InvalidInput(address_problems)
    result.warnings.extend(_missing_heads(cd_groups, holders, kinds))
    result.warnings.append(
        Problem(None, None, f"adresses postales tirées de l'{ADDRESSES_LABEL} : à vérifier avant l'envoi")
    )
    for code in sorted(holders):
        result.rows.append(_recipient_row(holders[code], address_book, result.warnings))
    return result


@dataclass(frozen=True)
class _RneFile:
    """An RNE file recognised by its header: its kind (``cd`` or ``csp``) and where each column is."""

    kind: str
    table: Table
    index: Mapping[str, int]
    date: str

    def cell(self, cells: tuple[str, ...], column: str) -> str:
        i = self.index.get(column)
        return cells[i] if i is not None else ""


def _open_rne(path: str | Path) -> _RneFile | Problem:
    """Open an RNE file and find its columns, or the problem that makes it unusable."""
    name = str(path)
    try:
        table = open_table(Path(path), display_name=name, skip_title_line="Titre du rapport")
    except TableError as error:
        return error.problem
    keys = [header_key(h) for h in table.header]
    index = {}
    for column, aliases in _COLUMNS.items():
        found = next((keys.index(alias) for alias in aliases if alias in keys), None)
        if found is not None:
            index[column] = found
    kind = "csp" if "csp" in index else "cd" if "canton" in index else ""
    if not kind:
        return Problem(
            name,
            table.header_line,
            "ce fichier n'est pas un fichier du RNE reconnu (conseillers départementaux "
            "ou membres des assemblées des collectivités à statut particulier)",
        )
    needed = ("nom", "prenom", "sexe", "fonction") + (("departement",) if kind == "cd" else ())
    missing = [column for column in needed if column not in index]
    if missing:
        return Problem(
            name,
            table.header_line,
            "colonnes du RNE manquantes : " + ", ".join(f"« {m} »" for m in missing),
        )
    return _RneFile(kind, table, index, rne_date(Path(path)))


def _cd_holders(file: _RneFile, cd_groups: dict[str, str]) -> Iterator[_Holder]:
    """The current presidents of a CD file; every département it lists goes into ``cd_groups``."""
    for row in file.table.rows:
        if file.cell(row.cells, "fin"):
            continue  # a past function (2020 format)
        code = normalize_rne_code(file.cell(row.cells, "departement"))
        if not code:
            continue
        cd_groups.setdefault(code, file.cell(row.cells, "libelle"))
        if file.cell(row.cells, "fonction") == PRESIDENT_CD:
            yield _holder(file, row, code, cd_groups[code])


def _csp_holders(file: _RneFile) -> Iterator[_Holder]:
    """The current heads of the collectivities of CSP_HEADS in a CSP file."""
    for row in file.table.rows:
        if file.cell(row.cells, "fin"):
            continue  # a past function
        head = CSP_HEADS.get(normalize_rne_code(file.cell(row.cells, "csp")))
        if head is not None and file.cell(row.cells, "fonction") == head[1]:
            yield _holder(file, row, head[0], head[3])


def _holder(file: _RneFile, row: Row, code: str, label: str) -> _Holder:
    cells = row.cells
    return _Holder(
        code,
        file.cell(cells, "nom"),
        file.cell(cells, "prenom"),
        file.cell(cells, "sexe").upper(),
        parse_date(file.cell(cells, "debut")),
        file.table.file,
        row.line,
        file.date,
        label,
    )


def _keep(holders: dict[str, _Holder], holder: _Holder, warnings: list[Problem]) -> None:
    """Record ``holder``; of two for one territory keep the latest in office, and say so."""
    previous = holders.get(holder.code)
    if previous is not None:
        keep = max((previous, holder), key=lambda h: (h.debut or _dt.date.min, h.rne_date))
        other = holder if keep is previous else previous
        warnings.append(
            Problem(
                other.file,
                other.line,
                f"{holder.code} : deux présidents en fonction ({previous.prenom} {previous.nom}, "
                f"{holder.prenom} {holder.nom}) ; gardé : {keep.prenom} {keep.nom} "
                f"(fonction la plus récente)",
            )
        )
        holder = keep
    holders[holder.code] = holder


def _missing_heads(cd_groups: dict[str, str], holders: dict[str, _Holder], kinds: set[str]) -> list[Problem]:
    """Warnings for the heads these files cannot give: vacant seats, files not given, Paris."""
    warnings = [
        Problem(
            None,
            None,
            f"{code} ({_territory_name(code, label)}) : aucun « {PRESIDENT_CD} » en "
            f"fonction dans le RNE (siège vacant ?) : destinataire à ajouter à la main",
        )
        for code, label in sorted(cd_groups.items())
        if code not in holders
    ]
    if "cd" not in kinds:
        warnings.append(
            Problem(
                None,
                None,
                "fichier des conseillers départementaux non fourni : "
                "seuls les chefs des collectivités à statut particulier sont importés",
            )
        )
    if "csp" not in kinds:
        warnings.append(
            Problem(
                None,
                None,
                "fichier des collectivités à statut particulier non fourni : "
                "Corse, Martinique, Guyane et Métropole de Lyon absentes",
            )
        )
    else:
        warnings.extend(
            Problem(
                None,
                None,
                f"{code} ({label}) : aucun « {fonction} » en fonction "
                f"dans le RNE : destinataire à ajouter à la main",
            )
            for code, fonction, _, label in CSP_HEADS.values()
            if code not in holders
        )
    if "75" not in holders:
        warnings.append(
            Problem(
                None,
                None,
                "75 (Paris) : la maire ou le maire de Paris n'est pas dans ces "
                "fichiers (fichier des maires du RNE) : destinataire à ajouter à la main",
            )
        )
    return warnings


def _recipient_row(
    holder: _Holder, address_book: dict[tuple[str, str], _Address], warnings: list[Problem]
) -> RneRecipient:
    """The recipients row of one head, with the annuaire's address; a warning for what is missing."""
    code = holder.code
    civilite = {"F": "Madame", "M": "Monsieur"}.get(holder.sexe, "")
    if not civilite:
        warnings.append(
            Problem(
                holder.file,
                holder.line,
                f"{code} : code sexe « {holder.sexe} » inconnu : civilité laissée vide (formes neutres)",
            )
        )
    csp_entry = next((v for v in CSP_HEADS.values() if v[0] == code), None)
    address = address_book.get(csp_entry[2] if csp_entry else (code, "cg"))
    rne = f"RNE {holder.rne_date}" if holder.rne_date else "RNE"
    if address is None:
        address = ((), "", "", "")
        source = f"{rne} ; adresse : absente de l'{ADDRESSES_LABEL}"
        warnings.append(
            Problem(
                None,
                None,
                f"{code} ({_territory_name(code, holder.label)}) : pas d'adresse "
                f"dans l'{ADDRESSES_LABEL} : adresse laissée vide, à compléter",
            )
        )
    else:
        source = f"{rne} ; adresse : {ADDRESSES_LABEL}"
    lines, postcode, town, email = address
    return RneRecipient(
        id=code,
        civilite=civilite,
        prenom=holder.prenom,
        nom=holder.nom,
        fonction="president_cd",
        departement=code,
        adresse=lines,
        code_postal=postcode,
        ville=town,
        email=email,
        source=source,
        elu_le=holder.debut.isoformat() if holder.debut else "",
    )


def _load_addresses(path: str | Path) -> tuple[dict[tuple[str, str], _Address], list[Problem]]:
    """(code_departement, pivot) → (lines, postcode, town, email); the postal address preferred."""
    try:
        table = open_table(path, display_name=str(path))
    except TableError as error:
        return {}, [error.problem]
    keys = [header_key(h) for h in table.header]
    needed = (
        "codedepartement",
        "pivot",
        "typeadresse",
        "ligne1",
        "ligne2",
        "ligne3",
        "codepostal",
        "communelibellepostal",
        "emailouformulaire",
    )
    missing = [k for k in needed if k not in keys]
    if missing:
        return {}, [Problem(str(path), table.header_line, f"colonnes manquantes : {', '.join(missing)}")]
    i = {k: keys.index(k) for k in needed}
    book: dict[tuple[str, str], _Address] = {}
    for row in table.rows:
        c = row.cells
        key = (c[i["codedepartement"]], c[i["pivot"]])
        if key in book and c[i["typeadresse"]] != "postale":
            continue
        email = c[i["emailouformulaire"]]
        book[key] = (
            tuple(x for x in (c[i["ligne1"]], c[i["ligne2"]], c[i["ligne3"]]) if x),
            c[i["codepostal"]],
            c[i["communelibellepostal"]],
            email if "@" in email else "",
        )
    return book, list(table.problems)


def write_recipients_csv(rows: Iterable[RneRecipient], out_path: str | Path) -> int:
    """Write the recipients file (``;``, UTF-8) whole or not at all; the row count."""
    count = 0
    with atomic_writer(out_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS, delimiter=";", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row.as_row())
            count += 1
    return count


def import_rne_command(files: Sequence[str | Path], out: str | Path) -> tuple[int, list[Problem]]:
    """What ``lettergen recipients import-rne FILE… -o OUT.csv`` does: (rows written, warnings).

    Raises :class:`InvalidInput` (nothing written) when a file cannot be read.
    """
    result = import_rne(files)
    count = write_recipients_csv(result.rows, out)
    return count, result.warnings
