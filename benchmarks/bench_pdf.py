"""PDF throughput: lettergen against LibreOffice's own command line, on the same DOCX letters.

Usage: python benchmarks/bench_pdf.py [--sizes 200 500 1000] [--jobs 2] [--sample 20]
                                      [--batch-size 100] [--rounds 3]

Letters: the 18 letters of the example campaign (``templates/segur.j2``, the committed
letterhead, ``recipients/exemple.csv``), written by ``lettergen generate`` once, then copied
under N distinct names (2-page letters with header, footer and « page i/n »).

Approaches, all with ``--jobs`` processes (default: one per core):

* lettergen: ``convert_to_pdf(…, jobs)``: one document per batch, handed to a resident
  LibreOffice per worker, cut by copying LibreOffice's objects (``pdf_copy``; each letter's
  PDF parsed back by pypdf, written, renamed); its profiles are fresh and seeded, created
  inside the timing, as in a real run;
* merge_pdfs: what ``--merge`` adds, over lettergen's letters (first round only);
* LibreOffice CLI: ``jobs`` calls of ``soffice.bin --convert-to pdf`` run at once, each over
  its share of the files (the binary, not the ``soffice`` wrapper, which silently drops the
  files beyond ~244 of one call); every PDF is checked to exist afterwards. Twice: on profiles
  as a headless LibreOffice makes them (each start runs the graphics render tests, ~0.6 s of
  CPU) and on profiles seeded as lettergen seeds its own (``libreoffice.seed_profile``: no
  render tests), the CLI at its best; the ratios are given against both;
* one soffice per letter: the ``soffice`` wrapper on one file per call, ``jobs`` at a time,
  timed on ``--sample`` letters and extrapolated linearly (its cost per letter does not
  depend on N).

At N = 500 lettergen and the CLI run ``--rounds`` times back to back and the ratio of each
pair is printed with their median and lowest: on a shared machine the others' load moves
both, and neighbours in time see about the same load.

The CLI's profiles are created before timing (the first start of a profile is the slowest).
CPU per letter: user + system seconds of this process and its waited-for children
(getrusage), plus what the sampler saw of the resident instances (``TreeSampler``), over N;
"Python" is this process alone (combine, cut, write). Memory: a thread samples every 50 ms
the RSS of this process and all its descendants (/proc) and keeps the peak of their sum.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lettergen.writers.libreoffice import installed_version, seed_profile  # noqa: E402
from lettergen.writers.pdf import DEFAULT_BATCH_SIZE, convert_to_pdf, find_soffice, merge_pdfs  # noqa: E402


class TreeSampler:
    """Peak summed RSS of this process and its descendants, and the CPU of orphaned ones (/proc).

    CPU: this process and the children it waits for are counted exactly by getrusage. The
    resident LibreOffice instances are not: their watchdog shell is killed with them, so
    nobody waits for ``soffice.bin`` and its CPU never reaches our rusage. For processes below
    a resident's watchdog (``--nodefault`` on an ancestor's command line) the sampler keeps
    the last utime + stime it saw; only their last < 50 ms are missed.
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self.orphan_cpu: dict[int, float] = {}
        self.own_cpu = 0.0  # the sampler thread's own CPU, taken off this process's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._tick = os.sysconf("SC_CLK_TCK")
        self._commands: dict[int, bytes] = {}

    def _command(self, pid: int) -> bytes:
        if pid not in self._commands:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    self._commands[pid] = f.read()
            except OSError:
                return b""
        return self._commands[pid]

    def _sample(self) -> None:
        parent: dict[int, int] = {}
        stat: dict[int, tuple[int, float]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(entry)] = int(fields[1])
            stat[int(entry)] = (
                int(fields[21]) * self._page,
                (int(fields[11]) + int(fields[12])) / self._tick,
            )
        me, total = os.getpid(), 0
        for pid, (rss, cpu) in stat.items():
            p, depth, orphan = parent.get(pid, 0), 0, False
            while p and p != me and depth < 64:
                orphan = orphan or b"--nodefault" in self._command(p)
                p, depth = parent.get(p, 0), depth + 1
            if p == me or pid == me:
                total += rss
                if orphan:
                    self.orphan_cpu[pid] = cpu
        self.peak = max(self.peak, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)
        self.own_cpu = time.thread_time()

    def __enter__(self) -> TreeSampler:
        self._sample()
        self.orphan_cpu.clear()
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


