"""Export: join the scene segments and the mixed AAC by stream copy into the final MP4."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas import ids

from ..state.store import file_sha256
from .base import Backend, BackendError, TaskContext, run_ffmpeg


def concat_line(path: str) -> str:
    """One entry of an ffmpeg concat list, quoted for its own syntax."""
    return "file '" + path.replace("'", "'\\''") + "'\n"


def concat_listing(paths: list[str], frames: list[int], fps: int) -> str:
    """The concat list with each segment's exact length: without it the demuxer takes a segment's
    length from the MP4 header, in whole milliseconds, and every scene whose frame count is not a
    multiple of 3 (at 30 fps) shifts the next scene by up to 0.7 ms: a broken constant frame rate.
    The demuxer adds the lengths up in microseconds, so each is given as the difference of the
    rounded running totals: the start of every segment is its exact frame time to within 0.5 us,
    however many segments there are, which rounds to the exact tick of the stream's time base."""
    out, total = [], 0
    for path, n in zip(paths, frames):
        start_us = (total * 1_000_000 * 2 + fps) // (2 * fps)
        total += n
        end_us = (total * 1_000_000 * 2 + fps) // (2 * fps)
        out.append(concat_line(path) + f"duration {(end_us - start_us) // 1_000_000}.{(end_us - start_us) % 1_000_000:06d}\n")
    return "".join(out)


class ExportParams(BaseModel):
    model_config = ConfigDict(extra="allow")  # lowering may add keys; these are the ones checked
    name: str = Field(min_length=1)
    preset: str
    scenes: int = Field(ge=1)
    fps: int = Field(ge=1)


class Export(Backend):
    name = "export"
    stage = "export"
    version = "2"
    Params = ExportParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.wav import measure_duration_ms

        from vidc.runtime.media.wav import count_video_frames

        roles = [r for _, r in ids.numbered(ctx.inputs, ids.SEGMENT)]
        segments = [ctx.inputs[r] / "segment.mp4" for r in roles]
        frames = [ctx.input_result(r).get("frames") or count_video_frames(seg)[0] for r, seg in zip(roles, segments)]
        fps = int(ctx.params["fps"])
        listing = concat_listing([str(s) for s in segments], frames, fps)
        (ctx.out / "segments.txt").write_text(listing, encoding="utf-8")
        for argv in ctx.argv:
            run_ffmpeg(argv, cwd=ctx.store_root, what="ffmpeg (export)")
        (ctx.out / "segments.txt").unlink()  # absolute store paths: not part of the output
        mp4 = ctx.out / f"{ctx.params['name']}.mp4"
        video_ms = measure_duration_ms(mp4, stream="video")
        expected = sum(ctx.input_result(r)["duration_ms"] for r in roles)
        if abs(video_ms - expected) > 40:
            raise BackendError(f"the joined video lasts {video_ms} ms but its segments add up to {expected} ms")
        return {"duration_ms": video_ms, "bytes": mp4.stat().st_size, "sha256": file_sha256(mp4)}


class ThumbnailParams(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1)
    width: int = Field(ge=16)
    height: int = Field(ge=16)
    at: float = Field(ge=0, le=1)


class Thumbnail(Backend):
    """NAME.thumbnail.jpg: the chosen scene's picture (or the most detailed of all scenes'), without
    the burned captions (the video tasks keep a still before burning them), with the title."""

    name = "thumbnail"
    stage = "export"
    version = "1"
    Params = ThumbnailParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.fonts import font_file
        from vidc.runtime.media.thumbnail import compose, frame_at, score

        p = ctx.params
        best: tuple[float, str, bytes] | None = None
        roles = [r for _, r in ids.numbered(ctx.inputs, ids.SEGMENT)]
        for role in roles:
            still = ctx.inputs[role] / "still.png"
            if still.is_file():
                png = still.read_bytes()
            else:  # a generated clip (assemble) keeps no still: its segment's frame, captions and all
                png = frame_at(ctx.inputs[role] / "segment.mp4", ctx.input_result(role)["duration_ms"] * p["at"] / 1000)
            value = score(png) if len(roles) > 1 else 0.0
            if best is None or value > best[0] + 1e-9:
                best = (value, role, png)
        if best is None:
            raise BackendError("no scene to make a thumbnail from")
        font = font_file(p["font"], bool(p["bold"]))
        out = ctx.out / f"{p['name']}.thumbnail.jpg"
        compose(best[2], (int(p["width"]), int(p["height"])), p["title_lines"], p["title"],
                str(font) if font else None, out)
        return {"scene": int(best[1].split("-")[1]), "score": round(best[0], 3), "sha256": file_sha256(out)}
