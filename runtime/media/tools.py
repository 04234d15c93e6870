"""Running external tools (ffmpeg, ffprobe) and our own child processes.

Children die with their parent: a killed build leaves no worker or ffmpeg
running (Linux PR_SET_PDEATHSIG; elsewhere the worker's parent check is the fallback). vidc
never signals a process it did not start."""

from __future__ import annotations

import ctypes
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

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


class BackendError(Exception):
    """A task failed. `transient` errors (network, 429, 5xx) may be retried; others may not."""

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


FFMPEG_TIMEOUT_S = 3 * 3600  # a wedged ffmpeg must not stall an unattended batch forever


def run_captured(
    argv: list[str],
    *,
    what: str,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    timeout: float = FFMPEG_TIMEOUT_S,
) -> subprocess.CompletedProcess[bytes]:
    """Run a tool (argv list, never a shell) and return its result whatever its exit status: for
    callers that read a failed probe's stderr themselves. The tool dies with its worker and is
    stopped after `timeout` (a BackendError); a tool that is not installed raises FileNotFoundError."""
    try:
        return subprocess.run(
            argv, cwd=cwd, input=stdin, capture_output=True, timeout=timeout, preexec_fn=die_with_parent()
        )
    except subprocess.TimeoutExpired as exc:
        raise BackendError(f"{what} did not finish in {timeout:.0f} s and was stopped") from exc


def stream_tool(
    argv: list[str],
    on_block: Callable[[bytes], None],
    *,
    what: str,
    timeout: float = FFMPEG_TIMEOUT_S,
    block: int = 1 << 20,
) -> tuple[int, bytes]:
    """Run a tool whose stdout is too large to hold (decoded audio), handing it to `on_block` a block
    at a time; return (exit status, stderr). The tool dies with its worker and is stopped after
    `timeout` (a BackendError); a tool that is not installed raises FileNotFoundError."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent())
    overran: list[bool] = []

    def stop() -> None:  # our own child, stopped only when it overruns
        overran.append(True)
        proc.kill()

    timer = threading.Timer(timeout, stop)
    timer.start()
    try:
        assert proc.stdout is not None and proc.stderr is not None
        while data := proc.stdout.read(block):
            on_block(data)
        err = proc.stderr.read()
        code = proc.wait()
    finally:
        timer.cancel()
    if overran:
        raise BackendError(f"{what} did not finish in {timeout:.0f} s and was stopped")
    return code, err


def run_tool(
    argv: list[str],
    *,
    what: str,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    timeout: float = FFMPEG_TIMEOUT_S,
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg/ffprobe (argv list, never a shell, optional bytes on stdin); raise a BackendError
    with the tail of its stderr when it fails. The tool dies with its worker."""
    try:
        proc = run_captured(argv, what=what, cwd=cwd, stdin=stdin, timeout=timeout)
    except FileNotFoundError as exc:
        raise BackendError(f"{argv[0]} is not installed: run `make setup` or `apt-get install ffmpeg`") from exc
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.decode(errors="replace").strip().splitlines()[-12:])
        raise BackendError(f"{what} exited {proc.returncode}:\n{tail}")
    out = _expected_output(argv, cwd)
    if out is not None and (not out.is_file() or out.stat().st_size == 0):
        raise BackendError(
            f"{what} exited 0 but wrote nothing to {out.name}: the ffmpeg found on PATH "
            f"({shutil.which(argv[0]) or argv[0]}) is broken; reinstall it (`vidc doctor` checks it) "
            f"and run the build again"
        )
    return proc


def _expected_output(argv: list[str], cwd: Path | None) -> Path | None:
    """The file an ffmpeg command line writes (its last argument), or None when it writes to a
    pipe, to the null muxer or to a numbered sequence."""
    if len(argv) < 2 or not Path(argv[0]).name.startswith("ffmpeg") or argv[-2:-1] == ["-f"]:
        return None
    if any(a == "null" and b == "-f" for b, a in zip(argv, argv[1:])):
        return None
    last = argv[-1]
    if last.startswith("file:"):
        last = last[5:]
    if (
        not last
        or last.startswith("-")
        or last.startswith("pipe:")
        or "%" in last
        or last == "/dev/null"
        or ":" in last.split("/")[0]
    ):
        return None
    path = Path(last)
    return path if path.is_absolute() or cwd is None else Path(cwd) / path


def run_ffmpeg(
    argv: list[str], *, cwd: Path | None = None, what: str = "ffmpeg", timeout: float = FFMPEG_TIMEOUT_S
) -> str:
    """run_tool for commands whose output is files; returns stderr (loudnorm prints its stats there)."""
    return run_tool(argv, what=what, cwd=cwd, timeout=timeout).stderr.decode(errors="replace")
