"""SIGINT and SIGTERM: stop where the run is, clean up, and say so in one French line.

While :func:`stop_on_signals` is active, either signal raises :class:`Stopped` in the main
thread. It is a ``BaseException`` (like ``KeyboardInterrupt``), so no ``except Exception`` on
the way swallows it, and every ``finally`` runs: temporary files are discarded, the journal is
closed, worker processes are terminated. The next run resumes from the journal.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """A signal stopped the run; ``written`` of ``total`` letters were complete (if known)."""

    def __init__(self, signum: int, written: int | None = None, total: int | None = None):
        super().__init__(signum, written, total)
        self.signum = signum
        self.written = written
        self.total = total

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum

    @property
    def line(self) -> str:
        """The one French line telling the user what happened and what to do."""
        from lettergen.french import pluriel

        again = "relancez la même commande pour terminer"
        if self.written is None or self.total is None:
            return f"interrompu ; {again}"
        done = pluriel(self.written, "lettre écrite", "lettres écrites")
        return f"interrompu : {done} sur {self.total} ; {again}"


def _raise(signum: int, frame: FrameType | None) -> None:
    # A second signal while the first one is being cleaned up would cut the cleanup short.
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Stopped` for the block (main thread only)."""
    previous = {number: signal.signal(number, _raise) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def worker_signals() -> None:
    """For worker processes: Ctrl-C reaches the whole process group, but only the main process acts
    on it (a worker would print a ``KeyboardInterrupt`` traceback). SIGTERM, which the main process
    sends to stop its workers, keeps its default: the worker ends at once, silently; a temporary
    file it leaves is removed by the main process (it holds the folder's lock, so it is not another
    run's). Raising from a handler there instead could leave a worker stuck on a lock at exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
