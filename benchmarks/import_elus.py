"""Time and peak memory of ``lettergen recipients import-elus`` over all France, per office.

Usage: ``python benchmarks/import_elus.py [FONCTION…]`` (default: maire president_cd). Each office
runs in a fresh process so the peak resident memory is its own.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

CODE = """
import resource, sys, time
from lettergen.read.elus import import_elus_command
start = time.perf_counter()
count, warnings = import_elus_command(sys.argv[1], sys.argv[2])
elapsed = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{sys.argv[1]:<13} {count:>6} rows {len(warnings):>5} warnings {elapsed:6.2f} s {peak:6.0f} MB peak")
"""


def main(fonctions: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for fonction in fonctions:
            out = Path(folder) / f"{fonction}.csv"
            subprocess.run([sys.executable, "-c", CODE, fonction, str(out)], check=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["maire", "president_cd"])
