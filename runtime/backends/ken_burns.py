"""`ken-burns`: a scene's segment from its generated pictures (inputs `chunk-01`, `chunk-02`, ...,
each a folder with `picture.png`), moved over with seeded, eased, sub-pixel pans and zooms and
crossfaded (runtime/media/motion.py). Exactly `frames` rgb24 frames are piped into the plan's ffmpeg
command, which burns captions, lays the watermark and encodes the segment like every other scene."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas import ids

from .base import Backend, BackendError, TaskContext


class KenBurnsParams(BaseModel):
    model_config = ConfigDict(extra="allow")  # the compiler may add the watermark's hash
    pictures: int = Field(ge=1)
    frames: int | str = Field(description="The scene's frames (a reference until the voice is measured)")
    fps: int = Field(ge=1)
    width: int = Field(ge=2)
    height: int = Field(ge=2)
    seed: int = Field(ge=0)
    zoom: float = Field(1.25, ge=1, le=2)
    crossfade_frames: int = Field(0, ge=0)


class KenBurns(Backend):
    """Moves over a scene's generated pictures (Ken Burns) into its segment"""

    name: ClassVar[str] = "ken-burns"
    stage: ClassVar[str] = "video"
    version: ClassVar[str] = "1"
    Params: ClassVar[type[BaseModel]] = KenBurnsParams
    encodes: ClassVar[bool] = True

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.motion import ken_burns_frames, pipe_frames
        from vidc.runtime.media.wav import count_video_frames

        p = params if isinstance(params, KenBurnsParams) else KenBurnsParams.model_validate(params)
        try:
            frames = int(p.frames)
        except ValueError as exc:
            raise BackendError(f"ken-burns: the scene's frame count `{p.frames}` was not resolved") from exc
        pictures = [ctx.inputs[role] / "picture.png" for _, role in ids.numbered(ctx.inputs, ids.CHUNK)]
        if len(pictures) != p.pictures:
            raise BackendError(f"ken-burns: {len(pictures)} pictures arrived, the plan has {p.pictures}")
        gen = ken_burns_frames(pictures, frames, (p.width, p.height), p.seed, p.crossfade_frames, p.zoom)
        for argv in ctx.argv:
            pipe_frames(argv, gen, cwd=ctx.store_root, what="ffmpeg (ken-burns)")
        got, ms = count_video_frames(ctx.out / "segment.mp4")
        if got != frames:
            raise BackendError(f"ken-burns: the segment has {got} frames, not {frames}")
        return {"segment": "segment.mp4", "duration_ms": ms, "frames": got, "pictures": len(pictures)}
