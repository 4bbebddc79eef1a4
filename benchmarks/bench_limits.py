"""What the template limits cost per letter: the example campaign rendered with and without them.

    python benchmarks/bench_limits.py               # 2,000 recipients, 7 rounds
    python benchmarks/bench_limits.py --recipients 500 --rounds 3

Data: the example campaign (recipients/exemple.csv, recipients/chiffres_exemple.csv,
templates/) with its recipients repeated under new ids up to ``--recipients``.

For each shipped template, two copies are loaded: one as lettergen ships it (every render
spends a budget, loops and concatenations counted, filters, calls and operators checked,
blocks and letter capped), one whose environment is made with ``limited=False`` (the
benchmark's own switch, given to ``make_environment`` by patching the template stage; no
user can reach it). The two are timed in turn, ``--rounds`` times, in this one process:

* ``markup``: ``render_markup`` (the Jinja render alone, where the limits act);
* ``letter``: ``render_letter`` (the whole template stage: render, markup, typography);
* ``docx``: ``render_letter`` then ``DocxWriter.render`` (the letter as ``generate`` makes it,
  short of writing the file);

and the best and the median of the rounds are printed, in µs of this thread's CPU time per
letter (the machine may be busy: wall time would measure the neighbours), with the limits'
cost in percent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lettergen.read.recipients import read_recipients  # noqa: E402
from lettergen.read.records import Recipient  # noqa: E402
from lettergen.template import render as render_stage  # noqa: E402
from lettergen.template.environment import make_environment  # noqa: E402
from lettergen.template.render import LetterTemplate, load_template, render_letter, render_markup  # noqa: E402
from lettergen.writers.docx import DocxWriter  # noqa: E402

LETTER_DATE = date(2021, 7, 1)
TEMPLATES = ("segur", "courte", "relance", "cosignee")
STAGES: tuple[tuple[str, Callable[..., object]], ...] = (("markup", render_markup), ("letter", render_letter))


def campaign(count: int) -> tuple[list[Recipient], tuple[str, ...]]:
    """The example recipients repeated under new ids up to ``count``."""
    data = read_recipients(ROOT / "recipients/exemple.csv", ROOT / "recipients/chiffres_exemple.csv")
    base = list(data.recipients)
    people = [replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i}") for i in range(count)]
    return people, tuple(data.figure_names)


def load(name: str, limited: bool) -> LetterTemplate:
    if limited:
        return load_template(name, ROOT / "templates")
    with mock.patch.object(render_stage, "make_environment", partial(make_environment, limited=False)):
        return load_template(name, ROOT / "templates")


def per_letter(
    render: Callable[..., object], template: LetterTemplate, people: list[Recipient], figures
) -> float:
    """Seconds per letter of one pass of ``render`` over ``people``."""
    started = time.thread_time()
    for person in people:
        render(template, person, LETTER_DATE, figures)
    return (time.thread_time() - started) / len(people)


def measure(
    name: str, people: list[Recipient], figures: tuple[str, ...], rounds: int
) -> dict[tuple[str, bool], list[float]]:
    """µs per letter of each round, by (stage, limited)."""
    templates = {True: load(name, True), False: load(name, False)}
    times: dict[tuple[str, bool], list[float]] = {}
    writer = DocxWriter(ROOT / "templates" / "papier_en_tete.docx")

    def docx(template: LetterTemplate, person: Recipient, when: date, names: tuple[str, ...]) -> bytes:
        return writer.render(render_letter(template, person, when, names), when)

    for _ in range(rounds):
        for stage, render in STAGES + (("docx", docx),):
            for limited, template in templates.items():
                times.setdefault((stage, limited), []).append(per_letter(render, template, people, figures))
    return {key: [seconds * 1e6 for seconds in values] for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    people, figures = campaign(args.recipients)
    print(f"{len(people)} destinataires, {args.rounds} passes ; µs de CPU par lettre")
    heads = ("sans", "avec", "coût", "méd. sans", "méd. avec", "coût")
    print(f"{'modèle':<10} {'étape':<7} " + " ".join(f"{h:>{10 if 'méd' in h else 8}}" for h in heads))
    for name in TEMPLATES:
        result = measure(name, people, figures, args.rounds)
        for stage in ("markup", "letter", "docx"):
            without, limited = result[(stage, False)], result[(stage, True)]
            best = (min(without), min(limited))
            middle = (statistics.median(without), statistics.median(limited))
            print(
                f"{name:<10} {stage:<7} {best[0]:8.1f} {best[1]:8.1f} {_cost(*best):>8} "
                f"{middle[0]:10.1f} {middle[1]:10.1f} {_cost(*middle):>8}"
            )


def _cost(without: float, limited: float) -> str:
    return f"{(limited - without) / without * 100:+.1f} %"


if __name__ == "__main__":
    main()
