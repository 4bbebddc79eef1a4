"""Numbers, money, percentages and dates written the French way.

The symbols and month names come from Babel's fr_FR locale (CLDR), loaded once at
import. The formatting itself is done here, because Babel's defaults have gaps for
letters (french_letter_conventions.md §3.3): ``format_currency`` forces cents
("183,00 €"), ``format_percent`` rounds 12,5 % to 12 %, and the long date says
"1 juillet" instead of "1er juillet". Doing it by hand is also ~10x faster than
``babel.numbers.format_decimal``, which matters for 35 000 letters.

``nombre`` is for quantities only. Never pass it a postcode, a year, a page or a
file number: those are never grouped ("2022", "33000"), so write them as they are.
"""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel import Locale

_LOCALE = Locale.parse("fr_FR")
_SYMBOLS = _LOCALE.number_symbols["latn"]
GROUP = _SYMBOLS["group"]  # U+202F NARROW NO-BREAK SPACE in CLDR fr_FR
DECIMAL = _SYMBOLS["decimal"]  # ","
NBSP = "\u00a0"  # before €, %, and between a number and "millions"
_MONTHS = dict(_LOCALE.months["format"]["wide"])  # {1: "janvier", …}, lowercase in CLDR

_Number = int | float | Decimal


def _group(digits: str) -> str:
    """Group an unsigned string of digits by threes with GROUP."""
    # f"{int:,}" is implemented in C; swapping the comma is the cheapest grouping.
    return f"{int(digits):,}".replace(",", GROUP)


def _to_decimal(x: _Number) -> Decimal:
    if isinstance(x, bool):
        raise TypeError("un booléen n'est pas un nombre")
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        # str() gives the shortest repr, so 0.145 stays 0.145, not 0.14499999…
        return Decimal(repr(x))
    return Decimal(x)


def _fixed(x: _Number, max_decimals: int, min_decimals: int = 0) -> str:
    """Format x with grouping, a decimal comma and between min and max decimals."""
    if isinstance(x, int) and not isinstance(x, bool):
        sign, text = ("-", str(-x)) if x < 0 else ("", str(x))
        out = sign + _group(text)
        return out + (DECIMAL + "0" * min_decimals if min_decimals else "")
    d = _to_decimal(x)
    if not d.is_finite():
        raise ValueError(f"nombre non fini : {x!r}")
    try:
        q = d.quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # absurdly large number: keep all its digits
        q = d
    sign = "-" if q < 0 and q != 0 else ""
    text = f"{abs(q):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if len(frac) < min_decimals:
        frac = frac.ljust(min_decimals, "0")
    out = sign + _group(whole)
    return out + DECIMAL + frac if frac else out


def nombre(n: _Number) -> str:
    """A quantity: "12 345", "1 234" (U+202F groups), "12,5"; at most 3 decimals.

    Same output as Babel ``format_decimal(n, locale="fr_FR")``. Not for postcodes,
    years or identifiers, which are never grouped.
    """
    return _fixed(n, 3)


_UNITS = ((Decimal(10) ** 9, "milliard"), (Decimal(10) ** 6, "million"))


def euros(x: _Number, abrege: bool = False) -> str:
    """An amount in euros: "183 €", "1 234,50 €" (U+00A0 before €; no cents when whole).

    With ``abrege=True``, amounts of a million or more that are round to two decimals
    of the unit are written in words: "4 milliards d'euros", "1,5 milliard d'euros",
    "500 millions d'euros". Other amounts are written in full.
    """
    if abrege:
        d = _to_decimal(x)
        for size, unit in _UNITS:
            if abs(d) >= size:
                scaled = d / size
                if scaled == scaled.quantize(Decimal("0.01")):
                    # CLDR French: 0 ≤ |n| < 2 is singular ("1,5 milliard").
                    word = unit if abs(scaled) < 2 else unit + "s"
                    return f"{_fixed(scaled, 2)}{NBSP}{word} d'euros"
                break
    d = _to_decimal(x)
    cents = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if cents == cents.to_integral_value():
        return _fixed(int(cents), 0) + NBSP + "€"
    return _fixed(cents, 2, 2) + NBSP + "€"


def pourcentage(ratio: _Number) -> str:
    """A ratio as a percentage with at most one decimal: 0.125 → "12,5 %", 0.12 → "12 %"."""
    return _fixed(_to_decimal(ratio) * 100, 1) + NBSP + "%"


def date_longue(d: _dt.date | _dt.datetime | str) -> str:
    """A date in full: "1er juillet 2022", "12 juillet 2021".

    Accepts a date, a datetime or an ISO "YYYY-MM-DD" string. The first of the month is
    "1er" (ordinal), the month lowercase and in full, the year never grouped.
    """
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d.strip())
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {_MONTHS[d.month]} {d.year}"
