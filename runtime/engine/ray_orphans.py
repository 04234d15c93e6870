"""Ray lanes that outlive their driver.

A lane actor is detached from the driver's Ray job, so a driver killed mid-build (SIGKILL, an
out-of-memory kill, its machine rebooted) does not take the lanes' running tasks down with it: each
lane finishes the task it runs and keeps what it made (in its node's cache), and the next build of the
same project collects it instead of running it again, as the local executor's orphan workers do
(state/orphans.py).

- Lane actors are named `vidc-<build key>-<lane>-<driver pid>-<n>` in the Ray namespace `vidc` (the build
  key is the project's work folder on the driver's machine: ray_lane.scratch_key).
- Before anything runs, a build lists the actors named for its build key, waits for the task each one
  runs, commits and journals what they made (unless the journal has it already), and ends them.
- A lane that no driver calls for GRACE_S seconds while it runs nothing ends itself: a build killed for
  good never holds a device longer than its running task and that grace. A live driver calls its idle
  lanes every PING_S seconds.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

NAMESPACE = "vidc"
GRACE_ENV = "VIDC_RAY_ORPHAN_GRACE_S"
GRACE_S = 60.0
PING_S = 5.0
WAIT_S = 1800.0  # a task of a killed build gets this long to finish before the next build stops waiting


def grace_s() -> float:
    """The idle grace for this build's lanes (VIDC_RAY_ORPHAN_GRACE_S, at least 2 pings)."""
    try:
        value = float(os.environ.get(GRACE_ENV, GRACE_S))
    except ValueError:
        value = GRACE_S
    return max(2 * PING_S, value)


def prefix(key: str) -> str:
    return f"vidc-{key}-"


def actor_name(key: str, lane: str, serial: int) -> str:
    """Unique for this driver (its pid) and each actor it makes for a lane (a lost lane's replacement
    must not wait for the dead one's name to be freed)."""
    return f"{prefix(key)}{lane}-{os.getpid()}-{serial}"


class Idle:
    """Ends the actor's process when it has run nothing and heard from no driver for `grace` seconds."""

    def __init__(self, grace: float, exit_: Callable[[int], None] = os._exit):
        self.grace, self._exit = grace, exit_
        self.last = time.monotonic()
        self.running = False
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, name="vidc-idle", daemon=True).start()

    def touch(self) -> None:
        with self._lock:
            self.last = time.monotonic()

    def busy(self, running: bool) -> None:
        with self._lock:
            self.running = running
            self.last = time.monotonic()

    def expired(self) -> bool:
        with self._lock:
            return not self.running and time.monotonic() - self.last > self.grace

    def _watch(self) -> None:
        while True:
            time.sleep(min(1.0, self.grace / 4))
            if self.expired():
                self._exit(0)  # nobody will collect or use it: give its device back
                return
