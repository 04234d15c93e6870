"""engine/executor.py as it behaves today: runs a plan through lane workers, resumes from the journal,
re-runs only what is missing or damaged, skips what depends on a failure, and reports a dead worker."""

from __future__ import annotations

import io
import json

from vidc.runtime.engine.events import Reporter
from vidc.runtime.engine.executor import MAX_ATTEMPTS, Executor
from vidc.runtime.engine.lanes import Ended, Lost as LostReport
from vidc.runtime.engine.local_lanes import LocalPool
from vidc.runtime.state.journal import Journal
from vidc.runtime.state.workfolder import WorkFolder
from vidc.schemas.journal import Done, Stolen
from vidc.schemas.plan import Lane

from .engine_plans import GPU_HW, HW, plan, task


def _run(tmp_path, p, **kw):
    work = WorkFolder(tmp_path / ".vidc")
    ex = Executor(p, tmp_path, {"v": tmp_path / "build"}, work, Reporter("json", io.StringIO()), **kw)
    return ex.run(), ex, work


def _chain():
    return plan(
        [task("v/a", "cpu-0", 0), task("v/b", "cpu-1", 0), task("v/c", "cpu-0", 100, inputs={"a": "v/a", "b": "v/b"})]
    )


def test_runs_then_resumes_without_redoing_work(tmp_path):
    out, _, work = _run(tmp_path, _chain())
    assert out.ok and sorted(out.ran) == ["v/a", "v/b", "v/c"]
    text = work.journal.read_text()
    assert str(tmp_path) not in text and str(tmp_path) not in "".join(p.read_text() for p in work.tasks.iterdir())
    out, _, _ = _run(tmp_path, _chain())
    assert out.ran == [] and out.cached == ["v/a", "v/b", "v/c"]


def test_a_damaged_object_is_rebuilt(tmp_path):
    _, ex, work = _run(tmp_path, _chain())
    obj = work.store.object_dir(ex.objects["v/b"]) / "script.json"
    obj.write_text("damaged")
    out, _, _ = _run(tmp_path, _chain())
    assert out.ran == ["v/b"] and sorted(out.cached) == ["v/a", "v/c"]


def test_a_torn_journal_line_is_ignored_on_resume(tmp_path):
    _, _, work = _run(tmp_path, _chain())
    lines = work.journal.read_bytes().splitlines(keepends=True)
    last_done = max(i for i, ln in enumerate(lines) if b'"done"' in ln and b'"v/c"' in ln)
    work.journal.write_bytes(b"".join(lines[:last_done]) + lines[last_done][:25])  # power lost mid-line
    out, _, _ = _run(tmp_path, _chain())
    assert out.ok and out.ran == ["v/c"]
    assert all(json.loads(x) for x in work.journal.read_text().splitlines()[:last_done])


def test_force_runs_everything_again(tmp_path):
    _run(tmp_path, _chain())
    out, _, _ = _run(tmp_path, _chain(), force=True)
    assert sorted(out.ran) == ["v/a", "v/b", "v/c"]


def test_a_failure_skips_its_dependents_and_keeps_the_rest(tmp_path):
    p = plan(
        [task("v/a", "cpu-0", 0, scenes=None), task("v/b", "cpu-1", 0), task("v/c", "cpu-0", 100, inputs={"a": "v/a"})]
    )
    p.tasks[0].params["scenes"] = None  # the inline-script backend refuses: "not generated yet"
    out, _, _ = _run(tmp_path, p)
    assert list(out.failed) == ["v/a"] and out.skipped == {"v/c": "v/a"} and out.ran == ["v/b"]
    assert not out.ok


