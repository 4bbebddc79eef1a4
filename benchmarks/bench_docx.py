"""Benchmark the DOCX writer against docxtpl on the same synthetic letter.

    python benchmarks/bench_docx.py [--sizes 100,1000,35000] [--docxtpl-sizes 100,1000]

Each (approach, N) runs in a fresh child process so that its peak RSS is its own.
The letter is built like the federation's: 24 paragraphs, about 5.6 KB of text,
a dozen values that change per recipient, bold and italic runs, three signatories.
docxtpl renders an equivalent template built here with python-docx on the same
letterhead (same paragraphs, Jinja tags where the values go); it is benchmark-only.
Reported: CPU ms per letter (render + zip to bytes), letters/s (wall), peak RSS.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lettergen.letter import Letter, Paragraph, Role, Run, Signatory  # noqa: E402
from lettergen.writers.docx import STYLE_NAMES, DocxWriter, docx_text  # noqa: E402

LETTERHEAD = ROOT / "templates" / "papier_en_tete.docx"
DEPARTEMENTS = (
    "de l’Ain",
    "de l’Aisne",
    "des Bouches-du-Rhône",
    "de la Gironde",
    "du Nord",
    "de la Seine-Saint-Denis",
    "du Finistère",
    "de la Haute-Garonne",
    "de Mayotte",
)
NAMES = (
    ("Marie", "DUPONT", "Madame la Présidente"),
    ("Jean", "MARTIN", "Monsieur le Président"),
    ("Chloé", "BERNARD", "Madame la Présidente"),
    ("Luc", "PETIT", "Monsieur le Président"),
)

# Each paragraph: runs of (str.format text, bold, italic). 24 paragraphs, ≈ 5.6 KB once filled.
_SENTENCE = (
    "Les professionnels du secteur social et médico-social {dep} ont assuré, pendant "
    "la crise, des missions de soins et d’accompagnement\u202f; "
)
PARAGRAPHS = (
    [
        (
            ("Vous avez été récemment ", False, False),
            ("{elu}", True, False),
            (" à la présidence du conseil départemental {dep}, ", False, False),
            ("et nous vous en félicitons", False, True),
            (".", False, False),
        ),
    ]
    + [
        (
            (
                f"{_SENTENCE}leur nombre atteint {{salaries}} salariés, pour {{etablissements}} "
                f"établissements et services (point {n}).",
                False,
                False,
            ),
        )
        for n in range(2, 24)
    ]
    + [
        (
            ("Le coût d’une revalorisation est estimé à ", False, False),
            ("{cout}", True, False),
            (" pour le département, soit {part} de son budget d’action sociale.", False, False),
        ),
    ]
)
SIGNATORIES = (
    Signatory("Jeanne MARTIN", "Présidente", "Fédération exemple"),
    Signatory("Paul DURAND", "Président", "Union des associations exemple"),
    Signatory("Amina BENALI", "Directrice générale", "Réseau exemple"),
)
SENDER = ("Fédération exemple", "12 rue de l’Exemple", "75000 PARIS")
CLOSING = "Nous vous prions d’agréer, {appel_court}, l’expression de notre haute considération."
OBJET = "Conséquences du Ségur de la santé – attractivité des métiers"


def context(i: int) -> dict[str, str]:
    """Return the values that change for recipient ``i``."""
    prenom, nom, appel = NAMES[i % len(NAMES)]
    feminine = appel.startswith("Madame")
    return {
        "dep": DEPARTEMENTS[i % len(DEPARTEMENTS)],
        "elu": "élue" if feminine else "élu",
        "salaries": f"{1000 + 37 * i:,}".replace(",", "\u202f"),
        "etablissements": str(40 + i % 300),
        "cout": f"{(i % 97 + 3) * 101_000:,}\u00a0€".replace(",", "\u202f"),
        "part": f"{(i % 40 + 5) / 10:.1f}".replace(".", ",") + "\u00a0%",
        "appel_court": appel,
        "appel": appel + ",",
        "nom_complet": f"{'Madame' if feminine else 'Monsieur'} {prenom} {nom}",
        "titre": f"{'Présidente' if feminine else 'Président'} du Conseil départemental",
        "ligne_dep": f"Conseil départemental {DEPARTEMENTS[i % len(DEPARTEMENTS)]}"[:38],
        "cp_ville": f"{(i % 95 + 1):02d}000 PREFECTURE",
        "lieu_date": f"Paris, le {i % 28 + 1}{'er' if i % 28 == 0 else ''} juillet 2022",
    }


def make_letter(i: int) -> Letter:
    """Return the synthetic letter for recipient ``i``, built directly as a Letter value."""
    ctx = context(i)
    body = tuple(
        Paragraph(tuple(Run(text.format(**ctx), bold, italic) for text, bold, italic in runs))
        for runs in PARAGRAPHS
    )
    return Letter(
        str(i),
        OBJET,
        ctx["appel"],
        body,
        CLOSING.format(**ctx),
        SIGNATORIES,
        SENDER,
        (
            ctx["ligne_dep"],
            ctx["nom_complet"],
            ctx["titre"][:38],
            "1 ESPLANADE DE L EXEMPLE",
            ctx["cp_ville"],
        ),
        ctx["lieu_date"],
        "",
        "",
        datetime.date(2022, 7, i % 28 + 1),
    )


def _jinja(text: str) -> str:
    return text.replace("{", "{{ ").replace("}", " }}")


def build_docxtpl_template(path: Path) -> None:
    """Write the docxtpl equivalent of the letter: the letterhead, same paragraphs, Jinja tags."""
    import docx

    document = docx.Document(LETTERHEAD)
    body = document.element.body
    for child in list(body)[:-1]:  # keep the final sectPr
        body.remove(child)

    def lines(style: Role, texts) -> None:
        paragraph = document.add_paragraph(style=STYLE_NAMES[style])
        for n, text in enumerate(texts):
            run = paragraph.add_run(text)
            if n < len(texts) - 1:
                run.add_break()

    lines(Role.EXPEDITEUR, SENDER)
    lines(
        Role.ADRESSE,
        [
            "{{ ligne_dep }}",
            "{{ nom_complet }}",
            "{{ titre[:38] }}",
            "1 ESPLANADE DE L EXEMPLE",
            "{{ cp_ville }}",
        ],
    )
    lines(Role.LIEU_DATE, ["{{ lieu_date }}"])
    objet = document.add_paragraph(style=STYLE_NAMES[Role.OBJET])
    objet.add_run("Objet\u00a0:").bold = True
    objet.add_run(f" {OBJET}")
    lines(Role.APPEL, ["{{ appel }}"])
    for runs in PARAGRAPHS:
        paragraph = document.add_paragraph(style=STYLE_NAMES[Role.CORPS])
        for text, bold, italic in runs:
            run = paragraph.add_run(_jinja(text))
            run.bold, run.italic = bold or None, italic or None
    lines(Role.FORMULE, [_jinja(CLOSING)])
    # As DocxWriter lays them out: a row of organisations, then a row of names and functions.
    table = document.add_table(2, len(SIGNATORIES))
    for column, signatory in enumerate(SIGNATORIES):
        organisation, name = table.rows[0].cells[column], table.rows[1].cells[column]
        for cell in (organisation, name):
            cell.paragraphs[0].style = document.styles[STYLE_NAMES[Role.SIGNATAIRE]]
        organisation.paragraphs[0].add_run(signatory.organisation)
        lines = [line for line in (signatory.nom, signatory.fonction) if line]
        for n, text in enumerate(lines):
            run = name.paragraphs[0].add_run(text)
            if n < len(lines) - 1:
                run.add_break()
    document.save(path)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_writer(n: int, level: int) -> dict:
    """Render ``n`` letters with DocxWriter; return the measures."""
    start = time.perf_counter()
    writer = DocxWriter(LETTERHEAD, level=level)
    setup = time.perf_counter() - start
    writer.render(make_letter(0))  # first-letter costs (imports, regex) out of the loop
    cpu = wall = 0.0
    size = 0
    for i in range(n):
        letter = make_letter(i)
        c0, w0 = time.process_time(), time.perf_counter()
        data = writer.render(letter)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        size += len(data)
    return {"setup_ms": setup * 1000, "cpu": cpu, "wall": wall, "bytes": size / n}


def run_docxtpl(n: int) -> dict:
    """Render ``n`` letters with one DocxTemplate, render() + save() to bytes each."""
    from docxtpl import DocxTemplate

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "modele.docx"
        build_docxtpl_template(path)
        start = time.perf_counter()
        template = DocxTemplate(path)
        setup = time.perf_counter() - start
        cpu = wall = 0.0
        size = 0
        for i in range(n):
            ctx = context(i)
            c0, w0 = time.process_time(), time.perf_counter()
            template.render(ctx)
            buffer = io.BytesIO()
            template.save(buffer)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
            size += len(buffer.getvalue())
    return {"setup_ms": setup * 1000, "cpu": cpu, "wall": wall, "bytes": size / n}


def check_equivalent() -> bool:
    """Return True when docxtpl and DocxWriter give the same body text for two recipients."""
    from docxtpl import DocxTemplate

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "modele.docx"
        build_docxtpl_template(path)
        template = DocxTemplate(path)
        writer = DocxWriter(LETTERHEAD)
        for i in (1, 2):
            template.render(context(i))
            buffer = io.BytesIO()
            template.save(buffer)
            if docx_text(buffer.getvalue()) != docx_text(writer.render(make_letter(i))):
                return False
    return True


def child(approach: str, n: int, level: int) -> None:
    """Run one measure in this process and print it as JSON."""
    result = run_writer(n, level) if approach == "writer" else run_docxtpl(n)
    result.update(approach=approach, n=n, level=level, rss_mb=_peak_rss_mb())
    print(json.dumps(result))


def measure(approach: str, n: int, level: int = 6) -> dict:
    """Run ``child`` in a fresh interpreter and return its figures."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", approach, str(n), str(level)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["ms"] = result["cpu"] / n * 1000
    result["per_s"] = n / result["wall"]
    return result


