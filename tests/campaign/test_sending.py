"""The send loop's rules that need no server: planning, and the --rate pause."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lettergen.campaign.register import SentLetter
from lettergen.campaign.sending import Outbox, SendOptions, plan_email, send_all
from lettergen.campaign.smtp import SENT
from lettergen.read.records import Recipient


def recipient(letter_id: str, email: str = "") -> Recipient:
    return Recipient(
        letter_id, "F", "Claire", "MARTIN", "33", email=email or f"{letter_id}@x.fr", source="d.csv", line=2
    )


def sent(letter_id: str, etat: str) -> SentLetter:
    return SentLetter(letter_id, "segur", "email", dt.date(2021, 7, 1), etat)


def test_plan_sorts_recipients():
    recipients = [recipient("a"), recipient("b"), recipient("c"), recipient("d"), recipient("e", "x@")]
    previous = {"a": sent("a", "envoyé"), "b": sent("b", "en cours"), "c": sent("c", "échec")}
    plan = plan_email(recipients, previous, SendOptions())
    assert [r.id for r in plan.todo] == ["c", "d"]
    assert (plan.already, plan.uncertain, plan.retried) == (["a"], ["b"], ["c"])
    assert [str(p) for p in plan.problems] == [
        "d.csv:2: colonne « email » : adresse « x@ » invalide pour « e »"
    ]
    retry = plan_email(recipients, previous, SendOptions(retry_uncertain=True, limit=1))
    assert [r.id for r in retry.todo] == ["b"] and retry.beyond_limit == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeRegister:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def mark_pending(self, letter) -> None:
        self.calls.append(("en cours", letter.destinataire, letter.message_id))

    def mark_sent(self, *key) -> None:
        self.calls.append(("envoyé", key[0]))


class SlowTransport:
    """Each transaction takes 0.4 s of the fake clock; records the time of each acceptance."""

    def __init__(self, clock: FakeClock, register: FakeRegister) -> None:
        self.clock, self.register, self.accepted = clock, register, []

    def send(self, message, sender, to):
        assert self.register.calls[-1][0] == "en cours"  # marked before the transaction
        self.clock.now += 0.4
        self.accepted.append(self.clock.now)
        return SENT


def test_rate_spaces_acceptances_and_marks_pending_first(tmp_path, monkeypatch):
    from lettergen.campaign import sending

    monkeypatch.setattr(sending, "message_for", lambda item, sender, pdf, message_id: object())
    clock, register = FakeClock(), FakeRegister()
    transport = SlowTransport(clock, register)
    outbox = Outbox(register, sending.Mailbox("F", "f@x.fr"), transport, "segur", dt.date(2021, 7, 1))  # type: ignore[arg-type]
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF")
    items = [
        type("Item", (), {"recipient": recipient(i), "fingerprint": "", "display_name": "C"})()
        for i in "abcd"
    ]
    report = send_all(outbox, items, {i: Path(pdf) for i in "abcd"}, rate=30, clock=clock, sleep=clock.sleep)
    assert report.sent == ["a", "b", "c", "d"]
    gaps = [
        later - earlier for earlier, later in zip(transport.accepted, transport.accepted[1:], strict=False)
    ]
    assert all(gap >= 2.0 for gap in gaps)  # 30 a minute: never two acceptances closer than 2 s
    assert [call[0] for call in register.calls] == ["en cours", "envoyé"] * 4
