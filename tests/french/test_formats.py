"""Formats: numbers, euros, percentages and dates, with exact code points."""

import datetime as dt
import re
import timeit
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from lettergen.french import date_longue, euros, nombre, pourcentage

NNBSP = "\u202f"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    "n, expected",
    [
        (12345, "12\u202f345"),
        (1234, "1\u202f234"),
        (999, "999"),
        (0, "0"),
        (-1234567, "-1\u202f234\u202f567"),
        (12.5, "12,5"),
        (0.5, "0,5"),
        (Decimal("12.50"), "12,5"),
        (1234567.891, "1\u202f234\u202f567,891"),
    ],
)
def test_nombre(n, expected):
    """nombre groups with U+202F and uses a decimal comma."""
    assert nombre(n) == expected


@pytest.mark.parametrize(
    "x, expected",
    [
        (183, "183\u00a0€"),
        (183.0, "183\u00a0€"),
        (183.5, "183,50\u00a0€"),
        (1234.5, "1\u202f234,50\u00a0€"),
        (Decimal("1234.50"), "1\u202f234,50\u00a0€"),
        (1234567, "1\u202f234\u202f567\u00a0€"),
    ],
)
def test_euros(x, expected):
    """euros: U+00A0 before €, no cents when whole, two decimals otherwise."""
    assert euros(x) == expected


@pytest.mark.parametrize(
    "x, expected",
    [
        (4_000_000_000, "4\u00a0milliards d'euros"),
        (500_000_000, "500\u00a0millions d'euros"),
        (1_000_000, "1\u00a0million d'euros"),
        (1_500_000_000, "1,5\u00a0milliard d'euros"),
        (2_250_000, "2,25\u00a0millions d'euros"),
        (1_234_567, "1\u202f234\u202f567\u00a0€"),
        (183, "183\u00a0€"),
    ],
)
def test_euros_abrege(x, expected):
    """abrege=True writes round large amounts in words; others in full."""
    assert euros(x, abrege=True) == expected


@pytest.mark.parametrize(
    "ratio, expected",
    [
        (0.125, "12,5\u00a0%"),
        (0.12, "12\u00a0%"),
        (1, "100\u00a0%"),
        (0.1234, "12,3\u00a0%"),
        (0.145, "14,5\u00a0%"),
        (Decimal("0.5"), "50\u00a0%"),
    ],
)
def test_pourcentage(ratio, expected):
    """pourcentage keeps one decimal (Babel would round 12,5 to 12) with U+00A0 before %."""
    assert pourcentage(ratio) == expected


@pytest.mark.parametrize(
    "d, expected",
    [
        (dt.date(2022, 7, 1), "1er juillet 2022"),
        (dt.date(2021, 7, 12), "12 juillet 2021"),
        (dt.datetime(2022, 1, 1, 10, 30), "1er janvier 2022"),
        ("2021-12-25", "25 décembre 2021"),
        ("2024-02-01", "1er février 2024"),
        (dt.date(2023, 8, 15), "15 août 2023"),
    ],
)
def test_date_longue(d, expected):
    """date_longue: "1er" for the first, month lowercase in full, year not grouped."""
    assert date_longue(d) == expected


def test_code_points():
    """The separators are exactly U+202F (groups) and U+00A0 (before € and %)."""
    assert [hex(ord(c)) for c in nombre(1234) if not c.isdigit()] == ["0x202f"]
    assert [hex(ord(c)) for c in euros(183) if not c.isdigit()] == ["0xa0", "0x20ac"]
    assert [hex(ord(c)) for c in pourcentage(0.125) if not c.isdigit()] == ["0x2c", "0xa0", "0x25"]


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_nombre_integers_roundtrip(n):
    """Digits are preserved, the only separator is U+202F, and Babel agrees."""
    s = nombre(n)
    assert int(s.replace(NNBSP, "")) == n
    assert set(s) <= set("-0123456789" + NNBSP)
    assert re.fullmatch(r"-?\d{1,3}(\u202f\d{3})*", s)
    assert s == format_decimal(n, locale="fr_FR")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_nombre_decimals_roundtrip(d):
    """Decimals: comma, U+202F groups, value preserved, same as Babel."""
    s = nombre(d)
    assert Decimal(s.replace(NNBSP, "").replace(",", ".")) == d
    assert s == format_decimal(d, locale="fr_FR")


@given(st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False, allow_infinity=False))
def test_euros_roundtrip(d):
    """euros keeps the value to the cent; groups only with U+202F; ends with U+00A0 €."""
    s = euros(d)
    assert s.endswith(NBSP + "€")
    body = s[:-2]
    assert set(body) <= set("0123456789," + NNBSP)
    assert re.fullmatch(r"\d{1,3}(\u202f\d{3})*(,\d\d)?", body)
    assert Decimal(body.replace(NNBSP, "").replace(",", ".")) == d


def test_speed():
    """Each formatter call stays well under 20 µs (35 000 letters)."""
    d = dt.date(2022, 7, 1)
    for stmt in (
        "nombre(1234567)",
        "nombre(12.5)",
        "euros(1234.5)",
        "euros(183)",
        "pourcentage(0.125)",
        "date_longue(d)",
    ):
        per_call = timeit.timeit(stmt, globals={**globals(), "d": d}, number=2000) / 2000
        assert per_call < 40e-6, (stmt, per_call)  # generous margin for slow CI machines
