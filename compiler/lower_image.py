"""Lowering a scene of `video.engine: image`: its pictures, one task each (a new picture every
`seconds_per_picture`), and the task that moves over them (Ken Burns) into the scene's segment.

Each picture is its own task (`.../video/scene-NN/chunk-KK`, kind `picture`): its prompt, seed,
model and size are its params, so a finished picture is cached by its fingerprint, a resumed build
never asks for it again, and an edited scene regenerates only its own pictures. A local model's
pictures run on a device lane (VRAM from the cost model); a server's on a CPU lane. The motion task
(`.../assemble/scene-NN`, backend `ken-burns`) renders exactly the scene's frames from them and
encodes the segment with the captions, watermark and edges every segment has."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import ImageSettings, Scene, VideoSpec

from . import transitions
from .costs import CostModel
from .drafts import Draft
from .ffmpeg_encode import FFMPEG, encode_segment, to_bt709, watermark_input, x264_still_args
from .frame import watermark

DEFAULT_COSTS: dict[str, Any] = {
    "models": {},
    "unknown": {"step_ms_per_mpx": 400, "load_ms": 30000, "vram_gb": 16},
    "fixed_ms": 800,
    "server_ms": 8000,
    "motion_ms_per_s_per_mpx": 900,
}


def settings(spec: VideoSpec) -> ImageSettings:
    """The spec's image settings; without any, a placeholder whose empty model the backend reports."""
    return spec.video.image or ImageSettings.model_construct(**_defaults())


def _defaults() -> dict[str, Any]:
    return {k: f.default for k, f in ImageSettings.model_fields.items() if k != "model"} | {"model": ""}


def picture_size(im: ImageSettings, frame: tuple[int, int]) -> tuple[int, int]:
    """The spec's size, else the frame's aspect ratio at `zoom` times the frame (so the tightest crop
    still has about a picture pixel per frame pixel), each side to the nearest multiple of 16."""
    if im.size:
        w, h = (int(x) for x in im.size.split("x"))
        return w, h
    w, h = (max(side, round(side * im.zoom / 16) * 16) for side in frame)
    return w, h


def pictures_for(seconds: float, im: ImageSettings) -> int:
    return max(1, math.ceil(seconds / im.seconds_per_picture - 1e-9))


def image_costs(costs: CostModel) -> dict[str, Any]:
    return getattr(costs, "image", None) or DEFAULT_COSTS


def picture_estimate(im: ImageSettings, size: tuple[int, int], costs: CostModel) -> tuple[int, int, float]:
    """(ms per picture at speed 1.0, load ms per lane, VRAM GB) for a local model; a server's time."""
    c = image_costs(costs)
    if im.base_url:
        return int(c["server_ms"]), 0, 0.0
    row = {**c["unknown"], **(c["models"].get(im.model) or {})}
    mpx = size[0] * size[1] / 1e6
    return int(c["fixed_ms"] + row["step_ms_per_mpx"] * mpx * im.steps), int(row["load_ms"]), float(row["vram_gb"])


