"""Write ``lettergen/french/data/communes_2026.csv`` from the INSEE COG 2026 communes file.

Usage: ``python tools/build_communes.py /work/shared/data/cog_2026/communes_2026.csv``

Keeps the communes (``TYPECOM`` ``COM``: 34,875 rows; communes déléguées, associées and municipal
arrondissements are not addressees of a mayor's letter) and only the columns the French layer
needs: ``COM`` (INSEE code), ``DEP``, ``TNCC``, ``NCCENR`` (name without its article) and
``LIBELLE`` (name with its article, as INSEE writes it). See ``lettergen/french/data/SOURCES.md``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = ("COM", "DEP", "TNCC", "NCCENR", "LIBELLE")
OUT = Path(__file__).resolve().parents[1] / "lettergen" / "french" / "data" / "communes_2026.csv"


def main(source: str) -> None:
    with open(source, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["TYPECOM"] == "COM"]
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([row[c] for c in COLUMNS] for row in rows)
    print(f"{len(rows)} communes écrites dans {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
