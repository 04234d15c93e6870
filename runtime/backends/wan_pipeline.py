"""Finding, loading and caching diffusers Wan2.1 / Wan2.2 pipelines for the `wan` backend.

Nothing here downloads: a model is a local folder (a diffusers `-Diffusers` repository laid out on
disk, relative to the project or absolute) or a Hugging Face hub id that is already in the local
cache. Heavy imports (torch, diffusers, transformers) happen inside the functions, never at module import.

A model folder's `model_index.json` names its pipeline class, which decides what a chunk can do:

| `_class_name` (+ config)                     | kind  | cut chunk             | extend chunk (previous last frame)        |
|----------------------------------------------|-------|-----------------------|-------------------------------------------|
| `WanPipeline`                                | t2v   | text-to-video         | text-to-video, with a warning in the result |
| `WanPipeline`, `expand_timesteps` (TI2V-5B)  | ti2v  | text-to-video         | image-to-video from the same weights       |
| `WanImageToVideoPipeline`                    | i2v   | needs a start image   | `image=` last frame                        |
| `WanVACEPipeline`                            | vace  | text-to-video         | first frame kept (black mask), rest generated |

Wan2.2 A14B folders add `transformer_2` (the low-noise expert) and `boundary_ratio`; both kinds t2v
and i2v can have two experts. A scene's `asset:` image, when given, starts its first chunk (i2v, ti2v, vace).
`model_facts` reads those configs (JSON only, no torch) so that the compiler can check a spec
against the model at plan time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidc.runtime.media.hub_cache import find_model, hf_hub_cache, is_hub_id

from .base import BackendError

KINDS = {"WanPipeline": "t2v", "WanImageToVideoPipeline": "i2v", "WanVACEPipeline": "vace"}
VRAM_NOTE = "set video.offload to model (or sequential), precision fp8, or lower the resolution or frames_per_chunk"


@dataclass(frozen=True)
class ModelRef:
    spec: str  # as written in the params
    path: Path  # the local folder holding model_index.json
    kind: str  # t2v | i2v | vace | ti2v
    hub_id: str | None = None
    experts: int = 1
    has_image_encoder: bool = False


def _download_hint(repo_id: str) -> str:
    return (
        f"on a machine with internet run `huggingface-cli download {repo_id}` (or `hf download {repo_id}`) and copy "
        f"its cache folder models--{repo_id.replace('/', '--')} into {hf_hub_cache()} here (or set HF_HOME), "
        f"or download it into a folder and set video.model to that folder"
    )


def resolve_model(model: str, project_dir: Path) -> ModelRef:
    """A model folder (relative to the project) or a cached hub id -> ModelRef; never downloads."""
    if not model or not model.strip():
        raise BackendError("video.model is empty: name a Wan -Diffusers hub id or a local model folder")
    found = find_model(model, project_dir, "model_index.json")
    hub_id = found.hub_id
    if found.folder is None:
        if hub_id is not None:
            raise BackendError(
                f"Wan weights for `{model}` are not on this machine: there is no folder {found.named} and no "
                f"Hugging Face cache entry in {hf_hub_cache()} (vidc never downloads models). Fix: "
                + _download_hint(model)
            )
        raise BackendError(
            f"Wan model folder {found.named} does not exist: point video.model at a folder holding a diffusers "
            f"Wan2.1 model (model_index.json, transformer/, vae/, text_encoder/, tokenizer/, scheduler/), "
            f"e.g. one made by `huggingface-cli download Wan-AI/Wan2.1-T2V-1.3B-Diffusers --local-dir DIR`"
        )
    folder = found.folder
    index = folder / "model_index.json"
    if not index.is_file():
        raise BackendError(
            f"{folder} is not a diffusers model folder (no model_index.json): download the `-Diffusers` "
            f"variant of the model, e.g. Wan-AI/Wan2.2-TI2V-5B-Diffusers"
        )
    try:
        config = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackendError(f"cannot read {index}: {exc}; re-download the model") from exc
    cls = config.get("_class_name", "")
    if cls not in KINDS:
        raise BackendError(
            f"{folder} holds a `{cls}`, not a Wan pipeline vidc can run ({', '.join(KINDS)}): "
            f"use a Wan2.1 T2V, I2V or VACE, or a Wan2.2 T2V/I2V-A14B or TI2V-5B -Diffusers model"
        )
    kind = KINDS[cls]
    if kind == "t2v" and config.get("expand_timesteps"):
        kind = "ti2v"
    experts = 2 if _component(config, "transformer_2") else 1
    return ModelRef(
        spec=model,
        path=folder.resolve(),
        kind=kind,
        hub_id=hub_id,
        experts=experts,
        has_image_encoder=_component(config, "image_encoder"),
    )


def _component(index: dict[str, Any], name: str) -> bool:
    value = index.get(name)
    return isinstance(value, list) and len(value) == 2 and value[0] is not None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def transformer_params_b(cfg: dict[str, Any]) -> float:
    """Billions of parameters of a WanTransformer3DModel from its config (attention, cross-attention, FFN)."""
    d = int(cfg.get("num_attention_heads", 40)) * int(cfg.get("attention_head_dim", 128))
    ffn, layers, text = int(cfg.get("ffn_dim", 13824)), int(cfg.get("num_layers", 40)), int(cfg.get("text_dim", 4096))
    per_block = 8 * d * d + 2 * d * ffn + 9 * d
    return (layers * per_block + text * d + d * d * 7) / 1e9


def model_facts(model: str, project_dir: Path) -> dict[str, Any] | None:
    """What the compiler may know about a wan model, from its configs (JSON only, never torch).

    None when the model is a hub id not cached here (the plan then uses the cost model's table);
    {"error": message} when the folder is there but is not a Wan pipeline vidc can run, or is missing.
    """
    try:
        ref = resolve_model(model, project_dir)
    except BackendError as exc:
        if is_hub_id(model) and not (Path(project_dir) / Path(model).expanduser()).exists():
            return None  # a hub id that is not cached here: plan from the table (built elsewhere, perhaps)
        return {"error": str(exc)}
    tcfg = _read_json(ref.path / "transformer" / "config.json")
    if not tcfg and ref.experts == 2:
        tcfg = _read_json(ref.path / "transformer_2" / "config.json")
    vcfg = _read_json(ref.path / "vae" / "config.json")
    ecfg = _read_json(ref.path / "text_encoder" / "config.json")
    index = _read_json(ref.path / "model_index.json")
    patch = tcfg.get("patch_size", [1, 2, 2])
    spatial = int(vcfg.get("scale_factor_spatial") or 8)
    d_model, d_ff, n_layers = (
        int(ecfg.get("d_model", 4096)),
        int(ecfg.get("d_ff", 10240)),
        int(ecfg.get("num_layers", 24)),
    )
    te_b = (
        n_layers * (4 * d_model * d_model + 3 * d_model * d_ff) + int(ecfg.get("vocab_size", 256384)) * d_model
    ) / 1e9
    digest = hashlib.sha256()
    for part in ("model_index.json", "transformer/config.json", "transformer_2/config.json", "vae/config.json"):
        digest.update(part.encode() + b"\0" + json.dumps(_read_json(ref.path / part), sort_keys=True).encode())
    return {
        "class_name": index.get("_class_name"),
        "kind": ref.kind,
        "experts": ref.experts,
        "boundary_ratio": index.get("boundary_ratio"),
        "expand_timesteps": bool(index.get("expand_timesteps")),
        "heads": int(tcfg.get("num_attention_heads", 40)),
        "layers": int(tcfg.get("num_layers", 40)),
        "params_b": round(transformer_params_b(tcfg), 6),
        "text_encoder_params_b": round(te_b, 6),
        "vae_spatial": spatial,
        "size_multiple": spatial * int(patch[1] if len(patch) > 1 else 2),
        "image_encoder": ref.has_image_encoder,
        "configs_sha256": digest.hexdigest()[:16],
    }


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


def pick_dtype(device: str, precision: str = "bf16") -> Any:
    """bfloat16 on a CUDA device that supports it (fp8 computes in it too), float16 on older GPUs,
    float32 on CPU or when asked for."""
    import torch

    if not device.startswith("cuda") or precision == "fp32" or not torch.cuda.is_available():
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


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
    precision: str = "bf16"
    compiled: bool = False
    boundary_ratio: float | None = None  # the folder's own
    cache_key: tuple | None = None  # the step cache now on the transformers
    i2v: Any = None  # TI2V-5B: the image-to-video pipeline over the same components, made on first use
    active: Any = None  # the pipeline offload hooks are set up for

    @property
    def execution_device(self) -> str:
        return self.device

    @property
    def transformers(self) -> list[Any]:
        return [
            t
            for t in (getattr(self.pipe, "transformer", None), getattr(self.pipe, "transformer_2", None))
            if t is not None
        ]


def load_pipeline(
    ref: ModelRef, device: str, offload: str, precision: str = "bf16", compile_: str = "none"
) -> LoadedPipeline:
    os.environ["HF_HUB_OFFLINE"] = "1"  # belt and braces: every from_pretrained below is local_files_only too
    check_device(device)
    from diffusers import WanImageToVideoPipeline, WanPipeline, WanVACEPipeline

    cls = {"t2v": WanPipeline, "ti2v": WanPipeline, "i2v": WanImageToVideoPipeline, "vace": WanVACEPipeline}[ref.kind]
    dtype = pick_dtype(device, precision)
    notes: list[str] = []
    pipe = _from_pretrained(ref, cls, dtype)
    loaded = LoadedPipeline(
        ref=ref,
        pipe=pipe,
        device=device,
        dtype=dtype,
        offload=offload,
        base_scheduler_config=dict(pipe.scheduler.config),
        notes=notes,
        precision=precision,
        boundary_ratio=getattr(pipe.config, "boundary_ratio", None),
    )
    _fp8_casting(loaded)
    if device == "cpu":
        if offload != "none":
            notes.append(f"offload={offload} ignored on cpu")
        pipe.to("cpu")
    else:
        _offload(pipe, device, offload)
    loaded.active = pipe
    if compile_ == "regional":
        if device == "cpu":
            notes.append("compile=regional ignored on cpu")
        else:  # the repeated WanTransformerBlock compiles once (diffusers' regional compilation)
            for tr in loaded.transformers:
                tr.compile_repeated_blocks(fullgraph=True)
            loaded.compiled = True
    pipe.set_progress_bar_config(disable=True)
    return loaded


def _from_pretrained(ref: ModelRef, cls: Any, dtype: Any) -> Any:
    """The pipeline of class cls from the local model folder (VAE in fp32, the rest in dtype)."""
    import torch
    from diffusers import AutoencoderKLWan

    try:
        vae = AutoencoderKLWan.from_pretrained(
            ref.path, subfolder="vae", local_files_only=True, **_dtype_kw("diffusers", torch.float32)
        )
        extra: dict[str, Any] = {}
        if ref.kind == "i2v" and ref.has_image_encoder:  # Wan2.1 I2V has a CLIP encoder; Wan2.2 I2V has none
            from transformers import CLIPVisionModel

            extra["image_encoder"] = CLIPVisionModel.from_pretrained(
                ref.path, subfolder="image_encoder", local_files_only=True, **_dtype_kw("transformers", torch.float32)
            )
        return cls.from_pretrained(ref.path, vae=vae, local_files_only=True, **_dtype_kw("diffusers", dtype), **extra)
    except BackendError:
        raise
    except (OSError, ValueError) as exc:
        hint = _download_hint(ref.hub_id) if ref.hub_id else "download the complete model folder again"
        raise BackendError(f"cannot load the Wan model from {ref.path}: {exc}. Fix: {hint}") from exc


def _fp8_casting(loaded: LoadedPipeline) -> None:
    """precision fp8: float8 storage for the transformers where torch has it (notes say where not)."""
    import torch

    if loaded.precision != "fp8":
        return
    if loaded.device == "cpu":
        loaded.notes.append("precision fp8 runs as fp32 on cpu")
    elif not hasattr(torch, "float8_e4m3fn"):
        loaded.notes.append(f"precision fp8 needs float8 in torch (this is {torch.__version__}): ran bf16")
    else:  # float8 storage, computed in bf16 layer by layer (diffusers layerwise casting)
        for tr in loaded.transformers:
            tr.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=loaded.dtype)


def _offload(pipe: Any, device: str, offload: str) -> None:
    if offload == "model":
        pipe.enable_model_cpu_offload(device=device)
        pipe.vae.enable_tiling()
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
        pipe.vae.enable_tiling()
    else:
        pipe.to(device)


def pipeline_for(loaded: LoadedPipeline, with_image: bool) -> Any:
    """The pipeline that runs a chunk: TI2V-5B's image-to-video twin (same weights) when the chunk
    starts from an image, else the loaded one. Offload hooks follow the pipeline in use."""
    pipe = loaded.pipe
    if loaded.ref.kind == "ti2v" and with_image:
        if loaded.i2v is None:
            from diffusers import WanImageToVideoPipeline

            parts = {
                k: getattr(pipe, k)
                for k in ("tokenizer", "text_encoder", "vae", "scheduler", "transformer", "transformer_2")
            }
            loaded.i2v = WanImageToVideoPipeline(
                **parts,
                image_encoder=None,
                image_processor=None,
                boundary_ratio=loaded.boundary_ratio,
                expand_timesteps=True,
            )
            loaded.i2v.set_progress_bar_config(disable=True)
        pipe = loaded.i2v
    if pipe is not loaded.active and loaded.device != "cpu" and loaded.offload != "none":
        _offload(pipe, loaded.device, loaded.offload)
    loaded.active = pipe
    return pipe


class PipelineCache:
    """Keeps the last loaded pipeline of a worker (one model in GPU memory at a time).

    The key is (model folder, kind, device, offload, precision, compile); asking for another key frees
    the old one first. The step cache and the scheduler change per chunk on the loaded pipeline.
    """

    def __init__(self) -> None:
        self._key: tuple[str, ...] | None = None
        self._loaded: LoadedPipeline | None = None
        self.loads = 0  # how many times a pipeline was loaded (tests check it stays 1 across tasks)

    def get(
        self, ref: ModelRef, device: str, offload: str, precision: str = "bf16", compile_: str = "none"
    ) -> LoadedPipeline:
        key = (str(ref.path), ref.kind, device, offload, precision, compile_)
        if self._loaded is not None and self._key == key:
            return self._loaded
        self.clear()
        self._loaded = load_pipeline(ref, device, offload, precision, compile_)
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
        except Exception:  # freeing memory is best effort
            pass