@dataclass(frozen=True)
class Measure:
    seconds: float
    cpu: float  # CPU seconds per letter, this process and every descendant
    python: float  # CPU seconds per letter of this process alone (combine, cut, write)
    peak: int  # bytes


def measure(
    name: str, letters: int, action: Callable[[Path], None], out: Path, keep: bool = False
) -> Measure:
    """Run ``action(out)``; check ``letters`` PDFs came out; delete them unless ``keep``."""
    out.mkdir(parents=True)
    own_before, children_before = cpu_seconds()
    with TreeSampler() as sampler:
        started = time.perf_counter()
        action(out)
        seconds = time.perf_counter() - started
    own, children = cpu_seconds()
    python = own - own_before - sampler.own_cpu
    cpu = python + children - children_before + sum(sampler.orphan_cpu.values())
    made = len(list(out.glob("*.pdf")))
    assert made == letters, f"{name}: {made} PDF sur {letters}"
    if not keep:
        shutil.rmtree(out)
    return Measure(seconds, cpu / letters, python / letters, sampler.peak)


def line(size: int, label: str, m: Measure, letters: int, note: str = "") -> None:
    print(
        f"{size:>6} {label:<40} {m.seconds:>8.2f} {letters / m.seconds:>9.1f} "
        f"{m.cpu * 1000:>9.1f} {m.peak / 2**20:>8.0f}  {note}",
        flush=True,
    )


def bench_lettergen(size: int, letters: list[Path], jobs: int, batch_size: int, root: Path) -> Measure:
    reports = []

    def run(out: Path) -> None:
        report = convert_to_pdf(letters, out, jobs=jobs, batch_size=batch_size)
        assert report.ok, report.failures[:3]
        reports.append(report)

    m = measure("lettergen", size, run, root / "out-lg", keep=True)
    note = (
        f"{reports[0].batches} soffice calls, retried {reports[0].retried}, "
        f"Python {m.python * 1000:.1f} ms/l; {load()}"
    )
    line(size, f"lettergen convert_to_pdf (lots ≤ {batch_size})", m, size, note)
    return m


def bench_merge(size: int, root: Path) -> None:
    """``merge_pdfs`` over lettergen's letters (what ``--merge`` adds), then delete them."""
    pdfs = sorted((root / "out-lg").glob("*.pdf"))
    merged = root / "merged.pdf"
    own_before = time.process_time()
    started = time.perf_counter()
    pages = merge_pdfs(pdfs, merged)
    seconds = time.perf_counter() - started
    cpu = (time.process_time() - own_before) / size
    mb = merged.stat().st_size / 2**20
    letters_mb = sum(p.stat().st_size for p in pdfs) / 2**20
    print(
        f"{size:>6} {'merge_pdfs (--merge)':<40} {seconds:>8.2f} {size / seconds:>9.1f} {cpu * 1000:>9.1f} "
        f"{'':>8}  {pages} pages, {mb:.1f} MB (letters: {letters_mb:.1f} MB)",
        flush=True,
    )
    merged.unlink()
    shutil.rmtree(root / "out-lg")


def bench_cli(
    size: int, letters: list[Path], program: str, profiles: list[Path], root: Path, label: str
) -> Measure:
    def run(out: Path) -> None:
        cli_parallel(program, profiles, letters, out)

    m = measure("cli", size, run, root / "out-cli")
    line(size, f"LibreOffice CLI, {len(profiles)} calls, {label}", m, size, load())
    return m