def main() -> None:
    """Measure every size, print one table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,35000")
    parser.add_argument("--docxtpl-sizes", default="100,1000")
    parser.add_argument("--levels", default="6,1", help="zlib levels to measure for DocxWriter")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    letter = make_letter(0)
    text_bytes = sum(len(b.text.encode()) for b in letter.blocks())
    print(
        f"lettre : {len(letter.body)} paragraphes, {text_bytes} octets de texte ; "
        f"docxtpl même texte : {check_equivalent()}"
    )
    print(
        f"{'approche':<18}{'N':>7}{'ms CPU/lettre':>15}{'lettres/s':>11}{'RSS max Mo':>12}"
        f"{'Ko/lettre':>11}{'prép. ms':>10}"
    )
    results: dict[tuple, dict] = {}
    sizes = [int(s) for s in args.sizes.split(",")]
    for level in (int(v) for v in args.levels.split(",")):
        for n in sizes:
            results["writer", level, n] = r = measure("writer", n, level)
            _row(f"DocxWriter z{level}", r)
    for n in (int(s) for s in args.docxtpl_sizes.split(",") if s):
        results["docxtpl", n] = r = measure("docxtpl", n)
        _row("docxtpl", r)
        for level in (int(v) for v in args.levels.split(",")):
            mine = results.get(("writer", level, n))
            if mine:
                print(
                    f"  ratio à N={n}, z{level} : {r['ms'] / mine['ms']:.1f}× moins de CPU, "
                    f"{mine['per_s'] / r['per_s']:.1f}× plus de lettres/s"
                )


def _row(name: str, r: dict) -> None:
    print(
        f"{name:<18}{r['n']:>7}{r['ms']:>15.3f}{r['per_s']:>11.0f}{r['rss_mb']:>12.1f}"
        f"{r['bytes'] / 1024:>11.1f}{r['setup_ms']:>10.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
