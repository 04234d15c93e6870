"""Lowering a scene's picture: an animatic card or the scene's own asset (a generated scene is
lowered by lower_wan), and one crossfade task per crossfaded boundary between two scenes."""

from __future__ import annotations

import dataclasses
from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import Scene, VideoSpec
from vidc.schemas.stock import StockLock

from . import ffmpeg_args, refs, transitions
from .costs import CostModel, WanInfo
from .drafts import Draft, is_still
from .frame import card_font, watermark
from .layout import card_layout, safe_area
from .looks import animatic_look, drawable
from .lower_image import image_tasks
from .lower_remote import ENGINE, remote_tasks
from .lower_stock import current_pick, stock_search, stock_tasks
from .lower_wan import wan_tasks
from .textfit import FontMetrics, FontSource


def video_tasks(
    spec: VideoSpec,
    scene: Scene,
    pos: tuple[int, int],
    p: dict[str, Any],
    inputs: dict[str, str],
    frames: str,
    seconds: float,
    burn: bool,
    costs: CostModel,
    tasks: list[Draft],
    fonts: FontSource | None = None,
    box: dict[str, Any] | None = None,
    wan: WanInfo | None = None,
    edge: transitions.Edges | None = None,
    stock: StockLock | None = None,
) -> str:
    """Append the scene's video tasks; return the id of the task that makes its encoded segment.
    `edge`: its fades and the keyframes its crossfades need (none: today's argv, byte for byte).
    `stock`: the stock lock beside the spec (a stock scene lowers to its locked pick)."""
    i, v, engine = pos[0], spec.name, spec.video.engine
    wm = watermark(spec, p)
    encode_ms = costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "draw_fixed_ms")
    fallback: dict[str, str] = {}
    if engine == "stock":
        pick = current_pick(stock.pick(v, i) if stock else None, stock_search(spec, scene, p))
        if pick is None or not pick.fallback:
            return stock_tasks(spec, scene, i, p, inputs, frames, burn, wm, edge, encode_ms, pick, tasks)
        engine, fallback = "animatic", {"stock_fallback": pick.query}  # nothing fitted: the storyboard card
    if engine == "animatic":
        return _animatic_task(
            spec, scene, pos, p, inputs, frames, burn, (fonts, box, wm, edge), encode_ms, fallback, tasks
        )
    if engine == "assets":
        tasks.append(_assets_task(spec, scene, i, p, inputs, frames, burn, wm, edge, encode_ms))
        return ids.clip(v, i)
    if engine == ENGINE:  # a video server's jobs (lower_remote)
        return remote_tasks(spec, scene, i, p, inputs, frames, seconds, burn, costs, tasks, edge)
    if engine == "image":
        return image_tasks(spec, scene, i, p, inputs, frames, seconds, burn, costs, tasks, still_at(spec), edge)
    return wan_tasks(spec, scene, i, p, inputs, frames, seconds, burn, costs, tasks, wan, edge)


def _animatic_task(
    spec: VideoSpec,
    scene: Scene,
    pos: tuple[int, int],
    p: dict[str, Any],
    inputs: dict[str, str],
    frames: str,
    burn: bool,
    look_of: tuple[Any, Any, Any, Any],
    encode_ms: int,
    fallback: dict[str, str],
    tasks: list[Draft],
) -> str:
    """The storyboard card of a scene (also a stock scene nothing fitted: `fallback` says so)."""
    fonts, box, wm, edge = look_of
    i, v = pos[0], spec.name
    look = animatic_look(scene.visual_prompt, spec.music.mood, i)
    font = card_font(fonts)
    card = _animatic_card(spec, scene, pos, p, look, font, box, wm)
    tasks.append(
        Draft(
            id=ids.clip(v, i),
            video=v,
            stage="video",
            kind="animatic",
            backend="animatic",
            params={
                "note": card["note"],
                "label": card["label"],
                "look": look,
                "font_sha256": font.sha256,
                "card": {k: val for k, val in card.items() if k not in ("note", "label")},
                **fallback,
            },
            inputs=dict(inputs),
            argv=[ffmpeg_args.animatic(p, look, frames, burn, card, still_at(spec), wm, edge)],
            est_ms=encode_ms,
        )
    )
    return ids.clip(v, i)


