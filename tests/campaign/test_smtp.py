"""The SMTP URL and the transport's rule: retry before the data phase, never after."""

from __future__ import annotations

import datetime as dt

import pytest
from aiosmtpd.controller import Controller

from lettergen.campaign.messages import Attachment, Mailbox, build_message, new_message_id
from lettergen.campaign.smtp import SmtpServer, Transport, parse_smtp_url
from lettergen.errors import InputError, SendingError
from tests.campaign.conftest import Collector, free_port

SENDER = Mailbox("Fédération exemple", "campagne@federation-exemple.org")


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://127.0.0.1:2525", SmtpServer("smtp", "127.0.0.1", 2525)),
        ("smtp://mail.example.org", SmtpServer("smtp", "mail.example.org", 25)),
        ("smtps://relais.example.org", SmtpServer("smtps", "relais.example.org", 465)),
        (
            "smtp+starttls://campagne@federation-exemple.org@smtp.office365.com:587",
            SmtpServer("smtp+starttls", "smtp.office365.com", 587, "campagne@federation-exemple.org"),
        ),
        (
            "smtp+starttls://a%40b.org@smtp.gmail.com",
            SmtpServer("smtp+starttls", "smtp.gmail.com", 587, "a@b.org"),
        ),
    ],
)
def test_parse_smtp_url(url, server):
    assert parse_smtp_url(url) == server


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.org", "adresse du serveur SMTP « http://mail.example.org » invalide"),
        ("smtp://", "adresse du serveur SMTP « smtp:// » invalide"),
        ("smtp://h:port", "adresse du serveur SMTP « smtp://h:port » illisible"),
        ("smtp://u:secret@h:25", "ne mettez pas le mot de passe dans l'adresse du serveur SMTP"),
    ],
)
def test_bad_smtp_urls(url, message):
    with pytest.raises(InputError) as error:
        parse_smtp_url(url, "templates/campagne.toml")
    assert str(error.value).startswith(f"templates/campagne.toml: {message}")
    assert "secret" not in str(error.value)


def _message(address: str):
    when = dt.datetime(2021, 7, 1, tzinfo=dt.UTC)
    attachment = Attachment("a.pdf", b"%PDF")
    return build_message(
        SENDER, Mailbox("Claire", address), "Objet", "Texte\n", attachment, new_message_id(SENDER), when
    )


class Flaky(Collector):
    """Drops the connection at the first RCPT (nothing delivered), or after receiving the data."""

    def __init__(self, drop_at: str):
        super().__init__()
        self.drop_at = drop_at
        self.dropped = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.drop_at == "rcpt" and not self.dropped:
            self.dropped = True
            server.transport.close()
            return "421 fermeture"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if self.drop_at == "data":
            server.transport.close()
        return reply


@pytest.fixture
def flaky():
    servers = []

    def start(drop_at: str) -> tuple[Flaky, SmtpServer]:
        handler, port = Flaky(drop_at), free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return handler, SmtpServer("smtp", "127.0.0.1", port)

    yield start
    for controller in servers:
        controller.stop()


def test_connection_lost_before_data_is_retried_with_backoff(flaky):
    handler, server = flaky("rcpt")
    waits: list[float] = []
    transport = Transport(server, None, backoff=(0.0, 1.5), sleep=waits.append)
    outcome = transport.send(_message("a@example.org"), SENDER.address, "a@example.org")
    transport.close()
    assert outcome.state == "envoyé"
    assert len(handler.messages) == 1 and waits == []  # the first retry reconnects at once


def test_connection_lost_after_data_is_uncertain_and_not_retried(flaky):
    handler, server = flaky("data")
    transport = Transport(server, None, backoff=(0.0,), sleep=lambda s: None)
    outcome = transport.send(_message("a@example.org"), SENDER.address, "a@example.org")
    transport.close()
    assert outcome.state == "incertain"
    assert len(handler.messages) == 1  # the server had it: resending would be a double send


def test_no_server_gives_up_after_the_backoff():
    waits: list[float] = []
    transport = Transport(
        SmtpServer("smtp", "127.0.0.1", free_port()), None, backoff=(0.0, 2.0, 5.0), sleep=waits.append
    )
    with pytest.raises(SendingError) as error:
        transport.send(_message("a@example.org"), SENDER.address, "a@example.org")
    assert waits == [2.0, 5.0]
    assert "connexion refusée" in str(error.value) and "après 4 tentatives : envoi interrompu" in str(
        error.value
    )
