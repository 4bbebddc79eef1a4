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
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lettergen.errors import InputError, InvalidInput, Problem
from lettergen.read.tables import TableError, header_key, open_table

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
        from lettergen.french import territory  # type: ignore[attr-defined]

        return territory(code).nom
    except (ImportError, KeyError, AttributeError):
        return fallback or code


def import_rne(paths: Sequence[str | Path], addresses: str | Path = ADDRESSES) -> RneImport:
    """Read RNE files (CD and/or CSP, any published format) → presidents with addresses, and warnings.

    Raises :class:`InvalidInput` when a file cannot be read or is not an RNE file it knows.
    """
    problems: list[Problem] = []
    holders: dict[str, _Holder] = {}
    result = RneImport()
    cd_groups: dict[str, str] = {}  # every département of a CD file → its label
    csp_seen: set[str] = set()
    kinds: set[str] = set()
    for raw_path in paths:
        path = Path(raw_path)
        name = str(raw_path)
        try:
            table = open_table(path, display_name=name, skip_title_line="Titre du rapport")
        except TableError as error:
            problems.append(error.problem)
            continue
        keys = [header_key(h) for h in table.header]
        index = {}
        for column, aliases in _COLUMNS.items():
            for alias in aliases:
                if alias in keys:
                    index[column] = keys.index(alias)
                    break
        if "csp" in index:
            kind = "csp"
        elif "canton" in index:
            kind = "cd"
        else:
            problems.append(
                Problem(
                    name,
                    table.header_line,
                    "ce fichier n'est pas un fichier du RNE reconnu (conseillers départementaux "
                    "ou membres des assemblées des collectivités à statut particulier)",
                )
            )
            continue
        missing = [
            c
            for c in ("nom", "prenom", "sexe", "fonction") + (("departement",) if kind == "cd" else ())
            if c not in index
        ]
        if missing:
            problems.append(
                Problem(
                    name,
                    table.header_line,
                    "colonnes du RNE manquantes : " + ", ".join(f"« {m} »" for m in missing),
                )
            )
            continue
        kinds.add(kind)
        date = rne_date(path)

        def cell(cells: tuple[str, ...], column: str) -> str:
            i = index.get(column)
            return cells[i] if i is not None else ""

        for row in table.rows:
            cells = row.cells
            if cell(cells, "fin"):
                continue  # a past function (2020 format)
            fonction = cell(cells, "fonction")
            if kind == "cd":
                code = normalize_rne_code(cell(cells, "departement"))
                if not code:
                    continue
                cd_groups.setdefault(code, cell(cells, "libelle"))
                if fonction != PRESIDENT_CD:
                    continue
                label = cd_groups[code]
            else:
                csp = normalize_rne_code(cell(cells, "csp"))
                head = CSP_HEADS.get(csp)
                if head is None:
                    continue
                csp_seen.add(csp)
                if fonction != head[1]:
                    continue
                code, label = head[0], head[3]
            holder = _Holder(
                code,
                cell(cells, "nom"),
                cell(cells, "prenom"),
                cell(cells, "sexe").upper(),
                parse_date(cell(cells, "debut")),
                name,
                row.line,
                date,
                label,
            )
            previous = holders.get(code)
            if previous is not None:
                keep = max((previous, holder), key=lambda h: (h.debut or _dt.date.min, h.rne_date))
                other = holder if keep is previous else previous
                result.warnings.append(
                    Problem(
                        other.file,
                        other.line,
                        f"{code} : deux présidents en fonction ({previous.prenom} {previous.nom}, "
                        f"{holder.prenom} {holder.nom}) ; gardé : {keep.prenom} {keep.nom} "
                        f"(fonction la plus récente)",
                    )
                )
                holder = keep
            holders[code] = holder
        problems.extend(table.problems)
    if problems:
        raise InvalidInput(problems)
    if not kinds:
        raise InputError("aucun fichier du RNE fourni")

    address_book, address_problems = _load_addresses(addresses)
    if address_problems:
        raise InvalidInput(address_problems)

    # Vacancies: a département of the CD file with no current president.
    for code, label in sorted(cd_groups.items()):
        if code not in holders:
            result.warnings.append(
                Problem(
                    None,
                    None,
                    f"{code} ({_territory_name(code, label)}) : aucun « {PRESIDENT_CD} » en "
                    f"fonction dans le RNE (siège vacant ?) : destinataire à ajouter à la main",
                )
            )
    if "cd" not in kinds:
        result.warnings.append(
            Problem(
                None,
                None,
                "fichier des conseillers départementaux non fourni : "
                "seuls les chefs des collectivités à statut particulier sont importés",
            )
        )
    if "csp" not in kinds:
        result.warnings.append(
            Problem(
                None,
                None,
                "fichier des collectivités à statut particulier non fourni : "
                "Corse, Martinique, Guyane et Métropole de Lyon absentes",
            )
        )
    else:
        for csp, (code, fonction, _, label) in CSP_HEADS.items():
            if code not in holders:
                result.warnings.append(
                    Problem(
                        None,
                        None,
                        f"{code} ({label}) : aucun « {fonction} » en fonction "
                        f"dans le RNE : destinataire à ajouter à la main",
                    )
                )
    if "75" not in holders:
        result.warnings.append(
            Problem(
                None,
                None,
                "75 (Paris) : la maire ou le maire de Paris n'est pas dans ces "
                "fichiers (fichier des maires du RNE) : destinataire à ajouter à la main",
            )
        )
    result.warnings.append(
        Problem(None, None, f"adresses postales tirées de l'{ADDRESSES_LABEL} : à vérifier avant l'envoi")
    )

    for code in sorted(holders):
        holder = holders[code]
        civilite = {"F": "Madame", "M": "Monsieur"}.get(holder.sexe, "")
        if not civilite:
            result.warnings.append(
                Problem(
                    holder.file,
                    holder.line,
                    f"{code} : code sexe « {holder.sexe} » inconnu : civilité laissée vide (formes neutres)",
                )
            )
        csp_entry = next((v for v in CSP_HEADS.values() if v[0] == code), None)
        where = csp_entry[2] if csp_entry else (code, "cg")
        address = address_book.get(where)
        rne = f"RNE {holder.rne_date}" if holder.rne_date else "RNE"
        if address is None:
            lines, postcode, town, email = (), "", "", ""
            source = f"{rne} ; adresse : absente de l'{ADDRESSES_LABEL}"
            result.warnings.append(
                Problem(
                    None,
                    None,
                    f"{code} ({_territory_name(code, holder.label)}) : pas d'adresse "
                    f"dans l'{ADDRESSES_LABEL} : adresse laissée vide, à compléter",
                )
            )
        else:
            lines, postcode, town, email = address
            source = f"{rne} ; adresse : {ADDRESSES_LABEL}"
        result.rows.append(
            RneRecipient(
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
        )
    return result


def _load_addresses(path: str | Path) -> tuple[dict[tuple[str, str], tuple], list[Problem]]:
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
    book: dict[tuple[str, str], tuple] = {}
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
    """Write the recipients file (``;``, UTF-8), to a temporary file then renamed; the row count."""
    out = Path(out_path)
    directory = out.parent if str(out.parent) else Path(".")
    try:
        handle = tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            newline="",
            dir=directory,
            prefix=f".{out.name}.",
            suffix=".tmp",
            delete=False,
        )
    except OSError as error:
        from lettergen.errors import OutputError

        raise OutputError(
            f"impossible d'écrire dans ce dossier ({error.strerror or error})", str(out)
        ) from None
    count = 0
    try:
        with handle:
            writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS, delimiter=";", lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(row.as_row())
                count += 1
        os.replace(handle.name, out)
    except BaseException:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        raise
    return count


def import_rne_command(files: Sequence[str | Path], out: str | Path) -> tuple[int, list[Problem]]:
    """What ``lettergen recipients import-rne FILE… -o OUT.csv`` does: (rows written, warnings).

    Raises :class:`InvalidInput` (nothing written) when a file cannot be read.
    """
    result = import_rne(files)
    count = write_recipients_csv(result.rows, out)
    return count, result.warnings
