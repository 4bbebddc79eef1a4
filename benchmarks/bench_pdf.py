"""PDF throughput: lettergen against LibreOffice's own command line, on the same DOCX letters.

Usage: python benchmarks/bench_pdf.py [--sizes 200 500 1000] [--jobs 2] [--sample 20]
                                      [--batch-sizes 200] [--rounds 1]

Letters: the 18 letters of the example campaign (``templates/segur.j2``, the committed
letterhead, ``recipients/exemple.csv``), written by ``lettergen generate`` once, then copied
under N distinct names (2-page letters with header, footer and « page i/n »).

Approaches, all with ``--jobs`` processes (default: one per core):

* lettergen: ``convert_to_pdf(…, jobs)``: one document per batch, one ``soffice`` call per
  batch, cut with pypdf (each letter's PDF parsed back, written, renamed);
* LibreOffice CLI: ``jobs`` calls of ``soffice.bin --convert-to pdf`` run at once, each over
  its share of the files (the binary, not the ``soffice`` wrapper, which silently drops the
  files beyond ~244 of one call); every PDF is checked to exist afterwards;
* one soffice per letter: the ``soffice`` wrapper on one file per call, ``jobs`` at a time,
  timed on ``--sample`` letters and extrapolated linearly (its cost per letter does not
  depend on N).

Profiles are created before timing (the first start of a profile is the slowest). CPU per
letter: user + system seconds of this process and its waited-for children (getrusage), over
N. Memory: a thread samples every 50 ms the RSS of this process and all its descendants
(/proc) and keeps the peak of their sum. The machine's load average is printed before and
after: other processes on a shared machine slow every approach, so read the ratios.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lettergen.writers.pdf import DEFAULT_BATCH_SIZE, convert_to_pdf, find_soffice  # noqa: E402


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
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * self._page
        me, total = os.getpid(), 0
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

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> tuple[float, float]:
    """User + system CPU of this process, and of its waited-for descendants."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def example_letters(root: Path) -> list[Path]:
    """The example campaign's 18 DOCX letters, written by the real CLI."""
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, root / name)
    subprocess.run(
        [sys.executable, "-m", "lettergen", "generate", "--date", "2021-07-01", "-o", "docx"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return sorted((root / "docx").glob("*.docx"))


def soffice_binary(soffice: str) -> str:
    """``soffice.bin`` next to the wrapper's real path (the CLI baseline calls it directly)."""
    binary = Path(os.path.realpath(soffice)).with_name("soffice.bin")
    return str(binary) if binary.exists() else soffice


def run_soffice(command: list[str]) -> None:
    """One LibreOffice call; ``soffice.bin`` asks to be started again (81) on a fresh profile."""
    for _ in range(3):
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode != 81:
            return


def lo_command(program: str, profile: Path, out: Path, files: list[Path]) -> list[str]:
    return [
        program,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--infilter=MS Word 2007 XML",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        *map(str, files),
    ]


def cli_parallel(program: str, profiles: list[Path], letters: list[Path], out: Path) -> None:
    """``len(profiles)`` LibreOffice calls at once, each over its share of the letters."""
    shares = [letters[i :: len(profiles)] for i in range(len(profiles))]
    commands = [
        lo_command(program, profile, out, share) for profile, share in zip(profiles, shares, strict=True)
    ]
    with ThreadPoolExecutor(len(profiles)) as pool:
        list(pool.map(run_soffice, commands))


def per_letter(soffice: str, profiles: list[Path], letters: list[Path], out: Path) -> None:
    """One soffice call per letter, ``len(profiles)`` at a time."""
    free = list(profiles)
    lock = threading.Lock()

    def one(letter: Path) -> None:
        with lock:
            profile = free.pop()
        try:
            run_soffice(lo_command(soffice, profile, out, [letter]))
        finally:
            with lock:
                free.append(profile)

    with ThreadPoolExecutor(len(profiles)) as pool:
        list(pool.map(one, letters))


OWN_CPU: list[float] = []  # the last measure's CPU per letter spent in this process (Python)


def measure(name: str, letters: int, action: Callable[[Path], None], out: Path) -> tuple[float, float, int]:
    """Run ``action(out)``; return (seconds, CPU seconds per letter, peak tree RSS)."""
    out.mkdir(parents=True)
    own_before, children_before = cpu_seconds()
    with TreeMemory() as memory:
        started = time.perf_counter()
        action(out)
        seconds = time.perf_counter() - started
    own, children = cpu_seconds()
    OWN_CPU[:] = [(own - own_before) / letters]
    cpu = (own - own_before + children - children_before) / letters
    made = len(list(out.glob("*.pdf")))
    assert made == letters, f"{name}: {made} PDF sur {letters}"
    shutil.rmtree(out)
    return seconds, cpu, memory.peak


def line(size: int, label: str, seconds: float, letters: int, cpu: float, peak: int, note: str = "") -> None:
    print(
        f"{size:>6} {label:<40} {seconds:>8.2f} {letters / seconds:>9.1f} "
        f"{cpu * 1000:>9.0f} {peak / 2**20:>8.0f}  {note}",
        flush=True,
    )


def bench_lettergen(size: int, letters: list[Path], jobs: int, batch_size: int, root: Path) -> float:
    reports = []

    def run(out: Path) -> None:
        report = convert_to_pdf(letters, out, jobs=jobs, batch_size=batch_size)
        assert report.ok, report.failures[:3]
        reports.append(report)

    seconds, cpu, peak = measure("lettergen", size, run, root / "out-lg")
    note = (
        f"{reports[0].batches} soffice calls, retried {reports[0].retried}, "
        f"Python {OWN_CPU[0] * 1000:.1f} ms/l; {load()}"
    )
    line(size, f"lettergen convert_to_pdf (lots ≤ {batch_size})", seconds, size, cpu, peak, note)
    return seconds


def bench_cli(size: int, letters: list[Path], program: str, profiles: list[Path], root: Path) -> float:
    def run(out: Path) -> None:
        cli_parallel(program, profiles, letters, out)

    seconds, cpu, peak = measure("cli", size, run, root / "out-cli")
    line(size, f"LibreOffice CLI, {len(profiles)} calls at once", seconds, size, cpu, peak, load())
    return seconds


def bench_per_letter(size: int, sample: list[Path], soffice: str, profiles: list[Path], root: Path) -> float:
    def run(out: Path) -> None:
        per_letter(soffice, profiles, sample, out)

    seconds, cpu, peak = measure("naive", len(sample), run, root / "out-1")
    extrapolated = seconds / len(sample) * size
    note = f"extrapolated from {len(sample)}; {load()}"
    line(size, f"one soffice per letter ({len(profiles)} at once)", extrapolated, size, cpu, peak, note)
    return extrapolated


def copies(models: list[Path], size: int, folder: Path) -> list[Path]:
    """``size`` letters cycling over the models, under distinct names."""
    folder.mkdir()
    letters = [folder / f"lettre_{i:05d}.docx" for i in range(size)]
    for i, letter in enumerate(letters):
        shutil.copyfile(models[i % len(models)], letter)
    return letters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=20, help="letters timed for one soffice per letter")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[DEFAULT_BATCH_SIZE])
    parser.add_argument("--no-cli", action="store_true", help="lettergen only (batch size studies)")
    args = parser.parse_args()

    soffice = find_soffice()
    program = soffice_binary(soffice)
    root = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        models = example_letters(root / "campagne")
        profiles = [root / f"profile-{i}" for i in range(args.jobs)]
        for profile in profiles:  # a profile's first start is the slowest: not timed
            run_soffice(lo_command(program, profile, root / "warm", models[:1]))
        print(f"cores: {os.cpu_count()}, jobs: {args.jobs}; LibreOffice: {program}; {load()}")
        print(f"{'N':>6} {'approach':<40} {'seconds':>8} {'letters/s':>9} {'CPU ms/l':>9} {'peak MB':>8}")
        for size in args.sizes:
            letters = copies(models, size, root / f"docx-{size}")
            for batch_size in args.batch_sizes:
                ours = bench_lettergen(size, letters, args.jobs, batch_size, root)
            if not args.no_cli:
                cli = bench_cli(size, letters, program, profiles, root)
                sample = letters[: min(size, args.sample)]
                naive = bench_per_letter(size, sample, soffice, profiles, root)
                print(
                    f"{size:>6} lettergen: {cli / ours:.2f}x LibreOffice's CLI, "
                    f"{naive / ours:.1f}x one soffice per letter",
                    flush=True,
                )
            shutil.rmtree(root / f"docx-{size}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
