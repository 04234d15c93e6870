"""The dispatch rule shared by the executor and the simulator.

CPU lanes are interchangeable: a free CPU lane takes, of all ready CPU tasks, the one with the
longest remaining path (the plan's `rank_ms`, computed by compiler/place.py counting the lanes),
its own planned task first on a tie. So the music and the mix start as soon as the voices exist
instead of waiting behind the scene encodes their lane was planned to run first.

Device lanes keep their planned order (it groups tasks by model, and a model load costs a
minute): a device lane runs the first ready task of its planned queue; a device lane with nothing
ready steals the first ready task it is able to run from the lane with the most planned work left.
"""

from __future__ import annotations

from collections.abc import Callable

from vidc.schemas.hardware import Hardware
from vidc.schemas.lanes import lane_fits
from vidc.schemas.plan import Lane, Task


def lane_can_run(task: Task, lane: Lane, hw: Hardware) -> bool:
    if task.group:  # a context-parallel chunk runs on its planned group, led by its planned lane
        return lane.id == task.group[0]
    return lane_fits(lane, hw, task.requires.kind, task.requires.vram_gb)


def pick(
    lane: Lane,
    planned: dict[str, list[str]],
    tasks: dict[str, Task],
    ready: Callable[[str], bool],
    hw: Hardware,
    steal: bool = True,
) -> tuple[str, str | None] | None:
    """(task id, lane it was planned on if taken from another lane) or None."""
    if lane.kind == "cpu":
        return _pick_by_rank(lane, planned, tasks, ready, hw, steal)
    own = next((t for t in planned[lane.id] if ready(t)), None)
    if own is not None or not steal:
        return (own, None) if own is not None else None
    remaining = {ln: sum(tasks[t].est_ms for t in q) for ln, q in planned.items() if ln != lane.id and q}
    for victim in sorted(remaining, key=lambda ln: (-remaining[ln], ln)):
        for t in planned[victim]:
            if ready(t) and lane_can_run(tasks[t], lane, hw):
                return t, victim
    return None


def _pick_by_rank(
    lane: Lane,
    planned: dict[str, list[str]],
    tasks: dict[str, Task],
    ready: Callable[[str], bool],
    hw: Hardware,
    steal: bool,
) -> tuple[str, str | None] | None:
    """CPU queues are kept in rank order (planned_queues): the head ready task of each queue is
    that queue's best; the best of those wins; on a tie this lane's own, then the busiest lane's
    (the most planned work left), as the rule was before ranks."""
    best: tuple[tuple, str, str | None] | None = None
    for ln in sorted(planned):
        if (ln != lane.id and not steal) or not planned[ln] or tasks[planned[ln][0]].requires.kind != "cpu":
            continue
        for t in planned[ln]:
            task = tasks[t]
            if not lane_can_run(task, lane, hw) or not ready(t):
                continue
            left = sum(tasks[q].est_ms for q in planned[ln]) if ln != lane.id else 0
            key = (-task.rank_ms, ln != lane.id, -left, task.start_ms, t)
            if best is None or key < best[0]:
                best = (key, t, None if ln == lane.id else ln)
            break
    return None if best is None else (best[1], best[2])


def dispatch_order(task: Task, lane_kind: str) -> tuple:
    """The order of a planned queue: rank for CPU lanes, the plan's start times for device lanes."""
    if lane_kind == "cpu":
        return (-task.rank_ms, task.start_ms, task.id)
    return (task.start_ms, task.id)


def planned_queues(
    task_ids: list[str], tasks: dict[str, Task], lanes: list[str], kinds: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """Each lane's planned tasks, in dispatch order (`kinds`: lane id -> "cpu" | "device"; lanes
    named cpu-N are CPU lanes when it is not given)."""
    planned: dict[str, list[str]] = {ln: [] for ln in lanes}
    for tid in task_ids:
        planned[tasks[tid].lane].append(tid)
    for ln, q in planned.items():
        kind = (kinds or {}).get(ln) or ("cpu" if ln.startswith("cpu-") else "device")
        q.sort(key=lambda t: dispatch_order(tasks[t], kind))
    return planned
