"""Credits for the stock footage a video uses, from its plan (each locked pick's provider, id,
author, page and licence travel in its `stock/scene-NN` task): a manifest section and the text of
`NAME.credits.txt`, which a publish description can include as it is."""

from __future__ import annotations

import statistics
from typing import Any

from vidc.schemas.plan import Task

_KEYS = ("provider", "id", "media", "author", "author_url", "page", "licence", "query", "score")


def stock_credits(tasks: dict[str, Task]) -> list[dict[str, Any]]:
    """One entry per stock scene, in scene order (empty for a video without stock footage)."""
    out = []
    for t in sorted(tasks.values(), key=lambda t: t.id):
        if t.backend == "stock-fetch" and t.params.get("sha256"):
            out.append({"scene": t.params["scene"], **{k: t.params.get(k) for k in _KEYS}})
    return out


def relevance_summary(tasks: dict[str, Task]) -> dict[str, Any] | None:
    """The median relevance of the video's scored clips and the scenes under `min_score` (None: unscored)."""
    scored = [
        t.params
        for t in sorted(tasks.values(), key=lambda t: t.id)
        if t.backend == "stock-fetch" and isinstance(t.params.get("score"), (int, float))
    ]
    if not scored:
        return None
    below = [p["scene"] for p in scored if p.get("min_score") is not None and p["score"] < p["min_score"]]
    return {"median": round(statistics.median(p["score"] for p in scored), 4), "below_min_score": below}


def stock_fallbacks(tasks: dict[str, Task]) -> list[dict[str, Any]]:
    """The stock scenes nothing fitted (they show the storyboard card)."""
    return [
        {"task": t.id, "query": t.params["stock_fallback"]}
        for t in sorted(tasks.values(), key=lambda t: t.id)
        if t.params.get("stock_fallback")
    ]


def credits_text(video: str, credits: list[dict[str, Any]]) -> str:
    lines = [f"Stock footage in {video}.mp4", ""]
    for c in credits:
        kind = "Video" if c.get("media") == "video" else "Photo"
        provider = str(c.get("provider", "")).capitalize()
        lines.append(f"Scene {c['scene']}: {kind} by {c.get('author') or 'unknown'} on {provider}")
        lines.append(f"  {c.get('page') or ''}")
        if c.get("author_url"):
            lines.append(f"  author: {c['author_url']}")
        lines.append(f"  licence: {c.get('licence') or ''}")
    return "\n".join(lines) + "\n"