def test_idle_lane_steals_ready_work(tmp_path):
    # Everything planned on cpu-0: cpu-1 has nothing of its own and takes ready tasks from it.
    p = plan([task(f"v/t{i}", "cpu-0", i * 10) for i in range(6)])
    out, _, work = _run(tmp_path, p)
    recs = Journal(work.journal).replay()
    stolen = [r for r in recs if isinstance(r, Stolen)]
    assert out.ok and stolen and all(r.lane == "cpu-1" and r.planned == "cpu-0" for r in stolen)
    assert {r.lane for r in recs if isinstance(r, Done)} == {"cpu-0", "cpu-1"}


class _DeadProc:
    returncode = -9

    def poll(self):
        return -9


def test_a_dead_worker_is_reported_lost_with_its_log(tmp_path):
    work = WorkFolder(tmp_path / ".vidc")
    journal = Journal(work.journal)
    pool = LocalPool(work, tmp_path, HW, journal)
    lane = pool.open({"cpu-0": Lane(id="cpu-0", kind="cpu", device="cpu", speed=1.0)}, {})["cpu-0"]
    (work.root / "logs").mkdir(parents=True)
    (work.root / "logs" / "cpu-0.log").write_text("loading model\nKilled\n")
    lane.proc, lane.current = _DeadProc(), "v/a"
    (lost,) = lane.poll()
    assert isinstance(lost, LostReport) and lost.task == "v/a" and lost.retry  # it runs again (bounded)
    assert lost.why.startswith("the cpu-0 worker died (exit -9)") and "Killed" in lost.why
    assert lane.poll() == []  # reported once


def test_a_dead_worker_that_journaled_its_end_first_is_not_lost(tmp_path):
    work = WorkFolder(tmp_path / ".vidc")
    journal = Journal(work.journal)
    journal.open()
    pool = LocalPool(work, tmp_path, HW, journal)
    lane = pool.open({"cpu-0": Lane(id="cpu-0", kind="cpu", device="cpu", speed=1.0)}, {})["cpu-0"]
    lane.proc, lane.current = _DeadProc(), "v/a"
    journal.append(Done(task="v/a", fp="fp-v_a", lane="cpu-0", object="0" * 64))
    (ended,) = lane.poll()
    assert isinstance(ended, Ended) and ended.record.task == "v/a" and lane.current is None


class _DyingLane:
    """A lane whose worker dies under its first task (reported as a local lane reports it)."""

    def __init__(self, lane_id: str, retry: bool = False):
        self.id, self.retry, self.given, self.reports = lane_id, retry, [], []

    def start(self, warm):
        pass

    def submit(self, run):
        self.given.append(run.task)
        self.reports.append(LostReport(run.task, f"the {self.id} worker died (exit -9)", retry=self.retry))

    def poll(self):
        out, self.reports = self.reports, []
        return out

    def release(self):
        pass

    def stop(self):
        pass


class _Pool:
    def __init__(self, retry: bool = False):
        self.retry, self.lanes = retry, {}

    def open(self, lanes, planned):
        self.lanes = {ln: _DyingLane(ln, self.retry) for ln in lanes}
        return dict(self.lanes)

    def adopt(self, say):
        pass

    def close(self):
        pass


def test_a_dead_workers_dependents_are_skipped(tmp_path):
    p = plan(
        [
            task("v/a", "cpu-0", 0),
            task("v/b", "cpu-0", 100, inputs={"a": "v/a"}),
            task("v/c", "cpu-0", 200, inputs={"b": "v/b"}),
        ],
        hw=HW.model_copy(update={"cpu_workers": 1}),
    )
    events = io.StringIO()
    work = WorkFolder(tmp_path / ".vidc")
    ex = Executor(p, tmp_path, {"v": tmp_path / "build"}, work, Reporter("json", events), pool=_Pool())
    out = ex.run()
    assert list(out.failed) == ["v/a"] and out.failed["v/a"].startswith("the cpu-0 worker died")
    assert out.skipped == {"v/b": "v/a", "v/c": "v/a"} and not out.ran and not out.ok
    skipped = [json.loads(x) for x in events.getvalue().splitlines() if '"task_skipped"' in x]
    assert sorted(e["task"] for e in skipped) == ["v/b", "v/c"] and all(e["because"] == "v/a" for e in skipped)


