"""Plan-time checks of a `wan` video against its model, and the plan's words on its estimate.

What a model can do comes from its pipeline class (model_index.json `_class_name`, read by the
runtime and handed in as data, `facts`), or from the cost model's table for a hub id that is not on
this machine. Pure: no file is read here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from vidc.schemas.hardware import Hardware
from vidc.schemas.spec import Scene, VideoSpec

from .costs import CostModel, WanInfo
from .diagnostics import Diagnostic
from .frontend import LoadedVideo
from .lower import WAN_SIZES, is_start_image, wan_estimate, wan_settings, wan_size

KIND_WORDS = {"t2v": "text-to-video", "i2v": "image-to-video", "vace": "VACE", "ti2v": "text-and-image-to-video"}
ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/])")


def wan_model_info(
    video: LoadedVideo,
    scenes: list[Scene] | None,
    costs: CostModel,
    hw: Hardware,
    model_facts: Callable[[str], dict | None] | None,
    seen: dict[str, dict],
) -> tuple[WanInfo | None, list[Diagnostic]]:
    spec = video.spec
    v = spec.video
    if v.engine != "wan":
        return None, []
    facts = model_facts(v.model) if model_facts is not None else None
    if facts and "error" in facts:
        return None, [
            video.diagnostic(
                ("video", "model"),
                "E_MODEL",
                facts["error"],
                "name a Wan -Diffusers model folder or a hub id in the local cache",
            )
        ]
    if facts is None and ABSOLUTE.match(v.model) and model_facts is not None:
        return None, [
            video.diagnostic(
                ("video", "model"),
                "E_MODEL",
                f"model folder `{v.model}` does not exist",
                "point video.model at a folder holding a diffusers Wan model",
            )
        ]
    if facts:
        seen[v.model] = {"class": facts.get("class_name"), "configs": facts.get("configs_sha256")}
    info = costs.wan_info(v.model, facts)
    return info, _check_options(video, scenes, info, hw, costs)


def _check_options(
    video: LoadedVideo, scenes: list[Scene] | None, info: WanInfo, hw: Hardware, costs: CostModel
) -> list[Diagnostic]:
    return (
        _check_pipeline(video, scenes, info)
        + _check_sizes(video, info)
        + _check_speed(video, hw)
        + _check_parallel(video, info, hw, costs)
    )


def _check_pipeline(video: LoadedVideo, scenes: list[Scene] | None, info: WanInfo) -> list[Diagnostic]:
    """What the pipeline can do with the scenes, and the settings of a second expert."""
    spec = video.spec
    out: list[Diagnostic] = []
    v = spec.video
    name, kind = v.model, info.kind
    what = f"`{name}` ({KIND_WORDS[kind]}, {info.experts} expert{'s' if info.experts > 1 else ''})"
    if kind == "i2v":
        starts = [i for i, s in enumerate(scenes or [], 1) if not (s.asset and is_start_image(s.asset))]
        if v.continuity == "cut" and _chunks_per_scene(spec, info) > 1:
            out.append(
                video.diagnostic(
                    ("video", "continuity"),
                    "E_MODEL_CAPABILITY",
                    f"{what} makes every chunk from an image, but with `continuity: cut` the chunks after a scene's "
                    "first have none",
                    "use `continuity: extend` (each chunk starts from the previous one's last frame)",
                )
            )
        if starts:
            out.append(
                video.diagnostic(
                    ("video", "model"),
                    "E_MODEL_CAPABILITY",
                    f"{what} cannot start a scene from text alone: scene{'s' if len(starts) > 1 else ''} "
                    f"{', '.join(map(str, starts))} {'have' if len(starts) > 1 else 'has'} no start image",
                    "give each scene `asset: its-first-frame.png`, or use a text-to-video or TI2V model "
                    "(e.g. Wan-AI/Wan2.2-TI2V-5B-Diffusers)",
                )
            )
    if v.continuity == "extend" and kind == "t2v":
        out.append(
            video.diagnostic(
                ("video", "continuity"),
                "W_CONTINUITY",
                f"`{name}` is a text-to-video model: with `continuity: extend` its chunks cannot start from the "
                "previous chunk's last frame and are generated independently",
                severity="warning",
                hint="use an image-to-video, TI2V or VACE model (e.g. Wan-AI/Wan2.2-TI2V-5B-Diffusers), or `continuity: cut`",
            )
        )
    # -- two experts --------------------------------------------------------------------------------
    for key in ("cfg_2", "boundary_ratio"):
        if getattr(v, key) is not None and info.experts < 2:
            out.append(
                video.diagnostic(
                    ("video", key),
                    "E_INVALID",
                    f"video.{key} sets the low-noise expert of a two-expert Wan2.2 A14B model; {what} has one transformer",
                    "remove it, or use Wan-AI/Wan2.2-T2V-A14B-Diffusers / Wan-AI/Wan2.2-I2V-A14B-Diffusers",
                )
            )
    return out


def _check_sizes(video: LoadedVideo, info: WanInfo) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    v = video.spec.video
    name = v.model
    m = info.size_multiple
    res = v.resolution
    if m != 16 and res and res not in WAN_SIZES:
        w_h = re.fullmatch(r"(\d+)x(\d+)", res.strip())
        if w_h and (int(w_h.group(1)) % m or int(w_h.group(2)) % m):
            w, h = (max(m, round(int(x) / m) * m) for x in w_h.groups())
            out.append(
                video.diagnostic(
                    ("video", "resolution"),
                    "E_RESOLUTION",
                    f"`{name}` needs width and height in multiples of {m} (its VAE compresses 16x), got `{res}`",
                    f"the nearest that works is {w}x{h}",
                )
            )
    return out


def _check_speed(video: LoadedVideo, hw: Hardware) -> list[Diagnostic]:
    """Step caches and the GPU-only speed options."""
    out: list[Diagnostic] = []
    v = video.spec.video
    if v.cache_threshold is not None and v.cache not in ("first_block", "magcache"):
        out.append(
            video.diagnostic(
                ("video", "cache_threshold"),
                "E_INVALID",
                f"video.cache_threshold applies to first_block and magcache, not `{v.cache}`",
                "remove it, or set `cache: first_block` or `cache: magcache`",
            )
        )
    if v.cache_interval is not None and v.cache != "taylorseer":
        out.append(
            video.diagnostic(
                ("video", "cache_interval"),
                "E_INVALID",
                f"video.cache_interval applies to taylorseer, not `{v.cache}`",
                "remove it, or set `cache: taylorseer`",
            )
        )
    if v.cache != "none" and v.steps < 3:
        out.append(
            video.diagnostic(
                ("video", "cache"),
                "W_SPEED_OPTION",
                f"a step cache saves nothing at {v.steps} steps",
                severity="warning",
                hint="use `cache: none` below 3 steps",
            )
        )
    if hw.devices and not hw.gpus() and (v.compile != "none" or v.precision != "bf16"):
        used = [f"{k}: {getattr(v, k)}" for k in ("compile", "precision") if getattr(v, k) not in ("none", "bf16")]
        out.append(
            video.diagnostic(
                ("video", "compile" if v.compile != "none" else "precision"),
                "W_SPEED_OPTION",
                f"{' and '.join(used)} apply on GPUs; the hardware profile `{hw.name}` has only CPU devices, which run "
                "fp32 without compiling",
                severity="warning",
                hint="plan with a GPU profile (--hardware) to use them",
            )
        )
    return out


def _check_parallel(video: LoadedVideo, info: WanInfo, hw: Hardware, costs: CostModel) -> list[Diagnostic]:
    """A context-parallel group's size against the heads, the tokens, the cache and the devices."""
    out: list[Diagnostic] = []
    spec = video.spec
    v = spec.video
    name = v.model
    if isinstance(v.parallel, int):
        n = v.parallel
        able = len(
            [d for d in hw.devices if d.kind == "cpu" or d.vram_gb >= costs.wan_vram_gb(name, v.offload, v.precision)]
        )
        divisors = [d for d in range(2, min(info.heads, 8) + 1) if info.heads % d == 0]
        if v.cache in ("first_block", "magcache"):
            out.append(
                video.diagnostic(
                    ("video", "parallel"),
                    "E_PARALLEL",
                    f"`cache: {v.cache}` decides on each rank from its own slice of the frames, so a context-parallel "
                    "group's ranks would disagree and stop",
                    "use `cache: taylorseer` or `cache: none` with `parallel`",
                )
            )
        elif n < 2 or info.heads % n:
            out.append(
                video.diagnostic(
                    ("video", "parallel"),
                    "E_PARALLEL",
                    f"a context-parallel group of {n} needs a Ulysses degree that divides the model's {info.heads} "
                    "attention heads",
                    f"use {' or '.join(map(str, divisors)) or 'off'}, or `parallel: auto`",
                )
            )
        elif _tokens(spec, info) % n:
            out.append(
                video.diagnostic(
                    ("video", "parallel"),
                    "E_PARALLEL",
                    f"a context-parallel group of {n} splits the chunk's {_tokens(spec, info)} tokens (latent frames x "
                    f"patches) evenly, and {n} does not divide them",
                    "change the resolution or frames_per_chunk, or the group",
                )
            )
        elif n > able:
            out.append(
                video.diagnostic(
                    ("video", "parallel"),
                    "E_PARALLEL",
                    f"a context-parallel group of {n} needs {n} devices that hold the model; the hardware profile "
                    f"`{hw.name}` has {able}",
                    "use a smaller group, `parallel: auto`, or a bigger --hardware profile",
                )
            )
    return out


