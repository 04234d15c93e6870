"""Export: join the scene segments and the mixed AAC by stream copy into the final MP4."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas import ids

from ..state.store import file_sha256
from .base import Backend, BackendError, TaskContext, remove_inside, run_ffmpeg


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
        out.append(
            concat_line(path) + f"duration {(end_us - start_us) // 1_000_000}.{(end_us - start_us) % 1_000_000:06d}\n"
        )
    return "".join(out)


def joined_pieces(ctx: TaskContext, work: Path, transitions: list[tuple[int, str, int]]) -> list[tuple[Path, int]]:
    """The files the export joins, in order, with their frame counts: each segment, and after it
    the crossfade into the next one where the plan has one (params `transitions`: [[segment number,
    type, h], ...]; a crossfade's task is bound to role transition-NN; fades are in the segments
    already). A segment next to a crossfade loses the h frames the crossfade holds: it is cut at its
    keyframes (forced at h and N-h) by stream copy."""
    from vidc.runtime.media.wav import count_video_frames

    def frames(role: str, path: Path) -> int:
        return int(ctx.input_result(role).get("frames") or count_video_frames(path)[0])

    cross = {int(after): int(h) for after, kind, h in transitions if kind == "crossfade"}
    pieces: list[tuple[Path, int]] = []
    for i, role in ids.numbered(ctx.inputs, ids.SEGMENT):
        seg = ctx.inputs[role] / "segment.mp4"
        n, head, tail = frames(role, seg), cross.get(i - 1, 0), cross.get(i, 0)
        pieces.append((cut_segment(seg, n, head, tail, work / role), n - head - tail) if head or tail else (seg, n))
        if i in cross:
            x = ids.role(ids.TRANSITION, i)
            pieces.append((ctx.inputs[x] / "segment.mp4", frames(x, ctx.inputs[x] / "segment.mp4")))
    return pieces


def cut_segment(seg: Path, n: int, head: int, tail: int, work: Path) -> Path:
    """Frames [head, n - tail) of a segment of n frames, by stream copy: the segment muxer splits at
    the first keyframe at or after each frame number, and the scene's encode forced keyframes exactly
    there (closed GOPs, so the piece decodes on its own). Checked by counting the piece's frames."""
    from vidc.runtime.media.wav import count_video_frames

    want = n - head - tail
    if want < 1:
        raise BackendError(
            f"{seg.parent.name}: {n} frames cannot give {head} + {tail} to its transitions "
            "(shorten `transition.seconds`)"
        )
    work.mkdir(parents=True, exist_ok=True)
    splits = [str(f) for f in (head, n - tail) if 0 < f < n]
    run_ffmpeg(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(seg),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "segment",
            "-segment_frames",
            ",".join(splits),
            "-reset_timestamps",
            "1",
            "-segment_format",
            "mp4",
            "-segment_format_options",
            "use_editlist=0:movflags=+negative_cts_offsets:fflags=+bitexact",
            "-fflags",
            "+bitexact",
            "-map_metadata",
            "-1",
            str(work / "piece-%d.mp4"),
        ],
        cwd=work,
        what="ffmpeg (cut a segment for a crossfade)",
    )
    piece = work / f"piece-{1 if head else 0}.mp4"
    got = count_video_frames(piece)[0] if piece.is_file() else 0
    if got != want:
        raise BackendError(
            f"{seg.parent.name}: cutting frames [{head}, {n - tail}) by stream copy gave {got} frames, "
            f"not {want}: the segment has no keyframe there"
        )
    return piece


class ExportParams(BaseModel):
    model_config = ConfigDict(extra="allow")  # lowering may add keys; these are the ones checked
    name: str = Field(min_length=1)
    preset: str
    scenes: int = Field(ge=1)
    fps: int = Field(ge=1)
    transitions: list[tuple[int, str, int]] = Field(
        default_factory=list, description="[segment, type, h] per transition"
    )


class Export(Backend):
    name = "export"
    encodes = True
    stage = "export"
    version = "2"
    Params = ExportParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.wav import measure_duration_ms

        p = ExportParams.model_validate(params)
        roles = [r for _, r in ids.numbered(ctx.inputs, ids.SEGMENT)]
        work = ctx.out / "pieces"  # segments cut for crossfades: scratch, removed below
        pieces = joined_pieces(ctx, work, p.transitions)
        listing = concat_listing([str(path) for path, _ in pieces], [n for _, n in pieces], p.fps)
        (ctx.out / "segments.txt").write_text(listing, encoding="utf-8")
        for argv in ctx.argv:
            run_ffmpeg(argv, cwd=ctx.store_root, what="ffmpeg (export)")
        remove_inside(ctx.out, ctx.out / "segments.txt")  # absolute store paths: not part of the output
        remove_inside(ctx.out, work)
        mp4 = ctx.out / f"{p.name}.mp4"
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
    title_lines: list[str] = Field(default_factory=list)
    title: dict[str, int] = Field(default_factory=dict, description="The title block's measured place (empty: none)")
    font: str
    bold: bool = True


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

        p = ThumbnailParams.model_validate(params)
        best: tuple[float, str, bytes] | None = None
        roles = [r for _, r in ids.numbered(ctx.inputs, ids.SEGMENT)]
        for role in roles:
            still = ctx.inputs[role] / "still.png"
            if still.is_file():
                png = still.read_bytes()
            else:  # a generated clip (assemble) keeps no still: its segment's frame, captions and all
                png = frame_at(ctx.inputs[role] / "segment.mp4", ctx.input_result(role)["duration_ms"] * p.at / 1000)
            value = score(png) if len(roles) > 1 else 0.0
            if best is None or value > best[0] + 1e-9:
                best = (value, role, png)
        if best is None:
            raise BackendError("no scene to make a thumbnail from")
        font = font_file(p.font, p.bold)
        out = ctx.out / f"{p.name}.thumbnail.jpg"
        compose(best[2], (p.width, p.height), p.title_lines, p.title, str(font) if font else None, out)
        return {"scene": int(best[1].split("-")[1]), "score": round(best[0], 3), "sha256": file_sha256(out)}
