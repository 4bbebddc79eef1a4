"""Benchmark the read stage: 35,000 synthetic recipients + figures, as CSV and as XLSX.

Run: ``python benchmarks/bench_read.py [N]``. Prints the seconds each read takes and the
process's peak RSS (``resource.getrusage``). Each format is read in a fresh subprocess so that
its peak RSS is its own.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODES = [f"{n:02d}" for n in range(1, 96) if n != 20] + [
    "2A",
    "2B",
    "971",
    "972",
    "973",
    "974",
    "976",
    "69M",
    "6AE",
]
FIGURES = ("etablissements", "salaries", "salaries_non_revalorises", "postes_vacants")
HEADER = [
    "id",
    "civilite",
    "prenom",
    "nom",
    "fonction",
    "departement",
    "adresse",
    "code_postal",
    "ville",
    "email",
    "effectif_local",
]


def _rows(n: int):
    rng = random.Random(42)
    for i in range(n):
        code = CODES[i % len(CODES)]
        yield [
            f"r{i:05d}",
            rng.choice(["Madame", "Monsieur", "Mme", "M.", ""]),
            "Prénom",
            f"NOM{i}",
            rng.choice(["president_cd", "depute", "senateur", "maire"]),
            code,
            "Hôtel du Département / 1 place de la République",
            "33000",
            "Bordeaux Cedex",
            f"elu{i}@exemple.fr",
            f"{rng.randint(0, 99999):,}".replace(",", "\u202f"),
        ]


def _figure_rows():
    rng = random.Random(7)
    for code in CODES:
        yield [code] + [str(rng.randint(0, 20000)) for _ in FIGURES]


def generate(folder: Path, n: int) -> dict[str, Path]:
    import openpyxl

    paths = {
        "csv": folder / "destinataires.csv",
        "xlsx": folder / "destinataires.xlsx",
        "figures": folder / "chiffres.csv",
    }
    with open(paths["csv"], "w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(HEADER) + "\n")
        for row in _rows(n):
            handle.write(";".join(row) + "\n")
    with open(paths["figures"], "w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(("departement",) + FIGURES) + "\n")
        for row in _figure_rows():
            handle.write(";".join(row) + "\n")
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Destinataires")
    sheet.append(HEADER)
    for row in _rows(n):
        row[-1] = int(row[-1].replace("\u202f", ""))
        sheet.append(row)
    workbook.save(paths["xlsx"])
    return paths


def measure(path: str, figures: str) -> dict:
    from lettergen.read import read_recipients

    start = time.perf_counter()
    result = read_recipients(path, figures_path=figures)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "recipients": len(result.recipients),
        "problems": len(result.problems),
        "warnings": len(result.warnings),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 35_000
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        paths = generate(Path(tmp), n)
        print(
            f"{n} destinataires générés en {time.perf_counter() - start:.1f} s "
            f"(CSV {paths['csv'].stat().st_size / 1e6:.1f} Mo, "
            f"XLSX {paths['xlsx'].stat().st_size / 1e6:.1f} Mo)"
        )
        for kind in ("csv", "xlsx"):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(paths[kind]), str(paths["figures"])],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            figures = json.loads(out)
            print(
                f"{kind.upper():4} + chiffres : {figures['seconds']:.2f} s, "
                f"pic RSS {figures['peak_rss_mib']} Mio, "
                f"{figures['recipients']} destinataires, {figures['problems']} problèmes, "
                f"{figures['warnings']} avertissements"
            )


if __name__ == "__main__":
    main()
