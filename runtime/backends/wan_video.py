"""`wan`: one video chunk from Wan2.1 or Wan2.2 through diffusers (one task = one chunk of a scene).

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
may drop it. A TI2V-5B model makes text-to-video chunks and continues from a frame with its
image-to-video twin; a scene's `start_image` (its `asset:` image) starts its first chunk.

Speed options (the plan's video.cache / compile / precision) are applied to the loaded pipeline:
a diffusers step cache on every transformer (both A14B experts), regional compilation, fp8 storage.
MagCache needs its magnitude ratios per model, sampler and step count: the first chunk that asks
runs a short calibration (5 frames at the chunk's size, a fixed prompt and seed) and caches the
ratios in the work folder, so every chunk of every build uses the same ones.

A task whose descriptor names a `group` of devices runs as a context-parallel group: see wan_group.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from vidc.schemas.catalog import Facts, Needs, Problem

from .base import Backend, BackendError, TaskContext, run_tool
from .wan_chunk import WanParams, _dtype_name, _input_images, generate
from .wan_lora import apply_lora
from .wan_pipeline import PipelineCache, resolve_model

__all__ = ["WanParams", "WanVideo"]


class WanVideo(Backend):
    name: ClassVar[str] = "wan"
    stage: ClassVar[str] = "video"
    version: ClassVar[str] = "2"  # 2: Wan2.2, speed options, start images, groups
    Params: ClassVar[type[BaseModel]] = WanParams
    selectable: ClassVar[bool] = True
    file_params: ClassVar[tuple[str, ...]] = ("start_image", "lora_file")  # a first chunk's image; a LoRA file
    price_keys: ClassVar[tuple[str, ...]] = ("gpu",)  # rented by the device-second
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
            out.append(
                Problem(
                    "model",
                    "W_MODEL_NOT_FOUND",
                    f"Wan model `{model}` is not on this machine "
                    "(no such folder, no Hugging Face cache entry); the build will stop at its first chunk",
                    "download it first, or point video.model at a local -Diffusers folder",
                    severity="warning",
                )
            )
        kind = found.class_name if found is not None and found.class_name else None
        if (
            params.get("chunk") == 1
            and not params.get("start_image")
            and (kind in cls.FRAME_ONLY or (kind is None and by_name))
        ):
            what = f"a `{kind}`" if kind else "an image-to-video model"
            out.append(
                Problem(
                    "model",
                    "E_MODEL_KIND",
                    f"`{model}` is {what}: it needs a frame to start from, and a scene's first chunk has none",
                    "give the scene `asset: first-frame.png`, or use a text-to-video, TI2V or VACE model "
                    "(e.g. Wan-AI/Wan2.2-TI2V-5B-Diffusers), which can start from the prompt alone",
                )
            )
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
        prev_image, start_image = _input_images(ctx, p)
        group = list(getattr(ctx, "group", []) or [])
        if len(group) > 1:
            from .wan_group import run_group

            self.cache.clear()  # the group's rank on this lane's device needs its memory
            frames, info = run_group(group, ctx, p)
        else:
            t_load = time.perf_counter()
            loads_before = self.cache.loads
            loaded = self.cache.get(ref, device, p.offload, p.precision, p.compile)
            if self.cache.loads != loads_before:
                ctx.log(
                    f"wan: loaded {ref.spec} ({ref.kind}, {ref.experts} expert(s)) on {device} as "
                    f"{_dtype_name(loaded.dtype)}, offload={p.offload}, in {time.perf_counter() - t_load:.1f} s"
                )
            note = apply_lora(loaded, p, ctx.project_dir)
            if note:
                ctx.log(note)
            frames, info = generate(loaded, p, prev_image, start_image, ctx.cache_dir)
        n, h, w, _ = frames.shape
        _encode_lossless(frames, p.fps, ctx.out / "frames.mkv")
        _save_png(frames[-1], ctx.out / "last_frame.png")
        probe = _probe(ctx.out / "frames.mkv")
        if probe["frames"] != n:
            raise BackendError(f"frames.mkv holds {probe['frames']} frames, but {n} were generated")
        for w_ in info["warnings"]:
            ctx.log(f"wan: warning: {w_}")
        return {
            "frames": probe["frames"],
            "fps": p.fps,
            "width": probe["width"],
            "height": probe["height"],
            "device": device,
            **info,
        }


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
