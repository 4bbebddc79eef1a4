"""``lettergen atelier`` as a user starts it: the printed address, the browser, Ctrl-C."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from lettergen.atelier.server import address, bind
from lettergen.cli import cli
from lettergen.errors import OutputError

LINE = re.compile(r"^Atelier : http://127\.0\.0\.1:(\d+)/\?jeton=([A-Za-z0-9_-]{20,})$")


def start(campaign_copy, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "lettergen", "atelier", "--no-browser", "--port", "0", *args]
    return subprocess.Popen(
        command, cwd=campaign_copy, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_first_line_is_the_address_flushed_through_a_pipe_and_ctrl_c_stops_cleanly(campaign_copy):
    process = start(campaign_copy, "--date", "2021-07-01")
    try:
        first = process.stdout.readline().rstrip("\n")  # a pipe, not a terminal: must arrive at once
        match = LINE.match(first)
        assert match, first
        port, token = match.groups()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        assert refused.value.code == 403
        # The HTTPError is the response: its socket stays open until it is closed (a ResourceWarning
        # when the garbage collector finds it, during some later test).
        refused.value.close()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(f"http://127.0.0.1:{port}/?jeton={token}", timeout=10) as page:
            assert page.status == 200 and "Atelier lettergen" in page.read().decode()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    assert out.strip().endswith("Atelier arrêté.")


def test_a_port_in_use_is_one_french_line_and_exit_1(campaign_copy, monkeypatch):
    taken = bind("127.0.0.1", 0)
    try:
        monkeypatch.chdir(campaign_copy)
        result = CliRunner().invoke(cli, ["atelier", "--no-browser", "--port", str(taken.getsockname()[1])])
    finally:
        taken.close()
    assert result.exit_code == 1
    assert "impossible d'écouter sur 127.0.0.1:" in result.output and "essayez --port" in result.output
    assert "Traceback" not in result.output


def test_bind_refuses_in_french():
    with pytest.raises(OutputError, match="impossible d'écouter"):
        bind("203.0.113.1", 80)


def test_the_address_brackets_ipv6():
    assert address("::1", 8750, "abc") == "http://[::1]:8750/?jeton=abc"


def test_bad_data_options_answer_like_the_other_commands(campaign_copy, monkeypatch):
    monkeypatch.chdir(campaign_copy)
    result = CliRunner().invoke(cli, ["atelier", "--no-browser", "--date", "2021-13-01"])
    assert result.exit_code == 2 and "AAAA-MM-JJ" in result.output
