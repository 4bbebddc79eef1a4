"""When a recipient took office, seen from the letter's date: recent or not (the ``felicitations`` rule).

A recipient elected within ``months`` months before the letter date (or after it) is congratulated on a
recent election; one elected earlier is not; one whose date is unknown gets the letter as written.
``months`` is ``felicitations_mois`` in ``templates/campagne.toml`` (12 by default).
"""

from __future__ import annotations

import calendar
import datetime as _dt
from typing import Literal

DEFAULT_MONTHS = 12

Election = Literal["recente", "ancienne", "inconnue"]


def months_before(day: _dt.date, months: int) -> _dt.date:
    """The same day ``months`` months earlier; the month's last day when it has no such day (29 February)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return _dt.date(year, month + 1, min(day.day, last))


def election(elu_le: _dt.date | None, letter_date: _dt.date, months: int = DEFAULT_MONTHS) -> Election:
    """« recente » (on or after the day ``months`` months before the letter), « ancienne », « inconnue »."""
    if elu_le is None:
        return "inconnue"
    return "recente" if elu_le >= months_before(letter_date, months) else "ancienne"
