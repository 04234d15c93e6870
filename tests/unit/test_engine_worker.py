"""engine/worker.py as it behaves today: a lane worker runs its queue, journals claimed/done/failed,
commits outputs to the store, stops on STOP or when its coordinator is gone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from vidc.runtime.engine.worker import Roots, run_task
from vidc.runtime.state import queues
from vidc.runtime.state.journal import Journal
from vidc.runtime.state.workfolder import WorkFolder
from vidc.schemas.descriptor import TaskDescriptor
from vidc.schemas.journal import Done


def _desc(tid: str, params: dict) -> TaskDescriptor:
    return TaskDescriptor(
        id=tid,
        fingerprint="fp-" + tid.replace("/", "_"),
        backend="inline-script",
        est_ms=5,
        scale=1.0,
        params=params,
        argv=[],
        inputs={},
    )


def _queue(work: WorkFolder, lane: str, descs: list[TaskDescriptor]) -> None:
    work.store.ensure()
    work.tasks.mkdir(parents=True, exist_ok=True)
    work.queues.mkdir(parents=True, exist_ok=True)
    for d in descs:
        rel = f"tasks/{d.fingerprint}.json"
        (work.root / rel).write_text(json.dumps(d.to_json_dict()))
        queues.append(work.queue(lane), d.id, rel, f"store/tmp/{d.fingerprint}")


def test_run_task_resolves_project_paths_on_its_own_machine(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    desc = _desc("v/script", {"scenes": [{"asset": "@{project:img/1.png}"}]})
    result = run_task(
        {}, desc, out, "cpu", print, roots=Roots(store=tmp_path, cache=tmp_path, project=tmp_path / "proj")
    )
    assert result == {"scenes": 1}
    written = json.loads((out / "script.json").read_text())
    assert written["scenes"][0]["asset"] == "file:" + str(tmp_path / "proj" / "img" / "1.png")


def test_worker_runs_its_queue_journals_and_commits(tmp_path):
    work = WorkFolder(tmp_path / ".vidc")
    _queue(work, "cpu-0", [_desc("v/a", {"scenes": [1]}), _desc("v/b", {"scenes": None})])
    queues.append_stop(work.queue("cpu-0"))
    proc = subprocess.run(
        [sys.executable, "-m", "vidc.runtime.engine.worker", str(work.root), "cpu-0", "cpu", "0", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    recs = Journal(work.journal).replay()
    assert [(r.ev, r.task) for r in recs] == [
        ("claimed", "v/a"),
        ("done", "v/a"),
        ("claimed", "v/b"),
        ("failed", "v/b"),
    ]
    assert "not generated yet" in recs[3].error  # a BackendError: the lane lives on to the next task
    assert work.store.verify(recs[1].object)
    assert (work.store.object_dir(recs[1].object) / "result.json").read_text() == '{"scenes": 1}'
    assert recs[1].lane == "cpu-0" and recs[1].backend == "inline-script" and recs[1].est_ms == 5


def test_worker_resumes_after_its_offset(tmp_path):
    work = WorkFolder(tmp_path / ".vidc")
    _queue(work, "cpu-0", [_desc("v/a", {"scenes": [1]})])
    offset = work.queue("cpu-0").stat().st_size
    _queue(work, "cpu-0", [_desc("v/b", {"scenes": [2]})])
    queues.append_stop(work.queue("cpu-0"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "vidc.runtime.engine.worker",
            str(work.root),
            "cpu-0",
            "cpu",
            str(offset),
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert [r.task for r in Journal(work.journal).replay() if isinstance(r, Done)] == ["v/b"]


def test_worker_exits_when_its_coordinator_dies(tmp_path):
    work = WorkFolder(tmp_path / ".vidc")
    _queue(work, "cpu-0", [])
    # A coordinator that starts a worker (with no STOP in its queue) and dies at once.
    code = (
        "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-m', 'vidc.runtime.engine.worker', "
        f"{str(work.root)!r}, 'cpu-0', 'cpu', '0', {str(tmp_path)!r}], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); print(p.pid, flush=True); time.sleep(2)"
    )
    pid = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout)
    import os
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            break  # exited (a zombie until init reaps it)
        time.sleep(0.1)
    else:
        raise AssertionError("the orphaned worker kept running")
