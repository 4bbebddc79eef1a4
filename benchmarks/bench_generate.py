"""Benchmark the whole ``lettergen generate`` path (DOCX) against docxtpl on the same letter.

    python benchmarks/bench_generate.py            # N = 100, 1,000, 35,000 (docxtpl: 100, 1,000)
    python benchmarks/bench_generate.py --quick    # N = 100, 1,000 only

Data: N synthetic recipients (unique ids, départements cycling over every territory,
Madame / Monsieur / no civility in turn, all ``president_cd``) and a figures file with the
four Ségur figures for every territory, written as CSV in a temporary folder.

lettergen: the real CLI, ``python -m lettergen generate -r … -f … -o <fresh folder>
--date 2021-07-01 --jobs 2`` in a subprocess. This includes start-up, reading, the check
(which renders every letter once) and the workers (render again + DOCX + write + manifest).

docxtpl: the same letter. A DOCX template is built here with python-docx from the
rendered Ségur letter of one recipient: one paragraph per ``Letter.blocks()`` block on the
same letterhead, ``{{ … }}`` where the values change (the address lines, the office forms,
the département, the four figures with their agreement). Each recipient's context is
formatted with the same ``lettergen.french`` functions (``office_forms``, ``pluriel``,
``address_block``, ``typographie``). It runs in a subprocess of this script with the same
harness: 2 worker processes (fork), one ``DocxTemplate`` each, ``render()`` + ``save()`` to a
file per letter. Before timing, the text of two docxtpl letters is compared with lettergen's.

Measures, for each subprocess:
* wall: ``time.perf_counter`` around the subprocess;
* CPU: ``resource.getrusage(RUSAGE_CHILDREN)`` user+sys before/after (every waited-for
  descendant), or, when larger, the sum over the session's processes of their last sampled
  ``/proc/PID/stat`` user+sys (lettergen's workers come from a fork server that the CLI does
  not wait for), divided by N;
* peak RSS: ``/proc/*/status`` VmRSS of every process of the subprocess's session (it is
  started with ``start_new_session``), sampled every 50 ms; reported as the largest single
  process and the largest sum over the tree at one sample. ``ru_maxrss`` of the children
  (largest single process, exact but without the sum; cumulative over the run, so it is
  the maximum so far, not this run's) is also printed on the progress lines.

The sum of the tree counts pages shared by forked workers several times: it is an upper bound.
System CPU is mostly file creation (open + rename per letter): it depends on the file system
and its load much more than on lettergen; ``--work-dir`` chooses where the files go.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEMPLATES = ROOT / "templates"
LETTERHEAD = TEMPLATES / "papier_en_tete.docx"
LETTER_DATE = date(2021, 7, 1)
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
]
FIGURES = ("etablissements", "salaries", "salaries_non_revalorises", "postes_vacants")
PRENOMS = ("Claire", "Paul", "Dominique", "Sophie", "Jean-Michel", "Chloé", "Luc", "Anne-Laure")
NOMS = ("MARTIN", "LEFEBVRE", "ROUSSEL", "DUCASSE", "BERNARD", "PETIT", "D'ORNANO", "LE GALL")
CIVILITES = ("Madame", "Monsieur", "")


# --------------------------------------------------------------------------- data


def write_data(folder: Path, n: int) -> tuple[Path, Path]:
    """Write N recipients and the figures of every territory as CSV; return both paths."""
    from lettergen.french import territories

    codes = [t.code for t in territories()]
    recipients = folder / "destinataires.csv"
    figures = folder / "chiffres.csv"
    with open(recipients, "w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(HEADER) + "\n")
        for i in range(n):
            code = codes[i % len(codes)]
            handle.write(
                ";".join(
                    [
                        f"r{i:05d}",
                        CIVILITES[i % 3],
                        PRENOMS[i % len(PRENOMS)],
                        f"{NOMS[i % len(NOMS)]}{i}",
                        "president_cd",
                        code,
                        "Hôtel du Département / 1 place de la République",
                        f"{10000 + i % 89999:05d}",
                        "Chef-Lieu Cedex",
                        f"elu{i}@exemple.fr",
                    ]
                )
                + "\n"
            )
    with open(figures, "w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(("departement",) + FIGURES) + "\n")
        for k, code in enumerate(codes):
            values = (50 + 7 * k, 2000 + 131 * k, 400 + 29 * k, 1 + 11 * k)
            handle.write(";".join([code, *map(str, values)]) + "\n")
    return recipients, figures


# --------------------------------------------------------------------------- measuring

TICKS = os.sysconf("SC_CLK_TCK")


def _session_rss_kb(sid: int, cpu: dict[int, tuple[float, float]] | None = None) -> dict[int, int]:
    """VmRSS (kB) of every live process whose session id is ``sid``, by pid.

    ``cpu`` collects each process's latest (user, system) seconds: workers of a
    fork server are not waited for by the command, so RUSAGE_CHILDREN misses them.
    """
    sizes = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            fields = stat[stat.rindex(b")") + 2 :].split()
            if int(fields[3]) != sid:  # field 6, session
                continue
            if cpu is not None:  # fields 14 and 15: utime, stime in clock ticks
                cpu[int(entry)] = (int(fields[11]) / TICKS, int(fields[12]) / TICKS)
            with open(f"/proc/{entry}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"VmRSS:"):
                        sizes[int(entry)] = int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
    return sizes


def measure(command: list[str]) -> dict:
    """Run ``command`` in a new session; return wall, children CPU, peak RSS (sampled and ru_maxrss)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peak_one = peak_sum = peak_main = 0
    cpu_seen: dict[int, tuple[float, float]] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_one, peak_sum, peak_main
        while not done.is_set():
            sizes = _session_rss_kb(process.pid, cpu_seen)
            if sizes:
                peak_one = max(peak_one, max(sizes.values()))
                peak_sum = max(peak_sum, sum(sizes.values()))
                peak_main = max(peak_main, sizes.get(process.pid, 0))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err.decode()[-3000:]}")
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    # Sampled per-process CPU (last sample before each exit) catches the fork server's workers.
    sampled_user = sum(u for u, _ in cpu_seen.values())
    sampled_system = sum(s for _, s in cpu_seen.values())
    if sampled_user + sampled_system > user + system:
        user, system = sampled_user, sampled_system
    return {
        "wall": wall,
        "cpu": user + system,
        "user": user,
        "sys": system,
        "rss_one_mb": peak_one / 1024,
        "rss_sum_mb": peak_sum / 1024,
        "rss_main_mb": peak_main / 1024,
        "ru_maxrss_mb": after.ru_maxrss / 1024,
        "stdout": out.decode(),
    }