def _animatic_card(
    spec: VideoSpec,
    scene: Scene,
    pos: tuple[int, int],
    p: dict[str, Any],
    look: dict[str, Any],
    font: FontMetrics,
    box: dict[str, Any] | None,
    wm: dict[str, Any] | None,
) -> dict[str, Any]:
    """The measured storyboard card of scene `pos` = (i, n): its note, label and their boxes, kept
    above the captions and below a top watermark."""
    i, n = pos
    label = f"STORYBOARD  ·  SCENE {i} OF {n}  ·  {look['mood'].upper()}"
    w, h = p["width"], p["height"]
    # the captions' top: two lines above their bottom margin
    caption_top = (
        (h - box["margin_v"] - int(2.3 * box["size"])) if box else h - safe_area(spec.export.preset, w, h).bottom
    )
    safe = safe_area(spec.export.preset, w, h)
    if wm is not None and wm["position"].startswith("top"):  # the card starts below the logo
        safe = dataclasses.replace(safe, top=wm["y"] + wm["width"] + int(0.01 * h))
    return card_layout(
        drawable(scene.visual_prompt).strip() or "(no visual prompt)", label, w, h, safe, caption_top, font
    )


def _assets_task(
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
) -> Draft:
    """Scene i's clip from its own image or video clip, fit and timed like the spec says."""
    v = spec.name
    asset = scene.asset or ""
    still = is_still(asset)
    mode = scene.clip_mode or spec.video.clip_mode
    # a clip's mode enters the params only when it is not today's `hold` (older plans keep their fingerprints)
    timing = {} if still or mode == "hold" else {"clip_mode": mode, "scene_s": ffmpeg_args.frames_s(frames, p["fps"])}
    return Draft(
        id=ids.clip(v, i),
        video=v,
        stage="video",
        kind="assets",
        backend="assets",
        params={"asset": asset, "still": still, **timing},
        inputs=dict(inputs),
        argv=[
            ffmpeg_args.assets(
                p,
                asset,
                still,
                frames,
                burn,
                still_at(spec),
                wm,
                spec.video.fit,
                spec.video.pad.replace("#", "0x"),
                mode,
                edge,
            )
        ],
        est_ms=encode_ms,
    )


def still_at(spec: VideoSpec) -> float | None:
    """Where a scene keeps its uncaptioned picture for the thumbnail (None: no thumbnail)."""
    return spec.thumbnail.at if spec.thumbnail is not None else None


def crossfade_tasks(
    spec: VideoSpec,
    p: dict[str, Any],
    js: list[transitions.Join],
    voice_ids: list[str],
    segment_ids: list[str],
    costs: CostModel,
    tasks: list[Draft],
) -> dict[int, str]:
    """One `transition` task per crossfaded boundary: the 2h frames around it, from the two scenes'
    encoded segments (see compiler/transitions.py). Returns {scene before: task id}."""
    out = {}
    for j in js:
        if j.type != "crossfade":
            continue
        tid = ids.transition(spec.name, j.after)
        before = refs.measured(voice_ids[j.after - 1], "scene_ms", f"frames:{p['fps']}")
        seconds = 2 * j.frames / p["fps"]
        tasks.append(
            Draft(
                id=tid,
                video=spec.name,
                stage="video",
                kind="crossfade",
                backend="transition",
                params={"type": "crossfade", "frames": j.frames, "fps": p["fps"], "after": j.after},
                inputs={
                    ids.FROM: segment_ids[j.after - 1],
                    ids.TO: segment_ids[j.after],
                    ids.VOICE: voice_ids[j.after - 1],
                },
                argv=[ffmpeg_args.crossfade(p, j.frames, before)],
                est_ms=costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "assemble_fixed_ms"),
                where={"": j.path, "frames": j.path},
            )
        )
        out[j.after] = tid
    return out
