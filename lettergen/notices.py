"""Warnings a campaign prints before its letters go out: what is not yet fit to send.

* The shipped example identity (the letterhead's « [logo] » and « Fédération exemple… », the sender and
  the fictitious signatories of ``campagne.toml``) used on real recipients: one warning naming what is
  still the example. Running on the shipped example files themselves says nothing.
* A title the french layer marks « NON VÉRIFIÉ » (the head of Mayotte after the 2025 reform, see
  ``lettergen/french/data/SOURCES.md``): one warning per letter that uses it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lettergen.errors import Problem
from lettergen.french import FONCTIONS, territory
from lettergen.read.package import BoundedZip, PackageError
from lettergen.read.records import Recipient
from lettergen.read.regular import NotRegular
from lettergen.template.vocabulary import CampaignSettings, recipient_office_forms

#: The recipients files shipped as examples, by name: the example identity is at home there.
SHIPPED_EXAMPLES = frozenset({"exemple.csv", "exemple_maires.csv"})
# What the shipped identity says and a federation's own never does.
_EXAMPLE = re.compile(r"\bexemple\b|\[logo\]", re.IGNORECASE)
_UNVERIFIED = "NON VÉRIFIÉ"
_PART_BYTES = 2 << 20  # of a letterhead part read for its text: « [logo] » is in its first lines


def _is_example(texts: Iterable[str]) -> bool:
    return any(_EXAMPLE.search(text) for text in texts)


def _letterhead_texts(path: Path) -> list[str]:
    """The text of the letterhead's header, footer and body parts (none when unreadable: said elsewhere).

    Read through :class:`BoundedZip`, and only the first 2 MiB of each part: the letterhead has not
    been checked yet when the campaign's warnings are gathered, and may be hostile.
    """
    try:
        with BoundedZip.from_path(path) as package:
            names = [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]
            texts = []
            for name in names:
                with package.open(name) as member:
                    texts.append(re.sub(r"<[^>]+>", "", member.read(_PART_BYTES).decode("utf-8", "replace")))
            return texts
    except (OSError, zipfile.BadZipFile, KeyError, PackageError, NotRegular):
        return []


def _signatory_texts(campagne: Any) -> list[str]:
    signatories = getattr(campagne, "signataires", ()) or ()
    return [f"{getattr(s, 'nom', '')} {getattr(s, 'organisation', '')}" for s in signatories]


def example_identity(recipients: Path, letterhead: Path, settings: CampaignSettings) -> list[Problem]:
    """One warning naming what is still the shipped example, unless ``recipients`` is a shipped example."""
    if recipients.name in SHIPPED_EXAMPLES:
        return []
    still: list[str] = []
    if _is_example(_letterhead_texts(letterhead)):
        still.append(f"le papier à en-tête ({letterhead})")
    toml_parts = [
        label
        for label, texts in (
            ("l'expéditeur", settings.sender),
            ("les signataires", _signatory_texts(settings.campagne)),
        )
        if _is_example(texts)
    ]
    if toml_parts:
        still.append(f"{' et '.join(toml_parts)} ({settings.file or 'campagne.toml'})")
    if not still:
        return []
    message = (
        f"identité d'exemple encore en place : {', '.join(still)} : "
        "remplacez-les par ceux de votre fédération avant l'envoi"
    )
    return [Problem(str(recipients), None, message)]


def unverified_titles(recipients: Iterable[Recipient]) -> list[Problem]:
    """A warning for each letter whose recipient's title the french layer has not verified (Mayotte)."""
    warnings = []
    for recipient in recipients:
        office = FONCTIONS.get(recipient.fonction)
        if office is None or office.complement != "territoire":
            continue
        note = territory(recipient.departement).institution.note
        if _UNVERIFIED not in note:
            continue
        why = note.split(f"{_UNVERIFIED} : ", 1)[-1]
        titre = recipient_office_forms(recipient).titre
        message = f"titre non vérifié « {titre} » (destinataire « {recipient.id} ») : {why} ; relisez-le"
        warnings.append(Problem(recipient.source or None, recipient.line or None, message))
    return warnings
