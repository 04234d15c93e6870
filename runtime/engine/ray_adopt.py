"""The build after a killed Ray driver: before anything runs, it finds the lanes that driver left
(detached actors named for this build: ray_orphans.py), waits for the task each runs, commits and
journals what they made, and ends them. Their work is kept, not run again."""

from __future__ import annotations

import time
from collections.abc import Callable

import ray
from ray.exceptions import RayError

from vidc.schemas.journal import Done

from ..state.journal import Finished, Journal
from ..state.store import Store
from .ray_actors import kill
from .ray_lane import unpack
from .ray_orphans import NAMESPACE, WAIT_S, prefix

WAITING = "waiting for the Ray lanes of a build that was killed to finish their tasks (kept, not rerun)"


def orphans(key: str) -> list[str]:
    """The names of the live lane actors an earlier driver of this build left."""
    return sorted(
        a["name"]
        for a in ray.util.list_named_actors(all_namespaces=True)
        if a.get("namespace") == NAMESPACE and a["name"].startswith(prefix(key))
    )


def adopt(
    key: str,
    store: Store,
    journal: Journal,
    say: Callable[[str], None],
    startable: Callable[[str], bool],
    timeout: float = WAIT_S,
) -> int:
    """Collect and journal what the orphan lanes of build `key` finished; end them. `startable(lane)`:
    whether a live node could still hold that lane (an actor that never started and never can is not
    waited for). The number of tasks kept."""
    names = orphans(key)
    if not names:
        return 0
    say(WAITING)
    handles = {}
    for name in names:
        try:
            handles[name] = ray.get_actor(name, namespace=NAMESPACE)
        except ValueError:  # it ended meanwhile
            continue
    asked = {handle.collect.remote(): name for name, handle in handles.items()}
    results = _wait(asked, handles, startable, key, timeout)
    done = Finished.from_records(journal.replay()).objects
    kept = 0
    for out in results:
        if out["fp"] not in done and _commit(store, journal, out):
            done[out["fp"]] = out["digest"]
            kept += 1
    for handle in handles.values():
        kill(handle)
    if kept:
        say(f"kept {kept} task(s) the lanes of the killed build finished")
    return kept


def _wait(asked: dict, handles: dict, startable, key: str, timeout: float) -> list[dict]:
    """The answers of the orphans' collect(), as they come; one that cannot start, or is still busy
    after `timeout`, is given up on (its task runs again)."""
    results: list[dict] = []
    deadline = time.monotonic() + timeout
    while asked and time.monotonic() < deadline:
        ready, _ = ray.wait(list(asked), num_returns=len(asked), timeout=1.0)
        for ref in ready:
            name = asked.pop(ref)
            try:
                out = ray.get(ref)
            except RayError:  # it died (its node, or its own grace ran out)
                continue
            if isinstance(out, dict):
                results.append(out)
        for ref, name in list(asked.items()):
            lane = name[len(prefix(key)) :].rsplit("-", 2)[0]
            if not startable(lane):
                del asked[ref]
                kill(handles[name])
    return results


def _commit(store: Store, journal: Journal, out: dict) -> bool:
    """Commit an orphan's output (only if it hashes to what the lane reported) and journal it."""
    tmp = store.new_tmp(f"adopt-{out['fp'][:16]}")
    unpack(out["files"], tmp)
    if store.commit(tmp) != out["digest"]:
        return False
    journal.append(
        Done(
            task=out["task"],
            fp=out["fp"],
            lane=out["lane"],
            device=out["device"],
            object=out["digest"],
            ms=out["ms"],
            backend=out["backend"],
            est_ms=out["est_ms"],
            scale=out["scale"],
            node=out["node"],
        )
    )
    return True
