"""The e-mail that carries a letter: RFC 5322, ``multipart/mixed``, the letter's PDF attached.

Headers go through :data:`email.policy.SMTP` (lines end in CRLF, long headers are folded),
except the display names and the subject, which :func:`encoded_words` writes: the standard
library's folder may fold at a space between two encoded words, and RFC 2047 readers drop such
a space (« 0 000¡ ¡ » shown « 0 000¡¡ »). The cover text is sent
quoted-printable, so the message is plain ASCII on the wire and needs no 8BITMIME.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from lettergen.errors import InputError


@dataclass(frozen=True)
class Mailbox:
    """A display name and an address: ``Fédération exemple <campagne@federation-exemple.org>``."""

    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def encoded_words(text: str, field: str) -> str:
    """``text`` as RFC 2047 encoded words, every space inside a word, folded with CRLF."""
    return Header(text, "utf-8", header_name=field).encode(splitchars="", linesep="\r\n")


def _set_header(message: EmailMessage, field: str, text: str, address: str = "") -> None:
    """ASCII goes through the policy (quoted, folded); other text as :func:`encoded_words` writes it."""
    text = one_line(text)
    if text.isascii():
        message[field] = Address(display_name=text, addr_spec=address) if address else text
        return
    encoded = encoded_words(text, field)
    message.set_raw(field, f"{encoded} <{address}>" if address else encoded)


def one_line(text: str) -> str:
    """A header value on one line: runs of white space (newlines included) become one space."""
    return " ".join(text.split())


def valid_address(address: str) -> bool:
    """A plausible ``local@domain`` address, as a mail server would take it."""
    local, at, domain = address.partition("@")
    if not (local and at and domain) or "@" in domain or "." not in domain.strip("."):
        return False
    if any(c.isspace() or c in '<>,;"()[]\\' for c in address):
        return False
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError, TypeError):
        return False
    return True


def parse_sender(value: Any, file: str) -> Mailbox:
    """The ``[envoi] expediteur`` of ``campagne.toml``.

    Either ``{ nom = "…", adresse = "…" }`` or ``"Nom <adresse>"``.
    """
    if isinstance(value, Mapping):
        name, address = str(value.get("nom", "")), str(value.get("adresse", ""))
    elif isinstance(value, str) and value.rstrip().endswith(">") and "<" in value:
        name, _, rest = value.rpartition("<")
        name, address = name.strip().strip('"'), rest.rstrip().rstrip(">").strip()
    elif isinstance(value, str):
        name, address = "", value.strip()
    else:
        raise InputError(
            "[envoi] expediteur manquant : indiquez par exemple "
            'expediteur = { nom = "Fédération exemple", adresse = "campagne@federation-exemple.org" }',
            file=file,
        )
    if not valid_address(address):
        raise InputError(f"[envoi] expediteur : adresse électronique « {address} » invalide", file=file)
    return Mailbox(one_line(name), address)


def new_message_id(sender: Mailbox) -> str:
    """A fresh Message-ID on the sender's domain: ``<32 hex digits@federation-exemple.org>``.

    Random (uuid4) rather than ``make_msgid``'s time.pid.random, so that the header fits on one
    78-character line for most domains (a folded Message-ID comes back with a leading space).
    """
    return f"<{uuid.uuid4().hex}@{sender.domain}>"


@dataclass(frozen=True)
class Attachment:
    """A file joined to the message."""

    filename: str
    data: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def build_message(
    sender: Mailbox,
    recipient: Mailbox,
    subject: str,
    text: str,
    attachment: Attachment | None,
    message_id: str,
    when: _dt.datetime,
) -> EmailMessage:
    """One letter's message: From, To, Subject, Date, Message-ID, the cover text and the PDF."""
    # refold_source="none": the values set raw below are written as encoded here, not refolded.
    message = EmailMessage(policy=policy.SMTP.clone(refold_source="none"))
    _set_header(message, "From", sender.name, sender.address)
    _set_header(message, "To", recipient.name, recipient.address)
    _set_header(message, "Subject", subject)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    message["MIME-Version"] = "1.0"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.make_mixed()
    if attachment is not None:
        message.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message
