"""What every request to the atelier must show before it reaches a route.

* the **Host** header must be the address the atelier serves (a page of another site that
  resolves its own name to 127.0.0.1 — DNS rebinding — sends its own name: refused);
* the **token** printed on the command line: given once as ``?jeton=…``, then kept in an
  HttpOnly, SameSite=Strict cookie; any request without it gets 403;
* every **POST** carries the CSRF token of the page (header ``X-Jeton-CSRF``), derived from the
  session token, and an ``Origin``, when the browser sends one, of the served address;
* a request **body** larger than the limit is refused (413) before it is read whole.

Every answer also gets headers that keep the page to itself (CSP without inline script or
style, no framing, no referrer: the token must never leave in a ``Referer``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "atelier_jeton"
CSRF_HEADER = "x-jeton-csrf"
SAFE_METHODS = ("GET", "HEAD")
HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_for(secret: str, token: str) -> str:
    """The CSRF token of a session: bound to its token, useless without the server's secret."""
    return hmac.new(secret.encode(), f"csrf:{token}".encode(), hashlib.sha256).hexdigest()


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers a browser sends for the served address (loopback names are one)."""
    names = set(_LOOPBACK) if host in _LOOPBACK else {host}
    return frozenset(f"{name}:{port}".lower() for name in names)


@dataclass(frozen=True)
class Guard:
    """The secrets and limits of one atelier server."""

    token: str
    secret: str
    hosts: frozenset[str]
    max_body: int

    @property
    def csrf(self) -> str:
        return csrf_for(self.secret, self.token)

    def valid_token(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value).encode(), self.token.encode())


def refuse(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=HEADERS)


class SecurityMiddleware:
    """ASGI middleware applying :class:`Guard` to every HTTP request."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response = self.check(scope)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, self._limited(receive), self._with_headers(send))

    def check(self, scope: Scope) -> Response | None:
        """The refusal for this request, a redirect that sets the cookie, or None to let it through."""
        guard = self.guard
        headers = Headers(scope=scope)
        host = headers.get("host", "").lower()
        if host not in guard.hosts:
            return refuse(403, f"Accès refusé : l'hôte « {host} » n'est pas celui de l'atelier.")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("jeton") or [""])[0]
        cookie = SimpleCookie(headers.get("cookie", ""))
        session = cookie[COOKIE].value if COOKIE in cookie else ""
        method = scope["method"]
        if given and method in SAFE_METHODS and guard.valid_token(given):
            return self._set_cookie(scope, query)
        if not guard.valid_token(session):
            return refuse(
                403,
                "Accès refusé : ouvrez l'adresse complète affichée par « lettergen atelier » "
                "(elle se termine par ?jeton=…).",
            )
        if method not in SAFE_METHODS:
            return self._check_post(headers)
        return None

    def _check_post(self, headers: Headers) -> Response | None:
        origin = headers.get("origin")
        if origin and origin.lower().removeprefix("http://") not in self.guard.hosts:
            return refuse(403, f"Requête refusée : elle vient d'un autre site ({origin}).")
        if not hmac.compare_digest(headers.get(CSRF_HEADER, "").encode(), self.guard.csrf.encode()):
            return refuse(
                403, "Requête refusée : jeton anti-falsification (CSRF) absent ou faux ; rechargez la page."
            )
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.guard.max_body:
            return refuse(413, too_large(self.guard.max_body))
        return None

    def _set_cookie(self, scope: Scope, query: dict[str, list[str]]) -> Response:
        """First visit with ``?jeton=``: keep the token in a cookie and drop it from the address."""
        rest = {key: values for key, values in query.items() if key != "jeton"}
        target = scope["path"] + (f"?{urlencode(rest, doseq=True)}" if rest else "")
        response = RedirectResponse(target, status_code=303, headers=HEADERS)
        response.set_cookie(COOKIE, self.guard.token, httponly=True, samesite="strict", path="/")
        return response

    def _limited(self, receive: Receive) -> Receive:
        """``receive`` that refuses a body (even sent in chunks) beyond the limit."""
        received = 0
        limit = self.guard.max_body

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large(limit))
            return message

        return limited

    def _with_headers(self, send: Send) -> Send:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        return with_headers


def too_large(limit: int) -> str:
    return f"Fichier refusé : il dépasse la taille permise ({limit // (1024 * 1024)} Mo au plus)."
