"""Which lanes of a plan a Ray cluster can hold: every lane with planned work must fit on some live
node, and all the kept lanes together in the cluster. Pure: it reads node lists as `ray.nodes()`
gives them, so a plan the cluster cannot run fails before anything runs (Ray would leave the actors
pending forever)."""

from __future__ import annotations

import json
from collections.abc import Callable

from vidc.schemas.plan import Lane as PlanLane

from ..host.ray_cluster import ClusterError, node_fits


def lanes_that_fit(
    lanes: dict[str, PlanLane],
    planned: dict[str, list[str]],
    nodes: list[dict],
    need: Callable[[PlanLane], dict[str, float]],
    describe: Callable[[PlanLane], str],
    gone: dict[str, str],
) -> list[str]:
    """The lanes to run, sorted. A lane without planned work that does not fit is dropped (noted in
    gone with why): it only stole work. A lane with planned work that does not fit is a ClusterError."""
    free: dict[str, float] = {}
    for node in nodes:
        for k, v in node.get("Resources", {}).items():
            free[k] = free.get(k, 0.0) + v
    problems, kept = [], []
    for lane_id in sorted(lanes, key=lambda ln: (not planned.get(ln), ln)):
        wants = need(lanes[lane_id])
        fits_node = any(node_fits(n.get("Resources", {}), wants) for n in nodes)
        if fits_node and all(free.get(k, 0.0) >= v for k, v in wants.items()):
            for k, v in wants.items():
                free[k] -= v
            kept.append(lane_id)
            continue
        why = "no node has it" if not fits_node else "the cluster has no room left for it beside the other lanes"
        if planned.get(lane_id):
            problems.append(
                f"{describe(lanes[lane_id])} needs Ray resources {json.dumps(wants, sort_keys=True)} and {why}"
            )
        else:
            gone[lane_id] = why
    if problems:
        raise ClusterError(
            "the Ray cluster cannot run this plan: " + "; ".join(problems) + f". The cluster has: "
            f"{_inventory(nodes) or 'no live node'}. Start a node with that resource (see README: Running on a "
            f"Ray cluster) or plan for this cluster with --hardware ray:auto"
        )
    return sorted(kept)


def _inventory(nodes: list[dict]) -> str:
    """Each node's address and the resources it offers (Ray's own node, memory and store keys left out)."""
    return "; ".join(
        f"node {n.get('NodeManagerAddress', '?')}: "
        + ", ".join(
            f"{k} {v:g}"
            for k, v in sorted(n.get("Resources", {}).items())
            if not k.startswith(("node:", "memory", "object_store_memory"))
        )
        for n in nodes
    )
