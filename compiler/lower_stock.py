"""Lowering a stock scene: a `stock/scene-NN` task that brings the locked file into the store
(downloaded once, checked against the lock's size and sha256) and the scene's clip made from it,
fit and timed like an asset. A scene without a pick in the lock is planned as a search (its query,
orientation and the size and length it needs), which `vidc build` runs and locks first."""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import Scene, VideoSpec
from vidc.schemas.stock import StockPick

from . import ffmpeg_args, refs, transitions
from .drafts import Draft
from .pacing import planned_scene_ms
from .stock_query import orientation, scene_query

STOCK = "stock"  # the input role of a stock clip: the fetched file
_PLACEHOLDER = "\x00stock"
FETCH_MS = 2000  # planning figure for one download (the store usually has it)


def stock_search(spec: VideoSpec, scene: Scene, p: dict[str, Any]) -> dict[str, Any]:
    """What a scene's search looks for: the query, the frame's orientation and size, the length."""
    return {
        "query": scene_query(scene),
        "orientation": orientation(p["width"], p["height"]),
        "min_width": p["width"],
        "min_height": p["height"],
        "min_ms": planned_scene_ms(scene, spec),
        "providers": list(spec.video.providers),
        "fallback": spec.video.stock.fallback,
        **(
            {"relevance": spec.video.relevance.model_dump(), "prompt": scene.visual_prompt or scene_query(scene)}
            if spec.video.relevance is not None
            else {}
        ),
    }


def current_pick(pick: StockPick | None, search: dict[str, Any]) -> StockPick | None:
    """The locked pick if it was made for this query and orientation (else the scene searches again)."""
    if pick is None or pick.query != search["query"] or pick.orientation != search["orientation"]:
        return None
    return pick


def engine_path(spec_engine_scene: int | None) -> tuple:
    """Where the scene's engine was chosen: its own `video.engine`, or the video's."""
    if spec_engine_scene is None:
        return ("video", "engine")
    return ("script", "scenes", spec_engine_scene - 1, "video", "engine")


def stock_tasks(
    spec: VideoSpec,
    scene: Scene,
    i: int,
    p: dict[str, Any],
    inputs: dict[str, str],
    frames: str,
    burn: bool,
    wm: dict[str, Any] | None,
    edge: transitions.Edges | None,
    encode_ms: int,
    pick: StockPick | None,
    tasks: list[Draft],
) -> str:
    """Append scene i's fetch and clip tasks (the pick is current: not a fallback); return the clip's id."""
    v = spec.name
    search = stock_search(spec, scene, p)
    where = {"": engine_path(i if scene.video is not None else None)}
    if pick is None:  # known after the build's search
        fetch: dict[str, Any] = {"scene": i, **search}
        still, ext = False, "mp4"
    else:
        fetch = {"scene": i, **pick.model_dump(exclude={"fallback", "orientation"})}
        if spec.video.relevance is not None:
            fetch["min_score"] = spec.video.relevance.min_score
        still, ext = pick.media == "photo", pick.ext
    tasks.append(
        Draft(
            id=ids.stock(v, i),
            video=v,
            stage="video",
            kind="stock-fetch",
            backend="stock-fetch",
            params=fetch,
            est_ms=FETCH_MS,
            where=where,
        )
    )
    tasks.append(_clip(spec, scene, i, p, inputs, frames, burn, wm, edge, encode_ms, (still, ext), where))
    return ids.clip(v, i)


def _clip(
    spec: VideoSpec,
    scene: Scene,
    i: int,
    p: dict[str, Any],
    inputs: dict[str, str],
    frames: str,
    burn: bool,
    wm: dict[str, Any] | None,
    edge: transitions.Edges | None,
    encode_ms: int,
    media: tuple[bool, str],
    where: dict[str, tuple],
) -> Draft:
    """Scene i's clip from the fetched file (`@{in:stock}/source.EXT`), fit and timed like an asset."""
    still, ext = media
    mode = scene.clip_mode or spec.video.clip_mode
    argv = ffmpeg_args.assets(
        p,
        _PLACEHOLDER,
        still,
        frames,
        burn,
        spec.thumbnail.at if spec.thumbnail is not None else None,
        wm,
        spec.video.fit,
        spec.video.pad.replace("#", "0x"),
        "loop" if mode == "stretch" else mode,
        edge,
    )
    source = f"{refs.inp(STOCK)}/source.{ext}"
    return Draft(
        id=ids.clip(spec.name, i),
        video=spec.name,
        stage="video",
        kind="stock",
        backend="stock",
        params={"still": still, "query": scene_query(scene)},
        inputs={**inputs, STOCK: ids.stock(spec.name, i)},
        argv=[[source if a == refs.project(_PLACEHOLDER) else a for a in argv]],
        est_ms=encode_ms,
        where=where,
    )
