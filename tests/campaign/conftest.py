"""A real SMTP server (aiosmtpd on 127.0.0.1) and e-mail campaigns for the campaign tests."""

from __future__ import annotations

import asyncio
import csv
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pypdf import PdfWriter

from lettergen.campaign import letters

REPO = Path(__file__).resolve().parents[2]
REFUSED = "refuse@example.org"
#: ``--rate`` for the local test server: no real pause (the default rate is an account's limit).
FAST = ("--rate", "60000")
USER, PASSWORD = "campagne@federation-exemple.org", "mot-de-passe-d-application"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""


def header_text(raw: bytes, name: str) -> str:
    """A header decoded as RFC 2047 says, adjacent encoded words joined.

    Python 3.11's ``policy.default`` parser keeps the folding space between two encoded words
    of a display name (« méd ico-sociaux »); ``decode_header`` joins them as mail clients do.
    """
    value = message_from_bytes(raw, policy=policy.compat32)[name]
    decoded = str(make_header(decode_header(value)))
    if name in ("From", "To") and str(value).lstrip().startswith('"'):
        # An ASCII display name with a backslash or a quote is sent as a quoted string
        # (« "0\\0" <a@b> »), not an encoded word: unquote it as a mail client shows it.
        display, address = parseaddr(decoded)
        return f"{display} <{address}>" if display else address
    return decoded


@dataclass
class Collector:
    """aiosmtpd handler: keeps every message; refuses REFUSED with 550; may be slow."""

    messages: list[Received] = field(default_factory=list)
    delay: float = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.content))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.messages if address in r.rcpt_tos]

    def raw_to(self, address: str) -> list[bytes]:
        return [r.raw for r in self.messages if address in r.rcpt_tos]


@dataclass
class Server:
    collector: Collector
    port: int
    url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    """A plain SMTP server on 127.0.0.1."""
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Server(collector, port, f"smtp://127.0.0.1:{port}")
    finally:
        controller.stop()


@dataclass(frozen=True)
class Authority:
    """A test certificate authority: the PEM file lettergen is told to trust, the server's context."""

    ca_file: Path
    server_context: ssl.SSLContext


@pytest.fixture(scope="session")
def authority(tmp_path_factory) -> Authority:
    """A certificate authority made for the tests (trustme) and the server's certificate for 127.0.0.1.

    trustme rather than a self-signed certificate from the openssl command: it issues a leaf
    certificate signed by its own CA in three lines, the shape of a real internal relay, so the
    client is told to trust the authority (``--smtp-ca``), not one server's certificate.
    """
    ca = trustme.CA(organization_name="Autorité de test lettergen")
    leaf = ca.issue_cert("127.0.0.1")
    ca_file = tmp_path_factory.mktemp("tls") / "autorite.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(context)
    return Authority(ca_file, context)


def _authenticated_server(scheme: str, **tls: object) -> Iterator[Server]:
    """An SMTP server on 127.0.0.1 requiring AUTH (USER / PASSWORD), its TLS set by ``tls``."""
    collector = Collector()
    port = free_port()
    controller = Controller(
        collector, hostname="127.0.0.1", port=port, auth_required=True, authenticator=_authenticate, **tls
    )
    controller.start()
    try:
        yield Server(collector, port, f"{scheme}://{USER}@127.0.0.1:{port}")
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(authority) -> Iterator[Server]:
    """An SMTP server requiring STARTTLS then AUTH (USER / PASSWORD), its certificate from ``authority``."""
    yield from _authenticated_server(
        "smtp+starttls", tls_context=authority.server_context, require_starttls=True
    )


#: For the tests on ``smtps_server``: aiosmtpd warns that AUTH does not require STARTTLS, which
#: an implicit-TLS session never needs (it is encrypted from the first byte).
IMPLICIT_TLS = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def smtps_server(authority) -> Iterator[Server]:
    """An SMTP server speaking TLS from the first byte (implicit TLS, ``smtps://``), then AUTH."""
    # auth_require_tls=False: the whole session is TLS already, which aiosmtpd cannot see.
    yield from _authenticated_server("smtps", ssl_context=authority.server_context, auth_require_tls=False)


def write_recipients(
    path: Path, count: int, *, without_email: tuple[int, ...] = (), refused: int | None = None
) -> Path:
    """``count`` recipients of the example campaign's kind, each with their own e-mail address."""
    with open(REPO / "recipients/exemple.csv", encoding="utf-8") as handle:
        source = list(csv.DictReader(handle, delimiter=";"))
    rows = []
    for number in range(count):
        row = dict(source[number % len(source)])
        row["id"] = f"d{number:03d}"
        row["email"] = "" if number in without_email else f"dest{number:03d}@example.org"
        if number == refused:
            row["email"] = REFUSED
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(source[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path


def blank_pdfs(campaign, prepared, folder: Path) -> dict[str, Path]:
    """Stands in for ``letters.write_pdfs``: one blank PDF page per letter, named like the real one."""
    paths = {}
    for item in prepared:
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        path = folder / item.pdf_name
        with open(path, "wb") as handle:
            writer.write(handle)
        paths[item.recipient.id] = path
    return paths


#: ``python -c FAKE_PDF_MAIN send …``: the command line with blank PDFs, for subprocess tests.
FAKE_PDF_MAIN = (
    "from lettergen.campaign import letters; from tests.campaign.conftest import blank_pdfs; "
    "letters.write_pdfs = blank_pdfs; from lettergen.cli import main; main()"
)


@pytest.fixture
def fake_pdfs(monkeypatch) -> None:
    """Replace LibreOffice by one blank PDF page per letter, for tests about sending, not PDF."""
    monkeypatch.setattr(letters, "write_pdfs", blank_pdfs)


@pytest.fixture
def history(campaign_dir, smtp_server, fake_pdfs) -> Path:
    """A campaign's register: d000–d002 posted on 1 July 2021, d003 e-mailed on 20 August, d001 answered.

    d004 was never written to. Returns the recipients file.
    """
    from click.testing import CliRunner

    from lettergen.cli import cli

    recipients = write_recipients(campaign_dir / "d.csv", 5)
    commands = [
        ["send", "--via", "courrier", "-r", "d.csv", "--date", "2021-07-01", "--only", "d000,d001,d002"],
        ["send", "--via", "email", "-r", "d.csv", "--date", "2021-08-20", "--only", "d003", "--confirm",
         *FAST, "--smtp", smtp_server.url],
        ["replies", "add", "d001", "--date", "2021-07-20", "--resultat", "favorable",
         "--note", "RDV le 3 septembre"],
    ]  # fmt: skip
    for command in commands:
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 0, result.output
    return recipients
