"""Video backends that are one ffmpeg command each: the animatic storyboard (the offline default),
your own assets, and the assembly of generated chunks into a scene segment."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Backend, BackendError, TaskContext, run_ffmpeg


def _segment_result(ctx: TaskContext) -> dict[str, Any]:
    from vidc.runtime.media.wav import count_video_frames

    frames, ms = count_video_frames(ctx.out / "segment.mp4")
    return {"segment": "segment.mp4", "duration_ms": ms, "frames": frames}


class _VideoParams(BaseModel):
    """What every scene's video task may carry beside its own params: lowering adds the watermark's
    content hash (and may add keys later), so extra keys pass."""

    model_config = ConfigDict(extra="allow")
    watermark_sha256: str | None = Field(None, description="The watermark file's content hash (the compiler adds it)")


class _OneCommand(Backend):
    stage = "video"
    Params = _VideoParams

    def prepare(self, ctx: TaskContext, params: BaseModel) -> None:
        """Write files the command reads (text for drawtext) into the output folder."""

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        self.prepare(ctx, self.Params.model_validate(params))
        for argv in ctx.argv:
            run_ffmpeg(argv, cwd=ctx.store_root, what=f"ffmpeg ({self.name})")
        return _segment_result(ctx)


class AnimaticParams(_VideoParams):
    note: str = Field(description="The card's text: the scene's visual prompt, measured into lines")
    label: str = Field(description="The storyboard label (scene number and mood)")
    look: dict[str, Any] = Field(default_factory=dict, description="Colours and motion drawn from the prompt")
    card: dict[str, Any] = Field(default_factory=dict, description="The card's measured layout")
    font_sha256: str | None = None


class Animatic(_OneCommand):
    name = "animatic"
    encodes = True
    version = "1"
    selectable = True
    Params = AnimaticParams

    def prepare(self, ctx: TaskContext, params: BaseModel) -> None:
        p = AnimaticParams.model_validate(params)
        # drawtext reads its text from files: no filtergraph escaping of user text at all.
        (ctx.out / "note.txt").write_text(p.note, encoding="utf-8")
        (ctx.out / "label.txt").write_text(p.label, encoding="utf-8")


class TitleParams(_VideoParams):
    lines: list[str] = Field(min_length=1, description="The measured lines, one drawtext each")
    frames: int = Field(ge=1)


class TitleCard(_OneCommand):
    """An intro or outro title card (measured text centred in the safe area)."""

    name = "title-card"
    version = "1"
    Params = TitleParams

    def prepare(self, ctx: TaskContext, params: BaseModel) -> None:
        for k, line in enumerate(TitleParams.model_validate(params).lines, 1):
            (ctx.out / f"line-{k}.txt").write_text(line, encoding="utf-8")


class AssetParams(_VideoParams):
    asset: str = Field(min_length=1, description="The scene's image or clip, relative to the project")
    still: bool
    clip_mode: Literal["hold", "loop", "stretch"] = "hold"
    # stretch: the scene's length the clip is slowed to fill (a reference until the voice is measured)
    scene_s: float | str | None = None


class Assets(_OneCommand):
    name = "assets"
    encodes = True
    file_params = ("asset",)
    version = "1"
    selectable = True
    Params = AssetParams

    def prepare(self, ctx: TaskContext, params: BaseModel) -> None:
        """Refuse an unreadable file up front: ffmpeg looping a broken still would never finish."""
        from vidc.runtime.media.wav import probe_media

        p = AssetParams.model_validate(params)
        path = ctx.project_dir / p.asset
        try:
            streams = probe_media(path).get("streams", [])
        except (OSError, ValueError) as exc:
            raise BackendError(f"asset {p.asset} cannot be read: {exc}") from exc
        if not any(s.get("codec_type") == "video" and s.get("width") for s in streams):
            raise BackendError(
                f"asset {p.asset} is not an image or a video ffmpeg can decode; "
                "replace the file or fix the scene's `asset:`"
            )
        self.values: dict[str, str] = {}
        if p.clip_mode == "stretch":  # slow the clip to fill the scene (never speed it up)
            from vidc.runtime.media.wav import count_video_frames

            clip_s = count_video_frames(path)[1] / 1000  # its video stream was found just above
            if clip_s <= 0 or p.scene_s is None:
                raise BackendError(f"asset {p.asset} has no measurable length to stretch")
            self.values["stretch"] = f"{max(1.0, float(p.scene_s) / clip_s):.6f}"

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.compiler.refs import fill_self

        p = AssetParams.model_validate(params)
        self.prepare(ctx, p)
        for argv in ctx.argv:  # a failure names the file: its header read well, its pictures did not
            run_ffmpeg(fill_self(argv, self.values), cwd=ctx.store_root, what=f"ffmpeg (assets: decoding {p.asset})")
        result = _segment_result(ctx)
        if "stretch" in self.values:
            result["stretch"] = float(self.values["stretch"])
        return result


class AssembleParams(_VideoParams):
    chunks: int = Field(ge=1, description="The generated chunks joined into the scene's segment")


class Assemble(_OneCommand):
    name = "assemble"
    encodes = True
    version = "1"
    Params = AssembleParams


class CrossfadeParams(_VideoParams):
    type: str = "crossfade"
    frames: int = Field(ge=1, description="h: frames on each side of the boundary")
    fps: int = Field(ge=1)


class Crossfade(_OneCommand):
    """The 2h frames centred on a crossfaded boundary, blended from the two scenes' segments (the
    export cuts those segments at their keyframes h and N-h and puts this between them)."""

    name = "transition"
    encodes = True
    version = "1"
    Params = CrossfadeParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        out = super().run(ctx, params)
        want, got = 2 * CrossfadeParams.model_validate(params).frames, out["frames"]
        if got != want:
            raise BackendError(
                f"the crossfade has {got} frames, not {want}: a scene next to it is shorter than "
                "the transition (shorten `transition.seconds`)"
            )
        return out
