"""``status``: where each recipient stands, the totals, and the response rate by région."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple, dataclass

from lettergen.campaign.register import FAILED, PENDING, SENT, Answer, Register, SentLetter
from lettergen.french import pluriel, pourcentage, territory

UNCERTAIN, ANSWERED = "incertain", "répondu"
STATES = (SENT, UNCERTAIN, FAILED, ANSWERED)
HEADER = (
    "id",
    "nom",
    "departement",
    "region",
    "canal",
    "modele",
    "date_envoi",
    "etat",
    "date_reponse",
    "resultat",
)
_STATE_OF_ROW = {SENT: SENT, PENDING: UNCERTAIN, FAILED: FAILED}


@dataclass(frozen=True)
class StatusRow:
    """One recipient: the latest letter sent and the latest answer."""

    id: str
    nom: str
    departement: str
    region: str
    canal: str
    modele: str
    date_envoi: str
    etat: str
    date_reponse: str
    resultat: str


@dataclass(frozen=True)
class RegionRate:
    region: str
    written: int
    answered: int


def _region(code: str) -> str:
    try:
        return territory(code).region
    except (KeyError, ValueError):
        return ""


def _sent_on(letter: SentLetter) -> str:
    if not letter.envoye_le:
        return ""
    when = _dt.datetime.fromisoformat(letter.envoye_le)
    return (when.astimezone() if when.tzinfo else when).date().isoformat()


def status_rows(register: Register) -> list[StatusRow]:
    """One row per recipient, in the order they were first recorded."""
    latest: dict[str, SentLetter] = {}
    for letter in register.letters():
        latest[letter.destinataire] = letter
    answers: dict[str, Answer] = {}
    for answer in register.answers():
        answers[answer.destinataire] = answer
    rows = []
    for letter_id, letter in latest.items():
        found = answers.get(letter_id)
        rows.append(
            StatusRow(
                id=letter_id,
                nom=letter.nom,
                departement=letter.departement,
                region=_region(letter.departement),
                canal=letter.canal,
                modele=letter.modele,
                date_envoi=_sent_on(letter),
                etat=ANSWERED if found else _STATE_OF_ROW[letter.etat],
                date_reponse=found.date.isoformat() if found else "",
                resultat=found.resultat if found else "",
            )
        )
    return rows


def region_rates(rows: Iterable[StatusRow]) -> list[RegionRate]:
    """Answered / written to, by région (a recipient whose only letter failed is not counted)."""
    written: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    for row in rows:
        if row.etat == FAILED:
            continue
        written[row.region] += 1
        answered[row.region] += row.etat == ANSWERED
    ordered = sorted(written, key=_alphabetical)
    return [RegionRate(region, written[region], answered[region]) for region in ordered]


def _alphabetical(name: str) -> str:
    """« Île-de-France » between « Hauts-de-France » and « La Réunion », as a French reader sorts."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def _rate(answered: int, written: int) -> str:
    return pourcentage(answered / written) if written else "–"


def format_text(rows: list[StatusRow]) -> str:
    """The table, the totals and the rates by région, for a terminal."""
    table = [("id", "nom", "canal", "envoyé le", "état", "réponse le", "résultat")]
    table += [(r.id, r.nom, r.canal, r.date_envoi, r.etat, r.date_reponse, r.resultat) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]
    counts = Counter(row.etat for row in rows)
    lines += ["", f"Total : {pluriel(len(rows), 'destinataire')}"]
    lines += [f"  {state} : {counts[state]}" for state in STATES]
    rates = region_rates(rows)
    written = sum(rate.written for rate in rates)
    lines += ["", f"Taux de réponse : {_rate(counts[ANSWERED], written)} ({counts[ANSWERED]} sur {written})"]
    if rates:
        lines.append("Par région :")
        lines += [
            f"  {rate.region or 'inconnue'} : {_rate(rate.answered, rate.written)} "
            f"({rate.answered} sur {rate.written})"
            for rate in rates
        ]
    return "\n".join(lines) + "\n"


def format_csv(rows: list[StatusRow]) -> str:
    """The rows only (no totals), ``;``-separated as a French Excel reads it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(astuple(row) for row in rows)
    return buffer.getvalue()


def xlsx_bytes(rows: list[StatusRow]) -> bytes:
    """The board's workbook: « Destinataires » (one row each) and « Régions » (rates)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Destinataires"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(astuple(row))
    regions = workbook.create_sheet("Régions")
    regions.append(("region", "destinataires", "reponses", "taux"))
    for rate in region_rates(rows):
        regions.append((rate.region, rate.written, rate.answered, rate.answered / rate.written))
        regions.cell(regions.max_row, 4).number_format = "0.0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
