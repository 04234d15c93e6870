"""Our own child processes die with their parent: a killed build leaves no worker or ffmpeg
running (Linux PR_SET_PDEATHSIG; elsewhere the worker's parent check is the fallback). vidc
never signals a process it did not start."""
from __future__ import annotations

import ctypes
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL):
    """A preexec_fn for subprocess: the child gets `sig` when the process that started it exits."""
    if not sys.platform.startswith("linux"):
        return None

    def preexec() -> None:
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except OSError:
            pass

    return preexec
