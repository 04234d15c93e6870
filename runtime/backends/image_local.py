"""One picture from a local diffusers text-to-image pipeline (`AutoPipelineForText2Image`: FLUX,
SDXL-Turbo, SD3.5, Qwen-Image, any model folder it can load), never downloading.

The model is a folder (relative to the project, or absolute) or a Hugging Face hub id already in
the local cache. A worker loads it once and keeps it for every later picture of the same model,
device and precision. Heavy imports (torch, diffusers) happen here, never at module import."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from vidc.runtime.media.hub_cache import find_model, is_hub_id

from .base import BackendError


def model_folder(model: str, project_dir: Path) -> Path:
    """The folder holding model_index.json; a one-line error with the fix when there is none."""
    folder = find_model(model, project_dir, "model_index.json").folder if model.strip() else None
    if folder is None or not (folder / "model_index.json").is_file():
        how = (
            f"download it on a machine with internet (`hf download {model}`) and copy it into the Hugging Face cache"
            if is_hub_id(model)
            else "point video.image.model at a diffusers folder (one with model_index.json)"
        )
        raise BackendError(f"text-to-image model `{model}` is not on this machine; {how}")
    return folder


def revision(folder: Path) -> str:
    """What identifies the model's version: its hub snapshot's commit, else a hash of its model_index.json."""
    if folder.parent.name == "snapshots":
        return folder.name
    return "sha256:" + hashlib.sha256((folder / "model_index.json").read_bytes()).hexdigest()[:16]


class PipelineCache:
    """The last pipeline loaded, by (folder, device, precision)."""

    def __init__(self) -> None:
        self.key: tuple[str, str, str] | None = None
        self.pipe: Any = None
        self.loads = 0

    def get(self, folder: Path, device: str, precision: str) -> Any:
        key = (str(folder), device, precision)
        if self.key != key:
            self.pipe = None  # free the old one first
            self.pipe = _load(folder, device, precision)
            self.key = key
            self.loads += 1
        return self.pipe


def _load(folder: Path, device: str, precision: str) -> Any:
    import torch
    from diffusers import AutoPipelineForText2Image
    from diffusers.utils import deprecation_utils

    dtype = torch.float32 if device == "cpu" or precision == "fp32" else torch.bfloat16
    kw = (
        {"dtype": dtype} if hasattr(deprecation_utils, "_resolve_dtype") else {"torch_dtype": dtype}
    )  # diffusers >= 0.36
    try:
        pipe = AutoPipelineForText2Image.from_pretrained(str(folder), local_files_only=True, **kw)
    except (OSError, ValueError, KeyError) as exc:
        raise BackendError(
            f"text-to-image model at {folder} cannot be loaded by AutoPipelineForText2Image: {str(exc)[:200]}"
        ) from exc
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generate(pipe: Any, p: Any) -> dict[str, Any]:
    """One picture at the task's size, seed, steps and guidance: {"png": bytes, "size": (w, h)}."""
    import torch

    kwargs: dict[str, Any] = {
        "prompt": p.prompt,
        "width": p.width,
        "height": p.height,
        "num_inference_steps": p.steps,
        "guidance_scale": p.cfg,
        "generator": torch.Generator(device="cpu").manual_seed(p.seed),
        "output_type": "pil",
    }
    if p.negative_prompt and p.cfg > 1:
        kwargs["negative_prompt"] = p.negative_prompt
    try:
        image = pipe(**kwargs).images[0]
    except torch.cuda.OutOfMemoryError as exc:
        raise BackendError(
            f"scene {p.scene}, picture {p.picture}: out of GPU memory at {p.width}x{p.height}; "
            "lower video.image.size or use a smaller model"
        ) from exc
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG")
    return {"png": out.getvalue(), "size": image.size}
