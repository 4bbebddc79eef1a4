"""A template that would run for ever, typed into « Modèle »: the atelier stays usable.

The atelier's preview goes through ``render_letter`` and ``check_template`` like ``lettergen
preview``, so the template limits of issue 14 apply to it as to the command line. Served by the
real uvicorn (``BackgroundServer``), spoken to over HTTP as the page does.
"""

from __future__ import annotations

import http.cookiejar
import json
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from lettergen.atelier.security import CSRF_HEADER
from lettergen.atelier.server import BackgroundServer
from tests.atelier.conftest import atelier_config, copy_campaign

LOOP = "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}"
ANCHOR = "et nous vous en félicitons"


class Session:
    """A browser's session with the atelier: its cookie (from the printed address) and CSRF token."""

    def __init__(self, server: BackgroundServer) -> None:
        self.base = server.url.split("/?")[0]
        self.bench = server.app.state.bench
        self.csrf = server.app.state.guard.csrf
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with self.opener.open(server.url, timeout=30) as page:
            assert page.status == 200

    def get(self, path: str) -> int:
        with self.opener.open(self.base + path, timeout=30) as response:
            response.read()
            return response.status

    def preview(self, source: str, recipient: str = "33") -> dict:
        body = json.dumps({"modele": "segur", "source": source, "destinataire": recipient}).encode()
        request = urllib.request.Request(
            self.base + "/api/apercu",
            data=body,
            headers={"Content-Type": "application/json", CSRF_HEADER: self.csrf},
            method="POST",
        )
        with self.opener.open(request, timeout=300) as response:
            return json.loads(response.read())


@pytest.fixture
def served(tmp_path, monkeypatch):
    folder = copy_campaign(tmp_path / "campagne")
    work = tmp_path / "atelier"
    work.mkdir()
    monkeypatch.chdir(folder)
    source = (folder / "templates" / "segur.j2").read_text(encoding="utf-8")
    assert ANCHOR in source
    looping = source.replace(ANCHOR, f"{ANCHOR} {LOOP}", 1)
    line = next(number for number, text in enumerate(looping.splitlines(), 1) if LOOP in text)
    with BackgroundServer(atelier_config(Path("."), port=0), work) as server:
        yield Session(server), source, looping, line


def _preview_in_background(session: Session, source: str) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        result.update(session.preview(source))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_the_server_answers_while_a_looping_template_renders(served):
    session, source, looping, _ = served
    thread, _ = _preview_in_background(session, looping)
    try:
        while thread.is_alive() and not session.bench.drafts.lock.locked():
            time.sleep(0.005)  # until the render has started (it holds the drafts' lock)
        assert session.get("/lettre.css") == 200  # the render runs off the event loop
        assert session.get("/") == 200
    finally:
        thread.join(300)
    assert not thread.is_alive()
    after = session.preview(source, "59")
    assert after["problemes"] == [] and "Monsieur le Président" in after["html"]


def test_a_looping_template_is_a_problem_on_its_line(served):
    """The same render path as the CLI: the template's limits stop the loop, on its line."""
    session, _, looping, line = served
    thread, result = _preview_in_background(session, looping)
    thread.join(300)
    assert not thread.is_alive()
    texts = [problem["texte"] for problem in result["problemes"]]
    assert any(text.startswith(f"templates/segur.j2:{line}: limite dépassée : ") for text in texts), texts
