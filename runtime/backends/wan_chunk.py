"""One wan chunk on a loaded pipeline: its parameters, its input images and the generation itself,
shared by the `wan` backend (one process) and the ranks of a context-parallel group (wan_group)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .base import BackendError, TaskContext
from .wan_pipeline import VRAM_NOTE, LoadedPipeline, pipeline_for
from .wan_sampling import apply_step_cache, cache_config, captured_magcache_ratios, make_scheduler


class WanParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="Hub id in the local HF cache, or a model folder (relative to the spec)")
    prompt: str
    negative_prompt: str = ""
    width: int = Field(ge=16, le=4096)
    height: int = Field(ge=16, le=4096)
    num_frames: int = Field(ge=1, le=1025, description="4k+1 frames")
    fps: int = Field(ge=1, le=120)
    steps: int = Field(8, ge=1, le=500)
    sampler: Literal["euler", "unipc"] = "euler"
    cfg: float = Field(3.5, ge=0, le=50)
    flow_shift: float = Field(3.0, gt=0, le=100)
    seed: int
    offload: Literal["none", "model", "sequential"] = "none"
    continuity: Literal["cut", "extend"] = "cut"
    chunk: int = Field(ge=0)
    scene: int = Field(ge=0)
    cfg_2: float | None = Field(None, ge=0, le=50, description="guidance of the low-noise expert (A14B)")
    boundary_ratio: float | None = Field(None, gt=0, lt=1)
    cache: Literal["none", "first_block", "taylorseer", "magcache"] = "none"
    cache_threshold: float | None = Field(None, gt=0, le=1)
    cache_interval: int | None = Field(None, ge=1)
    cache_warmup: int | None = Field(None, ge=0)
    compile: Literal["none", "regional"] = "none"
    precision: Literal["bf16", "fp8", "fp32"] = "bf16"
    start_image: str | None = Field(None, description="an image of the project that starts the scene's first chunk")
    start_image_sha256: str | None = None
    lora: str | None = Field(None, description="a LoRA folder (relative to the spec) or a cached hub id")
    lora_file: str | None = Field(None, description="a LoRA .safetensors file of the project")
    lora_file_sha256: str | None = None
    lora_scale: float = Field(1.0, gt=0, le=4)

    @field_validator("width", "height")
    @classmethod
    def _multiple_of_16(cls, v: int) -> int:
        if v % 16:
            raise ValueError(f"{v} is not a multiple of 16 (Wan needs width and height divisible by 16)")
        return v

    @field_validator("num_frames")
    @classmethod
    def _four_k_plus_one(cls, v: int) -> int:
        if (v - 1) % 4:
            raise ValueError(f"{v} frames: Wan makes 4k+1 frames (e.g. 81, 49, 17, 9)")
        return v


def _input_images(ctx: TaskContext, p: WanParams) -> tuple[Any, Any]:
    """(previous chunk's last frame, the scene's start image), each resized to the chunk, or None."""
    from PIL import Image

    prev_image = start_image = None
    if p.continuity == "extend" and "prev" in ctx.inputs:
        last = Path(ctx.inputs["prev"]) / "last_frame.png"
        if not last.is_file():
            raise BackendError(
                f"scene {p.scene} chunk {p.chunk}: the previous chunk left no {last.name} in {last.parent}; "
                f"rebuild it (delete its output) so that `continuity: extend` has a frame to continue from"
            )
        prev_image = Image.open(last).convert("RGB")
    if p.start_image:
        path = Path(ctx.project_dir) / p.start_image
        try:
            start_image = Image.open(path).convert("RGB")
        except OSError as exc:
            raise BackendError(f"scene {p.scene}: cannot read its start image {p.start_image}: {exc}") from exc
    fit = [
        im if im is None or im.size == (p.width, p.height) else im.resize((p.width, p.height), Image.Resampling.LANCZOS)
        for im in (prev_image, start_image)
    ]
    return fit[0], fit[1]


def generate(
    loaded: LoadedPipeline, p: WanParams, prev_image: Any, start_image: Any, cache_dir: Path | None
) -> tuple[Any, dict[str, Any]]:
    """Run one chunk on a loaded pipeline: (frames uint8 (n, h, w, 3), what the result records)."""
    import numpy as np

    ref = loaded.ref
    warnings: list[str] = list(loaded.notes)
    mod = _size_multiple(loaded)
    if p.width % mod or p.height % mod:
        raise BackendError(
            f"{ref.spec} makes sizes in multiples of {mod}; {p.width}x{p.height} is not one "
            f"(plan with `resolution: 720p`, which is 1280x704 for it)"
        )
    image = prev_image if prev_image is not None else start_image
    kwargs, mode, conditioned = _call_kwargs(loaded, p, image, warnings)
    out, computed = _run(loaded, p, kwargs, conditioned, cache_dir)
    # No wall time in the result (the journal has it): result.json is part of the object, whose hash
    # must depend on the inputs alone so that equal chunks deduplicate and descriptors stay stable.

    frames = np.asarray(out.frames[0])
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise BackendError(f"wan returned frames of shape {frames.shape}, expected (frames, height, width, 3)")
    if frames.dtype != np.uint8:
        frames = (np.clip(frames, 0.0, 1.0) * 255).round().astype(np.uint8)
    info = {
        "dtype": _dtype_name(loaded.dtype),
        "mode": mode,
        "conditioned": conditioned,
        "overlap_frames": 1 if conditioned and prev_image is not None else 0,
        "warnings": warnings,
        "experts": ref.experts,
        "cache": p.cache,
        "compiled": loaded.compiled,
        "precision": p.precision,
        # transformer passes whose last block ran: steps x guidance branches without a cache; fewer with one
        "block_passes": computed,
    }
    return frames, info


def _call_kwargs(
    loaded: LoadedPipeline, p: WanParams, image: Any, warnings: list[str]
) -> tuple[dict[str, Any], str, bool]:
    """The pipeline call's arguments for this chunk, the mode it runs in, and whether a frame conditions it."""
    from PIL import Image

    ref = loaded.ref
    kwargs: dict[str, Any] = dict(
        prompt=p.prompt,
        negative_prompt=p.negative_prompt or None,
        height=p.height,
        width=p.width,
        num_frames=p.num_frames,
        num_inference_steps=p.steps,
        guidance_scale=p.cfg,
        output_type="np",
    )
    mode, conditioned = ref.kind, False
    if ref.kind in ("i2v", "ti2v") and image is not None:
        kwargs["image"] = image
        mode, conditioned = "i2v", True
    elif ref.kind == "i2v":
        raise BackendError(
            f"scene {p.scene} chunk {p.chunk}: {ref.spec} is an image-to-video model and needs a frame to start "
            f"from, which this chunk does not have (first chunk of a scene without a start image, or "
            f"`continuity: cut`). Fix: give the scene `asset: first-frame.png`, or use a text-to-video or TI2V "
            f"model (e.g. Wan-AI/Wan2.2-TI2V-5B-Diffusers)"
        )
    elif ref.kind == "vace" and image is not None:
        gray = Image.new("RGB", (p.width, p.height), (128, 128, 128))
        keep, make = Image.new("L", (p.width, p.height), 0), Image.new("L", (p.width, p.height), 255)
        kwargs["video"] = [image] + [gray] * (p.num_frames - 1)
        kwargs["mask"] = [keep] + [make] * (p.num_frames - 1)
        conditioned = True
    elif ref.kind == "t2v" and image is not None:
        warnings.append(
            f"{ref.spec} is text-to-video only: chunk {p.chunk} of scene {p.scene} was generated without "
            f"starting from a frame (use a TI2V, VACE or I2V model for `continuity: extend` or a start image)"
        )
    if ref.kind == "vace" and not conditioned:
        mode = "t2v"
    if ref.kind == "ti2v" and not conditioned:
        mode = "t2v"
    if ref.experts == 2:
        kwargs["guidance_scale_2"] = p.cfg_2 if p.cfg_2 is not None else p.cfg
    elif p.cfg_2 is not None:
        warnings.append(f"cfg_2 ignored: {ref.spec} has one transformer")
    return kwargs, mode, conditioned


