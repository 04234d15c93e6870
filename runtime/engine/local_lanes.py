"""The local executor's lanes: one worker process per lane (worker.py), pinned to its device, fed
through the lane's append-only queue file. Workers journal what they claim, finish and fail; the
lanes read those records back from the journal and report them to the scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from vidc.schemas.hardware import Hardware
from vidc.schemas.journal import Done, Failed
from vidc.schemas.plan import Lane as PlanLane

from ..media.tools import die_with_parent
from ..state import queues
from ..state.atomic import write_text
from ..state.journal import Journal
from ..state.workfolder import WorkFolder
from .lanes import Ended, Lane, Lost, Report, Run, Warm

STOP_PATIENCE_S = 5.0  # how long stopped workers get to finish their line before they are sent SIGTERM


class LocalPool:
    """The local lanes of one build, and the journal records they share (read once, handed to their lane)."""

    def __init__(self, work: WorkFolder, project_dir: Path, hardware: Hardware, journal: Journal):
        self.work, self.project_dir, self.hardware, self.journal = work, project_dir, hardware, journal
        self.lanes: dict[str, LocalLane] = {}
        self._inbox: dict[str, list[Done | Failed]] = {}

    def open(self, lanes: dict[str, PlanLane], planned: dict[str, list[str]]) -> dict[str, Lane]:
        self.lanes = {lane_id: LocalLane(self, lane) for lane_id, lane in lanes.items()}
        return dict(self.lanes)

    def adopt(self, say) -> None:
        """Nothing: a killed build's local workers journal their task themselves (state/orphans.py)."""

    def take(self, lane_id: str) -> list[Done | Failed]:
        """The finished and failed records of this lane's worker that arrived since the last call.
        The journal is read from where the scheduler's replay left it."""
        for rec in self.journal.read_new():
            if isinstance(rec, (Done, Failed)):
                self._inbox.setdefault(rec.lane, []).append(rec)
        return self._inbox.pop(lane_id, [])

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.stop()
        deadline = time.monotonic() + STOP_PATIENCE_S
        for lane in self.lanes.values():
            lane.wait(deadline)


class LocalLane:
    def __init__(self, pool: LocalPool, lane: PlanLane):
        self.id, self.pool, self.lane = lane.id, pool, lane
        self.proc: subprocess.Popen | None = None
        self.current: str | None = None  # the task its worker was given and has not journaled an end for

    def start(self, warm: list[Warm]) -> None:
        """The worker starts now and warms the backends of the lane's planned tasks while the lane waits
        for its first task (worker.warm)."""
        rel = f"queues/{self.id.replace(':', '_')}.warm.json"
        specs = [{"backend": w.backend, "params": w.params} for w in warm]
        write_text(self.pool.work.root / rel, json.dumps(specs, sort_keys=True, ensure_ascii=False))
        self._ensure_worker(rel)

    def submit(self, run: Run) -> None:
        self._ensure_worker("")
        queues.append(self.pool.work.queue(self.id), run.task, run.desc_rel, f"store/tmp/{run.out_name}")
        self.current = run.task

    def poll(self) -> list[Report]:
        records = self.pool.take(self.id)
        if not records and self.current is not None and self.proc is not None and self.proc.poll() is not None:
            records = self.pool.take(self.id)  # it may have journaled its end just before it died
            if not records:
                lost, self.current = self.current, None
                return [Lost(lost, self._death(), retry=True)]  # runs again, at most MAX_ATTEMPTS times
        if any(rec.task == self.current for rec in records):
            self.current = None
        return [Ended(rec) for rec in records]

    def release(self) -> None:
        if self._alive():
            queues.append_stop(self.pool.work.queue(self.id), queues.RELEASE)

    def stop(self) -> None:
        if self._alive():
            queues.append_stop(self.pool.work.queue(self.id))

    def wait(self, deadline: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)  # our own child, never another process
            self.proc.wait()

    # -----------------------------------------------------------------------------------------
    def _alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _log(self) -> Path:
        return self.pool.work.root / "logs" / f"{self.id.replace(':', '_')}.log"

    def _death(self) -> str:
        assert self.proc is not None
        log = self._log()
        tail = log.read_text(errors="replace").strip().splitlines()[-8:] if log.exists() else []
        return f"the {self.id} worker died (exit {self.proc.returncode})\n" + "\n".join(tail)

    def _ensure_worker(self, warm: str) -> None:
        if self._alive():
            return
        env, device = worker_env(self.lane, self.pool.hardware)
        qpath = self.pool.work.queue(self.id)
        offset = qpath.stat().st_size if qpath.exists() else 0
        self._log().parent.mkdir(exist_ok=True)
        with open(self._log(), "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "vidc.runtime.engine.worker",
                    str(self.pool.work.root),
                    self.id,
                    device,
                    str(offset),
                    str(self.pool.project_dir),
                    warm,
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent(signal.SIGTERM),
            )


def worker_env(lane: PlanLane, hw: Hardware) -> tuple[dict[str, str], str]:
    """The environment and the device name of a lane's worker process."""
    env = dict(os.environ)
    device = "cpu"
    if lane.kind == "device":
        dev = hw.device(lane.device)
        if dev.kind == "cuda":
            env["CUDA_VISIBLE_DEVICES"] = dev.id.split(":")[-1] if ":" in dev.id else "0"  # it sees cuda:0
            device = "cuda:0"
        else:  # CPU devices share the cores: one thread pool each, not one per core each
            shared = sum(1 for d in hw.devices if d.kind == "cpu")
            env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // shared)))
    return env, device
