"""Placement: lanes from a hardware profile, and an earliest-finish-time list scheduler (HEFT).

Tasks are taken by upward rank (longest path to the end, averaged over the lanes able to run
them). Each task also gets a lane-aware rank (`remaining_rank`): the time from its start to the
end in a schedule built backwards from the end on the same lanes. It is the upward rank where
lanes are plentiful, and it is what the executor and the simulator dispatch by
(runtime/engine/dispatch.py): a short chain (music, then the mix) that would otherwise wait
behind a bag of scene encodes and run alone at the end ranks above them, so it starts as soon as
the voices exist.

Each task goes to the lane where it would finish first, counting a model load on a device lane
that does not hold its model yet. `continuity: extend` chunks follow their previous chunk's lane.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Lane

from .costs import CostModel
from .lower import Draft


@dataclass
class LaneState:
    lane: Lane
    free_ms: int = 0
    model: str | None = None
    busy_ms: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # idle intervals before free_ms (CPU lanes)


@dataclass
class Placement:
    lane: dict[str, str]
    start: dict[str, int]
    finish: dict[str, int]
    cost: dict[str, int]  # estimated ms on the chosen lane, including a model load
    lanes: list[Lane]
    makespan_ms: int
    sequential_ms: int
    critical_path_ms: int
    gpu_work_bound_ms: int
    cpu_work_bound_ms: int
    rank: dict[str, int] = field(default_factory=dict)  # remaining_rank: ms from the task's start to the end


def make_lanes(hw: Hardware) -> list[Lane]:
    lanes = [Lane(id=f"cpu-{i}", kind="cpu", device="cpu", speed=1.0) for i in range(hw.cpu_workers)]
    for d in sorted(hw.devices, key=lambda d: d.id):
        lanes.append(Lane(id=d.id, kind="device", device=d.id, speed=d.speed, vram_gb=d.vram_gb if d.kind == "cuda" else 0.0))
    return lanes


def device_fits(lane: Lane, hw: Hardware, need_gb: float) -> bool:
    dev = next(d for d in hw.devices if d.id == lane.device)
    return dev.kind == "cpu" or dev.vram_gb >= need_gb


def eligible(task: Draft, lanes: list[Lane], hw: Hardware) -> list[Lane]:
    if task.requires["kind"] == "cpu":
        return [ln for ln in lanes if ln.kind == "cpu"]
    return [ln for ln in lanes if ln.kind == "device" and device_fits(ln, hw, task.requires.get("vram_gb", 0.0))]


def schedule(order: list[str], drafts: dict[str, Draft], preds: dict[str, list[str]], succs: dict[str, list[str]],
             hw: Hardware, costs: CostModel) -> Placement:
    lanes = make_lanes(hw)
    able = {tid: eligible(drafts[tid], lanes, hw) for tid in order}
    avg = {tid: sum(drafts[tid].est_ms / ln.speed for ln in able[tid]) / len(able[tid]) for tid in order}
    rank: dict[str, float] = {}
    for tid in reversed(order):
        rank[tid] = avg[tid] + max((rank[s] for s in succs[tid]), default=0.0)
    position = {tid: n for n, tid in enumerate(order)}
    queue = sorted(order, key=lambda t: (-rank[t], position[t]))

    # An `extend` chain runs on one lane: weigh a chain's first chunk by the whole chain's work.
    chain_rest: dict[str, int] = {}
    for tid in reversed(order):
        nxt = [s for s in succs[tid] if drafts[s].inputs.get("prev") == tid]
        chain_rest[tid] = sum(drafts[s].est_ms + chain_rest[s] for s in nxt)
    states = {ln.id: LaneState(ln) for ln in lanes}
    lane_of: dict[str, str] = {}
    start: dict[str, int] = {}
    finish: dict[str, int] = {}
    cost: dict[str, int] = {}
    for tid in queue:
        d = drafts[tid]
        ready = max((finish[p] for p in preds[tid]), default=0)
        candidates = able[tid]
        if "prev" in d.inputs:  # extend chains stay on one lane: the next chunk starts from the last frame
            candidates = [states[lane_of[d.inputs["prev"]]].lane]
        best: tuple[int, int, str] | None = None
        for ln in candidates:
            st = states[ln.id]
            run = round(d.est_ms / ln.speed)
            model = d.requires.get("model")
            if model and st.model != model:
                run += round(costs.wan_load_ms(model) / ln.speed)
            begin = _earliest_start(st, ready, run)
            option = (begin + run + round(chain_rest[tid] / ln.speed), begin, ln.id, begin + run)
            if best is None or option[:1] < best[:1]:
                best = option
        assert best is not None
        _, begin, lane_id, end = best
        st = states[lane_id]
        _occupy(st, begin, end)
        if d.requires.get("model"):
            st.model = d.requires["model"]
        lane_of[tid], start[tid], finish[tid], cost[tid] = lane_id, begin, end, end - begin

    makespan = max(finish.values(), default=0)
    fastest = {tid: min(drafts[tid].est_ms / ln.speed for ln in able[tid]) for tid in order}
    longest: dict[str, float] = {}
    for tid in order:
        longest[tid] = fastest[tid] + max((longest[p] for p in preds[tid]), default=0.0)
    gpu_tasks = [t for t in order if drafts[t].requires["kind"] == "device"]
    gpu_bound = _gpu_work_bound(gpu_tasks, drafts, lanes, costs)
    if gpu_tasks:  # the last generation to finish is followed by at least the shortest tail
        after: dict[str, float] = {}
        for tid in reversed(order):
            after[tid] = max((fastest[s] + after[s] for s in succs[tid]), default=0.0)
        gpu_bound += min(after[t] for t in gpu_tasks)
    out_lanes = [ln.model_copy(update={"busy_ms": states[ln.id].busy_ms}) for ln in lanes]
    return Placement(
        lane=lane_of, start=start, finish=finish, cost=cost, lanes=out_lanes, makespan_ms=makespan,
        sequential_ms=sum(cost.values()), critical_path_ms=round(max(longest.values(), default=0.0)),
        gpu_work_bound_ms=round(gpu_bound),
        cpu_work_bound_ms=round(sum(drafts[t].est_ms for t in order if drafts[t].requires["kind"] == "cpu")
                                / max(1, hw.cpu_workers)),
        rank=remaining_rank(order, avg, preds, succs, {t: drafts[t].requires["kind"] for t in order}, lanes),
    )


def remaining_rank(order: list[str], work: dict[str, float], preds: dict[str, list[str]],
                   succs: dict[str, list[str]], kind: dict[str, str], lanes: list[Lane]) -> dict[str, int]:
    """The longest remaining path, counting the lanes: list-schedule the graph backwards from the
    end (the sink first) on a pool of lanes per kind, and give each task the time from its start
    to the end of that backward schedule. Tasks are placed latest-first by their longest path from
    the beginning (downward rank), so what cannot be done earlier fills the end, and work that
    could run early (a short chain beside a bag of encodes) is pushed to the front.

    With more lanes than parallel work this is exactly the upward rank."""
    down: dict[str, float] = {}
    for tid in order:
        down[tid] = work[tid] + max((down[p] for p in preds[tid]), default=0.0)
    pools = {k: [0.0] * max(1, sum(1 for ln in lanes if (ln.kind == "cpu") == (k == "cpu")))
             for k in set(kind.values())}
    position = {tid: n for n, tid in enumerate(order)}
    end: dict[str, float] = {}  # backward time at which the task starts (its remaining path)
    for tid in sorted(order, key=lambda t: (-down[t], -position[t])):
        ready = max((end[s] for s in succs[tid]), default=0.0)
        pool = pools[kind[tid]]
        n = min(range(len(pool)), key=lambda i: (max(pool[i], ready), i))
        end[tid] = max(pool[n], ready) + work[tid]
        pool[n] = end[tid]
    return {tid: round(end[tid]) for tid in order}


def _gpu_work_bound(gpu_tasks: list[str], drafts: dict[str, Draft], lanes: list[Lane], costs: CostModel) -> float:
    """Total generation work over total device speed, counting the one model load that every lane
    taking part cannot avoid: the best over which fastest-k lanes take part (loads make using every
    lane not always worth it)."""
    if not gpu_tasks:
        return 0.0
    work = sum(drafts[t].est_ms for t in gpu_tasks)
    models = {drafts[t].requires.get("model") for t in gpu_tasks} - {None}
    load = sum(costs.wan_load_ms(m) for m in models)
    speeds = sorted((ln.speed for ln in lanes if ln.kind == "device"), reverse=True)
    return min((work + k * load) / sum(speeds[:k]) for k in range(1, len(speeds) + 1))


def _earliest_start(st: LaneState, ready: int, run: int) -> int:
    """CPU lanes fill idle gaps (insertion); device lanes append, so model loads stay in order."""
    if st.lane.kind == "cpu":
        for gap_start, gap_end in st.gaps[-64:]:  # bounded: a 1,000-video plan stays fast
            begin = max(gap_start, ready)
            if begin + run <= gap_end:
                return begin
    return max(st.free_ms, ready)


def _occupy(st: LaneState, begin: int, end: int) -> None:
    st.busy_ms += end - begin
    if begin >= st.free_ms:
        if begin > st.free_ms and st.lane.kind == "cpu":
            st.gaps.append((st.free_ms, begin))
        st.free_ms = end
        return
    for n in range(len(st.gaps) - 1, -1, -1):
        gs, ge = st.gaps[n]
        if gs <= begin and end <= ge:
            pieces = [(gs, begin)] if begin > gs else []
            pieces += [(end, ge)] if ge > end else []
            st.gaps[n:n + 1] = pieces
            return
