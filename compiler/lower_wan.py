"""Lowering a generated (wan) scene: its chunks of frames at the model's size and rate, with their
seeds, speed options and estimates, and the task that assembles them into the scene's segment."""

from __future__ import annotations

import hashlib
from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import Scene, VideoSpec

from . import ffmpeg_args, transitions
from .costs import CostModel, WanInfo, taylorseer_schedule
from .drafts import Draft, is_start_image
from .frame import watermark
from .wan_distilled import flow_shift, guidance_factor, lora_params

WAN_SIZES = {"480p": (832, 480), "720p": (1280, 720)}


def wan_size(spec: VideoSpec, portrait: bool, wan: WanInfo | None = None) -> tuple[int, int]:
    res = spec.video.resolution or (wan.native["resolution"] if wan else "480p")
    if res in WAN_SIZES:  # named sizes round down to the model's multiple (TI2V-5B: 720p is 1280x704)
        m = wan.size_multiple if wan else 16
        w, h = (side // m * m for side in WAN_SIZES[res])
    else:
        w, h = (int(x) for x in res.lower().split("x"))
    return (min(w, h), max(w, h)) if portrait else (w, h)


def wan_settings(spec: VideoSpec, wan: WanInfo | None) -> tuple[int, int]:
    """(fps, frames per chunk): the spec's, else the model's own (TI2V-5B: 24 fps, 121 frames)."""
    native = wan.native if wan else {"fps": 16, "frames": 81}
    return spec.video.fps or int(native["fps"]), spec.video.frames_per_chunk or int(native["frames"])


def wan_tokens(width: int, height: int, frames: int, wan: WanInfo | None) -> int:
    """Tokens a chunk's transformer attends over: latent frames x latent patches (VAE 4x in time)."""
    m = wan.size_multiple if wan else 16
    return ((frames - 1) // 4 + 1) * (height // m) * (width // m)


def wan_speed_params(spec: VideoSpec, costs: CostModel) -> dict[str, Any]:
    """The speed options as the backend takes them, defaults filled in (they enter the fingerprint)."""
    wv, c = spec.video, costs.wan["cache"]
    out: dict[str, Any] = {"cache": wv.cache, "compile": wv.compile, "precision": wv.precision}
    if wv.cache in ("first_block", "magcache"):
        out["cache_threshold"] = wv.cache_threshold or float(c[wv.cache]["default_threshold"])
    if wv.cache == "taylorseer":
        interval, warmup = taylorseer_schedule(
            wv.steps,
            wv.cache_interval or int(c["taylorseer"]["default_interval"]),
            float(c["taylorseer"]["warmup_fraction"]),
        )
        out["cache_interval"], out["cache_warmup"] = interval, warmup
    return out


def wan_estimate(
    spec: VideoSpec, costs: CostModel, wan: WanInfo | None, width: int, height: int, frames: int
) -> tuple[int, int, float, list[str]]:
    """(chunk ms at speed 1.0, load ms per lane, VRAM GB, what each option changes, in words)."""
    wv = spec.video
    base = costs.wan_chunk_ms(wv.model, width, height, frames, wv.steps, wv.offload)
    factor, notes = costs.wan_speed(wv.steps, wv.cache, wv.cache_threshold, wv.cache_interval, wv.compile, wv.precision)
    guided, guided_notes = guidance_factor(spec, float(costs.wan["denoise_share"]))
    factor, notes = factor * guided, notes + guided_notes
    load = costs.wan_load_ms(wv.model)
    if wv.compile == "regional":
        load += int(costs.wan["compile"]["regional"]["compile_ms"])
    if wv.cache == "magcache":
        load += round(base * float(costs.wan["cache"]["magcache"]["calibration_chunks"]))
    need = costs.wan_vram_gb(wv.model, wv.offload, wv.precision)
    return max(1, round(base * factor)), load, need, [f"chunk {base / 1000:.1f}s before options", *notes]


def wan_tasks(
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
    wan: WanInfo | None = None,
    edge: transitions.Edges | None = None,
) -> str:
    v, wv = spec.name, spec.video
    width, height = wan_size(spec, p["height"] > p["width"], wan)
    fps, n_frames = wan_settings(spec, wan)
    chunk_s = n_frames / fps
    chunks = max(1, -(-int(seconds * 1000) // int(chunk_s * 1000)))
    est, load, need, _ = wan_estimate(spec, costs, wan, width, height, n_frames)
    chunk_ids: list[str] = []
    for k in range(1, chunks + 1):
        cid = ids.chunk(v, i, k)
        chunk_inputs = {ids.PREV: chunk_ids[-1]} if wv.continuity == "extend" and chunk_ids else {}
        tasks.append(
            Draft(
                id=cid,
                video=v,
                stage="video",
                kind="chunk",
                backend=wv.engine,  # wan, or a plug-in with its contract
                where=_chunk_where(i),
                params=_chunk_params(spec, scene, (i, k), cid, (width, height, n_frames, fps), costs),
                inputs=chunk_inputs,
                requires={"kind": "device", "vram_gb": need, "model": wv.model},
                est_ms=est,
                load_ms=load,
                cp_heads=wan.heads if wan else 0,
                cp_degree=wv.parallel,
                cp_tokens=wan_tokens(width, height, n_frames, wan),
            )
        )
        chunk_ids.append(cid)
    aid = ids.assemble(v, i)
    tasks.append(
        Draft(
            id=aid,
            video=v,
            stage="video",
            kind="assemble",
            backend="assemble",
            params={"chunks": chunks},
            inputs={**inputs, **{ids.role(ids.CHUNK, k): c for k, c in enumerate(chunk_ids, 1)}},
            argv=[ffmpeg_args.assemble(p, chunk_ids, frames, burn, watermark(spec, p), edge)],
            est_ms=costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "assemble_fixed_ms"),
        )
    )
    return aid


def _chunk_params(
    spec: VideoSpec, scene: Scene, at: tuple[int, int], cid: str, shape: tuple[int, int, int, int], costs: CostModel
) -> dict[str, Any]:
    """Chunk k of scene i (`at` = (i, k)), of `shape` = (width, height, frames, fps): what the model
    is asked, with the chunk's own seed and, on the first chunk, the scene's start image."""
    wv, (i, k), (width, height, n_frames, fps) = spec.video, at, shape
    shift = flow_shift(spec, width, height)  # 3.0 at 480P, 5.0 at 720P; a distilled LoRA's 5.0
    two = {key: val for key, val in (("cfg_2", wv.cfg_2), ("boundary_ratio", wv.boundary_ratio)) if val is not None}
    start = scene.asset if scene.asset and is_start_image(scene.asset) else None
    extra = {"start_image": start} if start and k == 1 else {}
    return {
        "model": wv.model,
        "prompt": scene.visual_prompt,
        "negative_prompt": wv.negative_prompt,
        "width": width,
        "height": height,
        "num_frames": n_frames,
        "fps": fps,
        "steps": wv.steps,
        "sampler": wv.sampler,
        "cfg": wv.cfg,
        "flow_shift": shift,
        "seed": _chunk_seed(wv.seed, cid),
        "offload": wv.offload,
        "continuity": wv.continuity,
        "chunk": k,
        "scene": i,
        **two,
        **wan_speed_params(spec, costs),
        **extra,
        **lora_params(spec),
    }


# the video options a chunk's params come from, one spec field each (the rest are placed by _chunk_where)
_SAME_NAME = ("model", "steps", "sampler", "cfg", "seed", "offload", "continuity", "fps", "negative_prompt")
_SPEED_NAMES = ("cfg_2", "boundary_ratio", "cache", "cache_threshold", "compile", "precision")


def _chunk_where(i: int) -> dict[str, tuple]:
    """Where each of scene i's chunk params came from in the spec."""
    return {
        **{k: ("video", k) for k in _SAME_NAME},
        "num_frames": ("video", "frames_per_chunk"),
        "width": ("video", "resolution"),
        "height": ("video", "resolution"),
        "prompt": ("script", "scenes", i - 1, "visual_prompt"),
        **{k: ("video", k) for k in _SPEED_NAMES},
        "cache_interval": ("video", "cache_interval"),
        "cache_warmup": ("video", "cache"),
        "start_image": ("script", "scenes", i - 1, "asset"),
        "lora": ("video", "lora"),
        "lora_file": ("video", "lora"),
        "lora_scale": ("video", "lora_scale"),
        "": ("video",),
    }


def _chunk_seed(seed: int, task_id: str) -> int:

    return int.from_bytes(hashlib.sha256(f"{seed}|{task_id}".encode()).digest()[:4], "big") & 0x7FFFFFFF
