"""The « Campagne » tab's data: the state of each recipient and département, and the response rate.

The tab is built on plain values (:class:`CampaignView`: rows and ``{département: state}``) so that
it does not depend on how the register stores them. :func:`register_view` is the one place that
reads the campaign register (``lettergen/campaign/register.py``, through ``status``'s rows) into
these values.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from lettergen.campaign import status
from lettergen.campaign.register import SENT, Register, read_register
from lettergen.errors import RegisterError

#: The map's states, from the least to the most advanced, with their French label.
STATES = {
    "envoye": "envoyée, en attente",
    "sans_reponse": "sans réponse",
    "repondu": "réponse reçue",
    "favorable": "réponse favorable",
}
NO_LETTER = "aucune lettre"
#: Territories that are not one département of the map: the outlines they cover.
OUTLINES_OF = {"69M": ("69",), "6AE": ("67", "68")}
#: Answers that count as favourable on the map (a meeting granted is a door open).
FAVOURABLE = ("favorable", "rendez-vous")
#: Days after its first letter when a recipient without an answer shows as « sans réponse »
#: (the README's campaign follows up after 21 days).
NO_ANSWER_AFTER = 21


@dataclass(frozen=True)
class RegisterRow:
    """One recipient as the register knows it."""

    id: str
    nom: str
    departement: str
    etat: str  # a key of STATES, or "" when no letter reached them (every sending failed)
    envoyee_le: str = ""
    repondu_le: str = ""
    resultat: str = ""
    registre: str = ""  # the state as ``lettergen status`` spells it: envoyé, incertain, échec, répondu


@dataclass(frozen=True)
class CampaignView:
    """What the « Campagne » tab shows: rows, the state of each département, the response rate."""

    rows: tuple[RegisterRow, ...]
    states: dict[str, str]  # département code → a key of STATES
    source: str = ""
    problem: str = ""  # the register could not be read: this line says why
    regions: tuple[status.RegionRate, ...] = ()  # response rate by région, as ``status`` gives it

    @property
    def sent(self) -> int:
        """Recipients written to (a recipient whose only letter failed is not counted, as in status)."""
        return sum(1 for row in self.rows if row.etat in STATES)

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.etat in ("repondu", "favorable"))

    @property
    def response_rate(self) -> float:
        return self.answered / self.sent if self.sent else 0.0

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.etat == state)


def departement_states(rows: Iterable[RegisterRow]) -> dict[str, str]:
    """Each département's most advanced state among its recipients (several députés per département).

    The Métropole de Lyon (69M) colours the Rhône, the Collectivité européenne d'Alsace (6AE) both
    Rhin départements: the map has one outline per département.
    """
    order = list(STATES)
    states: dict[str, str] = {}
    for row in rows:
        if row.etat not in STATES:
            continue
        for code in OUTLINES_OF.get(row.departement, (row.departement,)):
            current = states.get(code)
            if current is None or order.index(row.etat) > order.index(current):
                states[code] = row.etat
    return states


def campaign_view(rows: Iterable[RegisterRow], source: str = "") -> CampaignView:
    """The view of these rows, the département states computed from them."""
    rows = tuple(rows)
    return CampaignView(rows, departement_states(rows), source)


def register_view(path: Path, letter_date: _dt.date) -> CampaignView | None:
    """Read the register at ``path`` into a :class:`CampaignView`; ``None`` when there is none.

    ``favorable``/``rendez-vous`` → ``favorable``; another answer → ``repondu``; no answer, and
    followed up or written to at least :data:`NO_ANSWER_AFTER` days before ``letter_date`` →
    ``sans_reponse``; otherwise ``envoye`` (an ``incertain`` message most likely left). A
    register that cannot be read gives a view with no rows and its problem line.
    """
    if not path.is_file():
        return None
    try:
        with read_register(path) as register:
            found = status.status_rows(register)
            rows = _rows(register, found, letter_date)
    except RegisterError as error:
        return CampaignView((), {}, str(path), problem=str(error))
    return replace(campaign_view(rows, str(path)), regions=tuple(status.region_rates(found)))


def _rows(register: Register, found: list[status.StatusRow], letter_date: _dt.date) -> list[RegisterRow]:
    letters = [letter for letter in register.letters() if letter.etat == SENT]
    sent = Counter(letter.destinataire for letter in letters)
    first: dict[str, _dt.date] = {}
    for letter in sorted(letters, key=lambda letter: letter.date_lettre, reverse=True):
        first[letter.destinataire] = letter.date_lettre
    waited = letter_date - _dt.timedelta(days=NO_ANSWER_AFTER)
    rows = []
    for row in found:
        if row.etat == status.ANSWERED:
            etat = "favorable" if row.resultat in FAVOURABLE else "repondu"
        elif row.id not in first and row.etat == status.FAILED:
            etat = ""  # no letter of theirs ever left
        elif sent[row.id] > 1 or first.get(row.id, letter_date) <= waited:
            etat = "sans_reponse"  # followed up, or waited long enough, and still no answer
        else:
            etat = "envoye"
        fields = (row.id, row.nom, row.departement, etat, row.date_envoi, row.date_reponse, row.resultat)
        rows.append(RegisterRow(*fields, registre=row.etat))
    return rows
