"""The lane-aware rank of each task (the plan's `rank_ms`): the time from its start to the end of a
schedule built backwards from the end on the plan's lanes, which the executor and the simulator
dispatch by."""

from __future__ import annotations

from vidc.schemas.plan import Lane


def remaining_rank(
    order: list[str],
    work: dict[str, float],
    preds: dict[str, list[str]],
    succs: dict[str, list[str]],
    kind: dict[str, str],
    lanes: list[Lane],
) -> dict[str, int]:
    """The longest remaining path, counting the lanes: list-schedule the graph backwards from the
    end (the sink first) on a pool of lanes per kind, and give each task the time from its start
    to the end of that backward schedule. Tasks are placed latest-first by their longest path from
    the beginning (downward rank), so what cannot be done earlier fills the end, and work that
    could run early (a short chain beside a bag of encodes) is pushed to the front.

    With more lanes than parallel work this is exactly the upward rank."""
    down: dict[str, float] = {}
    for tid in order:
        down[tid] = work[tid] + max((down[p] for p in preds[tid]), default=0.0)
    pools = {
        k: [0.0] * max(1, sum(1 for ln in lanes if (ln.kind == "cpu") == (k == "cpu"))) for k in set(kind.values())
    }
    position = {tid: n for n, tid in enumerate(order)}
    end: dict[str, float] = {}  # backward time at which the task starts (its remaining path)
    for tid in sorted(order, key=lambda t: (-down[t], -position[t])):
        ready = max((end[s] for s in succs[tid]), default=0.0)
        pool = pools[kind[tid]]
        n = min(range(len(pool)), key=lambda i: (max(pool[i], ready), i))
        end[tid] = max(pool[n], ready) + work[tid]
        pool[n] = end[tid]
    return {tid: round(end[tid]) for tid in order}
