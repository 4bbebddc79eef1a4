"""The SMTP account: its URL, and a transport that knows which failures may be retried.

The one rule: once the message's data has been handed to the server, its fate is unknown if the
connection breaks before the server's answer, and such a message is never retried here (the
register keeps it ``en cours``, reported ``incertain``). A failure before that point (connection,
greeting, sender or recipient command) certainly delivered nothing: the transport reconnects and
retries, waiting longer each time, then gives up with a :class:`SendingError`.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lettergen.errors import InputError, SendingError

PASSWORD_VARIABLE = "LETTERGEN_SMTP_PASSWORD"
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
#: Seconds to wait before each new attempt after a connection failure.
BACKOFF = (0.0, 2.0, 5.0, 15.0, 30.0)
TIMEOUT = 60.0
#: Messages a minute when ``--rate`` is not given: two thirds of the lowest published per-minute
#: limit of the accounts federations use, so a run never trips it. Written from memory, to check
#: before relying on it (they change):
#: - Microsoft 365 / Exchange Online: 30 messages a minute, 10,000 recipients a day per mailbox —
#:   https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits
#:   (« Sending limits »);
#: - Google Workspace: 2,000 messages a day per user — https://support.google.com/a/answer/166852 ;
#:   consumer Gmail: 500 recipients a day — https://support.google.com/mail/answer/22839 (Google
#:   publishes no per-minute figure; bursts get a temporary 4xx/5xx refusal).
DEFAULT_RATE = 20


@dataclass(frozen=True)
class SmtpServer:
    """``smtp+starttls://user@host:587`` once parsed; never holds the password."""

    scheme: str
    host: str
    port: int
    user: str = ""

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str, file: str | None = None) -> SmtpServer:
    """Read ``smtp://HOST:PORT``, ``smtp+starttls://…`` or ``smtps://…``, with an optional ``USER@``."""
    usage = "attendu smtp://HÔTE:PORT, smtp+starttls://UTILISATEUR@HÔTE:PORT ou smtps://…"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise InputError(f"adresse du serveur SMTP « {url} » illisible : {usage}", file=file) from None
    if parts.scheme not in SCHEMES or not parts.hostname or parts.path not in ("", "/"):
        raise InputError(f"adresse du serveur SMTP « {url} » invalide : {usage}", file=file)
    if parts.password is not None:
        raise InputError(
            f"ne mettez pas le mot de passe dans l'adresse du serveur SMTP : utilisez la variable "
            f"d'environnement {PASSWORD_VARIABLE}",
            file=file,
        )
    user = unquote(parts.username) if parts.username else ""
    return SmtpServer(parts.scheme, parts.hostname, port or SCHEMES[parts.scheme], user)


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The TLS context of every connection: the system's authorities, plus ``ca_file`` when given.

    ``--smtp-ca FICHIER`` is the one way to trust a server whose certificate an internal authority
    signed (a federation's own relay): verification of the certificate and of the host name is
    never turned off. A file that holds no readable PEM certificate is a problem on that file.
    """
    context = ssl.create_default_context()
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (ssl.SSLError, OSError) as error:
            reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or str(error)
            raise InputError(
                f"certificats d'autorité illisibles ({reason}) : attendu un fichier PEM "
                "(« -----BEGIN CERTIFICATE----- »)",
                file=str(ca_file),
            ) from None
    return context


@dataclass(frozen=True)
class Outcome:
    """What became of one message: ``envoyé``, ``refusé`` (this recipient) or ``incertain``."""

    state: str
    detail: str = ""


SENT = Outcome("envoyé")


class _Retry(Exception):
    """Nothing was delivered and the connection is gone: reconnect and try again."""


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(message.split())}"


class Transport:
    """One SMTP session, reopened when it breaks; ``send`` delivers one message."""

    def __init__(
        self,
        server: SmtpServer,
        password: str | None,
        backoff: tuple[float, ...] | None = None,
        timeout: float = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        context: ssl.SSLContext | None = None,
    ):
        if server.user and not password:
            raise SendingError(
                f"mot de passe SMTP absent : définissez la variable d'environnement {PASSWORD_VARIABLE} "
                f"(pour {server.user})"
            )
        self.server = server
        self._password = password
        self._backoff = BACKOFF if backoff is None else backoff
        self._timeout = timeout
        self._sleep = sleep
        self._context = context or tls_context()
        self._session: smtplib.SMTP | None = None

    def close(self) -> None:
        if self._session is not None:
            try:
                self._session.quit()
            except (smtplib.SMTPException, OSError):
                self._session.close()
            self._session = None

    def send(self, message: EmailMessage, sender: str, recipient: str) -> Outcome:
        """Deliver one message; retry connection failures, then raise :class:`SendingError`."""
        last = ""
        for delay in (0.0, *self._backoff):
            if delay:
                self._sleep(delay)
            try:
                return self._attempt(message, sender, recipient)
            except _Retry as error:
                last = str(error)
                self._drop()
        raise SendingError(
            f"connexion au serveur SMTP {self.server} impossible ou perdue ({last}) après "
            f"{len(self._backoff) + 1} tentatives : envoi interrompu"
        )

    def _drop(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _attempt(self, message: EmailMessage, sender: str, recipient: str) -> Outcome:
        try:
            session = self._connect()
            code, text = session.mail(sender)
            if code >= 500:
                raise SendingError(
                    f"le serveur SMTP {self.server} refuse l'expéditeur {sender} : {_reply(code, text)}"
                )
            if code != 250:
                raise _Retry(_reply(code, text))
            code, text = session.rcpt(recipient)
            if code not in (250, 251):
                session.rset()
                return Outcome("refusé", _reply(code, text))
        except ssl.SSLError as error:  # a certificate problem does not mend by retrying
            self._drop()
            raise SendingError(
                f"connexion chiffrée au serveur SMTP {self.server} impossible : {error}"
            ) from None
        except (
            smtplib.SMTPServerDisconnected,
            smtplib.SMTPConnectError,
            smtplib.SMTPHeloError,
            OSError,
        ) as error:
            raise _Retry(_describe(error)) from None
        return self._data(session, message)

    def _data(self, session: smtplib.SMTP, message: EmailMessage) -> Outcome:
        """From here on, a broken connection leaves the message's fate unknown."""
        try:
            code, text = session.data(message.as_bytes())
        except smtplib.SMTPDataError as error:  # the server refused DATA itself: nothing delivered
            session.rset()
            return Outcome("refusé", _reply(error.smtp_code, error.smtp_error))
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return Outcome("incertain", _describe(error))
        if code != 250:
            return Outcome("refusé", _reply(code, text))
        return SENT

    def _connect(self) -> smtplib.SMTP:
        if self._session is not None:
            return self._session
        server = self.server
        context = self._context
        session: smtplib.SMTP
        if server.scheme == "smtps":
            session = smtplib.SMTP_SSL(server.host, server.port, timeout=self._timeout, context=context)
        else:
            session = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        try:
            session.ehlo()
            if server.scheme == "smtp+starttls":
                session.starttls(context=context)
                session.ehlo()
            if server.user:
                session.login(server.user, self._password or "")
        except smtplib.SMTPAuthenticationError as error:
            session.close()
            raise SendingError(
                f"le serveur SMTP {server} refuse l'identification de {server.user} "
                f"({_reply(error.smtp_code, error.smtp_error)}) : vérifiez {PASSWORD_VARIABLE} "
                "(souvent un mot de passe d'application)"
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            session.close()
            raise SendingError(f"le serveur SMTP {server} ne permet pas cette connexion : {error}") from None
        except ssl.SSLError as error:
            session.close()
            raise SendingError(f"connexion chiffrée au serveur SMTP {server} impossible : {error}") from None
        self._session = session
        return session


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)
    if isinstance(error, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(error, TimeoutError):
        return "délai dépassé"
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text