def seed_of(seed: int, task_id: str) -> int:
    """A task's own seed from the spec's: the same task always gets the same one."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{task_id}".encode()).digest()[:4], "big") & 0x7FFFFFFF


def image_tasks(
    spec: VideoSpec,
    scene: Scene,
    i: int,
    p: dict[str, Any],
    inputs: dict[str, str],
    frames: str,
    seconds: float,
    burn: bool,
    costs: CostModel,
    tasks: list[Draft],
    still_at: float | None = None,
    edge: transitions.Edges | None = None,
) -> str:
    """Append scene i's picture tasks and its motion task; return the motion task's id."""
    v, im = spec.name, settings(spec)
    size = picture_size(im, (p["width"], p["height"]))
    est, load, need = picture_estimate(im, size, costs)
    requires = {"kind": "cpu"} if im.base_url else {"kind": "device", "vram_gb": need, "model": im.model}
    pic_ids = []
    for k in range(1, pictures_for(seconds, im) + 1):
        pid = ids.chunk(v, i, k)
        tasks.append(
            Draft(
                id=pid,
                video=v,
                stage="video",
                kind="picture",
                backend="image",
                params=_picture_params(spec, im, scene, (i, k), seed_of(spec.video.seed, pid), size),
                requires=dict(requires),
                est_ms=est,
                load_ms=load,
                where=_where(i),
            )
        )
        pic_ids.append(pid)
    mid = ids.assemble(v, i)
    tasks.append(
        _motion_task(
            spec,
            im,
            (i, mid),
            p,
            {**inputs, **{ids.role(ids.CHUNK, k): c for k, c in enumerate(pic_ids, 1)}},
            frames,
            seconds,
            costs,
            burn,
            still_at,
            edge,
        )
    )
    return mid


def _motion_task(
    spec: VideoSpec,
    im: ImageSettings,
    at: tuple[int, str],
    p: dict[str, Any],
    inputs: dict[str, str],
    frames: str,
    seconds: float,
    costs: CostModel,
    burn: bool,
    still_at: float | None,
    edge: transitions.Edges | None,
) -> Draft:
    """Scene `at` = (i, task id)'s motion over its pictures, encoded into its segment."""
    mpx_s = seconds * p["width"] * p["height"] / 1e6
    return Draft(
        id=at[1],
        video=spec.name,
        stage="video",
        kind="motion",
        backend="ken-burns",
        params={
            "pictures": len(ids.numbered(inputs, ids.CHUNK)),
            "frames": frames,
            "fps": p["fps"],
            "width": p["width"],
            "height": p["height"],
            "seed": seed_of(spec.video.seed, at[1]),
            "zoom": im.zoom,
            "crossfade_frames": round(im.crossfade_seconds * p["fps"]),
        },
        inputs=inputs,
        argv=[motion_argv(p, frames, burn, still_at, watermark(spec, p), edge)],
        est_ms=costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "assemble_fixed_ms")
        + int(image_costs(costs)["motion_ms_per_s_per_mpx"] * mpx_s),
        where={"": ("video", "image"), "zoom": ("video", "image", "zoom")},
    )


def _picture_params(
    spec: VideoSpec, im: ImageSettings, scene: Scene, at: tuple[int, int], seed: int, size: tuple[int, int]
) -> dict[str, Any]:
    """What one picture is asked: everything that changes it enters its fingerprint."""
    out: dict[str, Any] = {
        "model": im.model,
        "prompt": scene.visual_prompt,
        "width": size[0],
        "height": size[1],
        "seed": seed,
        "scene": at[0],
        "picture": at[1],
    }
    if im.base_url:  # a server: its address, key variable, patience and price
        out |= {"base_url": im.base_url, "api_key_env": im.api_key_env, "timeout_s": im.timeout_s}
        if im.price_per_image is not None:
            out["price_per_image"] = im.price_per_image
    else:  # a local pipeline: its sampling settings
        out |= {"steps": im.steps, "cfg": im.cfg, "negative_prompt": spec.video.negative_prompt}
        out |= {"precision": spec.video.precision}
    out["retries"] = im.retries
    return out


def _where(i: int) -> dict[str, tuple]:
    img = ("video", "image")
    same = ("model", "base_url", "api_key_env", "timeout_s", "price_per_image", "steps", "cfg", "retries")
    return {
        **{k: (*img, k) for k in same},
        "width": (*img, "size"),
        "height": (*img, "size"),
        "prompt": ("script", "scenes", i - 1, "visual_prompt"),
        "seed": ("video", "seed"),
        "negative_prompt": ("video", "negative_prompt"),
        "precision": ("video", "precision"),
        "": img,
    }


def motion_argv(
    p: dict[str, Any],
    frames: str,
    captions: bool,
    still_at: float | None,
    wm: dict[str, Any] | None,
    edge: transitions.Edges | None,
) -> list[str]:
    """The segment's encode from the motion's rgb24 frames on stdin (exactly `frames` of them, at the
    export size and rate): BT.709, the watermark, captions burned last, the still for a thumbnail."""
    w, h, fps = p["width"], p["height"], p["fps"]
    raw = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0"]
    chain = [*to_bt709(), "setsar=1"]
    return [
        *FFMPEG,
        *raw,
        *watermark_input(wm),
        *encode_segment(p, chain, captions, frames, still_at, None, wm, x264_still_args(), edge),
    ]
