"""Music selection: one bed track per video, chosen by mood overlap and BPM distance among tracks
long enough for the video plus its tail, from the built-in CC0 library (synthesised once into the
work folder's cache) or a folder indexed with `vidc music index`; or a fixed `track:`."""
from __future__ import annotations

import dataclasses
import shutil
from typing import Any

from pydantic import BaseModel

from vidc.compiler.refs import frames_for_ms
from vidc.schemas.backends import backend_version

from .base import Backend, BackendError, NoParams, TaskContext, run_ffmpeg


def _to_pcm(src: str, dst: str) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", src, "-vn", "-ac", "2",
            "-ar", "44100", "-c:a", "pcm_s16le", "-fflags", "+bitexact", "-map_metadata", "-1", dst]


class MusicSelect(Backend):
    name = "music-select"
    stage = "music"
    version = backend_version(name)
    Params = NoParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media import music_library, music_select

        p = ctx.params
        fps = int(p["fps"])
        frames = sum(frames_for_ms(ctx.input_result(r)["scene_ms"], fps) for r in ctx.inputs if r.startswith("voice-"))
        video_s = frames / fps
        out = ctx.out / "music.wav"
        if p.get("track"):
            src = ctx.project_dir / p["track"]
            run_ffmpeg(_to_pcm("file:" + str(src), str(out)), what="ffmpeg (music track)")
            return {"id": p["track"], "title": src.stem, "licence": "supplied by the project", "source": p["track"],
                    "video_s": round(video_s, 3)}
        need = video_s + float(p["tail_seconds"][0])
        if p["library"] == "builtin":
            try:
                info = music_select.select_track(music_library.CATALOG, p["mood"], p["bpm"], need)
            except ValueError as exc:
                raise BackendError(str(exc)) from exc
            shutil.copyfile(music_library.ensure_track(info.id, ctx.cache_dir), out)
        else:
            folder = ctx.project_dir / p["library"]
            try:
                catalog = music_select.load_catalog(folder)
                info = music_select.select_track(catalog, p["mood"], p["bpm"], need)
            except (OSError, ValueError) as exc:
                raise BackendError(f"music library {p['library']}: {exc} (build its catalog with "
                                   f"`vidc music index {p['library']}`)") from exc
            run_ffmpeg(_to_pcm("file:" + str(folder / info.path), str(out)), what="ffmpeg (music track)")
        chosen = dataclasses.asdict(info) if dataclasses.is_dataclass(info) else dict(info)
        return {**chosen, "video_s": round(video_s, 3), "needed_s": round(need, 3)}
