"""Who gets a follow-up: sent a first letter at least N days before the letter date, no answer yet."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

from lettergen.campaign.register import SENT, Register, SentLetter

DEFAULT_TEMPLATE = "relance"


@dataclass(frozen=True)
class FollowUp:
    """A recipient to write to again, and the first letter the follow-up cites."""

    destinataire: str
    first: SentLetter


def first_letters(letters: Iterable[SentLetter], followup_template: str) -> dict[str, SentLetter]:
    """Each recipient's first letter sent (its letter date, then the order recorded).

    Letters of the follow-up template itself are not first letters: a follow-up cites what
    it follows up.
    """
    firsts: dict[str, SentLetter] = {}
    for letter in letters:
        if letter.etat != SENT or letter.modele == followup_template:
            continue
        known = firsts.get(letter.destinataire)
        if known is None or letter.date_lettre < known.date_lettre:
            firsts[letter.destinataire] = letter
    return firsts


def due_followups(
    register: Register, after_days: int, letter_date: _dt.date, followup_template: str
) -> dict[str, FollowUp]:
    """The recipients whose first letter left at least ``after_days`` days before ``letter_date``
    and who have no answer recorded, by id."""
    answered = {answer.destinataire for answer in register.answers()}
    limit = letter_date - _dt.timedelta(days=after_days)
    return {
        letter_id: FollowUp(letter_id, first)
        for letter_id, first in first_letters(register.letters(), followup_template).items()
        if letter_id not in answered and first.date_lettre <= limit
    }
