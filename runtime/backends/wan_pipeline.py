"""Finding, loading and caching diffusers Wan2.1 pipelines for the `wan` backend.

Nothing here downloads: a model is a local folder (a diffusers `-Diffusers` repository laid out on
disk) or a Hugging Face hub id that is already in the local cache. Heavy imports (torch, diffusers,
transformers) happen inside the functions, never at module import.

A model folder's `model_index.json` names its pipeline class, which decides what a chunk can do:

| `_class_name`              | kind  | cut chunk             | extend chunk (previous last frame)        |
|----------------------------|-------|-----------------------|-------------------------------------------|
| `WanPipeline`              | t2v   | text-to-video         | text-to-video, with a warning in the result |
| `WanImageToVideoPipeline`  | i2v   | error (needs a frame) | `image=` last frame                        |
| `WanVACEPipeline`          | vace  | text-to-video         | first frame kept (black mask), rest generated |
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidc.runtime.media.hub_cache import cached_snapshot, hf_hub_cache

from .base import BackendError

KINDS = {"WanPipeline": "t2v", "WanImageToVideoPipeline": "i2v", "WanVACEPipeline": "vace"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ModelRef:
    spec: str  # as written in the params
    path: Path  # the local folder holding model_index.json
    kind: str  # t2v | i2v | vace
    hub_id: str | None = None


def _download_hint(repo_id: str) -> str:
    return (
        f"on a machine with internet run `huggingface-cli download {repo_id}` (or `hf download {repo_id}`) and copy "
        f"its cache folder models--{repo_id.replace('/', '--')} into {hf_hub_cache()} here (or set HF_HOME), "
        f"or download it into a folder and set video.model to that folder"
    )


def resolve_model(model: str, project_dir: Path) -> ModelRef:
    """A model folder (relative to the project) or a cached hub id -> ModelRef; never downloads."""
    if not model or not model.strip():
        raise BackendError("video.model is empty: name a Wan2.1 -Diffusers hub id or a local model folder")
    given = Path(model).expanduser()
    folder = given if given.is_absolute() else Path(project_dir) / given
    hub_id = None
    if not folder.is_dir():
        if _HUB_ID.match(model) and not model.startswith("."):
            hub_id = model
            snap = cached_snapshot(model, "model_index.json")
            if snap is None:
                raise BackendError(
                    f"Wan weights for `{model}` are not on this machine: there is no folder {folder} and no "
                    f"Hugging Face cache entry in {hf_hub_cache()} (vidc never downloads models). Fix: "
                    + _download_hint(model)
                )
            folder = snap
        else:
            raise BackendError(
                f"Wan model folder {folder} does not exist: point video.model at a folder holding a diffusers "
                f"Wan2.1 model (model_index.json, transformer/, vae/, text_encoder/, tokenizer/, scheduler/), "
                f"e.g. one made by `huggingface-cli download Wan-AI/Wan2.1-T2V-1.3B-Diffusers --local-dir DIR`"
            )
    index = folder / "model_index.json"
    if not index.is_file():
        raise BackendError(
            f"{folder} is not a diffusers model folder (no model_index.json): download the `-Diffusers` "
            f"variant of the model, e.g. Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
        )
    try:
        cls = json.loads(index.read_text(encoding="utf-8")).get("_class_name", "")
    except (OSError, ValueError) as exc:
        raise BackendError(f"cannot read {index}: {exc}; re-download the model") from exc
    if cls not in KINDS:
        raise BackendError(
            f"{folder} holds a `{cls}`, not a Wan2.1 pipeline vidc can run ({', '.join(KINDS)}): "
            f"use a Wan2.1 T2V, I2V or VACE -Diffusers model"
        )
    return ModelRef(spec=model, path=folder.resolve(), kind=KINDS[cls], hub_id=hub_id)


def _dtype_kw(lib: str, dtype: Any) -> dict[str, Any]:
    """`dtype=` where the installed library has it (diffusers >= 0.36, transformers >= 4.56), else `torch_dtype=`."""
    if lib == "diffusers":
        from diffusers.utils import deprecation_utils

        new = hasattr(deprecation_utils, "_resolve_dtype")
    else:
        import transformers

        major, minor = (int(x) for x in re.findall(r"\d+", transformers.__version__)[:2])
        new = (major, minor) >= (4, 56)
    return {"dtype": dtype} if new else {"torch_dtype": dtype}


def pick_dtype(device: str) -> Any:
    """bfloat16 on a CUDA device that supports it, float32 otherwise (CPU, older GPUs)."""
    import torch

    if device.startswith("cuda") and torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def check_device(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise BackendError(
                f"this worker was given device {device} but torch sees no CUDA GPU (torch {torch.__version__}): "
                f"install a CUDA build of torch, or plan with a CPU-only hardware profile"
            )
        index = torch.device(device).index or 0
        if index >= torch.cuda.device_count():
            raise BackendError(f"device {device} does not exist: torch sees {torch.cuda.device_count()} GPU(s)")
    elif device != "cpu":
        raise BackendError(f"unknown device {device!r}: expected cpu, cuda or cuda:N")


@dataclass
class LoadedPipeline:
    ref: ModelRef
    pipe: Any
    device: str
    dtype: Any
    offload: str
    base_scheduler_config: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def execution_device(self) -> str:
        return self.device


def load_pipeline(ref: ModelRef, device: str, offload: str) -> LoadedPipeline:
    os.environ["HF_HUB_OFFLINE"] = "1"  # belt and braces: every from_pretrained below is local_files_only too
    check_device(device)
    import torch
    from diffusers import AutoencoderKLWan, WanImageToVideoPipeline, WanPipeline, WanVACEPipeline

    cls = {"t2v": WanPipeline, "i2v": WanImageToVideoPipeline, "vace": WanVACEPipeline}[ref.kind]
    dtype = pick_dtype(device)
    notes: list[str] = []
    try:
        vae = AutoencoderKLWan.from_pretrained(
            ref.path, subfolder="vae", local_files_only=True, **_dtype_kw("diffusers", torch.float32)
        )
        extra: dict[str, Any] = {}
        if ref.kind == "i2v":
            from transformers import CLIPVisionModel

            extra["image_encoder"] = CLIPVisionModel.from_pretrained(
                ref.path, subfolder="image_encoder", local_files_only=True, **_dtype_kw("transformers", torch.float32)
            )
        pipe = cls.from_pretrained(ref.path, vae=vae, local_files_only=True, **_dtype_kw("diffusers", dtype), **extra)
    except BackendError:
        raise
    except (OSError, ValueError, EnvironmentError) as exc:
        hint = _download_hint(ref.hub_id) if ref.hub_id else "download the complete model folder again"
        raise BackendError(f"cannot load the Wan model from {ref.path}: {exc}. Fix: {hint}") from exc
    if device == "cpu":
        if offload != "none":
            notes.append(f"offload={offload} ignored on cpu")
        pipe.to("cpu")
    elif offload == "model":
        pipe.enable_model_cpu_offload(device=device)
        pipe.vae.enable_tiling()
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
        pipe.vae.enable_tiling()
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return LoadedPipeline(
        ref=ref,
        pipe=pipe,
        device=device,
        dtype=dtype,
        offload=offload,
        base_scheduler_config=dict(pipe.scheduler.config),
        notes=notes,
    )


def make_scheduler(loaded: LoadedPipeline, sampler: str, flow_shift: float) -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler

    if sampler == "euler":
        # from_config keeps what the two schedulers share (num_train_timesteps ...) and drops the rest,
        # so this works whether the model folder ships a flow-match Euler or a UniPC scheduler config.
        return FlowMatchEulerDiscreteScheduler.from_config(loaded.base_scheduler_config, shift=float(flow_shift))
    if sampler == "unipc":
        return UniPCMultistepScheduler(
            prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000, flow_shift=float(flow_shift)
        )
    raise BackendError(f"unknown sampler {sampler!r}: use euler or unipc")


class PipelineCache:
    """Keeps the last loaded pipeline of a worker (one model in GPU memory at a time).

    The key is (model folder, kind, device, offload); asking for another key frees the old one first.
    """

    def __init__(self) -> None:
        self._key: tuple[str, str, str, str] | None = None
        self._loaded: LoadedPipeline | None = None
        self.loads = 0  # how many times a pipeline was loaded (tests check it stays 1 across tasks)

    def get(self, ref: ModelRef, device: str, offload: str) -> LoadedPipeline:
        key = (str(ref.path), ref.kind, device, offload)
        if self._loaded is not None and self._key == key:
            return self._loaded
        self.clear()
        self._loaded = load_pipeline(ref, device, offload)
        self._key = key
        self.loads += 1
        return self._loaded

    def clear(self) -> None:
        if self._loaded is None:
            return
        self._loaded = None
        self._key = None
        import gc

        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # noqa: BLE001 - freeing memory is best effort
            pass
