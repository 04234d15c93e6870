"""Stock footage backends: `stock-fetch` brings a scene's locked file into the task's output
(from the work folder's content-addressed copy, or downloaded and checked against the lock's size
and sha256), and `stock` (the `video.engine` users choose) fits and times it like an asset.

Searching is not a task: `vidc build` searches for the scenes the lock does not cover yet, writes
the lock, and plans again, so the plan it runs names every file by its hash."""

from __future__ import annotations

import os
import shutil
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas.catalog import Facts, Problem
from vidc.schemas.stock import KEY_ENV

from .base import Backend, BackendError, TaskContext, run_ffmpeg


class FetchParams(BaseModel):
    """A locked pick (provider, id, url, size, sha256, credit), or a search not yet run (query, ...)."""

    model_config = ConfigDict(extra="allow")
    scene: int = Field(ge=1)
    query: str
    sha256: str | None = None
    url: str | None = None
    ext: str = "mp4"
    size: int = 0
    providers: list[str] = Field(default_factory=list)


def stock_store(ctx: TaskContext):
    return ctx.cache_dir / "stock" / "objects"


class StockFetch(Backend):
    name = "stock-fetch"
    stage = "video"
    version = "1"
    Params = FetchParams

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        """A scene still to search needs each provider's key (a locked one needs none)."""
        if params.get("sha256") or facts.api_keys is None:
            return []
        return [
            Problem(
                param="",
                code="E_STOCK_KEY",
                message=f"{KEY_ENV[p]} is not set: stock footage from {p} needs it to search",
                hint=f"export {KEY_ENV[p]} (a free key from {p}), or leave {p} out of video.providers",
            )
            for p in params.get("providers", [])
            if p in KEY_ENV and KEY_ENV[p] not in facts.api_keys
        ]

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.stock_api import StockError
        from vidc.runtime.media.stock_files import download, stored

        p = FetchParams.model_validate(params)
        if not p.sha256 or not p.url:
            raise BackendError(f"scene {p.scene} has no stock pick yet; run `vidc build` from the spec to search")
        where = f"scene {p.scene}"
        path = stored(stock_store(ctx), p.sha256, p.ext)
        if path is None:
            try:
                path, _size = download(p.url, stock_store(ctx), p.ext)
            except StockError as exc:
                raise BackendError(f"{where}: the locked stock file is gone ({exc}); {_repick(p.scene)}") from None
            if path.name != f"{p.sha256}.{p.ext}":
                path.unlink(missing_ok=True)
                raise BackendError(f"{where}: the locked stock file's bytes differ from the lock; {_repick(p.scene)}")
        target = ctx.out / f"source.{p.ext}"
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
        return {"file": target.name, "sha256": p.sha256, "credit": _credit(params)}


def _repick(scene: int) -> str:
    return f"pick it again with `vidc stock repick SPEC --scene {scene}`"


def _credit(params: BaseModel) -> dict[str, Any]:
    extra = params.model_dump()
    keys = ("provider", "id", "author", "author_url", "page", "licence", "query", "score")
    return {k: extra.get(k) for k in keys if extra.get(k) not in (None, "")}


class StockClipParams(BaseModel):
    model_config = ConfigDict(extra="allow")
    still: bool
    query: str


class StockClip(Backend):
    name = "stock"
    stage = "video"
    version = "1"
    selectable = True
    encodes = True
    Params = StockClipParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.compiler.refs import fill_self
        from vidc.runtime.media.wav import count_video_frames

        for argv in ctx.argv:
            run_ffmpeg(fill_self(argv, {}), cwd=ctx.store_root, what="ffmpeg (stock)")
        frames, ms = count_video_frames(ctx.out / "segment.mp4")
        return {"segment": "segment.mp4", "duration_ms": ms, "frames": frames}