def bench_per_letter(
    size: int, sample: list[Path], soffice: str, profiles: list[Path], root: Path
) -> Measure:
    def run(out: Path) -> None:
        per_letter(soffice, profiles, sample, out)

    m = measure("naive", len(sample), run, root / "out-1")
    extrapolated = Measure(m.seconds / len(sample) * size, m.cpu, m.python, m.peak)
    note = f"extrapolated from {len(sample)}; {load()}"
    line(size, f"one soffice per letter ({len(profiles)} at once)", extrapolated, size, note)
    return extrapolated


def copies(models: list[Path], size: int, folder: Path) -> list[Path]:
    """``size`` letters cycling over the models, under distinct names."""
    folder.mkdir()
    letters = [folder / f"lettre_{i:05d}.docx" for i in range(size)]
    for i, letter in enumerate(letters):
        shutil.copyfile(models[i % len(models)], letter)
    return letters


@dataclass(frozen=True)
class Setup:
    jobs: int
    batch_size: int
    soffice: str
    program: str
    profiles: list[Path]
    seeded: list[Path]  # the same, seeded: no render tests at start
    root: Path


def bench_size(size: int, rounds: int, sample: int, letters: list[Path], setup: Setup) -> None:
    """``rounds`` times lettergen then the CLI back to back; the per-letter pipeline once."""
    ratios: dict[str, list[float]] = {"headless profiles": [], "seeded profiles": []}
    for r in range(rounds):
        ours = bench_lettergen(size, letters, setup.jobs, setup.batch_size, setup.root)
        if r == 0:
            bench_merge(size, setup.root)
        else:
            shutil.rmtree(setup.root / "out-lg")
        for label, profiles in zip(ratios, (setup.profiles, setup.seeded), strict=True):
            cli = bench_cli(size, letters, setup.program, profiles, setup.root, label)
            ratios[label].append(cli.seconds / ours.seconds)
    naive = bench_per_letter(size, letters[: min(size, sample)], setup.soffice, setup.profiles, setup.root)
    for label, values in ratios.items():
        shown = ", ".join(f"{x:.2f}" for x in values)
        print(
            f"{size:>6} lettergen: {statistics.median(values):.2f}x LibreOffice's CLI on {label} "
            f"(median of {rounds}: {shown}; lowest {min(values):.2f})",
            flush=True,
        )
    print(f"{size:>6} lettergen: {naive.seconds / ours.seconds:.1f}x one soffice per letter", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 500, 1000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=20, help="letters timed for one soffice per letter")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--rounds", type=int, default=3, help="lettergen/CLI pairs at N = 500")
    args = parser.parse_args()

    soffice = find_soffice()
    root = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        models = example_letters(root / "campagne")
        setup = Setup(
            args.jobs,
            args.batch_size,
            soffice,
            soffice_binary(soffice),
            [root / f"profile-{i}" for i in range(args.jobs)],
            [root / f"seeded-{i}" for i in range(args.jobs)],
            root,
        )
        version = installed_version(soffice)
        for profile in setup.seeded:
            profile.mkdir()
            if version is not None:
                seed_profile(profile, version)
        for profile in setup.profiles + setup.seeded:  # a profile's first start is the slowest: not timed
            run_soffice(lo_command(setup.program, profile, root / "warm", models[:1]))
        print(f"cores: {os.cpu_count()}, jobs: {args.jobs}; LibreOffice: {setup.program}; {load()}")
        print(f"{'N':>6} {'approach':<40} {'seconds':>8} {'letters/s':>9} {'CPU ms/l':>9} {'peak MB':>8}")
        for size in args.sizes:
            letters = copies(models, size, root / f"docx-{size}")
            bench_size(size, args.rounds if size == 500 else 1, args.sample, letters, setup)
            shutil.rmtree(root / f"docx-{size}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
