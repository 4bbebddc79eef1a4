"""Run lettergen as a subprocess bounded in time and memory, and report what it did.

Every hostile case goes through :func:`run_bounded`: the command runs under a small wrapper
(this file, run as a script) that sets ``RLIMIT_AS`` on itself before it starts lettergen, so
lettergen and its workers inherit the ceiling, then waits for it and writes the largest resident
set of the tree (``RUSAGE_CHILDREN``: every descendant that was waited for) on its last stderr
line. A case that hangs is killed with its whole process group when ``timeout`` passes.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MEMORY_LIMIT = 2 << 30  # bytes of address space per process; LibreOffice and Python need room
PEAK_LIMIT = 1 << 30  # the bound on resident memory, checked by the cases
_PEAK_MARK = "@@peak-rss-kib "
_FILE_SIZE = "_HARNESS_RLIMIT_FSIZE"  # read (and removed) by the wrapper


@dataclass(frozen=True)
class Outcome:
    """What one bounded run did."""

    returncode: int
    stdout: str
    stderr: str
    peak_bytes: int

    @property
    def errors(self) -> list[str]:
        """Stderr's lines, the harness's own mark removed."""
        return self.stderr.splitlines()


def run_bounded(
    args: list[str],
    cwd: Path,
    *,
    timeout: float = 60,
    memory: int = MEMORY_LIMIT,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    file_size: int | None = None,
) -> Outcome:
    """Run ``lettergen ARGS`` in ``cwd`` with at most ``memory`` bytes of address space.

    ``file_size``: also no file larger than this many bytes (``RLIMIT_FSIZE``): a write past it
    fails with EFBIG (Python ignores SIGXFSZ), a full disk anyone can cause without root.
    """
    limits = {_FILE_SIZE: str(file_size)} if file_size is not None else {}
    command = [sys.executable, __file__, str(memory), sys.executable, "-m", "lettergen", *args]
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, **(env or {}), **limits},
    )
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"lettergen {' '.join(args)} ne s'est pas arrêté en {timeout} s") from None
    stderr = err.decode("utf-8", "replace")
    lines = stderr.splitlines()
    peak = 0
    if lines and lines[-1].startswith(_PEAK_MARK):
        peak = int(lines.pop()[len(_PEAK_MARK) :]) * 1024
    return Outcome(process.returncode, out.decode("utf-8", "replace"), "\n".join(lines), peak)


def _wrap(argv: list[str]) -> int:
    """The wrapper: limit, run, wait, report the peak; exit with the command's code."""
    memory = int(argv[0])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    file_size = os.environ.pop(_FILE_SIZE, None)
    if file_size is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(file_size), int(file_size)))
    completed = subprocess.run(argv[1:], check=False)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\n{_PEAK_MARK}{peak}\n")
    code = completed.returncode
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(_wrap(sys.argv[1:]))
