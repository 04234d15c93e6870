"""The summary of a nightly run (`vidc nightly`): which videos were built, which failed and why, the
work redone, the time and the cost, from the plan, the build's events, the journal and the manifests.
Written as JSON (`nightly.json`) and as a one-page Markdown review (`nightly.md`) in the output folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vidc.schemas import ids
from vidc.schemas.journal import Claimed, Done, Failed, Lost, Record
from vidc.schemas.plan import Plan

SUMMARY = "nightly.json"
REVIEW = "nightly.md"


def video_of(task_id: str) -> str:
    return ids.video_of(task_id)


def first_line(text: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if len(lines) > 1 and lines[0].endswith(":"):  # "ffmpeg ... exited 69:" says why on the next line
        return f"{lines[0]} {lines[1]}"[:limit]
    return (lines[0] if lines else "unknown error")[:limit]


def previous_failed(out_dir: Path) -> list[str]:
    """The videos the last nightly run recorded as failed (none when there is no readable summary)."""
    try:
        data = json.loads((out_dir / SUMMARY).read_text(encoding="utf-8"))
        return sorted(str(name) for name in data.get("failed", {}))
    except (OSError, ValueError, AttributeError):
        return []


def redone(records: Iterable[Record], since: float) -> dict[str, float | int]:
    """Work of this run (records since `since`) thrown away by a fault and run again: attempts a worker
    or node was lost under (their task-seconds) or whose process died (counted: the journal has no end
    time for them); failed attempts are counted apart (a failure is not redone work)."""
    open_: dict[tuple[str, str], float] = {}
    useful = wasted = failed = 0.0
    lost = 0
    for rec in records:
        if rec.t < since:
            continue
        key = (rec.lane, rec.task)
        if isinstance(rec, Claimed):
            lost += key in open_  # claimed again with no end: the first attempt died with its process
            open_[key] = rec.t
        elif isinstance(rec, Done):
            open_.pop(key, None)
            useful += rec.ms / 1000
        elif isinstance(rec, Lost) and key in open_:
            wasted += max(0.0, rec.t - open_.pop(key))
            lost += 1
        elif isinstance(rec, Failed) and key in open_:
            failed += max(0.0, rec.t - open_.pop(key))
    total = useful + wasted + failed
    return {
        "attempts_lost": lost,
        "task_seconds": round(total, 3),
        "redone_seconds": round(wasted, 3),
        "failed_seconds": round(failed, 3),
        "redone_fraction": round(wasted / total, 4) if total else 0.0,
    }


def _cost(manifest: Path) -> tuple[float, float]:
    try:
        cost = json.loads(manifest.read_text(encoding="utf-8")).get("cost") or {}
        return float(cost.get("estimated_usd", 0.0)), float(cost.get("measured_usd", 0.0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0.0, 0.0


def summarise(plan: Plan, root: Path, final: dict[str, Any], attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """The night's summary. `final` is the last build_finished event ({} when the build never said),
    `attempts` one entry per build process started (exit status, seconds)."""
    failed_tasks: dict[str, str] = final.get("failed") or {}
    skipped: list[str] = final.get("skipped") or []
    built, failed = [], {}
    estimated = measured = 0.0
    for video in plan.videos:
        mine = sorted(t for t in failed_tasks if video_of(t) == video.name)
        mp4 = root / video.output / f"{video.name}.mp4"
        if mine:
            failed[video.name] = {"task": mine[0], "why": first_line(failed_tasks[mine[0]])}
        elif any(video_of(t) == video.name for t in skipped) or not final.get("ok") and not mp4.is_file():
            why = "skipped: a task it needs failed" if skipped else "the build stopped before it finished"
            failed[video.name] = {"task": "", "why": why}
        else:
            built.append({"name": video.name, "mp4": (Path(video.output) / f"{video.name}.mp4").as_posix()})
            est, meas = _cost(root / video.output / f"{video.name}.json")
            estimated, measured = estimated + est, measured + meas
    return {
        "videos": len(plan.videos),
        "built": built,
        "failed": failed,
        "tasks_ran": final.get("ran", 0),
        "tasks_cached": final.get("cached", 0),
        "attempts": attempts,
        "cost_usd": {"estimated": round(estimated, 6), "measured": round(measured, 6)},
    }


def _left_out(failed: dict[str, Any]) -> str:
    """For a video left out of the plan (a matrix row with errors of its own): the row, where, the fix."""
    if not failed.get("where"):
        return ""
    fix = f"; fix: {failed['fix']}" if failed.get("fix") else ""
    return f": {failed['label']} left out of the plan, error[{failed['code']}] at `{failed['where']}`{fix}"


def review(summary: dict[str, Any]) -> str:
    """The one-page Markdown review of a summary."""
    s = summary
    lines = [
        f"# Nightly build: {len(s['built'])} of {s['videos']} videos built",
        "",
        f"- started {s['started']}, took {s['seconds']:.0f} s in {len(s['attempts'])} build attempt(s)",
        f"- tasks: {s['tasks_ran']} ran, {s['tasks_cached']} already built",
        f"- work redone: {s['redone']['redone_seconds']:.1f} s of {s['redone']['task_seconds']:.1f} task-seconds "
        f"({100 * s['redone']['redone_fraction']:.1f} %), {s['redone']['attempts_lost']} attempt(s) lost to a "
        f"fault, {s['redone']['failed_seconds']:.1f} s in failed tasks",
        f"- cost: ${s['cost_usd']['measured']:.2f} measured (${s['cost_usd']['estimated']:.2f} estimated)",
    ]
    if s["retried"]:
        lines.append(f"- retried from the last run: {', '.join(s['retried'])}")
    lines += ["", "## Failed", ""]
    lines += [
        f"- **{name}**: {f['why']}" + (f" (`{f['task']}`)" if f["task"] else "") + _left_out(f)
        for name, f in s["failed"].items()
    ]
    if not s["failed"]:
        lines.append("none")
    lines += ["", "## Built", ""] + [f"- {b['name']}: `{b['mp4']}`" for b in s["built"]]
    if not s["built"]:
        lines.append("none")
    lines += ["", "Run `vidc nightly` again to retry what failed: what was built is kept and not rendered again.", ""]
    return "\n".join(lines)
