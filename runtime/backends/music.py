"""Music selection: one bed track per video, chosen by mood overlap and BPM distance (a track long
enough for the video plus its tail before one that must be looped), from the built-in CC0 library
(synthesised once into the work folder's cache) or a folder indexed with `vidc music index`; or a
fixed `track:`. A track shorter than the video plus its tail is looped with bar-aligned crossfades,
so the music always covers the video."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidc.compiler.refs import frames_for_ms
from vidc.schemas import ids
from vidc.schemas.catalog import Facts, Problem

from ..state import confine
from .base import Backend, BackendError, TaskContext, run_ffmpeg


class MusicParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    library: str = "builtin"
    mood: list[str] = Field(default_factory=list)
    bpm: float | tuple[float, float] | None = None
    tail_seconds: tuple[float, float] = (10.0, 15.0)
    track: str | None = None
    fps: int = Field(ge=1)
    min_video_ms: int = Field(
        0, ge=0, description="The video's length as planned before the voice (the least it lasts)"
    )
    track_sha256: str | None = Field(None, description="The fixed track's content hash (the compiler attaches it)")
    library_sha256: str | None = Field(
        None, description="A library folder's digest: its catalog and tracks (the compiler attaches it)"
    )
    extra_frames: int = Field(0, ge=0, description="Frames of the intro and outro, which the music plays under")


def _to_pcm(src: str, dst: str) -> list[str]:
    return [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-i",
        src,
        "-vn",
        "-ac",
        "2",
        "-ar",
        "44100",
        "-c:a",
        "pcm_s16le",
        "-fflags",
        "+bitexact",
        "-map_metadata",
        "-1",
        dst,
    ]


class MusicSelect(Backend):
    name = "music-select"
    file_params = ("track", "library")  # `music.track`, or a `music.library` folder (not `builtin`)
    stage = "music"
    version = "2"
    Params = MusicParams
    LOOPS = True  # a track shorter than the video plus its tail is looped (bar-aligned crossfades)

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        if params.get("track") or facts.music is None:
            return []
        lib = facts.music.get(params.get("library", "builtin"))
        if lib is None:
            return []
        if lib.error:
            return [Problem("library", "E_MUSIC_LIBRARY", lib.error, f"run `vidc music index {params.get('library')}`")]
        out: list[Problem] = []
        moods = lib.moods()
        for i, mood in enumerate(params.get("mood") or []):
            if str(mood).strip().lower() not in moods:
                out.append(
                    Problem(
                        "mood",
                        "E_MOOD",
                        f"no track of the `{params.get('library')}` music library has the mood `{mood}`",
                        value=str(mood),
                        choices=tuple(moods),
                        index=i,
                    )
                )
        need_s = params.get("min_video_ms", 0) / 1000 + float(params["tail_seconds"][0])
        if not lib.loops and lib.tracks and need_s > lib.longest_s():
            out.append(
                Problem(
                    "min_video_ms",
                    "E_MUSIC_SHORT",
                    f"the video lasts at least {params.get('min_video_ms', 0) / 1000:g} s; with its "
                    f"{float(params['tail_seconds'][0]):g} s tail it needs {need_s:g} s of music, and the "
                    f"longest track of the `{params.get('library')}` library lasts {lib.longest_s():g} s",
                    "shorten the video, lower music.tail_seconds, add longer tracks, or set `music.track`",
                )
            )
        return out

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media import music_library, music_select

        p = MusicParams.model_validate(params)
        fps = p.fps
        frames = sum(
            frames_for_ms(ctx.input_result(r)["scene_ms"], fps) for _, r in ids.numbered(ctx.inputs, ids.VOICE)
        )
        frames += p.extra_frames
        video_s = frames / fps
        out = ctx.out / "music.wav"
        need = video_s + p.tail_seconds[0]
        loop: tuple[int, int, int] | None = None
        if p.track:
            src = ctx.project_dir / p.track
            run_ffmpeg(_to_pcm("file:" + str(src), str(out)), what="ffmpeg (music track)")
            chosen: dict[str, Any] = {
                "id": p.track,
                "title": src.stem,
                "licence": "supplied by the project",
                "source": p.track,
                "bpm": None,
            }
        elif p.library == "builtin":
            try:
                info = music_select.select_track(music_library.CATALOG, p.mood, p.bpm, need)
            except ValueError as exc:
                raise BackendError(str(exc)) from exc
            shutil.copyfile(music_library.ensure_track(info.id, ctx.cache_dir), out)
            chosen = dataclasses.asdict(info)
            loop = music_library.loop_region(info.id)
        else:
            folder = ctx.project_dir / p.library
            try:
                catalog = music_select.load_catalog(folder)
                info = music_select.select_track(catalog, p.mood, p.bpm, need)
            except (OSError, ValueError) as exc:
                raise BackendError(
                    f"music library {p.library}: {exc} (build its catalog with `vidc music index {p.library}`)"
                ) from exc
            try:  # a catalog's track path stays inside the library folder and names a regular file
                track = confine.confined_file(folder, info.path or "", "music track")
            except confine.Refused as exc:
                raise BackendError(f"music library {p.library}: {exc}") from None
            run_ffmpeg(_to_pcm("file:" + str(track), str(out)), what="ffmpeg (music track)")
            chosen = dataclasses.asdict(info) if dataclasses.is_dataclass(info) else dict(info)
        looped = _cover(out, need, chosen.get("bpm"), loop)
        return {**chosen, "video_s": round(video_s, 3), "needed_s": round(need, 3), **looped}


def _cover(wav: Path, need_s: float, bpm: float | None, loop: tuple[int, int, int] | None) -> dict[str, Any]:
    """Loop the track in place when it is shorter than the video plus its tail (bar-aligned
    crossfades from its BPM, or its known loop region): music always covers the video."""
    from vidc.runtime.media import music_select
    from vidc.runtime.media.wav import read_wav, write_wav

    data, rate = read_wav(wav)
    need = int(round(need_s * rate))
    if len(data) >= need:
        return {}
    if len(data) < music_select.MIN_LOOP_S * rate:
        raise BackendError(
            f"the music track is {len(data) / rate:.1f} s long, too short to loop into a "
            f"{need_s:.1f} s bed (at least {music_select.MIN_LOOP_S:.0f} s)"
        )
    start, end, xf = loop or music_select.loop_points(len(data), rate, bpm)
    audio, repeats = music_select.extend_track(data.astype(np.float64) / 32767.0, need, start, end, xf)
    write_wav(wav, audio, rate)
    return {
        "looped": {
            "start_ms": start * 1000 // rate,
            "end_ms": end * 1000 // rate,
            "crossfade_ms": xf * 1000 // rate,
            "repeats": repeats,
            "duration_ms": len(audio) * 1000 // rate,
        }
    }
