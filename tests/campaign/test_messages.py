"""The RFC 5322 message: headers that survive any French (or other) name and subject."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lettergen.campaign.messages import (
    Attachment,
    Mailbox,
    build_message,
    new_message_id,
    one_line,
    parse_sender,
    valid_address,
)
from lettergen.errors import InputError
from tests.campaign.conftest import header_text

SENDER = Mailbox("Fédération « exemple »", "campagne@federation-exemple.org")
WHEN = dt.datetime(2021, 7, 1, 9, 30, tzinfo=dt.UTC)
# Printable text as people type it: letters of every script, digits, punctuation, spaces; no
# control characters (they cannot be in a header) and no surrogates.
names = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=80,
).filter(lambda s: one_line(s) != "")


def _message(name: str, subject: str):
    return build_message(
        SENDER,
        Mailbox(name, "destinataire@example.org"),
        subject,
        "Madame la Présidente,\n\nVeuillez trouver ci-joint…\n",
        Attachment("33-gironde-martin.pdf", b"%PDF-1.4 test"),
        new_message_id(SENDER),
        WHEN,
    )


@settings(max_examples=150, deadline=None)
@given(name=names, subject=names)
def test_display_names_and_subjects_round_trip(name, subject):
    raw = _message(name, subject).as_bytes()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    raw.decode("ascii")  # RFC 2047 on the wire: no 8-bit header
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == one_line(subject)
    assert parsed["To"].addresses[0].addr_spec == "destinataire@example.org"
    # Decoded as RFC 2047 readers do (see header_text): the display name comes back whole.
    assert one_line(name) in header_text(raw, "To")


def test_message_structure():
    message = message_from_bytes(
        _message("Hélène N'GUYEN-ÉLÉONORE", "Relance – Ségur").as_bytes(), policy=policy.default
    )
    assert message.get_content_type() == "multipart/mixed"
    assert message["Date"] == "Thu, 01 Jul 2021 09:30:00 +0000"
    assert message["Message-ID"].strip().endswith("@federation-exemple.org>")
    assert message.get_body(("plain",)).get_content().startswith("Madame la Présidente,")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "33-gironde-martin.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"


def test_message_ids_are_fresh():
    assert len({new_message_id(SENDER) for _ in range(1000)}) == 1000


def test_parse_sender_forms():
    table = {"nom": "Fédération exemple", "adresse": "campagne@federation-exemple.org"}
    assert parse_sender(table, "c.toml") == Mailbox("Fédération exemple", "campagne@federation-exemple.org")
    assert parse_sender("Fédé <a@b.org>", "c.toml") == Mailbox("Fédé", "a@b.org")
    with pytest.raises(InputError) as error:
        parse_sender({"nom": "X", "adresse": "pas une adresse"}, "c.toml")
    assert (
        str(error.value) == "c.toml: [envoi] expediteur : adresse électronique « pas une adresse » invalide"
    )


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("claire.martin@gironde.fr", True),
        ("c+campagne@cd33.fr", True),
        ("claire martin@gironde.fr", False),
        ("claire@", False),
        ("@gironde.fr", False),
        ("claire@gironde", False),
        ("a@b@c.fr", False),
        ("<claire@gironde.fr>", False),
    ],
)
def test_valid_address(address, ok):
    assert valid_address(address) is ok
