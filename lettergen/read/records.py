"""The validated records the read stage hands to the rest of the pipeline."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from lettergen.errors import Problem
from lettergen.french.communes import Commune

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
    commune: Commune | None = None  # the commune of a mayor (column « commune », INSEE code)
    elu_le: _dt.date | None = None  # when the recipient took the current office; None: unknown
    circonscription: str = ""  # a député's constituency: "68-03"

    @property
    def has_address(self) -> bool:
        """Whether the row gives any part of a postal address (a letter without one has no block)."""
        return bool(self.adresse or self.code_postal or self.ville)

    @property
    def missing_address(self) -> tuple[str, ...]:
        """What a complete postal address lacks, in French: () when La Poste can deliver it."""
        parts = (
            (self.adresse, "rue ou bâtiment"),
            (self.code_postal, "code postal"),
            (self.ville, "ville"),
        )
        return tuple(label for value, label in parts if not value)


@dataclass
class ReadResult:
    """What reading a campaign's data gives: valid recipients and every problem found."""

    recipients: list[Recipient]
    figure_names: tuple[str, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Recipients read whole whose postal address is incomplete, by id: check and generate refuse
    # them, preview shows them (SPEC Part 2, « Letters that know the recipient »).
    undeliverable: dict[str, Problem] = field(default_factory=dict)
