"""A discrete-event simulator of the local executor: the same planned lane queues and the same
dispatch rule (runtime/engine/dispatch.py), with task times drawn around the plan's estimates. It answers
"how long will this take, and how busy is each lane" before any GPU time is spent."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from vidc.compiler.costs import CostModel
from vidc.compiler.render import secs
from vidc.schemas.plan import Plan

from ..backends.registry import catalog
from .dispatch import pick, planned_queues


@dataclass
class SimResult:
    makespan_ms: int
    busy_ms: dict[str, int]
    stolen: int
    encoder_idle_ms: int
    tail_after_generation_ms: int
    runs: list[tuple[str, str, int, int]] = field(default_factory=list)  # task, lane, start, end

    def utilisation(self, lane: str) -> float:
        return self.busy_ms.get(lane, 0) / self.makespan_ms if self.makespan_ms else 0.0


def jitter_factor(seed: int, task_id: str, jitter: float) -> float:
    """A deterministic draw in [1 - jitter, 1 + jitter] per task: static and stealing runs see the
    same task times, so their difference is the rule's alone."""
    u = int.from_bytes(hashlib.sha256(f"{seed}|{task_id}".encode()).digest()[:8], "big") / 2**64
    return 1.0 + jitter * (2 * u - 1)


def simulate(
    plan: Plan, *, jitter: float = 0.0, seed: int = 0, steal: bool = True, costs: CostModel | None = None
) -> SimResult:
    costs = costs or CostModel()
    tasks = plan.task_map()
    lanes = {ln.id: ln for ln in plan.lanes}
    planned = planned_queues(list(tasks), tasks, sorted(lanes), {k: ln.kind for k, ln in lanes.items()})
    done: set[str] = set()
    finish: dict[str, int] = {}
    holding: dict[str, str | None] = {ln: None for ln in lanes}
    running: dict[str, tuple[str, int]] = {}
    busy = {ln: 0 for ln in lanes}
    runs: list[tuple[str, str, int, int]] = []
    stolen, now = 0, 0

    def ready(tid: str) -> bool:
        return all(dep in done for dep in tasks[tid].inputs.values())

    while True:
        for lane_id in sorted(lanes):
            if lane_id in running:
                continue
            choice = pick(lanes[lane_id], planned, tasks, ready, plan.hardware, steal=steal)
            if choice is None:
                continue
            tid, victim = choice
            planned[victim or lane_id].remove(tid)
            stolen += victim is not None
            t, lane = tasks[tid], lanes[lane_id]
            ms = t.work_ms * jitter_factor(seed, tid, jitter) / lane.speed
            model = t.requires.model
            if model and holding[lane_id] != model:
                ms += costs.wan_load_ms(model) / lane.speed
                holding[lane_id] = model
            end = now + max(1, round(ms))
            running[lane_id] = (tid, end)
            runs.append((tid, lane_id, now, end))
            busy[lane_id] += end - now
        if not running:
            break
        lane_id = min(running, key=lambda ln: (running[ln][1], ln))
        tid, now = running.pop(lane_id)
        done.add(tid)
        finish[tid] = now
    if len(done) != len(tasks):
        raise RuntimeError("the plan cannot finish: some tasks can run on no lane")
    makespan = max(finish.values(), default=0)
    return SimResult(makespan, busy, stolen, *_encoder_stats(plan, runs, makespan), runs=runs)


def _encoder_stats(plan: Plan, runs, makespan: int) -> tuple[int, int]:
    tasks, entries = plan.task_map(), catalog().backends
    encodes = {name for name, entry in entries.items() if entry.encodes}  # the catalog says which tasks encode
    enc = sorted((s, e) for tid, _, s, e in runs if tasks[tid].backend in encodes)
    gen_end = max((e for tid, _, s, e in runs if tasks[tid].requires.kind == "device"), default=0)
    if not enc:
        return 0, 0
    idle, cursor = 0, enc[0][0]
    for s, e in enc:
        if s > cursor:
            idle += s - cursor
        cursor = max(cursor, e)
    return idle, max(0, makespan - gen_end) if gen_end else 0


def simulate_report(plan: Plan, *, jitter: float, seed: int) -> str:
    s = plan.schedule
    out = [
        f"simulation of {plan.spec} on {plan.hardware.name} (jitter ±{jitter:.0%}, seed {seed})",
        "",
        f"  planned makespan {secs(s.makespan_ms)}   lower bound {secs(s.lower_bound_ms)}"
        f"   sequential {secs(s.sequential_ms)}",
        "",
    ]
    out.append(f"  {'rule':<10} {'makespan':>9} {'/ bound':>8} {'stolen':>7} {'encoder idle':>13}   utilisation")
    for label, steal in (("static", False), ("stealing", True)):
        r = simulate(plan, jitter=jitter, seed=seed, steal=steal)
        util = "  ".join(f"{ln} {r.utilisation(ln):.0%}" for ln in sorted(r.busy_ms))
        ratio = r.makespan_ms / s.lower_bound_ms if s.lower_bound_ms else 0
        out.append(
            f"  {label:<10} {secs(r.makespan_ms):>9} {ratio:>8.3f} {r.stolen:>7} {secs(r.encoder_idle_ms):>13}   {util}"
        )
    return "\n".join(out) + "\n"
