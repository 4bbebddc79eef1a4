"""Serve the atelier: bind, print the address with its token, open the browser, stop on Ctrl-C.

The socket is bound before the address is printed, so the printed address answers at once (and
``--port 0`` gives a free port, which the printed line names).
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import webbrowser
from dataclasses import replace
from pathlib import Path

import uvicorn

from lettergen.atelier.app import create_app
from lettergen.atelier.security import new_token
from lettergen.atelier.workbench import AtelierConfig
from lettergen.errors import LettergenError, OutputError

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; :class:`OutputError` in French when it cannot be had."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OutputError(
            f"impossible d'écouter sur {host}:{port} ({error.strerror or error}) : essayez --port"
        ) from None
    sock.listen(64)
    return sock


def address(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?jeton={token}"


def serve(config: AtelierConfig, open_browser: bool = True) -> int:
    """Run the atelier until Ctrl-C; return the exit code."""
    sock = bind(config.host, config.port)
    config = replace(config, port=sock.getsockname()[1])
    token = new_token()
    url = address(config.host, config.port, token)
    with tempfile.TemporaryDirectory(prefix="lettergen-atelier-") as work_dir:
        try:
            app = create_app(config, Path(work_dir), token=token)
        except LettergenError:
            sock.close()
            raise
        print(f"Atelier : {url}", flush=True)
        if config.host not in _LOOPBACK:
            print(
                f"attention : l'atelier écoute sur {config.host}, pas seulement sur cette machine",
                file=sys.stderr,
            )
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        server = uvicorn.Server(
            uvicorn.Config(
                app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2
            )
        )
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
    print("Atelier arrêté.", flush=True)
    return 0


class BackgroundServer:
    """The atelier served from a thread (tests, benchmarks): ``url`` is the printed address."""

    def __init__(self, config: AtelierConfig, work_dir: Path, campaign=None) -> None:
        sock = bind(config.host, config.port)
        config = replace(config, port=sock.getsockname()[1])
        self.token = new_token()
        self.url = address(config.host, config.port, self.token)
        self.app = create_app(config, work_dir, token=self.token, campaign=campaign)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        )
        self._sock = sock
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()
