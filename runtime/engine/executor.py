"""The executor: runs a plan's tasks on its lanes, resumably. It is the scheduler: it alone owns the
running tasks, the planned queues and skipping; the lanes only run what they are given, through one
interface (lanes.py) with two implementations: worker processes fed by queue files (local_lanes.py,
the default) and Ray actors on a cluster (ray_executor.py).

A task is handed to a lane only when its inputs exist, by the rule of dispatch.py (CPU lanes: the
longest remaining path first; device lanes: their planned order, stealing from the busiest lane).
Lanes journal what they claim, finish and fail. A rerun replays the journal, verifies finished
outputs by hash and runs only what is missing. A task that fails, or whose worker dies, takes the
tasks that need it with it: they are skipped, naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from vidc.compiler.canonical import canonical_json
from vidc.schemas.journal import Done, Failed, Stolen
from vidc.schemas.plan import Plan

from ..state.atomic import write_text
from ..state.journal import Finished, Journal
from ..state.orphans import wait_for_orphans
from ..state.store import DIGEST
from ..state.workfolder import WorkFolder
from .dispatch import lane_can_run, pick, planned_queues
from .events import Reporter
from .lanes import Ended, Gone, Lane, LanePool, Lost, Note, Ready, Report, Returned, Run, warm_list
from .local_lanes import LocalPool
from .publish import Publisher
from .resolve import UnresolvedRef, make_resolver, task_descriptor

MAX_ATTEMPTS = 3  # runs of one task whose worker died (on a lane that retries) before we give up on it


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
    def __init__(
        self,
        plan: Plan,
        project_dir: Path,
        out_dirs: dict[str, Path],
        work: WorkFolder,
        reporter: Reporter,
        *,
        only: set[str] | None = None,
        force: bool = False,
        budget=None,
        costbook=None,
        pool: LanePool | None = None,
    ):
        self.plan, self.project_dir, self.out_dirs, self.work = plan, project_dir, out_dirs, work
        self.reporter, self.force = reporter, force
        self.tasks = {t.id: t for t in plan.tasks if only is None or t.video in only}
        self.lanes = {ln.id: ln for ln in plan.lanes}
        self.store = work.store
        self.journal = Journal(work.journal)
        self.objects: dict[str, str] = {}  # task id -> object hash (finished)
        self._results: dict[str, dict] = {}
        self.pool: LanePool = pool if pool is not None else LocalPool(work, project_dir, plan.hardware, self.journal)
        self.impls: dict[str, Lane] = {}  # lane id -> the lane that runs its tasks
        self.running: dict[str, tuple[str, str | None]] = {}  # lane -> (task id, stolen from)
        self.reserved: dict[str, str] = {}  # lane -> context-parallel task waiting for it (lane takes nothing else)
        self.blocked: set[str] = set()  # lanes waiting (for room on a cluster): they take no task
        self.attempts: dict[str, list[str]] = {}  # task id -> where and why its worker died
        self.outcome = Outcome()
        self.budget, self.costbook = budget, costbook  # budget.Budget (--max-cost), budget.CostBook (manifest costs)

    # ---------------------------------------------------------------------------------------
    def run(self) -> Outcome:
        self.work.check()
        wait_for_orphans(self.work.root, self.reporter.message)  # before the store's scratch is cleared
        self.store.ensure()
        self.work.queues.mkdir(parents=True, exist_ok=True)
        self.work.tasks.mkdir(parents=True, exist_ok=True)
        self.work.cache.mkdir(parents=True, exist_ok=True)
        self.store.clear_tmp()  # leftovers of an interrupted build never carry a final name
        self.work.sweep()
        self.journal.open()
        self.pool.adopt(self.reporter.message)
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
            self._open(planned)
            self._loop(planned, publisher)
        finally:
            self.pool.close()
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
            self.reporter.message(
                f"warning: skipped {self.journal.skipped} malformed record(s) in {self.work.journal}; "
                f"the tasks they name run again"
            )
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
        damaged = [
            dep
            for dep in sorted(set(self.tasks[tid].inputs.values()))
            if not self.store.verify(self.objects[dep], full=False) and not self.store.verify(self.objects[dep])
        ]
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

    def _open(self, planned: dict[str, list[str]]) -> None:
        """Make the lanes; a lane the pool cannot run is dropped; every lane with planned work starts now."""
        self.impls = self.pool.open(dict(self.lanes), planned)
        for lane_id in [ln for ln in self.lanes if ln not in self.impls]:
            del self.lanes[lane_id]
        for lane_id in sorted(self.impls):
            if planned.get(lane_id):
                self.impls[lane_id].start(warm_list([self.tasks[t] for t in planned[lane_id]]))

    def _loop(self, planned: dict[str, list[str]], publisher: Publisher) -> None:
        while any(planned.values()) or self.running:
            for lane_id in sorted(self.lanes):
                if lane_id in self.running or lane_id in self.blocked or self.reserved.get(lane_id, lane_id) != lane_id:
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
            if not self.running and not self.blocked:
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
            dev = self.plan.hardware.device(self.lanes[lane_id].device)
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
        input_rel = {
            role: self.store.rel(self.store.object_dir(self.objects[dep])) for role, dep in task.inputs.items()
        }
        try:
            resolve = make_resolver(out_rel=f"tmp/{out_name}", input_rel=input_rel, results=self.result)
            desc = task_descriptor(
                task,
                resolve,
                input_rel,
                scale=self.plan.calibration.get(task.backend, 1.0),
                group=self._group_devices(tid) if len(task.group) > 1 else None,
            )
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
            if member in self.impls:
                self.impls[member].release()
        self.reserved.pop(lane_id, None)
        self.impls[lane_id].submit(Run(tid, desc, desc_rel, out_name))
        self.running[lane_id] = (tid, victim)
        self.reporter.task_started(tid, task.stage, lane_id, victim)
        return True

    # -- what the lanes report ---------------------------------------------------------------
    def _collect(self, planned: dict[str, list[str]], publisher: Publisher) -> None:
        """Poll every lane once; wait briefly when none has news."""
        reports: list[tuple[str, Report]] = []
        for lane_id in sorted(self.impls):
            reports += [(lane_id, r) for r in self.impls[lane_id].poll()]
        if not reports:
            time.sleep(0.01)
        for lane_id, report in reports:
            if isinstance(report, Ended):
                self._ended(lane_id, report.record, planned, publisher)
            elif isinstance(report, Lost):
                self._lost(lane_id, report, planned)
            elif isinstance(report, Returned):
                self._give_back(lane_id, report.task, planned)
                if report.wait:
                    self.blocked.add(lane_id)
            elif isinstance(report, Ready):
                self.blocked.discard(lane_id)
            elif isinstance(report, Gone):
                self._drop_lane(lane_id, report, planned)
            elif isinstance(report, Note):
                self.reporter.message(report.text)

    def _free(self, lane: str, tid: str) -> str | None:
        """The lane (and its context-parallel group) no longer runs tid; the lane it was stolen from."""
        _, victim = self.running.pop(lane, (tid, None))
        for member in self.tasks[tid].group[1:]:
            self.running.pop(member, None)
        return victim

    def _ended(self, lane: str, rec: Done | Failed, planned: dict[str, list[str]], publisher: Publisher) -> None:
        if lane not in self.running or rec.task != self.running[lane][0]:
            return
        tid = rec.task
        task = self.tasks[tid]
        self._free(lane, tid)
        if isinstance(rec, Done) and not DIGEST.match(rec.object):
            rec = Failed(
                task=rec.task, fp=rec.fp, lane=lane, error=f"the worker reported a malformed object name {rec.object!r}"
            )
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
            self._fail(tid, lane, rec.error or "unknown error", planned)

    def _lost(self, lane: str, report: Lost, planned: dict[str, list[str]]) -> None:
        """The lane's worker died under a task: it fails (and what needs it is skipped), or, on a lane
        that retries, it runs again on a lane that can run it, at most MAX_ATTEMPTS times."""
        tid = report.task
        if self.running.get(lane, (None,))[0] != tid:
            return
        victim = self._free(lane, tid)
        if not report.retry:
            self._fail(tid, lane, report.why, planned)
            return
        tries = self.attempts.setdefault(tid, [])
        tries.append(report.why)
        if len(tries) >= MAX_ATTEMPTS:
            self._fail(tid, lane, f"its worker died {len(tries)} times:\n" + "\n".join(tries), planned)
        else:
            self.reporter.message(f"lost {tid} ({report.why}); it runs again")
            planned[victim or lane].insert(0, tid)

    def _give_back(self, lane: str, tid: str, planned: dict[str, list[str]]) -> None:
        """A task that never started goes back to the front of its queue."""
        victim = self._free(lane, tid)
        planned[victim or lane].insert(0, tid)

    def _drop_lane(self, lane_id: str, gone: Gone, planned: dict[str, list[str]]) -> None:
        """A lane that can run nothing any more: its planned work goes to the lanes that can run it;
        what no lane can run fails, saying so."""
        self.blocked.discard(lane_id)
        self.lanes.pop(lane_id, None)
        self.impls.pop(lane_id, None)
        self.reporter.message(f"{gone.what} is gone: {gone.why}; its work moves to the lanes that can run it")
        live = list(self.lanes.values())
        for queue in planned.values():
            for tid in list(queue):
                if tid in queue and not any(lane_can_run(self.tasks[tid], ln, self.plan.hardware) for ln in live):
                    queue.remove(tid)
                    req = self.tasks[tid].requires
                    needs = f"a device with {req.vram_gb:g} GB" if req.kind != "cpu" else "a CPU lane"
                    self._fail(
                        tid,
                        lane_id,
                        f"no lane left can run it (it needs {needs}): {gone.what} is gone: "
                        f"{gone.why}; lanes left: {', '.join(sorted(self.lanes)) or 'none'}",
                        planned,
                    )

    def _fail(self, tid: str, lane: str, error: str, planned: dict[str, list[str]] | None = None) -> None:
        """A task failed: say so, and skip what needs it (when it ran: its budget reservation ends)."""
        self.outcome.failed[tid] = error
        self.reporter.task_failed(tid, self.tasks[tid].stage, lane, error)
        if planned is not None:
            if self.budget is not None:
                self.budget.failed(self.tasks[tid])
            self._skip_dependents(tid, planned)

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
