"""A lane worker: one process per lane, pinned to its device, running its queue in order.

It keeps each backend (and so each loaded model) for every task it runs, claims a task in the
journal, retries transient failures with backoff, commits outputs to the store and journals the
result. It exits on a STOP line or when the coordinator that started it is gone (after finishing the
task it is running: state/orphans.py).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from vidc.schemas.descriptor import TaskDescriptor
from vidc.schemas.journal import Claimed, Done, Failed

from ..backends.base import Backend, BackendError, TaskContext
from ..backends.registry import create, load_class
from ..state.faults import describe_oserror
from ..state.journal import Journal
from ..state.orphans import hold_as_worker
from ..state.queues import RELEASE, STOP, QueueReader
from ..state.secrets import ScrubbedStream, scrub
from ..state.workfolder import WorkFolder
from .resolve import project_resolver, resolve_value


@dataclass(frozen=True)
class Roots:
    """Where this worker's machine keeps the store, the cache and the project's files."""

    store: Path
    cache: Path
    project: Path


MAX_ATTEMPTS = 2  # network backends retry with backoff themselves; this is one more try on top


def run_task(backends: dict, desc: TaskDescriptor, out: Path, device: str, log, *, roots: Roots) -> dict:
    """Run one portable descriptor: store-relative inputs and `@{project:...}` paths are resolved
    against this worker's own roots."""
    name = desc.backend
    if name not in backends:
        backend = create(name)
        backend.setup(device)
        backends[name] = backend
    backend = backends[name]
    local = project_resolver(roots.project)
    raw_params = resolve_value(desc.params, local)
    params = backend.Params.model_validate(raw_params)
    ctx = TaskContext(
        task_id=desc.id,
        params=raw_params,
        inputs={k: roots.store / v for k, v in desc.inputs.items()},
        out=out,
        project_dir=roots.project,
        cache_dir=roots.cache,
        argv=resolve_value(desc.argv, local),
        device=device,
        log=log,
        store_root=roots.store,
        group=list(desc.group or []),
    )
    attempt = 0
    while True:
        attempt += 1
        try:
            return backend.run(ctx, params)
        except BackendError as exc:
            if not exc.transient or attempt >= MAX_ATTEMPTS:
                raise
            delay = exc.retry_after if exc.retry_after is not None else min(30.0, 2.0**attempt)
            log(f"transient error ({exc}); retry {attempt}/{MAX_ATTEMPTS - 1} in {delay:.1f}s")
            time.sleep(delay)


def warm(backends: dict, specs: list[dict], device: str, project: Path) -> None:
    """Set up and warm the backends of this lane's planned tasks that have something to warm (a model,
    its session), before the first task: the load overlaps the tasks other lanes run meanwhile. `specs`:
    [{"backend": name, "params": the first such task's params}]. A backend that fails here is left for
    its first task, which reports the failure."""
    for spec in specs:
        name = spec["backend"]
        try:
            cls = load_class(name)
            if cls.warm is Backend.warm or name in backends:
                continue
            backend = cls()
            backend.setup(device)
            backend.warm(resolve_value(spec["params"], project_resolver(project)), project)
        except Exception as exc:  # a missing model, a broken install: the task says so, with its context
            print(f"vidc worker: {name} was not warmed ({exc!r}); its first task loads it", file=sys.stderr)
            continue
        backends[name] = backend


def _free_device_memory() -> None:
    import gc

    gc.collect()
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def main(argv: list[str]) -> int:
    try:
        return _main(argv)
    except OSError as exc:  # the journal or the store cannot be written (a full disk): one line, no traceback
        print(f"vidc worker: {describe_oserror(exc)}", file=sys.stderr, flush=True)
        return 1


def _main(argv: list[str]) -> int:
    parent = os.getppid()
    orphaned: list[bool] = []

    def on_term(*_) -> None:
        # The coordinator stopped us: end like Ctrl-C (its ffmpeg dies with it). The coordinator was killed
        # (SIGTERM from the parent-death signal): finish this task and journal it, then stop (state/orphans.py).
        if os.getppid() == parent:
            sys.exit(143)
        orphaned.append(True)

    signal.signal(signal.SIGTERM, on_term)
    sys.stderr = ScrubbedStream(sys.stderr)  # the lane's log: never a key
    work, lane, device = WorkFolder(Path(argv[0])), argv[1], argv[2]
    hold_as_worker(work.root)  # the next build waits for this worker if its coordinator dies
    roots = Roots(store=work.store.root, cache=work.cache, project=Path(argv[4]))
    journal = Journal(work.journal)
    reader = QueueReader(work.queue(lane), int(argv[3]) if len(argv) > 3 else 0)
    backends: dict = {}
    if len(argv) > 5 and argv[5]:  # the lane's warm-up list (local_lanes.LocalLane.start)
        warm(backends, json.loads((work.root / argv[5]).read_text(encoding="utf-8")), device, roots.project)
    idle = 0.002
    while True:
        lines = reader.next_lines()
        if not lines:
            if os.getppid() != parent:
                return 0  # the coordinator is gone (killed): stop, the next build resumes
            time.sleep(idle)
            idle = min(idle * 2, 0.05)
            continue
        idle = 0.002
        for line in lines:
            if line == STOP:
                return 0
            if line == RELEASE:  # this lane's device joins another lane's context-parallel group: free it
                backends.clear()
                _free_device_memory()
                continue
            task_id, desc_path, out_rel = line.split("|")
            desc = TaskDescriptor.model_validate_json((work.root / desc_path).read_text(encoding="utf-8"))
            journal.append(run_one(work, journal, backends, desc, Path(out_rel).name, lane, device, roots))
            if orphaned or os.getppid() != parent:
                return 0  # the coordinator is gone: no new task (the next build resumes)


def run_one(
    work: WorkFolder,
    journal: Journal,
    backends: dict,
    desc: TaskDescriptor,
    out_name: str,
    lane: str,
    device: str,
    roots: Roots,
) -> Done | Failed:
    """Claim one task in the journal, run it and commit its output to the store; the record of how it ended."""
    out = work.store.new_tmp(out_name)
    about = dict(task=desc.id, fp=desc.fingerprint, lane=lane)
    journal.append(Claimed(**about, pid=os.getpid()))
    started = time.monotonic()
    try:
        result = run_task(backends, desc, out, device, lambda msg: None, roots=roots)
        text = scrub(json.dumps(result, sort_keys=True, ensure_ascii=False))  # no key in a store object
        (out / "result.json").write_text(text, encoding="utf-8")
        digest = work.store.commit(out)
    except BackendError as exc:
        return Failed(**about, error=str(exc))
    except OSError as exc:  # a full disk, a read-only folder: one line naming the folder and the fix
        return Failed(**about, error=describe_oserror(exc, out))
    except Exception as exc:  # a bug in a backend: report it with its traceback, keep the lane alive
        tb = traceback.format_exc(limit=8)
        return Failed(**about, error=f"internal error in backend {desc.backend}: {exc!r}\n{tb}")
    ms = int((time.monotonic() - started) * 1000)
    return Done(
        **about, device=device, object=digest, ms=ms, backend=desc.backend, est_ms=desc.est_ms, scale=desc.scale
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
