"""Benchmark ``lettergen send --via email --confirm`` through a local aiosmtpd, and ``--rate``.

    python benchmarks/bench_send.py              # N = 1,000 messages, then a --rate run
    python benchmarks/bench_send.py -n 200       # fewer messages

What runs:

* an aiosmtpd server on 127.0.0.1 in this process (a thread): it counts messages and stamps
  their arrival time, nothing else;
* lettergen: the real CLI in a subprocess (``python -c … send --via email --confirm``) on N
  synthetic recipients, each with an address of its own, with a fresh register. The letters'
  PDFs are not made by LibreOffice here (that is ``bench_pdf.py``'s subject, and it would
  dominate): one real letter PDF is converted once, and the adapter's ``write_pdfs`` is replaced
  by a copy of it under each letter's name, so every message carries a real-size attachment;
* the named peer, awdeorio/mailmerge (``mailmerge --no-dry-run --no-limit``, the same subject,
  a short cover text and the same PDF as ``ATTACHMENT:``, a CSV of the same N addresses): no
  register, no resume beyond ``--resume N``, one SMTP connection per message;
* the floor: a bare ``smtplib`` loop in a subprocess sending N messages of lettergen's shape
  (``build_message``, same PDF) over one connection, with no register: what e-mail itself costs
  in Python. The gap to lettergen is the register and the outbox discipline (two committed
  transactions with ``synchronous=FULL`` per message), start-up and rendering the letters.

Measures: wall of each subprocess; messages/s over the send loop (lettergen: first to last
message at the server); CPU per message (``RUSAGE_CHILDREN`` user+sys of the subprocess, /N);
the register's size on disk (database + WAL). Then ``--rate R`` on a short run: the measured
rate between the first and the last arrival, which must not exceed R a minute.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHIM = """
import shutil, sys
from pathlib import Path
from lettergen.campaign import letters
PDF = Path(sys.argv.pop(1))
def copies(campaign, prepared, folder):
    paths = {}
    for item in prepared:
        paths[item.recipient.id] = folder / item.pdf_name
        shutil.copyfile(PDF, paths[item.recipient.id])
    return paths
letters.write_pdfs = copies
from lettergen.cli import main
main()
"""

PEER = """
import datetime as dt, smtplib, sys
from pathlib import Path
from lettergen.campaign.messages import Attachment, Mailbox, build_message, new_message_id
port, count, pdf = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]).read_bytes()
sender = Mailbox("Fédération exemple", "campagne@federation-exemple.org")
subject = "Conséquences du Ségur de la santé sur l’attractivité des métiers du soin et de l’accompagnement"
with smtplib.SMTP("127.0.0.1", port) as session:
    for number in range(count):
        to = Mailbox("Claire MARTIN", f"peer{number:05d}@example.org")
        message = build_message(sender, to, subject, "Madame la Présidente,\\n\\nVeuillez trouver…\\n",
                                Attachment("33-gironde-martin.pdf", pdf), new_message_id(sender),
                                dt.datetime.now(dt.UTC))
        session.sendmail(sender.address, [to.address], message.as_bytes())
"""


class Counter:
    """aiosmtpd handler: arrival times only."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrivals.append(time.perf_counter())
        return "250 OK"


def write_recipients(path: Path, count: int) -> None:
    with open(ROOT / "recipients/exemple.csv", encoding="utf-8") as handle:
        source = list(csv.DictReader(handle, delimiter=";"))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(source[0]), delimiter=";")
        writer.writeheader()
        for number in range(count):
            row = dict(source[number % len(source)])
            row["id"], row["email"] = f"b{number:05d}", f"dest{number:05d}@example.org"
            writer.writerow(row)


MAILMERGE_TEMPLATE = """TO: {{{{email}}}}
FROM: Fédération exemple <campagne@federation-exemple.org>
SUBJECT: Conséquences du Ségur de la santé sur l’attractivité des métiers du soin et de l’accompagnement
ATTACHMENT: {pdf}

Madame la Présidente,

Vous trouverez ci-joint, au format PDF, notre courrier du 1er juillet 2021.
"""


def mailmerge_command(work: Path, pdf: Path, port: int, count: int) -> list[str]:
    """Files for awdeorio/mailmerge: template, database of N addresses, server config."""
    folder = work / "mailmerge"
    folder.mkdir()
    (folder / "template.txt").write_text(MAILMERGE_TEMPLATE.format(pdf=pdf), encoding="utf-8")
    rows = "".join(f"mm{number:05d}@example.org\n" for number in range(count))
    (folder / "database.csv").write_text("email\n" + rows, encoding="utf-8")
    (folder / "server.conf").write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n", encoding="utf-8")
    mailmerge = Path(sys.executable).with_name("mailmerge")
    return [str(mailmerge), "--no-dry-run", "--no-limit", "--output-format", "raw", "--template",
            str(folder / "template.txt"), "--database", str(folder / "database.csv"), "--config",
            str(folder / "server.conf")]  # fmt: skip


