"""A LoRA on a loaded Wan pipeline (`video.lora`: e.g. LightX2V's 4-step distillation), through
diffusers' `load_lora_weights` (which needs `peft`).

The LoRA is a `.safetensors` file of the project (`lora_file`), a folder holding one, or a hub id
already in the Hugging Face cache (`lora`; loaded offline). A Wan2.2 A14B pipeline gets it in both
experts (`load_into_transformer_2`). The pipeline keeps one LoRA at a time: a chunk asking for another
one (or none) unloads it first, so a worker's pipeline never carries an adapter a chunk did not ask for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import BackendError

ADAPTER = "vidc"


def lora_source(p: Any, project_dir: Path) -> tuple[str, str | None] | None:
    """(what load_lora_weights reads, weight_name) for the chunk's LoRA, or None."""
    if p.lora_file:
        path = (project_dir / p.lora_file).resolve()
        if not path.is_file():
            raise BackendError(f"video.lora: {p.lora_file} is not a file of the project")
        return str(path.parent), path.name
    if p.lora:
        local = project_dir / p.lora
        if local.is_dir():
            return str(local.resolve()), None
        return p.lora, None  # a hub id, read from the cache only (HF_HUB_OFFLINE is set by the loader)
    return None


def apply_lora(loaded: Any, p: Any, project_dir: Path) -> str | None:
    """Put the chunk's LoRA (or none) on the loaded pipeline; return a note for the log, or None."""
    want = lora_source(p, project_dir)
    key = (want, float(p.lora_scale)) if want is not None else None
    if getattr(loaded, "lora_key", None) == key:
        return None
    pipe = loaded.pipe
    if getattr(loaded, "lora_key", None) is not None:
        pipe.unload_lora_weights()
    loaded.lora_key = None
    if want is None:
        return None
    source, weight = want
    kwargs: dict[str, Any] = {"adapter_name": ADAPTER, "local_files_only": True}
    if weight is not None:
        kwargs["weight_name"] = weight
    try:
        pipe.load_lora_weights(source, **kwargs)
        if getattr(pipe, "transformer_2", None) is not None:
            pipe.load_lora_weights(source, load_into_transformer_2=True, **kwargs)
        pipe.set_adapters([ADAPTER], adapter_weights=[float(p.lora_scale)])
    except ImportError as exc:
        raise BackendError(f"video.lora needs the `peft` package: pip install peft ({exc})") from None
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BackendError(f"video.lora {p.lora_file or p.lora}: cannot load it: {type(exc).__name__}: {exc}") from None
    loaded.lora_key = key
    return f"wan: LoRA {p.lora_file or p.lora} at weight {p.lora_scale:g}"
