"""A supervisor for fault-injection runs (bench/daily.py and the reliability tests use it): it starts a
`vidc build`, SIGKILLs the driver, one worker or a node at seeded random moments, and starts the build
again whenever it ends unfinished, as a process supervisor (systemd, a cron wrapper) would. It samples
the memory of the driver and its workers while it waits, and works out from the journal how much work
the faults made vidc do twice.

Redone work is counted in task-seconds: an attempt cut short by a fault (claimed in the journal, then
killed, lost or failed) counts the time it ran before the fault, and a finished task that finishes
again counts its whole run. The total is every task-second run: the finished runs plus the redone.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from vidc.runtime.state.journal import Journal
from vidc.schemas.journal import Claimed, Done, Failed, Lost

WORKER_MARKS = ("vidc.runtime.engine.worker", "LaneWorker")  # a local lane's process; a Ray lane's actor


@dataclass
class Fault:
    kind: str  # driver | worker | node
    at: float  # seconds after the attempt started
    t: float = 0.0  # time.time() when it struck (0: the attempt ended first)
    what: str = ""


@dataclass
class Attempt:
    rc: int
    wall_s: float
    faults: list[Fault] = field(default_factory=list)  # those that struck during it


@dataclass
class Supervised:
    attempts: list[Attempt] = field(default_factory=list)
    wall_s: float = 0.0
    driver_peak: int = 0  # bytes (RSS)
    worker_peak: int = 0  # the largest one worker process reached
    samples: list[tuple[int, int]] = field(default_factory=list)  # (videos published, driver RSS) per sample
    last_stdout: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].rc == 0

    @property
    def faults(self) -> list[Fault]:
        return [f for a in self.attempts for f in a.faults]


def _rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except (psutil.Error, OSError):
        return 0


def workers(driver_pid: int) -> list[psutil.Process]:
    """The lane worker processes of a build: the driver's local workers, or else the Ray lane actors of a
    cluster this process started (ray.cluster_utils.Cluster's nodes are its children). Never a process
    outside those two trees: other people's builds on the machine are not ours to kill."""
    for root in (driver_pid, os.getpid()):
        try:
            found = [p for p in psutil.Process(root).children(recursive=True) if _is_worker(p)]
        except psutil.Error:
            found = []
        if found:
            return found
    return []


def _is_worker(proc: psutil.Process) -> bool:
    try:
        line = " ".join(proc.cmdline())
    except (psutil.Error, OSError):
        return False
    return any(mark in line for mark in WORKER_MARKS)


class _Sampler(threading.Thread):
    def __init__(self, pid: int, out_dir: Path, result: Supervised, every: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.out_dir, self.result, self.every = pid, out_dir, result, every
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            driver = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.wait(self.every):
            rss = _rss(driver)
            if not rss:
                return
            self.result.driver_peak = max(self.result.driver_peak, rss)
            for w in workers(self.pid):
                self.result.worker_peak = max(self.result.worker_peak, _rss(w))
            videos = len(list(self.out_dir.glob("*.mp4"))) if self.out_dir.is_dir() else 0
            self.result.samples.append((videos, rss))


def _strike(fault: Fault, proc: subprocess.Popen, rng: random.Random, kill_node: Callable[[], str] | None) -> None:
    """Make the fault happen now (if its target exists)."""
    if fault.kind == "driver":
        os.kill(proc.pid, signal.SIGKILL)
        fault.what = f"driver pid {proc.pid}"
    elif fault.kind == "worker":
        found = workers(proc.pid)
        if not found:
            return
        victim = rng.choice(sorted(found, key=lambda p: p.pid))
        try:
            victim.kill()
        except psutil.Error:
            return
        fault.what = f"worker pid {victim.pid}"
    elif fault.kind == "node" and kill_node is not None:
        fault.what = kill_node()
    else:
        return
    fault.t = time.time()


def supervise(
    argv: Sequence[str],
    out_dir: Path,
    *,
    seed: int,
    faults: int,
    kinds: Sequence[str] = ("driver", "worker"),
    window: tuple[float, float] = (2.0, 20.0),
    kill_node: Callable[[], str] | None = None,
    max_attempts: int = 20,
    timeout: float = 3600,
    log: Callable[[str], None] = lambda msg: None,
) -> Supervised:
    """Run `argv` (a `vidc build ... --json`) until it exits 0, injecting `faults` faults, each at a random
    moment in `window` seconds after the attempt started (or, when the build lives through the one
    before, as a worker kill lets it, after that one); the kinds are drawn from `kinds` with a Random(seed)."""
    rng = random.Random(seed)
    planned = [Fault(rng.choice(list(kinds)), rng.uniform(*window)) for _ in range(faults)]
    result = Supervised()
    started = time.monotonic()
    while len(result.attempts) < max_attempts and time.monotonic() - started < timeout:
        attempt = _attempt(argv, out_dir, planned, rng, kill_node, result, timeout)
        result.attempts.append(attempt)
        log(
            f"  attempt {len(result.attempts)}: exit {attempt.rc} after {attempt.wall_s:.1f}s"
            + "".join(f", {f.kind} killed at {f.at:.1f}s ({f.what})" for f in attempt.faults)
        )
        if attempt.rc == 0:
            break  # built (a fault planned for later attempts never comes)
    result.wall_s = time.monotonic() - started
    return result


def _attempt(argv, out_dir, planned: list[Fault], rng, kill_node, result: Supervised, timeout: float) -> Attempt:
    t0 = time.monotonic()
    fault = planned.pop(0) if planned else None
    struck: list[Fault] = []
    with open(out_dir.parent / ".supervisor-stdout", "w") as out:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        sampler = _Sampler(proc.pid, out_dir, result)
        sampler.start()
        try:
            while proc.poll() is None and time.monotonic() - t0 < timeout:
                if fault is not None and time.monotonic() - t0 >= fault.at:
                    _strike(fault, proc, rng, kill_node)  # nothing to kill at that moment: it is dropped
                    struck += [fault] if fault.t else []
                    fault = planned.pop(0) if planned and fault.kind != "driver" else None
                    if fault is not None:  # the build lives on: the next fault comes that long after this one
                        fault.at += time.monotonic() - t0
                time.sleep(0.05)
        finally:
            if proc.poll() is None:
                proc.kill()  # our own child: a hung attempt
            proc.wait()
            sampler.stop.set()
            sampler.join()
    result.last_stdout = (out_dir.parent / ".supervisor-stdout").read_text(errors="replace")
    return Attempt(proc.returncode, time.monotonic() - t0, struck)


def redone(journal: Path, kill_times: Sequence[float]) -> tuple[float, float]:
    """(task-seconds redone, task-seconds run in all) from a build's journal and the faults' times."""
    kills = sorted(kill_times)
    open_: dict[tuple[str, str], float] = {}
    finished: set[tuple[str, str]] = set()
    useful = wasted = 0.0
    for rec in Journal(journal).replay():
        key = (rec.lane, rec.task)
        if isinstance(rec, Claimed):
            if key in open_:  # claimed again with no end: the first attempt died with its process
                wasted += _until_fault(open_.pop(key), kills, rec.t)
            open_[key] = rec.t
        elif isinstance(rec, Done):
            open_.pop(key, None)
            # The same task finished again. (Two tasks of one fingerprint, such as the same line spoken in
            # two videos, may both run when they are in flight at once: not a fault's doing, not counted.)
            if (rec.task, rec.fp) in finished:
                wasted += rec.ms / 1000
            else:
                useful += rec.ms / 1000
                finished.add((rec.task, rec.fp))
        elif isinstance(rec, (Failed, Lost)) and key in open_:
            wasted += max(0.0, rec.t - open_.pop(key))
    wasted += sum(_until_fault(t, kills, None) for t in open_.values())
    return wasted, useful + wasted


def _until_fault(claimed: float, kills: Sequence[float], limit: float | None) -> float:
    """How long an attempt claimed at `claimed` ran: until the first fault after it (or `limit`)."""
    end = next((k for k in kills if k >= claimed), None)
    if end is None or (limit is not None and end > limit):
        end = limit if limit is not None else claimed
    return max(0.0, end - claimed)


def growth_per_video(samples: Sequence[tuple[int, int]]) -> float:
    """Least-squares slope of driver RSS against videos published (bytes per video); 0 without spread."""
    pts = [(float(v), float(r)) for v, r in samples]
    if len({v for v, _ in pts}) < 2:
        return 0.0
    mv = sum(v for v, _ in pts) / len(pts)
    mr = sum(r for _, r in pts) / len(pts)
    num = sum((v - mv) * (r - mr) for v, r in pts)
    den = sum((v - mv) ** 2 for v, _ in pts)
    return num / den


def events(stdout: str) -> list[dict]:
    out = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out