def _run(
    loaded: LoadedPipeline, p: WanParams, kwargs: dict[str, Any], conditioned: bool, cache_dir: Path | None
) -> tuple[Any, int | None]:
    """Set the scheduler and step cache, and run the pipeline: (its output, the block passes it computed)."""
    import torch

    ref = loaded.ref
    pipe = pipeline_for(loaded, conditioned and ref.kind == "ti2v")
    if ref.experts == 2:
        pipe.register_to_config(boundary_ratio=p.boundary_ratio or loaded.boundary_ratio)
    pipe.scheduler = make_scheduler(loaded, p.sampler, p.flow_shift)
    mag = _magcache_ratios(loaded, p, pipe, cache_dir) if p.cache == "magcache" else None
    apply_step_cache(loaded, p.cache, p.cache_threshold, p.cache_interval, p.cache_warmup, p.steps, mag)
    device = loaded.device
    gen_device = "cpu" if device == "cpu" else str(torch.device(device))
    generator = torch.Generator(device=gen_device).manual_seed(p.seed & 0xFFFF_FFFF_FFFF_FFFF)

    blocks = _count_block_calls(loaded)
    try:
        with torch.no_grad():
            out = pipe(generator=generator, **kwargs)
    except torch.cuda.OutOfMemoryError as exc:  # type: ignore[attr-defined]
        raise BackendError(
            f"scene {p.scene} chunk {p.chunk}: out of GPU memory at {p.width}x{p.height}x{p.num_frames} "
            f"({exc}). Fix: {VRAM_NOTE}"
        ) from exc
    finally:
        computed = blocks.close()
    return out, computed


