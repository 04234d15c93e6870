"""Picking stock footage for the scenes the lock does not cover yet, then locking the picks.

The plan says what to look for (each `stock/scene-NN` task still to search carries its query, the
frame's orientation and size, the length it needs, the providers in order and what to do when
nothing fits). Per scene: videos from each provider in order until one fits, photos when no video
does; the smallest rendition at least the frame's size; a clip at least as long as the scene before a
shorter one; never a clip twice in a video, and clips no other video of the spec uses before reused
ones. The winner is downloaded into the work folder (content-addressed, verified) and its size,
sha256 and credit go into the lock, written atomically beside the spec."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidc.schemas.plan import Plan
from vidc.schemas.stock import LICENCE, StockLock, StockPick, lock_text

from ..media.stock_api import Candidate, Searcher, StockError
from ..media.stock_files import download
from ..state.atomic import write_text

DOWNLOAD_TRIES = 3  # candidates tried in turn when a download is bad
Scorer = Callable[[str, list[Candidate]], list[float]]  # (prompt, candidates) -> a score each


@dataclass
class PickReport:
    picked: list[str] = field(default_factory=list)  # one line per scene picked
    fallbacks: list[str] = field(default_factory=list)  # one line per scene that fell back to the storyboard
    relevance: list[str] = field(default_factory=list)  # per video scored: the median score


def unpicked(plan: Plan) -> list[Any]:
    """The plan's stock tasks still to search (no file locked yet), in plan order."""
    return [t for t in plan.tasks if t.backend == "stock-fetch" and not t.params.get("sha256")]


def pick_missing(
    plan: Plan,
    lock: StockLock,
    lock_file: Path,
    searcher: Searcher,
    store: Path,
    scorer: Scorer | None = None,
    avoid: frozenset[str] = frozenset(),
) -> PickReport:
    """Search, choose, download and lock every scene the plan still has to search; the lock is
    written after each video (a failure keeps the videos picked before it). `avoid`: the clips a
    repick replaces, as "VIDEO/SCENE/PROVIDER:ID", taken again only when nothing else fits."""
    report = PickReport()
    by_video: dict[str, list[Any]] = {}
    for task in unpicked(plan):
        by_video.setdefault(task.video, []).append(task)
    for video, tasks in by_video.items():
        scenes = lock.videos.setdefault(video, {})
        for task in tasks:
            p = task.params
            scenes.pop(str(p["scene"]), None)  # a stale pick (another query or orientation) is replaced
            pick = _pick_scene(video, p, lock, searcher, store, scorer, avoid)
            scenes[str(p["scene"])] = pick
            where = f"{video} scene {p['scene']}"
            if pick.fallback:
                report.fallbacks.append(f"{where}: no stock footage fits {p['query']!r}; it shows the storyboard card")
            else:
                report.picked.append(
                    f"{where}: {pick.provider} {pick.media} {pick.id} by {pick.author} ({p['query']!r})"
                )
        scores = sorted(s.score for s in scenes.values() if s.score is not None)
        if scores:
            report.relevance.append(
                f"{video}: median relevance {statistics.median(scores):.3f} over {len(scores)} clip(s)"
            )
        write_text(lock_file, lock_text(lock))
    return report


def _used(lock: StockLock, video: str) -> tuple[set[str], set[str]]:
    """(clips this video uses, clips the other videos use), as provider:id."""
    mine = {f"{s.provider}:{s.id}" for s in lock.videos.get(video, {}).values() if not s.fallback}
    others = {
        f"{s.provider}:{s.id}" for v, sc in lock.videos.items() if v != video for s in sc.values() if not s.fallback
    }
    return mine, others


def _pick_scene(
    video: str,
    p: dict[str, Any],
    lock: StockLock,
    searcher: Searcher,
    store: Path,
    scorer: Scorer | None,
    avoid: frozenset[str],
) -> StockPick:
    mine, others = _used(lock, video)
    old = {a.rsplit("/", 1)[1] for a in avoid if a.rsplit("/", 1)[0] == f"{video}/{p['scene']}"}
    where = f"{video} scene {p['scene']}"
    ranked: list[tuple[Candidate, float | None]] = []
    for media in ("video", "photo"):
        for provider in p["providers"]:
            try:
                found = searcher.search(provider, media, p["query"], p["orientation"])
            except StockError as exc:
                raise StockError(f"{where}: {exc}") from None
            ranked = _rank(_fitting(found, p, mine), p, (old, others), scorer)
            if ranked:
                break
        if ranked:
            break
    if not ranked:
        if p.get("fallback") == "error":
            raise StockError(
                f"{where}: no stock footage fits {p['query']!r}; give the scene another `stock_query`, "
                "or set `video.stock.fallback: animatic` to show the storyboard card"
            )
        return StockPick(query=p["query"], orientation=p["orientation"], fallback=True)
    problems = []
    for cand, score in ranked[:DOWNLOAD_TRIES]:
        try:
            path, size = download(cand.url, store, cand.ext)
        except StockError as exc:
            problems.append(str(exc))
            continue
        return _locked(cand, p, path, size, score)
    raise StockError(f"{where}: {problems[-1]}")


def _fitting(found: list[Candidate], p: dict[str, Any], mine: set[str]) -> list[Candidate]:
    """Per clip, its smallest rendition at least the frame's size in the frame's orientation (none: left out)."""
    best: dict[str, Candidate] = {}
    for c in found:
        key = f"{c.provider}:{c.id}"
        if key in mine or c.width < p["min_width"] or c.height < p["min_height"]:
            continue
        if p["orientation"] == "landscape" and c.width <= c.height:
            continue
        if p["orientation"] == "portrait" and c.height <= c.width:
            continue
        if key not in best or c.width * c.height < best[key].width * best[key].height:
            best[key] = c
    return list(best.values())  # in the provider's order (dicts keep the first insertion's place)


def _rank(
    cands: list[Candidate], p: dict[str, Any], used: tuple[set[str], set[str]], scorer: Scorer | None
) -> list[tuple[Candidate, float | None]]:
    """The clip a repick replaces last; fresh clips (no other video uses them) before reused ones,
    long enough before short, then the relevance score (with a model) or the provider's order."""
    old, others = used
    if not cands:
        return []
    scores: list[float | None] = list(scorer(p.get("prompt", p["query"]), cands)) if scorer else [None] * len(cands)

    def key(k: int) -> tuple:
        c = cands[k]
        short = c.media == "video" and c.duration_ms < p["min_ms"]
        name = f"{c.provider}:{c.id}"
        return (name in old, name in others, short, -(scores[k] or 0.0), k)

    return [(cands[k], scores[k]) for k in sorted(range(len(cands)), key=key)]


def _locked(c: Candidate, p: dict[str, Any], path: Path, size: int, score: float | None) -> StockPick:
    return StockPick(
        query=p["query"],
        orientation=p["orientation"],
        provider=c.provider,
        id=c.id,
        media="video" if c.media == "video" else "photo",
        url=c.url,
        ext=c.ext,
        width=c.width,
        height=c.height,
        duration_ms=c.duration_ms,
        size=size,
        sha256=path.name.rsplit(".", 1)[0],
        author=c.author,
        author_url=c.author_url,
        page=c.page,
        licence=LICENCE.get(c.provider, ""),
        score=round(score, 4) if score is not None else None,
    )
