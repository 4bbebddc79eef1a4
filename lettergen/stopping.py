"""SIGINT and SIGTERM: stop where the run is, clean up, and say so in one French line.

While :func:`stop_on_signals` is active, either signal raises :class:`Stopped` in the main
thread. It is a ``BaseException`` (like ``KeyboardInterrupt``), so no ``except Exception`` on
the way swallows it, and every ``finally`` runs: temporary files are discarded, the journal is
closed, worker processes are terminated. The next run resumes from the journal.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

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
        from lettergen.french import nombre, pluriel

        again = "relancez la même commande pour terminer"
        if self.written is None or self.total is None:
            return f"interrompu ; {again}"
        done = pluriel(self.written, "lettre écrite", "lettres écrites")
        return f"interrompu : {done} sur {nombre(self.total)} ; {again}"


def _raise(signum: int, frame: FrameType | None) -> None:
    # A second signal while the first one is being cleaned up would cut the cleanup short.
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Stopped` for the block (in the main thread; elsewhere,
    as when the atelier runs a generation, signals are the main thread's business: no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _raise) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def detach_worker() -> None:
    """For worker processes: leave the run's process group, and end when the main process ends.

    Ctrl-C and ``kill -TERM -PGID`` reach a whole process group. A pool worker killed at a random
    point may die holding one of the pool's shared locks, and the main process's cleanup then
    waits for it forever. In a process group of their own (same session: tools that follow a
    run by its session still see them), workers are reached by nothing but the main process,
    which stops them in order. In exchange they must not outlive it (kill -9): a thread waits on
    the pipe the main process holds and ends the worker when it closes.
    """
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        sys.stderr = OrphanSilenced(sys.stderr, parent.sentinel)
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


class OrphanSilenced:
    """A worker's stderr that says nothing once the main process is gone or unreachable.

    A worker sending its last letter as the main process exits after a signal meets a closed
    pipe, and multiprocessing prints that ``BrokenPipeError`` with its traceback on the terminal,
    after the run's one French line. Once the main process is gone, or its pipe closed (it is
    exiting), nobody reads a worker's results, so such a message is noise; otherwise everything
    is written as usual.
    """

    def __init__(self, stream: TextIO, parent_sentinel: int):
        self._stream = stream
        self._sentinel = parent_sentinel

    def _unheard(self) -> bool:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return True  # being reported: the main process closed its end, it is exiting
        return bool(multiprocessing.connection.wait([self._sentinel], 0))  # it has ended

    def write(self, text: str) -> int:
        return len(text) if self._unheard() else self._stream.write(text)

    def flush(self) -> None:
        if not self._unheard():
            self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def _end_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)  # the main process is gone: nobody wants this worker's letters any more
