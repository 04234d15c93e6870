"""`image`: one generated picture of a scene (one task = one picture), for `video.engine: image`.

With a `base_url` the picture comes from a server speaking `POST /v1/images/generations`
(image_server); without one from a local diffusers text-to-image pipeline (image_local), loaded
once per worker. Either way the picture is checked to be a whole image and written as
`picture.png` (atomically); the result records the model (and a local model's revision), the seed,
the prompt, the size and, for a server, the tries and the price. The `ken-burns` backend then
moves over a scene's pictures."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas.catalog import Facts, Needs, Problem

from .base import Backend, TaskContext


class ImageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(description="A diffusers folder or cached hub id, or the server's model name")
    prompt: str
    width: int = Field(ge=8, le=8192)
    height: int = Field(ge=8, le=8192)
    seed: int = Field(ge=0)
    scene: int = Field(ge=1)
    picture: int = Field(ge=1)
    base_url: str | None = None
    api_key_env: str | None = None
    timeout_s: float = Field(120, gt=0)
    price_per_image: float | None = Field(None, ge=0)
    steps: int = Field(4, ge=1)
    cfg: float = Field(0.0, ge=0)
    negative_prompt: str = ""
    precision: str = "bf16"
    retries: int = Field(2, ge=0, le=10)


class ImageGen(Backend):
    """Generated pictures with motion: a local text-to-image model or an /v1/images server"""

    name: ClassVar[str] = "image"
    stage: ClassVar[str] = "video"
    version: ClassVar[str] = "1"
    Params: ClassVar[type[BaseModel]] = ImageParams
    selectable: ClassVar[bool] = True
    price_keys: ClassVar[tuple[str, ...]] = ("image", "gpu")  # per picture from a server; GPU time locally
    needs: ClassVar[Needs] = Needs(device="device", model=True)  # a local model; a server's pictures run on CPU lanes

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        model = str(params.get("model", ""))
        if not model.strip():
            return [
                Problem(
                    "model",
                    "E_MISSING",
                    "video.engine image needs `video.image` with a `model`",
                    "e.g. `video: {engine: image, image: {model: black-forest-labs/FLUX.1-schnell}}`, or a server's "
                    "`image: {model: NAME, base_url: http://host:port/v1}`",
                )
            ]
        if params.get("base_url") or facts.models is None:
            return []
        if not facts.models[model].found:
            return [
                Problem(
                    "model",
                    "W_MODEL_NOT_FOUND",
                    f"text-to-image model `{model}` is not on this machine (no such folder, no Hugging Face cache "
                    "entry); the build will stop at its first picture",
                    "download it first, or point video.image.model at a local diffusers folder",
                    severity="warning",
                )
            ]
        return []

    def __init__(self) -> None:
        from .image_local import PipelineCache

        self.device = "cpu"
        self.cache = PipelineCache()

    def setup(self, device: str) -> None:
        self.device = device or "cpu"

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.wav import atomic_path

        p = params if isinstance(params, ImageParams) else ImageParams.model_validate(params)
        t0 = time.perf_counter()
        if p.base_url:
            from .image_server import generate
            from .spend import ledger_beside_store

            ledger = ledger_beside_store(ctx.store_root)

            def journal(attempt: int) -> None:  # a paid request is journaled (and checked) before it leaves
                if ledger is not None:
                    ledger.send_priced(ctx.task_id, {"images": 1}, f"{ctx.task_id} request {attempt}")

            got = generate(p, ctx.log, before=journal)
            extra: dict[str, Any] = {"source": "server", "base_url": p.base_url, "tries": got["tries"]}
            if p.price_per_image is not None:
                extra["cost_usd"] = p.price_per_image
        else:
            from .image_local import generate as local_generate, model_folder, revision

            folder = model_folder(p.model, ctx.project_dir)
            device = ctx.device or self.device
            loads = self.cache.loads
            pipe = self.cache.get(folder, device, p.precision)
            if self.cache.loads != loads:
                ctx.log(f"image: loaded {p.model} on {device} in {time.perf_counter() - t0:.1f} s")
            got = local_generate(pipe, p)
            extra = {"source": "local", "device": device, "model_revision": revision(folder)}
        with atomic_path(ctx.out / "picture.png") as tmp:
            tmp.write_bytes(got["png"])
        return {
            "picture": "picture.png",
            "width": got["size"][0],
            "height": got["size"][1],
            "model": p.model,
            "seed": p.seed,
            "prompt": p.prompt,
            "seconds": round(time.perf_counter() - t0, 3),
            **extra,
        }