def _tokens(spec: VideoSpec, info: WanInfo) -> int:
    from .lower import export_settings, wan_tokens

    p = export_settings(spec)
    width, height = wan_size(spec, p["height"] > p["width"], info)
    return wan_tokens(width, height, wan_settings(spec, info)[1], info)


def _chunks_per_scene(spec: VideoSpec, info: WanInfo) -> int:
    fps, frames = wan_settings(spec, info)
    longest = spec.script.scene_seconds[1]
    return max(1, -(-int(longest * 1000) // int(frames / fps * 1000)))


def wan_plan_notes(spec: VideoSpec, costs: CostModel, info: WanInfo | None) -> list[str]:
    """What the plan tells a person about the wan model and what each speed option changes."""
    if info is None:
        return []
    v = spec.video
    from .lower import export_settings

    p = export_settings(spec)
    width, height = wan_size(spec, p["height"] > p["width"], info)
    fps, frames = wan_settings(spec, info)
    est, load, need, notes = wan_estimate(spec, costs, info, width, height, frames)
    experts = (
        f"{info.experts} experts (boundary {v.boundary_ratio or info.boundary_ratio})"
        if info.experts > 1
        else "1 expert"
    )
    source = info.source
    if costs.profile.get("measured"):
        source += f"; measured profile {costs.profile['name']} ({costs.profile.get('device')}, {costs.profile.get('measured_on')})"
    head = (
        f"wan {v.model}: {KIND_WORDS[info.kind]}, {experts}, {info.heads} heads (figures: {source}); "
        f"{width}x{height}, {frames} frames at {fps} fps, {v.steps} steps"
    )
    parallel = {"auto": "auto (a context-parallel group when GPUs would idle)", "off": "off"}.get(
        str(v.parallel), f"groups of {v.parallel}"
    )
    return [
        head,
        *notes,
        f"chunk ~{est / 1000:.1f}s at speed 1.0 (offload {v.offload}); model load ~{load / 1000:.0f}s per lane; "
        f"VRAM {need:g} GB ({v.precision}); parallel {parallel}",
    ]
