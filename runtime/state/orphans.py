"""Workers that outlive their build: when the coordinator of a local build is killed (SIGKILL, an OOM
kill), each lane worker finishes the task it is running, journals it and exits, instead of throwing
that work away. The next build must not start while they do (it would clear their scratch and run
their tasks again), so:

- every lane worker holds a shared flock on `.vidc/workers.lock` for its whole life;
- a build, once it holds the work folder's lock (so no live build owns those workers), takes an
  exclusive flock on that file before it touches the store: it waits while workers of a killed build
  finish, then lets go at once (its own workers take the shared lock after it).

A worker never takes a new task once its coordinator is gone. Nobody kills anybody: a build that
waits longer than WAIT_S for such workers stops with one line saying what it waits for.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from .faults import StateFault

WORKERS_LOCK = "workers.lock"
WAIT_S = 1800.0  # a task of a killed build gets this long to finish before the next build gives up


def _open(work_root: Path) -> int:
    work_root.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: a lock file planted as a symlink is never opened through
    return os.open(work_root / WORKERS_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)


def hold_as_worker(work_root: Path) -> int | None:
    """A lane worker's shared lock, held until the process exits (its fd is never closed); None when
    the file cannot be opened (the worker runs anyway: a read-only work folder fails elsewhere)."""
    try:
        fd = _open(work_root)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a starting build checks for orphans (a moment)
    return fd


def wait_for_orphans(work_root: Path, say: Callable[[str], None], timeout: float = WAIT_S) -> float:
    """Wait until no worker of an earlier (killed) build is still finishing a task; the seconds waited."""
    fd = _open(work_root)
    started = time.monotonic()
    try:
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told:
                    say("waiting for the workers of a build that was killed to finish their tasks (kept, not rerun)")
                    told = True
                if time.monotonic() - started > timeout:
                    raise StateFault(
                        f"workers of an earlier build still hold {work_root / WORKERS_LOCK} after {timeout:.0f}s: "
                        f"wait for them to finish (or stop those `vidc.runtime.engine.worker` processes) and "
                        f"build again"
                    ) from None
                time.sleep(0.1)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return time.monotonic() - started