def run_lettergen(folder: Path, recipients: Path, figures: Path, n: int) -> dict:
    out = folder / f"out-lettergen-{n}"
    shutil.rmtree(out, ignore_errors=True)
    result = measure(
        [
            sys.executable,
            "-m",
            "lettergen",
            "generate",
            "-r",
            str(recipients),
            "-f",
            str(figures),
            "-o",
            str(out),
            "--date",
            LETTER_DATE.isoformat(),
            "--jobs",
            "2",
        ]
    )
    written = len(list(out.glob("*.docx")))
    if written != n:
        raise SystemExit(f"lettergen wrote {written} letters, expected {n}")
    shutil.rmtree(out, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- docxtpl


def docxtpl_context(recipient) -> dict[str, str]:
    """The per-recipient values, formatted with lettergen.french as the template's filters do."""
    from lettergen import french

    territory = french.territory(recipient.departement)
    forms = french.office_forms(recipient.fonction, recipient.genre, territory, recipient.forme_titre)
    fig = recipient.figures
    values = {
        "appel": forms.appel,
        "elu": forms.participe,
        "titre": forms.titre,
        "dans": territory.dans,
        "formule": forms.formule_politesse,
        "etablissements": french.pluriel(
            fig["etablissements"], "établissement ou service", "établissements et services"
        ),
        "salaries": french.pluriel(fig["salaries"], "salarié"),
        "non_revalorises": french.pluriel(
            fig["salaries_non_revalorises"],
            "salarié de nos établissements reste exclu",
            "salariés de nos établissements restent exclus",
        ),
        "vacants": french.pluriel(fig["postes_vacants"], "poste y est vacant", "postes y sont vacants"),
    }
    values = {key: french.typographie(value) for key, value in values.items()}
    values["adresse"] = address_text(recipient, forms, territory)
    return values


def address_text(recipient, forms, territory) -> str:
    """The postal block, a line per line, as lettergen's letter prints it."""
    from lettergen import french

    institution = french.address_institution(recipient.fonction, territory)
    lines = french.address_block(
        recipient.genre,
        recipient.prenom,
        recipient.nom.upper(),
        forms,
        institution,
        recipient.adresse,
        recipient.code_postal,
        recipient.ville,
    )
    return "\n".join(lines)


def as_docxtpl(values: dict) -> dict:
    """A context for docxtpl: the address as a ``Listing`` (its lines become line breaks)."""
    from docxtpl import Listing

    return {**values, "adresse": Listing(values["adresse"])}


def docxtpl_values(recipient) -> dict:
    return as_docxtpl(docxtpl_context(recipient))


def lettergen_blocks(recipient) -> list[str]:
    """The body paragraphs of lettergen's letter for ``recipient`` (as ``docx_text`` reads them)."""
    from lettergen.template.render import load_template, render_letter

    template = load_template("segur", TEMPLATES)
    return [block.text for block in render_letter(template, recipient, LETTER_DATE, FIGURES).blocks()]


def build_docxtpl_template(path: Path, sample) -> None:
    """The Ségur letter of ``sample`` as a docxtpl template: its blocks, ``{{ … }}`` for its values."""
    import docx

    from lettergen.letter import Role
    from lettergen.writers.docx import STYLE_NAMES

    context = docxtpl_context(sample)
    address = context.pop("adresse")
    by_length = sorted(context.items(), key=lambda item: -len(item[1]))
    document = docx.Document(LETTERHEAD)
    body = document.element.body
    for child in list(body)[:-1]:  # keep the final sectPr
        body.remove(child)
    for text in lettergen_blocks(sample):
        paragraph = document.add_paragraph(style=STYLE_NAMES[Role.CORPS])
        if text == address:
            paragraph.add_run("{{ adresse }}")
            continue
        lines = text.split("\n")
        for n, line in enumerate(lines):
            for key, value in by_length:
                if value and value in line:
                    line = line.replace(value, f"{{{{ {key} }}}}")
            run = paragraph.add_run(line)
            if n < len(lines) - 1:
                run.add_break()
    document.save(path)


_template = None


def _docxtpl_init(path: str) -> None:
    global _template
    from docxtpl import DocxTemplate

    _template = DocxTemplate(path)


def _docxtpl_make(job: tuple[dict, str]) -> None:
    context, target = job
    _template.render(context, autoescape=True)
    _template.save(target)


def docxtpl_child(template_path: str, recipients: str, figures: str, out: str) -> None:
    """Subprocess: read the recipients, render every letter with docxtpl in 2 processes."""
    from multiprocessing import get_context

    from lettergen.read import read_recipients

    data = read_recipients(recipients, figures)
    Path(out).mkdir(parents=True, exist_ok=True)
    jobs = ((docxtpl_values(r), str(Path(out) / f"{r.id}.docx")) for r in data.recipients)
    with get_context("fork").Pool(2, _docxtpl_init, (template_path,)) as pool:
        for _ in pool.imap(_docxtpl_make, jobs, chunksize=16):
            pass


def check_equivalent(template_path: Path, recipients) -> bool:
    """True when docxtpl's letters read the same text as lettergen's for these recipients."""
    from docxtpl import DocxTemplate

    from lettergen.writers.docx import docx_text

    template = DocxTemplate(template_path)
    for recipient in recipients:
        template.render(docxtpl_values(recipient), autoescape=True)
        buffer = io.BytesIO()
        template.save(buffer)
        if docx_text(buffer.getvalue()) != lettergen_blocks(recipient):
            return False
    return True


def run_docxtpl(folder: Path, template_path: Path, recipients: Path, figures: Path, n: int) -> dict:
    out = folder / f"out-docxtpl-{n}"
    shutil.rmtree(out, ignore_errors=True)
    result = measure(
        [
            sys.executable,
            __file__,
            "--docxtpl-child",
            str(template_path),
            str(recipients),
            str(figures),
            str(out),
        ]
    )
    written = len(list(out.glob("*.docx")))
    if written != n:
        raise SystemExit(f"docxtpl wrote {written} letters, expected {n}")
    shutil.rmtree(out, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000 only")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where the data and the letters go (default: a new folder in the system's temporary "
        "folder); file creation costs differ a lot between file systems",
    )
    parser.add_argument("--docxtpl-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.docxtpl_child:
        docxtpl_child(*args.docxtpl_child)
        return
    sizes = (100, 1000) if args.quick else (100, 1000, 35000)
    docxtpl_sizes = (100, 1000)
    with tempfile.TemporaryDirectory(prefix="bench-generate-", dir=args.work_dir) as tmp:
        folder = Path(tmp)
        from lettergen.read import read_recipients

        data_dir = folder / "sample"
        data_dir.mkdir()
        sample_csv, sample_figures = write_data(data_dir, 6)
        sample = read_recipients(sample_csv, sample_figures).recipients
        template_path = folder / "segur_docxtpl.docx"
        build_docxtpl_template(template_path, sample[0])
        equivalent = check_equivalent(template_path, sample[1:])
        print(
            f"docxtpl template: {len(lettergen_blocks(sample[0]))} paragraphs; "
            f"same text as lettergen for 5 other recipients: {equivalent}",
            flush=True,
        )
        results: dict[tuple[str, int], dict] = {}
        for n in sizes:
            data_dir = folder / f"data-{n}"
            data_dir.mkdir()
            recipients, figures = write_data(data_dir, n)
            results["lettergen", n] = _report("lettergen", n, run_lettergen(folder, recipients, figures, n))
            if n in docxtpl_sizes:
                results["docxtpl", n] = _report(
                    "docxtpl", n, run_docxtpl(folder, template_path, recipients, figures, n)
                )
    print()
    print(
        "| approach (2 processes) | N | wall s | letters/s | CPU ms/letter (user + sys) "
        "| peak RSS, largest process (MB) | peak RSS, sum of tree (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for (name, n), r in results.items():
        print(
            f"| {name} | {n:,} | {r['wall']:.2f} | {n / r['wall']:,.0f} | {r['cpu'] / n * 1000:.2f} "
            f"({r['user'] / n * 1000:.2f} + {r['sys'] / n * 1000:.2f}) "
            f"| {r['rss_one_mb']:.0f} | {r['rss_sum_mb']:.0f} |"
        )
    print()
    for n in docxtpl_sizes:
        if ("lettergen", n) in results and ("docxtpl", n) in results:
            ours, theirs = results["lettergen", n], results["docxtpl", n]
            print(
                f"N = {n:,}: lettergen / docxtpl letters/s = {theirs['wall'] / ours['wall']:.1f}x, "
                f"CPU per letter = {theirs['cpu'] / ours['cpu']:.1f}x less"
            )
    biggest = max(sizes)
    if biggest > max(docxtpl_sizes):
        ours, theirs = results["lettergen", biggest], results["docxtpl", max(docxtpl_sizes)]
        n_ours, n_theirs = biggest, max(docxtpl_sizes)
        print(
            f"Steady state (lettergen N = {n_ours:,}, start-up amortised; docxtpl N = {n_theirs:,}): "
            f"letters/s {n_ours / ours['wall'] / (n_theirs / theirs['wall']):.1f}x, CPU per letter "
            f"{theirs['cpu'] / n_theirs / (ours['cpu'] / n_ours):.1f}x less"
        )


def _report(name: str, n: int, r: dict) -> dict:
    print(
        f"{name:9} N={n:>6,}: wall {r['wall']:7.2f} s, {n / r['wall']:8,.0f} letters/s, "
        f"CPU {r['cpu'] / n * 1000:6.2f} ms/letter ({r['user'] / n * 1000:.2f} user + "
        f"{r['sys'] / n * 1000:.2f} sys), peak RSS {r['rss_one_mb']:.0f} MB largest process, "
        f"{r['rss_sum_mb']:.0f} MB tree, {r['rss_main_mb']:.0f} MB main process "
        f"(ru_maxrss {r['ru_maxrss_mb']:.0f} MB)",
        flush=True,
    )
    return r


if __name__ == "__main__":
    main()
