"""Small helpers for the Ray executor's actors: end one, read what a Ray error says, and start the
spend ledger's actor on the driver's machine."""

from __future__ import annotations

import ray

from ..backends.spend import LedgerGate


def ledger_gate(ledger):
    """The build's spend ledger for the lanes: an actor pinned to this machine (a Ray client, with
    ray://, has no node here: its lanes' requests are checked at dispatch only)."""
    if ledger is None or ray.util.client.ray.is_connected():
        return None
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return ray.remote(LedgerGate).options(num_cpus=0, max_restarts=0, scheduling_strategy=here).remote(str(ledger.path))


def kill(handle) -> None:
    try:
        ray.kill(handle, no_restart=True)
    except Exception:  # already gone
        pass


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in lines:  # Ray's messages start with a generic header; keep the line that says what happened
        if "died" in ln or "lost" in ln or "exited" in ln or "unavailable" in ln.lower():
            return ln.strip()[:300]
    return (lines[0] if lines else type(exc).__name__).strip()[:300]
