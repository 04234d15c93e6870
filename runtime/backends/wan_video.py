"""`wan`: one video chunk from Wan2.1 through diffusers (one task = one chunk of a scene).

The pipeline is loaded lazily on a worker's first chunk and kept for every later chunk of the same
model (see wan_pipeline.PipelineCache); each chunk only swaps the scheduler (sampler, flow shift) and
seeds a generator. Outputs, in ctx.out:

- `frames.mkv`: every generated frame, losslessly encoded (FFV1, RGB) at `fps`;
- `last_frame.png`: the last frame, which the next chunk of the scene conditions on when
  `continuity: extend` (role `prev`).

Continuity depends on the model (model_index.json's pipeline class): an I2V model takes the previous
last frame as `image=`; a VACE model keeps it as its first frame (black mask) and generates the rest
(white mask); a T2V-only model (e.g. Wan2.1-T2V-1.3B) cannot condition on a frame, so the chunk is
generated from the prompt alone and the result carries a warning. A conditioned chunk starts with a
re-rendering of the previous last frame: `overlap_frames` in the result says so (1), so the assembler
may drop it.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


from vidc.schemas.catalog import Facts, Needs, Problem

from .base import Backend, BackendError, TaskContext, run_tool
from .wan_pipeline import PipelineCache, resolve_model, make_scheduler


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


class WanVideo(Backend):
    name: ClassVar[str] = "wan"
    stage: ClassVar[str] = "video"
    version: ClassVar[str] = "1"
    Params: ClassVar[type[BaseModel]] = WanParams
    selectable: ClassVar[bool] = True
    needs: ClassVar[Needs] = Needs(device="device", model=True)
    # Pipelines that need a frame to start from: they cannot make a scene's first chunk.
    FRAME_ONLY: ClassVar[tuple[str, ...]] = ("WanImageToVideoPipeline",)

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        model = params.get("model", "")
        found = facts.models.get(model) if facts.models is not None else None
        out: list[Problem] = []
        by_name = any(tag in model.lower() for tag in ("i2v", "flf2v"))
        if found is not None and not found.found:
            out.append(Problem("model", "W_MODEL_NOT_FOUND", f"Wan model `{model}` is not on this machine "
                               "(no such folder, no Hugging Face cache entry); the build will stop at its first chunk",
                               "download it first, or point video.model at a local -Diffusers folder",
                               severity="warning"))
        kind = found.class_name if found is not None and found.class_name else None
        if params.get("chunk") == 1 and (kind in cls.FRAME_ONLY or (kind is None and by_name)):
            what = f"a `{kind}`" if kind else "an image-to-video model"
            out.append(Problem("model", "E_MODEL_KIND", f"`{model}` is {what}: it needs a frame to start from, "
                               "and a scene's first chunk has none",
                               "use a text-to-video model (e.g. Wan-AI/Wan2.1-T2V-1.3B-Diffusers) or a VACE model, "
                               "which can start from the prompt alone"))
        return out

    def __init__(self) -> None:
        self.device = "cpu"
        self.cache = PipelineCache()

    def setup(self, device: str) -> None:
        # Nothing heavy: the pipeline depends on the task's `model`, so it is loaded on the first run.
        self.device = device or "cpu"

    # -- one chunk -------------------------------------------------------------------------------
    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        p = params if isinstance(params, WanParams) else WanParams.model_validate(params)
        ref = resolve_model(p.model, ctx.project_dir)
        device = ctx.device or self.device
        t_load = time.perf_counter()
        loads_before = self.cache.loads
        loaded = self.cache.get(ref, device, p.offload)
        if self.cache.loads != loads_before:
            ctx.log(
                f"wan: loaded {ref.spec} ({ref.kind}) on {device} as {_dtype_name(loaded.dtype)}, "
                f"offload={p.offload}, in {time.perf_counter() - t_load:.1f} s"
            )

        import numpy as np
        import torch
        from PIL import Image

        warnings: list[str] = list(loaded.notes)
        prev_image = None
        if p.continuity == "extend" and "prev" in ctx.inputs:
            last = Path(ctx.inputs["prev"]) / "last_frame.png"
            if not last.is_file():
                raise BackendError(
                    f"scene {p.scene} chunk {p.chunk}: the previous chunk left no {last.name} in {last.parent}; "
                    f"rebuild it (delete its output) so that `continuity: extend` has a frame to continue from"
                )
            prev_image = Image.open(last).convert("RGB")
            if prev_image.size != (p.width, p.height):
                prev_image = prev_image.resize((p.width, p.height), Image.Resampling.LANCZOS)

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
        if ref.kind == "i2v":
            if prev_image is None:
                raise BackendError(
                    f"scene {p.scene} chunk {p.chunk}: {ref.spec} is an image-to-video model and needs the previous "
                    f"chunk's last frame, which this chunk does not have (first chunk, or `continuity: cut`). "
                    f"Fix: use a text-to-video or VACE model (e.g. Wan-AI/Wan2.1-T2V-14B-Diffusers, "
                    f"Wan-AI/Wan2.1-VACE-1.3B-diffusers)"
                )
            kwargs["image"] = prev_image
            conditioned = True
        elif ref.kind == "vace" and prev_image is not None:
            gray = Image.new("RGB", (p.width, p.height), (128, 128, 128))
            keep, make = Image.new("L", (p.width, p.height), 0), Image.new("L", (p.width, p.height), 255)
            kwargs["video"] = [prev_image] + [gray] * (p.num_frames - 1)
            kwargs["mask"] = [keep] + [make] * (p.num_frames - 1)
            conditioned = True
        elif ref.kind == "t2v" and prev_image is not None:
            warnings.append(
                f"{ref.spec} is text-to-video only: chunk {p.chunk} of scene {p.scene} was generated without "
                f"continuing from the previous chunk (use a VACE or I2V model for `continuity: extend`)"
            )
        if ref.kind == "vace" and not conditioned:
            mode = "t2v"

        loaded.pipe.scheduler = make_scheduler(loaded, p.sampler, p.flow_shift)
        gen_device = "cpu" if device == "cpu" else str(torch.device(device))
        generator = torch.Generator(device=gen_device).manual_seed(p.seed & 0xFFFF_FFFF_FFFF_FFFF)

        t0 = time.perf_counter()
        try:
            with torch.no_grad():
                out = loaded.pipe(generator=generator, **kwargs)
        except torch.cuda.OutOfMemoryError as exc:  # type: ignore[attr-defined]
            raise BackendError(
                f"scene {p.scene} chunk {p.chunk}: out of GPU memory at {p.width}x{p.height}x{p.num_frames} "
                f"({exc}). Fix: set video.offload to model (or sequential), or lower the resolution or frames_per_chunk"
            ) from exc
        seconds = time.perf_counter() - t0

        frames = np.asarray(out.frames[0])
        if frames.ndim != 4 or frames.shape[-1] != 3:
            raise BackendError(f"wan returned frames of shape {frames.shape}, expected (frames, height, width, 3)")
        if frames.dtype != np.uint8:
            frames = (np.clip(frames, 0.0, 1.0) * 255).round().astype(np.uint8)
        n, h, w, _ = frames.shape

        _encode_lossless(frames, p.fps, ctx.out / "frames.mkv")
        _save_png(frames[-1], ctx.out / "last_frame.png")
        probe = _probe(ctx.out / "frames.mkv")
        if probe["frames"] != n:
            raise BackendError(f"frames.mkv holds {probe['frames']} frames, but {n} were generated")
        for w_ in warnings:
            ctx.log(f"wan: warning: {w_}")
        return {
            "frames": probe["frames"],
            "fps": p.fps,
            "width": probe["width"],
            "height": probe["height"],
            "device": device,
            "dtype": _dtype_name(loaded.dtype),
            "seconds": round(seconds, 3),
            "mode": mode,
            "conditioned": conditioned,
            "overlap_frames": 1 if conditioned else 0,
            "warnings": warnings,
        }


def _dtype_name(dtype: Any) -> str:
    return str(dtype).replace("torch.", "")


def _encode_lossless(frames: Any, fps: int, dest: Path) -> None:
    """rgb24 frames -> FFV1 (bgr0, lossless) in Matroska, written atomically."""
    from vidc.runtime.media.wav import atomic_path

    n, h, w, _ = frames.shape
    with atomic_path(dest) as tmp:
        argv = [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0",
            "-an", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
            "-f", "matroska", str(tmp),
        ]  # fmt: skip
        run_tool(argv, stdin=frames.tobytes(), what=f"ffmpeg (encoding {dest.name})")


def _save_png(frame: Any, dest: Path) -> None:
    from PIL import Image

    from vidc.runtime.media.wav import atomic_path

    with atomic_path(dest) as tmp:
        Image.fromarray(frame, "RGB").save(tmp, format="PNG")


def _probe(path: Path) -> dict[str, int]:
    argv = [
        "ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
        "-show_entries", "stream=nb_read_packets,width,height", "-of", "json", str(path),
    ]  # fmt: skip
    proc = run_tool(argv, what=f"ffprobe (reading {path.name})")
    stream = json.loads(proc.stdout)["streams"][0]
    return {"frames": int(stream["nb_read_packets"]), "width": int(stream["width"]), "height": int(stream["height"])}
