"""PDF throughput: lettergen's batched LibreOffice workers against one soffice per letter.

Usage: python benchmarks/bench_pdf.py [--sizes 100 1000] [--sample 20] [--jobs N] [--batch-size B]

Both approaches run in the same process, on the same DOCX letter (24 paragraphs,
about 5.6 KB of text, written once with python-docx, then copied N times), so
their ratio is meaningful even on a noisy machine. The naive pipeline runs one
``soffice --headless --convert-to pdf`` per letter, one after the other, with a
warmed-up profile; for sizes above ``--sample`` it is timed on a sample and
extrapolated linearly (its cost per letter does not depend on N), and the
output says so. ``--rounds 2`` runs A B then B A and keeps each approach's
best time, so that load from other processes drifting during the run does not
favour one side. Memory: a thread samples every 50 ms the RSS of this process
and all its descendants (from /proc) and keeps the peak of their sum; the
``ru_maxrss`` of the largest child is printed too.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import docx  # noqa: E402
from docx.shared import Pt  # noqa: E402

from lettergen.writers.pdf import convert_to_pdf, find_soffice  # noqa: E402

NNBSP = "\u202f"
PARAGRAPH = (
    "Dans notre département, {n}{nb}000 enfants sont confiés à l’aide sociale à l’enfance ; "
    "les « placements en attente » se comptent par centaines. Nous vous demandons "
    "d’inscrire au budget {n}{nb}500{nb}000{nb}€ pour l’œuvre commune."
)


def make_letter(path: Path) -> None:
    """One letter of 24 paragraphs (about 5.6 KB of text) in Liberation Serif."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Liberation Serif"
    normal.font.size = Pt(11)
    document.add_paragraph("Objet : protection de l’enfance")
    document.add_paragraph("Madame la Présidente,")
    for n in range(22):  # with the two lines above: 24 paragraphs, ~5 KB
        document.add_paragraph(PARAGRAPH.format(n=n + 1, nb=NNBSP))
    document.save(path)


class TreeMemory:
    """Peak summed RSS of this process and its descendants, sampled from /proc."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _tree_rss(self) -> int:
        parent: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry)
            parent[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * self._page
        me = os.getpid()
        total = 0
        for pid in rss:
            p, depth = pid, 0
            while p and p != me and depth < 64:
                p, depth = parent.get(p, 0), depth + 1
            if p == me:
                total += rss[pid]
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self.peak = self._tree_rss()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def naive(soffice: str, letters: list[Path], out: Path, profile: Path) -> float:
    """One soffice per letter, in sequence; return the seconds taken."""
    out.mkdir(parents=True, exist_ok=True)
    uri = f"-env:UserInstallation={profile.as_uri()}"
    started = time.perf_counter()
    for letter in letters:
        subprocess.run(
            [soffice, uri, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(letter)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    elapsed = time.perf_counter() - started
    missing = [p for p in letters if not (out / (p.stem + ".pdf")).exists()]
    assert not missing, missing[:3]
    return elapsed


def children_cpu() -> float:
    """User + system CPU seconds of every finished (and waited-for) descendant."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def bench_size(
    args: argparse.Namespace, soffice: str, root: Path, model: Path, profile: Path, size: int
) -> None:
    """Both approaches on ``size`` copies of the model letter, alternated ``args.rounds`` times.

    A function of its own so that the two runners below close over this size's values, not over
    loop variables (ruff B023).
    """
    src = root / f"docx-{size}"
    src.mkdir()
    letters = []
    for i in range(size):
        letters.append(src / f"lettre_{i:05d}.docx")
        shutil.copyfile(model, letters[-1])

    kwargs = {"batch_size": args.batch_size} if args.batch_size else {}
    sample = letters if size <= args.naive_full_up_to else letters[: args.sample]
    batched_runs: list[float] = []
    naive_runs: list[float] = []
    batched_peak = naive_peak = 0
    cpu = {"batched": [], "naive": []}
    report = None

    def run_batched(r: int) -> None:
        nonlocal batched_peak, report
        cpu_before = children_cpu()
        with TreeMemory() as mem:
            started = time.perf_counter()
            report = convert_to_pdf(letters, root / f"pdf-{size}-{r}", jobs=args.jobs, **kwargs)
            batched_runs.append(time.perf_counter() - started)
        cpu["batched"].append((children_cpu() - cpu_before) / size)
        assert report.ok and len(report.converted) == size, report.failures[:3]
        batched_peak = max(batched_peak, mem.peak)
        shutil.rmtree(root / f"pdf-{size}-{r}")

    def run_naive(r: int) -> None:
        nonlocal naive_peak
        cpu_before = children_cpu()
        with TreeMemory() as mem:
            naive_runs.append(naive(soffice, sample, root / f"naive-{size}-{r}", profile))
        cpu["naive"].append((children_cpu() - cpu_before) / len(sample))
        naive_peak = max(naive_peak, mem.peak)
        shutil.rmtree(root / f"naive-{size}-{r}")

    for r in range(args.rounds):  # A B, B A, A B…: drifting load hits both alike
        order = (run_batched, run_naive) if r % 2 == 0 else (run_naive, run_batched)
        for run in order:
            run(r)
    batched = min(batched_runs)
    per_letter = min(naive_runs) / len(sample)
    naive_total = per_letter * size
    best = f"best of {args.rounds}" if args.rounds > 1 else "1 run"
    print(
        f"{size:>8} {'convert_to_pdf (batched workers)':<34} {batched:>8.2f} "
        f"{size / batched:>10.1f} {mb(batched_peak):>14}   {best}: "
        + ", ".join(f"{t:.2f}" for t in batched_runs)
    )
    label = (
        "naive, one soffice per letter" if len(sample) == size else f"naive, extrapolated from {len(sample)}"
    )
    print(
        f"{size:>8} {label:<34} {naive_total:>8.2f} {1 / per_letter:>10.1f} "
        f"{mb(naive_peak):>14}   {best}: " + ", ".join(f"{t / len(sample) * size:.2f}" for t in naive_runs)
    )
    cpu_b, cpu_n = min(cpu["batched"]), min(cpu["naive"])
    print(
        f"{size:>8} speed-up: {naive_total / batched:.1f}x wall clock "
        f"(retried {report.retried}, killed {report.killed}); "
        f"LibreOffice CPU per letter: {cpu_b * 1000:.0f} ms batched, "
        f"{cpu_n * 1000:.0f} ms naive ({cpu_n / cpu_b:.1f}x less CPU)"
    )
    shutil.rmtree(src)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument(
        "--sample", type=int, default=20, help="naive runs on at most this many letters, then extrapolates"
    )
    parser.add_argument(
        "--naive-full-up-to",
        type=int,
        default=100,
        help="sizes up to this run the naive pipeline on every letter",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the two approaches this many times, keep each one's best",
    )
    args = parser.parse_args()

    soffice = find_soffice()
    root = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        model = root / "model.docx"
        make_letter(model)
        profile = root / "naive-profile"
        warm = root / "warm"
        naive(soffice, [model], warm, profile)  # first start of a profile, not timed
        print(
            f"cores: {os.cpu_count()}, jobs: {args.jobs}, "
            f"batch size: {args.batch_size or 'default'}; LibreOffice: {soffice}"
        )
        print(f"{'letters':>8} {'approach':<34} {'seconds':>8} {'letters/s':>10} {'peak tree RSS':>14}")
        for size in args.sizes:
            bench_size(args, soffice, root, model, profile, size)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(f"largest single child process (ru_maxrss): {children / 1024:.0f} MB")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
