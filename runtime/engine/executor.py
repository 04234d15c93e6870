"""The local executor: runs a plan's tasks on lane workers through file queues, resumably.

The coordinator (this process) owns scheduling: it appends a task to a lane's queue only when the
task's inputs exist, by the rule of dispatch.py (CPU lanes: the longest remaining path first;
device lanes: their planned order, stealing from the busiest lane). Workers journal what they
claim, finish and fail; the coordinator reads the journal back. A rerun replays the journal,
verifies finished outputs by hash and runs only what is missing.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vidc.compiler.canonical import canonical_json
from vidc.schemas.plan import Plan

from ..state import queues
from ..state.atomic import write_text
from ..media.tools import die_with_parent
from .dispatch import pick, planned_queues
from ..state.journal import Finished, Journal
from .events import Reporter
from .publish import Publisher
from .resolve import UnresolvedRef, make_resolver, task_descriptor
from ..state.workfolder import WorkFolder


class BuildFailed(Exception):
    pass


@dataclass
class Outcome:
    ran: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


class Executor:
    def __init__(self, plan: Plan, project_dir: Path, out_dirs: dict[str, Path], work: WorkFolder, reporter: Reporter,
                 *, only: set[str] | None = None, force: bool = False, budget=None, costbook=None):
        self.plan, self.project_dir, self.out_dirs, self.work = plan, project_dir, out_dirs, work
        self.reporter, self.force = reporter, force
        self.tasks = {t.id: t for t in plan.tasks if only is None or t.video in only}
        self.lanes = {ln.id: ln for ln in plan.lanes}
        self.store = work.store
        self.journal = Journal(work.journal)
        self.objects: dict[str, str] = {}  # task id -> object hash (finished)
        self._results: dict[str, dict] = {}
        self.workers: dict[str, subprocess.Popen] = {}
        self.running: dict[str, tuple[str, str | None]] = {}  # lane -> (task id, stolen from)
        self.outcome = Outcome()
        self.budget, self.costbook = budget, costbook  # budget.Budget (--max-cost), budget.CostBook (manifest costs)

    # ---------------------------------------------------------------------------------------
    def run(self) -> Outcome:
        self.store.ensure()
        self.work.queues.mkdir(parents=True, exist_ok=True)
        self.work.tasks.mkdir(parents=True, exist_ok=True)
        self.work.cache.mkdir(parents=True, exist_ok=True)
        self.store.clear_tmp()  # leftovers of an interrupted build never carry a final name
        self.journal.open()
        self._recover()
        publisher = Publisher(self.plan, self.tasks, self.out_dirs, self.store, self.reporter)
        publisher.costs = self.costbook
        pending = [t for t in self.tasks if t not in self.objects]
        self.outcome.cached = sorted(set(self.tasks) - set(pending))
        if not pending:
            self.outcome.published = publisher.publish_all(self.objects, self.result)
            return self.outcome
        self.journal.read_new()  # start reading after the replayed history
        stage_counts = Counter(self.tasks[t].stage for t in pending)
        self.reporter.start(dict(stage_counts), len(self.outcome.cached), sorted(self.lanes))
        planned = planned_queues(pending, self.tasks, sorted(self.lanes), {k: ln.kind for k, ln in self.lanes.items()})
        try:
            self._prepare(planned)
            self._loop(planned, publisher)
        finally:
            self._stop_workers()
            self.reporter.stop()
        self.outcome.published += publisher.publish_all(self.objects, self.result)
        return self.outcome

    # -- recovery ----------------------------------------------------------------------------
    def _recover(self) -> None:
        if self.force:
            return
        finished = Finished.from_records(self.journal.replay())
        verified: dict[str, bool] = {}
        for tid, task in self.tasks.items():
            digest = finished.objects.get(task.fingerprint)
            if digest is None:
                continue
            if digest not in verified:
                verified[digest] = self.store.verify(digest)
            if verified[digest]:
                self.objects[tid] = digest

    def result(self, task_id: str) -> dict:
        if task_id not in self._results:
            path = self.store.object_dir(self.objects[task_id]) / "result.json"
            self._results[task_id] = json.loads(path.read_text(encoding="utf-8"))
        return self._results[task_id]

    # -- scheduling --------------------------------------------------------------------------
    def _ready(self, tid: str) -> bool:
        return all(dep in self.objects for dep in self.tasks[tid].inputs.values())

    def _loop(self, planned: dict[str, list[str]], publisher: Publisher) -> None:
        while any(planned.values()) or self.running:
            for lane_id in sorted(self.lanes):
                if lane_id in self.running:
                    continue
                choice = pick(self.lanes[lane_id], planned, self.tasks, self._ready, self.plan.hardware)
                if choice is None:
                    continue
                tid, victim = choice
                planned[victim or lane_id].remove(tid)
                if not self._dispatch(tid, lane_id, victim):
                    self._skip_dependents(tid, planned)
            if not self.running:
                if any(planned.values()):  # nothing runnable: inputs failed
                    for q in planned.values():
                        for t in list(q):
                            self.outcome.skipped.setdefault(t, "an input that failed")
                        q.clear()
                break
            self._collect(planned, publisher)

    def _dispatch(self, tid: str, lane_id: str, victim: str | None) -> bool:
        task = self.tasks[tid]
        if self.budget is not None and not self.budget.allows(task):
            self.outcome.skipped[tid] = self.budget.reason(task)
            self.reporter.task_skipped(tid, task.stage, self.outcome.skipped[tid])
            return False
        out_name = f"{task.fingerprint[:16]}-{os.getpid()}"
        input_rel = {role: self.store.rel(self.store.object_dir(self.objects[dep])) for role, dep in task.inputs.items()}
        try:
            resolve = make_resolver(out_rel=f"tmp/{out_name}", input_rel=input_rel, results=self.result)
            desc = task_descriptor(task, resolve, input_rel, scale=self.plan.calibration.get(task.backend, 1.0))
        except UnresolvedRef as exc:
            self._fail(tid, lane_id, f"cannot resolve a run-time value: {exc}")
            return False
        desc_rel = f"tasks/{task.fingerprint}.json"
        write_text(self.work.root / desc_rel, canonical_json(desc, indent=1))
        if victim:
            self.journal.append("stolen", task=tid, lane=lane_id, planned=victim)
        self._launch(tid, lane_id, desc, desc_rel, out_name)
        self.running[lane_id] = (tid, victim)
        self.reporter.task_started(tid, task.stage, lane_id, victim)
        return True

    def _collect(self, planned: dict[str, list[str]], publisher: Publisher) -> None:
        for rec in self._poll():
            lane = rec.get("lane")
            if rec["ev"] not in ("done", "failed") or lane not in self.running:
                continue
            tid, _ = self.running[lane]
            if rec.get("task") != tid:
                continue
            del self.running[lane]
            task = self.tasks[tid]
            if rec["ev"] == "done":
                self.objects[tid] = rec["object"]
                if self.costbook is not None:
                    self.costbook.add(rec)
                if self.budget is not None:
                    self.budget.finished(task, rec, self.result(tid))
                self.outcome.ran.append(tid)
                self.reporter.task_done(tid, task.stage, lane, rec.get("ms", 0))
                self.outcome.published += publisher.on_done(tid, self.objects, self.result)
            else:
                if self.budget is not None:
                    self.budget.failed(task)
                self._fail(tid, lane, rec.get("error", "unknown error"))
                self._skip_dependents(tid, planned)

    def _fail(self, tid: str, lane: str, error: str) -> None:
        self.outcome.failed[tid] = error
        self.reporter.task_failed(tid, self.tasks[tid].stage, lane, error)

    def _skip_dependents(self, failed: str, planned: dict[str, list[str]]) -> None:
        doomed = {failed}
        changed = True
        while changed:
            changed = False
            for q in planned.values():
                for t in list(q):
                    if any(dep in doomed for dep in self.tasks[t].inputs.values()):
                        q.remove(t)
                        doomed.add(t)
                        self.outcome.skipped[t] = failed
                        self.reporter.task_skipped(t, self.tasks[t].stage, failed)
                        changed = True

    # -- how lanes run tasks: hooks (the Ray executor, ray_executor.py, overrides these) ---------
    def _prepare(self, planned: dict[str, list[str]]) -> None:
        """Called once before the first dispatch, with the planned queues the loop works on."""

    def _launch(self, tid: str, lane_id: str, desc: dict, desc_rel: str, out_name: str) -> None:
        """Hand one task descriptor to a lane: here, a line in its queue file read by its worker process."""
        self._ensure_worker(lane_id)
        queues.append(self.work.queue(lane_id), tid, desc_rel, f"store/tmp/{out_name}")

    def _poll(self) -> list[dict]:
        """The journal records (done, failed) that arrived since the last call; waits briefly if none."""
        records = self.journal.read_new()
        if not records:
            self._check_workers()
            time.sleep(0.01)
        return records

    # -- workers -----------------------------------------------------------------------------
    def _ensure_worker(self, lane_id: str) -> None:
        proc = self.workers.get(lane_id)
        if proc is not None and proc.poll() is None:
            return
        lane = self.lanes[lane_id]
        env = dict(os.environ)
        device = "cpu"
        if lane.kind == "device":
            dev = next(d for d in self.plan.hardware.devices if d.id == lane.device)
            if dev.kind == "cuda":
                index = dev.id.split(":")[-1] if ":" in dev.id else "0"
                env["CUDA_VISIBLE_DEVICES"] = index  # pinned: the worker sees its GPU as cuda:0
                device = "cuda:0"
            else:  # CPU devices share the cores: one thread pool each, not one per core each
                shared = sum(1 for d in self.plan.hardware.devices if d.kind == "cpu")
                env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // shared)))
        qpath = self.work.queue(lane_id)
        offset = qpath.stat().st_size if qpath.exists() else 0
        logs = self.work.root / "logs"
        logs.mkdir(exist_ok=True)
        with open(logs / f"{lane_id.replace(':', '_')}.log", "ab") as log:
            self.workers[lane_id] = subprocess.Popen(
                [sys.executable, "-m", "vidc.runtime.engine.worker", str(self.work.root), lane_id, device, str(offset),
                 str(self.project_dir)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent(signal.SIGTERM),
            )

    def _check_workers(self) -> None:
        for lane_id, (tid, _) in list(self.running.items()):
            proc = self.workers.get(lane_id)
            if proc is not None and proc.poll() is not None:
                # Read the journal once more: the worker may have finished just before it died.
                del self.running[lane_id]
                log = self.work.root / "logs" / f"{lane_id.replace(':', '_')}.log"
                tail = log.read_text(errors="replace").strip().splitlines()[-8:] if log.exists() else []
                self._fail(tid, lane_id, f"the {lane_id} worker died (exit {proc.returncode})\n" + "\n".join(tail))

    def _stop_workers(self) -> None:
        for lane_id, proc in self.workers.items():
            if proc.poll() is None:
                queues.append_stop(self.work.queue(lane_id))
        deadline = time.monotonic() + 5
        for proc in self.workers.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGTERM)  # our own child, never another process
                proc.wait()
