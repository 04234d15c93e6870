"""The dispatch rule shared by the executor and the simulator: a lane runs the first ready task of
its planned queue; a lane with nothing ready steals the first ready task it is able to run from
the lane with the most planned work left (the busiest)."""
from __future__ import annotations

from typing import Callable

from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Lane, Task


def lane_can_run(task: Task, lane: Lane, hw: Hardware) -> bool:
    if task.group:  # a context-parallel chunk runs on its planned group, led by its planned lane
        return lane.id == task.group[0]
    if task.requires.kind == "cpu":
        return lane.kind == "cpu"
    if lane.kind != "device":
        return False
    dev = next(d for d in hw.devices if d.id == lane.device)
    return dev.kind == "cpu" or dev.vram_gb >= task.requires.vram_gb


def pick(lane: Lane, planned: dict[str, list[str]], tasks: dict[str, Task], ready: Callable[[str], bool],
         hw: Hardware, steal: bool = True) -> tuple[str, str | None] | None:
    """(task id, lane it was planned on if stolen) or None."""
    own = next((t for t in planned[lane.id] if ready(t)), None)
    if own is not None or not steal:
        return (own, None) if own is not None else None
    remaining = {ln: sum(tasks[t].est_ms for t in q) for ln, q in planned.items() if ln != lane.id and q}
    for victim in sorted(remaining, key=lambda ln: (-remaining[ln], ln)):
        for t in planned[victim]:
            if ready(t) and lane_can_run(tasks[t], lane, hw):
                return t, victim
    return None


def planned_queues(task_ids: list[str], tasks: dict[str, Task], lanes: list[str]) -> dict[str, list[str]]:
    planned: dict[str, list[str]] = {ln: [] for ln in lanes}
    for tid in sorted(task_ids, key=lambda t: (tasks[t].start_ms, t)):
        planned[tasks[tid].lane].append(tid)
    return planned
