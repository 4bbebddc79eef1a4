"""The validated records the read stage hands to the rest of the pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lettergen.errors import Problem

DEFAULT_FONCTION = "president_cd"


@dataclass(frozen=True)
class Recipient:
    """One addressee of a letter, as validated from a recipients file."""

    id: str
    genre: str | None  # "F", "M", or None when the civility is unknown
    prenom: str
    nom: str
    departement: str  # normalised territory code: "01", "2A", "971", "69M", "6AE"
    fonction: str = DEFAULT_FONCTION
    adresse: tuple[str, ...] = ()
    code_postal: str = ""
    ville: str = ""
    email: str = ""
    forme_titre: str = ""  # "le" when the holder prefers « Madame le Maire »
    # A plain dict so recipients pickle to worker processes; treat it as read-only.
    figures: Mapping[str, int | None] = field(default_factory=dict)
    source: str = ""
    line: int = 0
    provenance: str = ""  # the recipients file's optional « source » column (e.g. "RNE 2026-05-06")


@dataclass
class ReadResult:
    """What reading a campaign's data gives: valid recipients and every problem found."""

    recipients: list[Recipient]
    figure_names: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
