"""The local executor: runs a plan's tasks on lane workers through file queues, resumably.

The coordinator (this process) owns scheduling: it appends a task to a lane's queue only when the
task's inputs exist, by the rule of dispatch.py (CPU lanes: the longest remaining path first;
device lanes: their planned order, stealing from the busiest lane). Workers journal what they
claim, finish and fail; the coordinator reads the journal back. A rerun replays the journal,
verifies finished outputs by hash and runs only what is missing.
"""
from __future__ import annotations

import hashlib
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
from vidc.schemas.descriptor import TaskDescriptor
from vidc.schemas.journal import Done, Failed, Record, Stolen
from vidc.schemas.plan import Plan

from ..state import queues
from ..state.atomic import write_text
from ..media.tools import die_with_parent
from .dispatch import pick, planned_queues
from ..state.journal import Finished, Journal
from ..state.store import DIGEST
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
    unpublished: list[str] = field(default_factory=list)  # why a rendered file could not be published

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped and not self.unpublished


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
        self.reserved: dict[str, str] = {}  # lane -> context-parallel task waiting for it (lane takes nothing else)
        self.outcome = Outcome()
        self.budget, self.costbook = budget, costbook  # budget.Budget (--max-cost), budget.CostBook (manifest costs)

    # ---------------------------------------------------------------------------------------
    def run(self) -> Outcome:
        self.work.check()
        self.store.ensure()
        self.work.queues.mkdir(parents=True, exist_ok=True)
        self.work.tasks.mkdir(parents=True, exist_ok=True)
        self.work.cache.mkdir(parents=True, exist_ok=True)
        self.store.clear_tmp()  # leftovers of an interrupted build never carry a final name
        self.work.sweep()
        self.journal.open()
        self._recover()
        publisher = Publisher(self.plan, self.tasks, self.out_dirs, self.store, self.reporter)
        publisher.costs = self.costbook
        publisher.sweep()  # a build killed while publishing leaves .NAME.XXXX.part files: never kept
        pending = [t for t in self.tasks if t not in self.objects]
        self.outcome.cached = sorted(set(self.tasks) - set(pending))
        if not pending:
            self.outcome.published = publisher.publish_all(self.objects, self.result)
            self.outcome.unpublished = publisher.errors
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
        self.outcome.unpublished = publisher.errors
        return self.outcome

    # -- recovery ----------------------------------------------------------------------------
    def _recover(self) -> None:
        """Replay the journal (malformed records are skipped with a warning) and keep each finished
        output only if its object re-hashes to its name. With --force nothing is reused, and a
        damaged object is replaced when the fresh output is committed."""
        records = self.journal.replay()
        if self.journal.skipped:
            self.reporter.message(f"warning: skipped {self.journal.skipped} malformed record(s) in {self.work.journal}; "
                                  f"the tasks they name run again")
        if self.force:
            return
        finished = Finished.from_records(records)
        verified: dict[str, bool] = {}
        for tid, task in self.tasks.items():
            digest = finished.objects.get(task.fingerprint)
            if digest is None:
                continue
            if digest not in verified:
                verified[digest] = self.store.verify(digest, full=True) and self._readable_result(digest)
            if verified[digest]:
                self.objects[tid] = digest

    def _readable_result(self, digest: str) -> bool:
        try:
            data = json.loads((self.store.object_dir(digest) / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return False
        return isinstance(data, dict)

    def _inputs_intact(self, tid: str, planned: dict[str, list[str]]) -> bool:
        """Check a task's inputs (sizes against the record made at commit; a full hash if they
        differ) before it runs. A damaged input is re-rendered first: its task goes back to the
        queue and this one waits for it."""
        damaged = [dep for dep in sorted(set(self.tasks[tid].inputs.values()))
                   if not self.store.verify(self.objects[dep], full=False) and not self.store.verify(self.objects[dep])]
        for dep in damaged:
            self.reporter.message(f"warning: the stored output of {dep} is damaged; rendering it again")
            del self.objects[dep]
            self._results.pop(dep, None)
            for lane, tasks in planned_queues([dep], self.tasks, sorted(self.lanes)).items():
                planned.setdefault(lane, [])[:0] = tasks
        return not damaged

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
                if lane_id in self.running or self.reserved.get(lane_id, lane_id) != lane_id:
                    continue
                choice = pick(self.lanes[lane_id], planned, self.tasks, self._ready, self.plan.hardware)
                if choice is None:
                    continue
                tid, victim = choice
                if not self._group_free(tid) or not self._inputs_intact(tid, planned):
                    continue
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

    def _group_free(self, tid: str) -> bool:
        """A context-parallel chunk starts when every lane of its group is idle; until then the lanes
        it waits for are reserved for it (they take no new task)."""
        group = self.tasks[tid].group
        if len(group) < 2:
            return True
        for lane in group:
            self.reserved[lane] = group[0]
        return not any(lane in self.running for lane in group)

    def _group_devices(self, tid: str) -> list[str]:
        out = []
        for lane_id in self.tasks[tid].group:
            dev = next(d for d in self.plan.hardware.devices if d.id == self.lanes[lane_id].device)
            out.append(f"cuda:{dev.id.split(':')[-1] if ':' in dev.id else '0'}" if dev.kind == "cuda" else "cpu")
        return out

    def _dispatch(self, tid: str, lane_id: str, victim: str | None) -> bool:
        task = self.tasks[tid]
        if self.budget is not None and not self.budget.allows(task):
            self.outcome.skipped[tid] = self.budget.reason(task)
            self.reporter.task_skipped(tid, task.stage, self.outcome.skipped[tid])
            return False
        # Two videos of a matrix can hold tasks with one fingerprint (the same outro card, say), and
        # both may run at once: each run gets its own scratch folder and descriptor, named by its
        # task id too, and both commit the same object.
        run_name = f"{task.fingerprint[:16]}-{hashlib.sha256(tid.encode()).hexdigest()[:8]}"
        out_name = f"{run_name}-{os.getpid()}"
        input_rel = {role: self.store.rel(self.store.object_dir(self.objects[dep])) for role, dep in task.inputs.items()}
        try:
            resolve = make_resolver(out_rel=f"tmp/{out_name}", input_rel=input_rel, results=self.result)
            desc = task_descriptor(task, resolve, input_rel, scale=self.plan.calibration.get(task.backend, 1.0),
                                   group=self._group_devices(tid) if len(task.group) > 1 else None)
        except UnresolvedRef as exc:
            self._fail(tid, lane_id, f"cannot resolve a run-time value: {exc}")
            return False
        desc_rel = f"tasks/{run_name}.json"
        write_text(self.work.root / desc_rel, canonical_json(desc.to_json_dict(), indent=1))
        if victim:
            self.journal.append(Stolen(task=tid, lane=lane_id, planned=victim))
        for member in task.group[1:]:  # the group's other lanes: held for it, their workers free their models
            self.reserved.pop(member, None)
            self.running[member] = (tid, None)
            self._release(member)
        self.reserved.pop(lane_id, None)
        self._launch(tid, lane_id, desc, desc_rel, out_name)
        self.running[lane_id] = (tid, victim)
        self.reporter.task_started(tid, task.stage, lane_id, victim)
        return True

    def _collect(self, planned: dict[str, list[str]], publisher: Publisher) -> None:
        for rec in self._poll():
            lane = rec.lane
            if not isinstance(rec, (Done, Failed)) or lane not in self.running:
                continue
            tid, _ = self.running[lane]
            if rec.task != tid:
                continue
            del self.running[lane]
            task = self.tasks[tid]
            if isinstance(rec, Done) and not DIGEST.match(rec.object):
                rec = Failed(task=rec.task, fp=rec.fp, lane=lane,
                             error=f"the worker reported a malformed object name {rec.object!r}")
            for member in task.group[1:]:
                self.running.pop(member, None)
            if isinstance(rec, Done):
                self.objects[tid] = rec.object
                if self.costbook is not None:
                    self.costbook.add(rec)
                if self.budget is not None:
                    self.budget.finished(task, rec, self.result(tid))
                self.outcome.ran.append(tid)
                self.reporter.task_done(tid, task.stage, lane, rec.ms)
                self.outcome.published += publisher.on_done(tid, self.objects, self.result)
            else:
                if self.budget is not None:
                    self.budget.failed(task)
                self._fail(tid, lane, rec.error or "unknown error")
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

    def _launch(self, tid: str, lane_id: str, desc: TaskDescriptor, desc_rel: str, out_name: str) -> None:
        """Hand one task descriptor to a lane: here, a line in its queue file read by its worker process."""
        self._ensure_worker(lane_id)
        queues.append(self.work.queue(lane_id), tid, desc_rel, f"store/tmp/{out_name}")

    def _release(self, lane_id: str) -> None:
        """A lane joins another lane's context-parallel group: its worker (if any) frees its models."""
        if lane_id in self.workers and self.workers[lane_id].poll() is None:
            queues.append_stop(self.work.queue(lane_id), queues.RELEASE)

    def _poll(self) -> list[Record]:
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
            if self.tasks[tid].group and lane_id != self.tasks[tid].group[0]:
                continue  # a lane held for another lane's context-parallel group runs nothing itself
            proc = self.workers.get(lane_id)
            if proc is not None and proc.poll() is not None:
                # Read the journal once more: the worker may have finished just before it died.
                del self.running[lane_id]
                for member in self.tasks[tid].group[1:]:
                    self.running.pop(member, None)
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