def test_a_lane_that_retries_runs_a_lost_task_again_a_bounded_number_of_times(tmp_path):
    p = plan(
        [task("v/a", "cpu-0", 0), task("v/b", "cpu-0", 100, inputs={"a": "v/a"})],
        hw=HW.model_copy(update={"cpu_workers": 1}),
    )
    pool = _Pool(retry=True)
    ex = Executor(
        p,
        tmp_path,
        {"v": tmp_path / "build"},
        WorkFolder(tmp_path / ".vidc"),
        Reporter("json", io.StringIO()),
        pool=pool,
    )
    out = ex.run()
    assert pool.lanes["cpu-0"].given == ["v/a"] * MAX_ATTEMPTS
    assert out.failed["v/a"].startswith(f"its worker died {MAX_ATTEMPTS} times") and out.skipped == {"v/b": "v/a"}


def test_two_tasks_with_one_fingerprint_run_at_once_without_colliding(tmp_path):
    """Two videos of a matrix can share a task's fingerprint (the same outro card): run on two lanes
    at the same moment, each has its own scratch folder and descriptor, and both commit one object."""
    a = task("v/intro", "cpu-0", 0, scenes=[{"voiceover_text": "same"}])
    b = task("v/outro", "cpu-1", 0, scenes=[{"voiceover_text": "same"}])
    b = b.model_copy(update={"fingerprint": a.fingerprint})
    out, ex, work = _run(tmp_path, plan([a, b]))
    assert out.ok and sorted(out.ran) == ["v/intro", "v/outro"], out
    assert ex.objects["v/intro"] == ex.objects["v/outro"]
    assert len(list(work.tasks.iterdir())) == 2


class _RecordingLane:
    """A lane that finishes each task at once (a well-formed object name) and records what it was asked."""

    def __init__(self, lane_id: str, calls: list):
        self.id, self.calls = lane_id, calls
        self.reports = []

    def start(self, warm):
        self.calls.append(("start", self.id))

    def submit(self, run):
        self.calls.append(("submit", self.id, run.task, run.desc.group))
        self.reports.append(Ended(Done(task=run.task, fp=run.desc.fingerprint, lane=self.id, object="0" * 64)))

    def poll(self):
        out, self.reports = self.reports, []
        return out

    def release(self):
        self.calls.append(("release", self.id))

    def stop(self):
        self.calls.append(("stop", self.id))


class _RecordingPool:
    def __init__(self):
        self.calls = []

    def open(self, lanes, planned):
        return {ln: _RecordingLane(ln, self.calls) for ln in lanes}

    def adopt(self, say):
        pass

    def close(self):
        self.calls.append(("close",))


def test_a_context_parallel_task_holds_its_group_and_its_other_lanes_free_their_models(tmp_path):
    lanes = [
        Lane(id="cuda:0", kind="device", device="cuda:0", speed=1.0),
        Lane(id="cuda:1", kind="device", device="cuda:1", speed=1.0),
    ]
    grouped = task("v/a", "cuda:0", 0, kind="device", vram=4).model_copy(update={"group": ["cuda:0", "cuda:1"]})
    p = plan([grouped], hw=GPU_HW, lanes=lanes)
    pool = _RecordingPool()
    ex = Executor(
        p,
        tmp_path,
        {"v": tmp_path / "build"},
        WorkFolder(tmp_path / ".vidc"),
        Reporter("json", io.StringIO()),
        pool=pool,
    )
    out = ex.run()
    assert out.ran == ["v/a"] and not ex.running
    assert pool.calls == [
        ("start", "cuda:0"),
        ("release", "cuda:1"),
        ("submit", "cuda:0", "v/a", ["cuda:0", "cuda:1"]),
        ("close",),
    ]
