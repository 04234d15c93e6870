"""A distilled Wan (`video.lora`, e.g. LightX2V's 4-step Wan2.1/2.2 LoRAs): what its chunks' params
carry and what it does to their estimated time. Pure.

- A LoRA that is a `.safetensors` file is a project file (`lora_file`: its digest enters the chunk's
  fingerprint); a folder or a hub id is `lora` (resolved on the worker, offline).
- Few steps (4 unless `steps` says), guidance off (`cfg: 1.0`, so each step is one transformer pass
  instead of two) and the distilled checkpoints' flow shift (5.0).
- Time: the cost model scales a chunk by its steps; guidance off halves the denoising share of it.
"""

from __future__ import annotations

from typing import Any

from vidc.schemas.spec import VideoSpec
from vidc.schemas.video_server import DISTILLED_SHIFT


def lora_params(spec: VideoSpec) -> dict[str, Any]:
    """The chunk params of the spec's LoRA (none: nothing, so other plans keep their fingerprints)."""
    wv = spec.video
    if wv.lora is None:
        return {}
    key = "lora_file" if wv.lora.lower().endswith(".safetensors") else "lora"
    return {key: wv.lora, "lora_scale": wv.lora_scale}


def flow_shift(spec: VideoSpec, width: int, height: int) -> float:
    if spec.video.lora is not None:
        return DISTILLED_SHIFT
    return 3.0 if width * height <= 832 * 480 else 5.0  # Wan2.1's scheduler: 3.0 at 480P, 5.0 at 720P


def guidance_factor(spec: VideoSpec, denoise_share: float) -> tuple[float, list[str]]:
    """Guidance off (cfg <= 1: diffusers runs no unconditional pass) halves the denoising work."""
    wv = spec.video
    if wv.cfg > 1 or (wv.cfg_2 is not None and wv.cfg_2 > 1):
        return 1.0, []
    f = 1 - denoise_share / 2
    return f, [f"cfg {wv.cfg:g}: guidance off, one transformer pass per step -> x{f:.2f}"]
