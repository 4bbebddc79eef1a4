"""The « Campagne » tab's data: the state of each recipient and département, and the response rate.

The tab is built on plain values (:class:`CampaignView`: rows and ``{département: state}``) so that
it does not depend on how the register stores them. :func:`register_view` is the one place that
reads the campaign register (``lettergen/campaign/register.py``) into these values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: The map's states, from the least to the most advanced, with their French label.
STATES = {
    "envoye": "envoyée, en attente",
    "sans_reponse": "sans réponse",
    "repondu": "réponse reçue",
    "favorable": "réponse favorable",
}
NO_LETTER = "aucune lettre"


@dataclass(frozen=True)
class RegisterRow:
    """One recipient as the register knows it."""

    id: str
    nom: str
    departement: str
    etat: str  # a key of STATES
    envoyee_le: str = ""
    repondu_le: str = ""
    resultat: str = ""


@dataclass(frozen=True)
class CampaignView:
    """What the « Campagne » tab shows: rows, the state of each département, the response rate."""

    rows: tuple[RegisterRow, ...]
    states: dict[str, str]  # département code → a key of STATES
    source: str = ""

    @property
    def sent(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.etat in ("repondu", "favorable"))

    @property
    def response_rate(self) -> float:
        return self.answered / self.sent if self.sent else 0.0

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.etat == state)


def departement_states(rows: Iterable[RegisterRow]) -> dict[str, str]:
    """Each département's most advanced state among its recipients (several députés per département)."""
    order = list(STATES)
    states: dict[str, str] = {}
    for row in rows:
        if row.etat not in STATES:
            continue
        current = states.get(row.departement)
        if current is None or order.index(row.etat) > order.index(current):
            states[row.departement] = row.etat
    return states


def campaign_view(rows: Iterable[RegisterRow], source: str = "") -> CampaignView:
    """The view of these rows, the département states computed from them."""
    rows = tuple(rows)
    return CampaignView(rows, departement_states(rows), source)


def register_view(path: Path) -> CampaignView | None:
    """WIRING POINT for the campaign register: read ``path`` into a :class:`CampaignView`.

    Returns ``None`` when there is no register (the tab then says so). The register of
    ``lettergen/campaign/register.py`` is being built on another branch: until it is merged, this
    returns ``None`` for every path, and tests inject a view built by :func:`campaign_view`.
    Wiring it means: open the register read-only, map each sent letter and its answer to a
    :class:`RegisterRow` (``favorable``/``rendez-vous`` → ``favorable``; another answer →
    ``repondu``; no answer after the follow-up delay → ``sans_reponse``; otherwise ``envoye``).
    """
    if not path.is_file():
        return None
    return None
