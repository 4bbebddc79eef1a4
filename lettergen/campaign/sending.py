"""``send``: which letters go out, and the outbox discipline that never sends one twice.

For each message: a fresh Message-ID, the row marked ``en cours`` (committed) **before** the SMTP
transaction, ``envoyé`` after the server's acceptance, ``échec`` when the server refuses that
recipient. A run killed at any instant leaves at most one row ``en cours``: the next run reports
it ``incertain`` and sends it again only with ``--retry-uncertain``; every other letter is either
recorded as sent or still to send.
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from lettergen.campaign.messages import Attachment, Mailbox, build_message, new_message_id, valid_address
from lettergen.campaign.register import PENDING, SENT, Register, SentLetter
from lettergen.campaign.smtp import Transport
from lettergen.errors import Problem, SendingError
from lettergen.files import write_atomically
from lettergen.read.records import Recipient

if TYPE_CHECKING:  # the letter pipeline is imported only by the commands that render
    from lettergen.campaign.letters import PreparedLetter


@dataclass(frozen=True)
class SendOptions:
    """What ``send`` may do this run."""

    confirm: bool = False
    drafts: Path | None = None
    limit: int | None = None
    rate: float | None = None  # messages a minute
    retry_uncertain: bool = False
    skip_invalid: bool = False


@dataclass
class Plan:
    """The recipients to write to this run, and why the others are left out."""

    todo: list[Recipient] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # sent by an earlier run
    uncertain: list[str] = field(default_factory=list)  # left « en cours » by a run that died
    retried: list[str] = field(default_factory=list)  # « échec » or « incertain » sent again
    problems: list[Problem] = field(default_factory=list)  # no usable e-mail address
    beyond_limit: int = 0


def address_problem(recipient: Recipient) -> Problem | None:
    """A recipient to whom no e-mail can go: no address, or one no server would take."""
    where = (recipient.source or None, recipient.line or None)
    if not recipient.email:
        return Problem(*where, f"adresse électronique manquante (colonne « email ») pour « {recipient.id} »")
    if not valid_address(recipient.email):
        return Problem(
            *where, f"colonne « email » : adresse « {recipient.email} » invalide pour « {recipient.id} »"
        )
    return None


def plan_email(
    recipients: Iterable[Recipient], previous: dict[str, SentLetter], options: SendOptions
) -> Plan:
    """Sort the recipients into: to send, already sent, uncertain, without address."""
    plan = Plan()
    for recipient in recipients:
        earlier = previous.get(recipient.id)
        if earlier is not None and earlier.etat == SENT:
            plan.already.append(recipient.id)
            continue
        if earlier is not None and earlier.etat == PENDING and not options.retry_uncertain:
            plan.uncertain.append(recipient.id)
            continue
        problem = address_problem(recipient)
        if problem is not None:
            plan.problems.append(problem)
            continue
        if earlier is not None:
            plan.retried.append(recipient.id)
        plan.todo.append(recipient)
    if options.limit is not None and len(plan.todo) > options.limit:
        plan.beyond_limit = len(plan.todo) - options.limit
        plan.todo = plan.todo[: options.limit]
    return plan


@dataclass
class SendReport:
    """What a run did, for the end-of-run summary."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, server's reply)
    uncertain: list[tuple[str, str]] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)
    stopped: str = ""
    seconds: float = 0.0


def message_for(item: PreparedLetter, sender: Mailbox, pdf: bytes, message_id: str) -> EmailMessage:
    """The e-mail that carries one letter."""
    return build_message(
        sender,
        Mailbox(item.display_name, item.recipient.email),
        item.letter.objet,
        item.cover,
        Attachment(item.pdf_name, pdf),
        message_id,
        _dt.datetime.now(_dt.UTC).astimezone(),
    )


def write_drafts(
    prepared: list[PreparedLetter], pdfs: dict[str, Path], sender: Mailbox, folder: Path
) -> SendReport:
    """One ``.eml`` file per message in ``folder`` (each written whole, then renamed); nothing sent."""
    report = SendReport()
    folder.mkdir(parents=True, exist_ok=True)
    for item in prepared:
        message = message_for(item, sender, pdfs[item.recipient.id].read_bytes(), new_message_id(sender))
        path = folder / f"{item.stem}.eml"
        write_atomically(path, message.as_bytes())
        report.drafts.append(path)
    return report


@dataclass(frozen=True)
class Outbox:
    """Where one run's messages go: the register, the sender, the SMTP transport, the letter's identity."""

    register: Register
    sender: Mailbox
    transport: Transport
    modele: str
    letter_date: _dt.date


def send_all(
    outbox: Outbox,
    prepared: list[PreparedLetter],
    pdfs: dict[str, Path],
    rate: float | None = None,
    progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send each letter once, at most ``rate`` a minute; stop cleanly when the server is lost.

    The pause runs from the end of one message's transaction (about when the server counted it)
    to the start of the next: two acceptances are never closer than 60/rate seconds, whatever
    the time a connection or a transaction takes.
    """
    report = SendReport()
    started = clock()
    interval = 60.0 / rate if rate else 0.0
    next_at = started
    for item in prepared:
        wait = next_at - clock()
        if wait > 0:
            sleep(wait)
        try:
            _send_one(outbox, item, pdfs[item.recipient.id].read_bytes(), report)
        except SendingError as error:
            report.stopped = error.message
            break
        next_at = clock() + interval
        if progress:
            progress(1)
    report.seconds = clock() - started
    return report


def _send_one(outbox: Outbox, item: PreparedLetter, pdf: bytes, report: SendReport) -> None:
    recipient = item.recipient
    message_id = new_message_id(outbox.sender)
    message = message_for(item, outbox.sender, pdf, message_id)
    key = (recipient.id, outbox.modele, "email")
    outbox.register.mark_pending(
        SentLetter(
            destinataire=recipient.id,
            modele=outbox.modele,
            canal="email",
            date_lettre=outbox.letter_date,
            etat=PENDING,
            empreinte=item.fingerprint,
            nom=item.display_name,
            departement=recipient.departement,
            adresse=recipient.email,
            message_id=message_id,
        )
    )
    try:
        outcome = outbox.transport.send(message, outbox.sender.address, recipient.email)
    except SendingError:
        outbox.register.forget_pending(*key)  # raised before the data phase: nothing left
        raise
    if outcome.state == SENT:
        outbox.register.mark_sent(*key)
        report.sent.append(recipient.id)
    elif outcome.state == "refusé":
        outbox.register.mark_failed(*key, outcome.detail)
        report.failed.append((recipient.id, outcome.detail))
    else:  # the connection broke after the data was handed over: leave it « en cours »
        report.uncertain.append((recipient.id, outcome.detail))


def record_posted(
    register: Register, prepared: list[PreparedLetter], modele: str, letter_date: _dt.date
) -> tuple[int, int]:
    """``send --via courrier``: the letters as posted on the letter date; (added, already there)."""
    letters = [
        SentLetter(
            destinataire=item.recipient.id,
            modele=modele,
            canal="courrier",
            date_lettre=letter_date,
            etat=SENT,
            empreinte=item.fingerprint,
            nom=item.display_name,
            departement=item.recipient.departement,
            envoye_le=letter_date.isoformat(),
        )
        for item in prepared
    ]
    added = register.record_posted(letters)
    return added, len(letters) - added