def one_real_pdf(work: Path) -> Path:
    """The example letter for Gironde, converted once by LibreOffice."""
    result = subprocess.run(
        [sys.executable, "-m", "lettergen", "generate", "--format", "pdf", "--only", "33",
         "--date", "2021-07-01", "-o", str(work / "pdf")],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"PDF de référence impossible : {result.stderr}")
    return next((work / "pdf").glob("*.pdf"))


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user+sys of the child) and stdout of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"échec : {' '.join(command[:4])}…\n{result.stdout}\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


#: A --rate the machine never reaches: one message a millisecond.
UNLIMITED = 60_000


def send_command(pdf: Path, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-c", SHIM, str(pdf), "send", "--via", "email", "-r", "d.csv",
            "--date", "2021-07-01", "--smtp", f"smtp://127.0.0.1:{port}", "--confirm", *extra]  # fmt: skip


def span_rate(arrivals: list[float]) -> float:
    return (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="messages (défaut : 1000)")
    parser.add_argument("--rate", type=int, default=120, help="--rate mesuré (messages/min, défaut : 120)")
    parser.add_argument("--rate-messages", type=int, default=9, help="messages du test --rate")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-send-"))
    try:
        pdf = one_real_pdf(work)
        counter = Counter()
        port = _free_port()
        controller = Controller(counter, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            _bench(args, work, pdf, counter, port)
        finally:
            controller.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bench(args, work: Path, pdf: Path, counter: Counter, port: int) -> None:
    n = args.n
    campaign = work / "campagne"
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, campaign / name)
    write_recipients(campaign / "d.csv", n)
    print(
        f"N = {n} messages, pièce jointe {pdf.stat().st_size / 1024:.0f} Kio (PDF réel), "
        "serveur aiosmtpd local"
    )

    # Throughput: no pause between messages (the default --rate is an account's, not the machine's).
    wall, cpu, out = timed(send_command(pdf, port, "--rate", str(UNLIMITED)), campaign)
    arrivals, counter.arrivals = counter.arrivals, []
    assert len(arrivals) == n, (len(arrivals), out)
    size = sum(p.stat().st_size for p in campaign.glob("registre.sqlite*") if p.suffix != ".lock")
    lettergen = (wall, cpu, span_rate(arrivals))

    wall, cpu, _ = timed(mailmerge_command(work, pdf, port, n), work)
    peer_arrivals, counter.arrivals = counter.arrivals, []
    assert len(peer_arrivals) == n, len(peer_arrivals)
    mailmerge = (wall, cpu, span_rate(peer_arrivals))

    wall, cpu, _ = timed([sys.executable, "-c", PEER, str(port), str(n), str(pdf)], work)
    floor_arrivals, counter.arrivals = counter.arrivals, []
    floor = (wall, cpu, span_rate(floor_arrivals))

    columns = {"lettergen send": lettergen, "mailmerge 2.3.0": mailmerge, "smtplib nu": floor}
    print(f"{'':30}" + "".join(f"{name:>18}" for name in columns))
    print(f"{'durée totale (s)':30}" + "".join(f"{v[0]:>18.1f}" for v in columns.values()))
    print(f"{'messages/s (boucle d envoi)':30}" + "".join(f"{v[2]:>18.1f}" for v in columns.values()))
    print(f"{'CPU par message (ms)':30}" + "".join(f"{v[1] / n * 1000:>18.1f}" for v in columns.values()))
    print(f"{'registre (Kio)':30}{size / 1024:>18.0f}{'–':>18}{'–':>18}  ({size / n:.0f} octets/lettre)")

    rate_dir = work / "rythme"
    for name in ("templates", "recipients"):
        shutil.copytree(ROOT / name, rate_dir / name)
    write_recipients(rate_dir / "d.csv", args.rate_messages)
    timed(send_command(pdf, port, "--rate", str(args.rate)), rate_dir)
    measured = span_rate(counter.arrivals) * 60
    verdict = "respecté" if measured <= args.rate * 1.001 else "DÉPASSÉ"
    print(
        f"--rate {args.rate} : {len(counter.arrivals)} messages, "
        f"{measured:.1f} messages/min mesurés ({verdict})"
    )


if __name__ == "__main__":
    main()