def _size_multiple(loaded: LoadedPipeline) -> int:
    pipe = loaded.pipe
    spatial = int(getattr(pipe, "vae_scale_factor_spatial", 8) or 8)
    tr = loaded.transformers[0] if loaded.transformers else None
    patch = tr.config.patch_size[1] if tr is not None else 2
    return spatial * patch


class _count_block_calls:
    """Counts how often the last transformer block's feed-forward ran (a skipped step skips it)."""

    def __init__(self, loaded: LoadedPipeline):
        self.n: int | None = None if loaded.compiled else 0  # a hook inside a compiled region would recompile it
        self.hooks = (
            []
            if loaded.compiled
            else [
                tr.blocks[-1].ffn.register_forward_hook(self._hit)
                for tr in loaded.transformers
                if hasattr(tr, "blocks") and len(tr.blocks)
            ]
        )

    def _hit(self, *_: Any) -> None:
        self.n = (self.n or 0) + 1

    def close(self) -> int | None:
        for h in self.hooks:
            h.remove()
        self.hooks = []
        return self.n


def expert_steps(loaded: LoadedPipeline, pipe: Any, p: WanParams) -> list[int]:
    """Denoising steps each transformer runs: all for one expert; A14B's high-noise expert takes the
    timesteps at or above boundary_ratio x num_train_timesteps (as diffusers' Wan loop decides)."""
    if loaded.ref.experts == 1:
        return [p.steps]
    sched = pipe.scheduler
    sched.set_timesteps(p.steps)
    boundary = float(p.boundary_ratio or loaded.boundary_ratio or 0.0) * sched.config.num_train_timesteps
    high = sum(1 for t in sched.timesteps if float(t) >= boundary)
    return [high, p.steps - high]


def _magcache_key(loaded: LoadedPipeline, p: WanParams, split: list[int]) -> str:
    """The calibration's identity: model, configs, sampler, shift, steps, expert split, guidance, size, dtype."""
    return json.dumps(
        {
            "model": str(loaded.ref.path),
            "configs": _configs_digest(loaded.ref.path),
            "sampler": p.sampler,
            "shift": p.flow_shift,
            "steps": p.steps,
            "split": split,
            "cfg": p.cfg,
            "cfg_2": p.cfg_2,
            "size": [p.width, p.height],
            "dtype": _dtype_name(loaded.dtype),
        },
        sort_keys=True,
    )


