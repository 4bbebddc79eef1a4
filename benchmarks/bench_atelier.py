"""Benchmark the atelier: keystroke to updated « Aperçu », in the real browser.

Run: ``python benchmarks/bench_atelier.py [EDITS]`` (default 50). Serves a copy of the example
campaign, opens it in Debian's Chromium (Playwright), types into « Modèle » and times, inside the
page (``performance.now()``), from the ``input`` event of a keystroke to the moment the preview
shows it: EDITS single corrections (one character, then a pause: sent at once), then 10 words typed
at 12 keys a second (only the last keystroke's preview counts: it includes the 200 ms debounce).
Side by side: the press officer's loop without the atelier, one ``lettergen preview`` run in a
terminal (median of 5). Prints the load average: the figures are only comparable at equal load.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

from lettergen.atelier.server import BackgroundServer
from lettergen.atelier.workbench import AtelierConfig
from lettergen.batch import Sources

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 300
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
WATCH = """() => {
  const modele = document.getElementById("modele");
  const apercu = document.getElementById("apercu");
  window.mesures = [];
  modele.addEventListener("input", () => { window.frappe = performance.now(); });
  document.addEventListener("atelier:apercu", () => {
    window.mesures.push({ frappe: window.frappe, vue: performance.now(), texte: apercu.innerText });
  });
}"""


def config(folder: Path) -> AtelierConfig:
    sources = Sources(
        templates_dir=folder / "templates",
        template="segur",
        recipients=folder / "recipients" / "exemple.csv",
        figures=folder / "recipients" / "chiffres_exemple.csv",
        letterhead=folder / "templates" / "papier_en_tete.docx",
        letter_date=date(2021, 7, 1),
    )
    return AtelierConfig(sources, port=0)


def _latency(page, expected: str) -> float:
    """Milliseconds from the last keystroke to the first preview that shows exactly ``expected``."""
    page.get_by_role("region", name="Aperçu").get_by_text(expected, exact=False).first.wait_for()
    seen = page.evaluate(
        "(mot) => window.mesures.filter(m => m.texte.includes(mot) && !m.texte.includes(mot + 'x'))"
        ".map(m => m.vue - m.frappe)",
        expected,
    )
    return seen[0]


def measure(url: str, edits: int, bursts: int = 10) -> tuple[list[float], list[float]]:
    """Milliseconds from a keystroke to the preview that shows it: single edits, then bursts."""
    latencies = []
    burst_latencies = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url)
        page.get_by_role("region", name="Aperçu").get_by_text("nous vous en félicitons").wait_for()
        page.evaluate(WATCH)
        editor = page.get_by_role("textbox", name="Modèle")
        position = editor.input_value().index("nous vous en félicitons") + len("nous vous en félicitons")
        editor.focus()
        page.evaluate(f"() => document.getElementById('modele').setSelectionRange({position}, {position})")
        typed = 0
        for _ in range(edits):
            page.keyboard.type("x")
            typed += 1
            latencies.append(_latency(page, "félicitons" + "x" * typed))
            time.sleep(0.3)  # the writer pauses, reads the preview, corrects again
        for _ in range(bursts):
            page.keyboard.type("xxxxx", delay=80)  # a word typed at 12 keys a second
            typed += 5
            burst_latencies.append(_latency(page, "félicitons" + "x" * typed))
            time.sleep(0.3)
        browser.close()
    return latencies, burst_latencies


def preview_command(folder: Path) -> float:
    command = [sys.executable, "-m", "lettergen", "preview", "--recipient", "33", "--date", "2021-07-01"]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(edits: int) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        for name in ("templates", "recipients"):
            shutil.copytree(REPO / name, root / name)
        (root / "atelier").mkdir()
        with BackgroundServer(config(root), root / "atelier") as server:
            single, bursts = measure(server.url, edits)
        terminal = preview_command(root)
    load = os.getloadavg()[0]
    print(
        "atelier, frappe → aperçu à jour (Chromium, campagne d'exemple, "
        f"charge {load:.1f} sur {os.cpu_count()} cœurs)"
    )
    print(f"  {'':44}{'médiane':>10}{'p95':>10}{'max':>10}")
    for label, values in (
        (f"atelier, {len(single)} corrections isolées", single),
        (f"atelier, fin de {len(bursts)} mots tapés (anti-rebond)", bursts),
    ):
        values = sorted(values)
        p95 = values[max(0, round(0.95 * len(values)) - 1)]
        print(f"  {label:44}{statistics.median(values):>7.0f} ms{p95:>7.0f} ms{values[-1]:>7.0f} ms")
    print(f"  {'lettergen preview (terminal, processus)':44}{terminal:>7.0f} ms")
    single = sorted(single)
    p95 = single[max(0, round(0.95 * len(single)) - 1)]
    print(
        f"  cible < {TARGET_MS} ms (p95 des corrections isolées) : "
        f"{'atteinte' if p95 < TARGET_MS else 'NON atteinte'}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
