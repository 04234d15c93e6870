"""Placement: lanes from a hardware profile, and an earliest-finish-time list scheduler (HEFT).

Tasks are taken by upward rank (longest path to the end, averaged over the lanes able to run them).
Each task also gets a lane-aware rank (`remaining_rank`, compiler/ranks.py): the time from its
start to the end in a schedule built backwards from the end on the same lanes. It is the upward
rank where lanes are plentiful, and it is what the executor and the simulator dispatch by
(runtime/engine/dispatch.py): a short chain (music, then the mix) that would otherwise wait behind
a bag of scene encodes and run alone at the end ranks above them, so it starts as soon as the
voices exist.

Each task goes to the lane where it would finish first, counting a model load on a device lane
that does not hold its model yet. `continuity: extend` chunks follow their previous chunk's lane.

A wan chunk may instead take a context-parallel group of device lanes (video.parallel): with `auto`
the group is considered only while fewer chunks are ready than there are device lanes (one chunk per
GPU is the better use of GPUs otherwise), and chosen when it finishes the chunk first. A group runs
at its slowest member's speed times the cost model's speed-up for its size, loads the model on every
member (the ranks are fresh processes), and leaves no model loaded on its lanes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vidc.schemas.hardware import Hardware
from vidc.schemas.lanes import lane_fits
from vidc.schemas.plan import Lane

from .costs import CostModel
from .lower import Draft
from .ranks import remaining_rank

# Caches that decide per rank whether to skip a step from the rank's own slice of the sequence: under
# context parallelism the ranks disagree and the collectives break (seen with first_block on CPU/gloo).
CP_UNSAFE_CACHES = ("first_block", "magcache")


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
    group: dict[str, list[str]] = field(default_factory=dict)  # task -> lanes of its context-parallel group
    work: dict[str, int] = field(default_factory=dict)  # task -> work at speed 1.0 where a group changed it
    rank: dict[str, int] = field(default_factory=dict)  # remaining_rank: ms from the task's start to the end


def make_lanes(hw: Hardware) -> list[Lane]:
    lanes = [Lane(id=f"cpu-{i}", kind="cpu", device="cpu", speed=1.0) for i in range(hw.cpu_workers)]
    for d in sorted(hw.devices, key=lambda d: d.id):
        lanes.append(
            Lane(id=d.id, kind="device", device=d.id, speed=d.speed, vram_gb=d.vram_gb if d.kind == "cuda" else 0.0)
        )
    return lanes


def eligible(task: Draft, lanes: list[Lane], hw: Hardware) -> list[Lane]:
    return [ln for ln in lanes if lane_fits(ln, hw, task.requires["kind"], task.requires.get("vram_gb", 0.0))]


def schedule(
    order: list[str],
    drafts: dict[str, Draft],
    preds: dict[str, list[str]],
    succs: dict[str, list[str]],
    hw: Hardware,
    costs: CostModel,
) -> Placement:
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
    p = _Progress(
        states={ln.id: LaneState(ln) for ln in lanes},
        unplaced_chunks=dict.fromkeys(t for t in queue if drafts[t].cp_heads),
        chain_next={drafts[s].inputs["prev"]: s for s in order if "prev" in drafts[s].inputs},
    )
    for tid in queue:
        _place(tid, drafts[tid], able[tid], preds, chain_rest[tid], costs, p)

    critical_path, gpu_bound = _bounds(order, drafts, preds, succs, able, lanes, costs)
    out_lanes = [ln.model_copy(update={"busy_ms": p.states[ln.id].busy_ms}) for ln in lanes]
    return Placement(
        lane=p.lane_of,
        start=p.start,
        finish=p.finish,
        cost=p.cost,
        lanes=out_lanes,
        makespan_ms=max(p.finish.values(), default=0),
        sequential_ms=sum(p.cost.values()),
        critical_path_ms=round(critical_path),
        gpu_work_bound_ms=round(gpu_bound),
        cpu_work_bound_ms=round(
            sum(drafts[t].est_ms for t in order if drafts[t].requires["kind"] == "cpu") / max(1, hw.cpu_workers)
        ),
        group=p.group,
        work=p.work,
        rank=remaining_rank(order, avg, preds, succs, {t: drafts[t].requires["kind"] for t in order}, lanes),
    )


@dataclass
class _Progress:
    """The schedule as far as it is placed: the lanes' states and each placed task's lane and times."""

    states: dict[str, LaneState]
    unplaced_chunks: dict[str, None]  # context-parallel-capable chunks not placed yet, in rank order
    chain_next: dict[str, str]  # chunk -> the chunk that extends it
    lane_of: dict[str, str] = field(default_factory=dict)
    start: dict[str, int] = field(default_factory=dict)
    finish: dict[str, int] = field(default_factory=dict)
    cost: dict[str, int] = field(default_factory=dict)
    group: dict[str, list[str]] = field(default_factory=dict)
    work: dict[str, int] = field(default_factory=dict)
    bound: dict[str, str] = field(default_factory=dict)  # lane -> placed chunk whose chain continues on it


def _place(
    tid: str, d: Draft, able: list[Lane], preds: dict[str, list[str]], chain_rest: int, costs: CostModel, p: _Progress
) -> None:
    """Place one task on the lane that finishes it (and what its chain still has to do) first, or on a
    context-parallel group of lanes where that finishes it sooner."""
    ready = max((p.finish[q] for q in preds[tid]), default=0)
    candidates = able
    if "prev" in d.inputs:  # extend chains stay on one lane: the next chunk starts from the last frame
        candidates = [p.states[p.lane_of[d.inputs["prev"]]].lane]
    best: tuple[int, int, str, int] | None = None
    for ln in candidates:
        st = p.states[ln.id]
        run = round(d.est_ms / ln.speed)
        model = d.requires.get("model")
        if model and st.model != model:
            run += round((d.load_ms or costs.wan_load_ms(model)) / ln.speed)
        begin = _earliest_start(st, ready, run)
        option = (begin + run + round(chain_rest / ln.speed), begin, ln.id, begin + run)
        if best is None or option[:1] < best[:1]:
            best = option
    assert best is not None
    if d.cp_heads and _place_group(tid, d, able, candidates, ready, chain_rest, best[0], preds, costs, p):
        return
    if d.cp_heads and tid in p.chain_next:
        p.bound[best[2]] = tid
    _, begin, lane_id, end = best
    st = p.states[lane_id]
    _occupy(st, begin, end)
    if d.requires.get("model"):
        st.model = d.requires["model"]
    p.lane_of[tid], p.start[tid], p.finish[tid], p.cost[tid] = lane_id, begin, end, end - begin


def _place_group(
    tid: str,
    d: Draft,
    able: list[Lane],
    candidates: list[Lane],
    ready: int,
    chain_rest: int,
    single_end: int,
    preds: dict[str, list[str]],
    costs: CostModel,
    p: _Progress,
) -> bool:
    """Place a chunk on a context-parallel group when one beats `single_end`; False leaves it to one lane."""
    del p.unplaced_chunks[tid]
    if "prev" in d.inputs:
        p.bound.pop(p.lane_of[d.inputs["prev"]], None)
    free = [ln for ln in able if ln.id not in p.bound]
    grouped = _group_option(
        d,
        tid,
        candidates,
        free,
        p.states,
        ready,
        chain_rest,
        costs,
        single_end,
        lambda limit: _ready_chunks(p.unplaced_chunks, preds, p.finish, limit),
        _chain_len(tid, p.chain_next),
    )
    if grouped is None:
        return False
    members, begin, end, degree = grouped
    for m in members:
        _occupy(p.states[m], begin, end)
        p.states[m].model = None
    p.group[tid] = members
    p.work[tid] = max(1, round(d.est_ms / costs.cp_speedup(degree)))
    p.lane_of[tid], p.start[tid], p.finish[tid], p.cost[tid] = members[0], begin, end, end - begin
    if tid in p.chain_next:
        p.bound[members[0]] = tid
    return True


def _bounds(
    order: list[str],
    drafts: dict[str, Draft],
    preds: dict[str, list[str]],
    succs: dict[str, list[str]],
    able: dict[str, list[Lane]],
    lanes: list[Lane],
    costs: CostModel,
) -> tuple[float, float]:
    """Two lower bounds of any schedule: the critical path at the fastest speeds, and the GPU work spread over
    the GPUs followed by the shortest tail after a generation."""
    fastest = {
        tid: min(drafts[tid].est_ms / ln.speed for ln in able[tid]) / _best_speedup(drafts[tid], able[tid], costs)
        for tid in order
    }
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
    return max(longest.values(), default=0.0), gpu_bound


def _degrees(d: Draft, lanes: int, costs: CostModel) -> list[int]:
    """Group sizes a chunk may take: divisors of its heads and of its sequence (Ulysses), within the lanes."""
    if d.cp_degree == "off" or not d.cp_heads or d.params.get("cache") in CP_UNSAFE_CACHES:
        return []
    wanted = [int(d.cp_degree)] if isinstance(d.cp_degree, int) else costs.cp_degrees()
    return [n for n in wanted if 2 <= n <= lanes and d.cp_heads % n == 0 and (not d.cp_tokens or d.cp_tokens % n == 0)]


def _best_speedup(d: Draft, able: list[Lane], costs: CostModel) -> float:
    return max([1.0] + [costs.cp_speedup(n) for n in _degrees(d, len(able), costs)])


def _chain_len(tid: str, chain_next: dict[str, str]) -> int:
    n = 0
    while tid in chain_next:
        tid, n = chain_next[tid], n + 1
    return n


def _ready_chunks(
    unplaced: dict[str, None], preds: dict[str, list[str]], finish: dict[str, int], limit: int
) -> list[int]:
    """Ready times of up to `limit` other chunks whose inputs are placed (the chunks that would use GPUs).
    Bounded scan: chunks come in rank order, so the ready ones are near the front."""
    out: list[int] = []
    for n, t in enumerate(unplaced):
        if n > 4 * limit + 64:
            break
        if all(p in finish for p in preds[t]):
            out.append(max((finish[p] for p in preds[t]), default=0))
            if len(out) >= limit:
                break
    return out


def _group_option(
    d: Draft,
    tid: str,
    candidates: list[Lane],
    able: list[Lane],
    states: dict[str, LaneState],
    ready: int,
    chain_rest: int,
    costs: CostModel,
    single_finish: int,
    ready_chunks,
    chain_len: int = 0,
) -> tuple[list[str], int, int, int] | None:
    """(member lanes, start, end, degree) of the best context-parallel group for a chunk, or None when
    one lane is as good (or, with `auto`, when enough other chunks are ready to use the GPUs)."""
    forced = isinstance(d.cp_degree, int)
    degrees = _degrees(d, len(able), costs)
    if not degrees:
        return None
    lead = candidates[0] if "prev" in d.inputs else None
    best: tuple[int, list[str], int, int, int] | None = None
    for n in degrees:
        pool = sorted(able, key=lambda ln: (states[ln.id].free_ms, -ln.speed, ln.id))
        members = ([lead] + [ln for ln in pool if ln.id != lead.id])[:n] if lead else pool[:n]
        begin = max([ready] + [states[m.id].free_ms for m in members])
        if not forced:
            # Throughput first: take a group only if the GPUs it holds would otherwise idle, i.e. fewer
            # chunks are ready by the time it starts than lanes are free then outside it (`able` holds
            # the lanes no other extend chain is bound to).
            others = [r for r in ready_chunks(len(able)) if r <= begin]
            if len(others) > sum(1 for ln in able if states[ln.id].free_ms <= begin) - n:
                continue
        speed = min(m.speed for m in members)
        model = d.requires.get("model")
        load = ((d.load_ms or costs.wan_load_ms(model)) if model else 0) / speed
        run = round(load + d.est_ms / (speed * costs.cp_speedup(n)))
        # The rest of an extend chain follows on this group, and a group's ranks load the model for
        # every chunk; on one lane the model stays loaded (the single option counts no further loads).
        rest = chain_rest / (speed * costs.cp_speedup(n)) + load * chain_len
        score = begin + run + round(rest)
        ids = [m.id for m in members]
        if lead is None:
            ids = sorted(ids, key=lambda i: (-next(m.speed for m in members if m.id == i), i))
        if best is None or score < best[0]:
            best = (score, ids, begin, begin + run, n)
    if best is None or (not forced and best[0] >= single_finish):
        return None
    return best[1], best[2], best[3], best[4]


def _gpu_work_bound(gpu_tasks: list[str], drafts: dict[str, Draft], lanes: list[Lane], costs: CostModel) -> float:
    """Total generation work over total device speed, counting the one model load that every lane
    taking part cannot avoid: the best over which fastest-k lanes take part (loads make using every
    lane not always worth it)."""
    if not gpu_tasks:
        return 0.0
    work = sum(drafts[t].est_ms for t in gpu_tasks)
    models = {m for t in gpu_tasks if (m := drafts[t].requires.get("model")) is not None}
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
            st.gaps[n : n + 1] = pieces
            return