def _read_magcache(path: Path | None, split: list[int]) -> list[tuple[int, list[float]]] | None:
    """The cached ratios at path, or None when there is no usable entry."""
    if path is None or not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["ratios"]
        return [(n, [float(x) for x in r]) for n, r in zip(split, saved)]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged cache entry is measured again


def _calibration_run(loaded: LoadedPipeline, p: WanParams, pipe: Any, split: list[int]) -> list[list[float]]:
    """Run the pipeline once with MagCache calibrating; the ratio lists it reported."""
    import torch

    apply_step_cache(loaded, "none", None, None, None, p.steps)
    for n, tr in zip(split, loaded.transformers):
        if n:
            tr.enable_cache(cache_config("magcache", None, None, None, n, calibrate=True))
    loaded.cache_key = ("magcache-calibrate",)
    gen_device = "cpu" if loaded.device == "cpu" else str(torch.device(loaded.device))
    extra = {"guidance_scale_2": p.cfg_2 if p.cfg_2 is not None else p.cfg} if loaded.ref.experts == 2 else {}
    try:
        with captured_magcache_ratios() as found, torch.no_grad():
            pipe(
                prompt="a calm landscape, soft light",
                height=p.height,
                width=p.width,
                num_frames=5,
                num_inference_steps=p.steps,
                guidance_scale=p.cfg,
                output_type="np",
                generator=torch.Generator(device=gen_device).manual_seed(0),
                **extra,
            )
    finally:
        apply_step_cache(loaded, "none", None, None, None, p.steps)
    return found


def _ratios_per_expert(loaded: LoadedPipeline, split: list[int], found: list[list[float]]) -> list[list[float]]:
    """One list per guidance branch per expert, in the order the experts finish (high-noise first);
    the conditional branch's list comes first: keep the conditional list of each expert that ran."""
    ratios: list[list[float]] = []
    runs = [n for n in split if n]
    per = max(1, len(found) // max(1, len(runs)))
    for k, n in enumerate(runs):
        got = found[k * per] if k * per < len(found) else []
        if len(got) != n:
            raise BackendError(
                f"magcache calibration of {loaded.ref.spec} gave no ratios for {n} steps; "
                f"use `cache: first_block` or `cache: taylorseer`"
            )
        ratios.append(got)
    return ratios


def _magcache_ratios(
    loaded: LoadedPipeline, p: WanParams, pipe: Any, cache_dir: Path | None
) -> list[tuple[int, list[float]]]:
    """MagCache's per-step magnitude ratios, per transformer, for this model, sampler, shift and step
    count: read from the work folder's cache, or measured once by a short calibration run and cached."""
    import hashlib

    split = expert_steps(loaded, pipe, p)
    key = _magcache_key(loaded, p, split)
    name = hashlib.sha256(key.encode()).hexdigest()[:24] + ".json"
    path = Path(cache_dir) / "wan-magcache" / name if cache_dir is not None else None
    cached = _read_magcache(path, split)
    if cached is not None:
        return cached
    found = _calibration_run(loaded, p, pipe, split)
    it = iter(_ratios_per_expert(loaded, split, found))
    out = [(n, next(it) if n else []) for n in split]
    if path is not None:
        from vidc.runtime.media.wav import atomic_path

        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            Path(tmp).write_text(
                json.dumps({"key": json.loads(key), "ratios": [r for _, r in out]}, sort_keys=True), encoding="utf-8"
            )
    return out


def _configs_digest(folder: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for part in ("model_index.json", "transformer/config.json", "scheduler/scheduler_config.json"):
        f = Path(folder) / part
        h.update(f.read_bytes() if f.is_file() else b"-")
    return h.hexdigest()[:16]


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")
