"""Money of a video server's jobs (`openai-videos`) while a build runs: each job is priced in the
spend ledger when it is created (failed ones that are tried again included), so a job a killed build
started is already paid for; the build that re-attaches to it owes only the rest of the task's
estimate, and `--max-cost` counts the jobs in flight."""

from __future__ import annotations

from typing import Any

from vidc.compiler.remote_pricing import VIDEO_JOBS
from vidc.schemas.plan import Cost, Task

from ..backends.spend import Ledger


def committed_by_task(ledger: Ledger) -> dict[str, int]:
    """What each task's requests cost since the last finished build (jobs a killed build started)."""
    out: dict[str, int] = {}
    for r in ledger.requests():
        out[r["task"]] = out.get(r["task"], 0) + r["micro_usd"]
    return out


def left_to_pay(task: Task, cost: Cost, committed: dict[str, int] | None) -> Cost:
    """A job task's estimate less what its jobs already committed; any other task's as it is."""
    if task.backend != VIDEO_JOBS or not committed or not committed.get(task.id):
        return cost
    return cost.model_copy(update={"micro_usd": max(0, cost.micro_usd - committed[task.id])})


def price_jobs(ledger: Ledger | None, task: Task) -> None:
    """The price of each job the task's worker will create, for the ledger to check and record."""
    if ledger is not None and task.backend == VIDEO_JOBS and task.cost is not None:
        per_second = task.cost.micro_usd / max(1, task.cost.units.get("seconds", 1))
        ledger.price(task.id, task.cost.provider, task.cost.item, {"seconds": per_second})


def measured_jobs(task: Task, result: dict[str, Any] | None) -> Cost | None:
    """A finished job task's cost: every job it created, as priced when it was created."""
    if task.backend != VIDEO_JOBS or result is None or not isinstance(result.get("jobs"), list):
        return None
    jobs = [j for j in result["jobs"] if isinstance(j, dict)]
    return Cost(
        provider=VIDEO_JOBS,
        item=str(task.params.get("model", "")),
        units={"seconds": int(task.params.get("seconds", 0)) * len(jobs), "jobs": len(jobs)},
        micro_usd=sum(int(j.get("micro_usd") or 0) for j in jobs),
        basis="every job created, as priced when it was created",
    )


def scene_jobs(tasks: dict[str, Task], scene: int, result: Any) -> dict[str, Any]:
    """The manifest's record of a scene's video-server jobs (none: nothing, so other manifests stay
    as they were): per clip its model, seed, prompt and every job created, with its id and cost."""
    rows = []
    for tid in sorted(tasks):
        t = tasks[tid]
        if t.backend != VIDEO_JOBS or t.params.get("scene") != scene:
            continue
        res = result(tid) or {}
        rows.append(
            {
                "task": tid,
                "model": t.params.get("model"),
                "seed": t.params.get("seed"),
                "prompt": t.params.get("prompt"),
                "job_id": res.get("job_id"),
                "jobs": res.get("jobs", []),
            }
        )
    return {"jobs": rows} if rows else {}
