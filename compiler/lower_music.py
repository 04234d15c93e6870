"""Lowering the music and the mix: the bed track chosen for the whole timeline (scenes, intro and
outro), and the mix of the voices over it, ducked, faded and loudness-normalised."""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import Scene, VideoSpec

from . import ffmpeg_args
from .costs import CostModel
from .drafts import Draft
from .pacing import min_scene_ms


def mix_params(spec: VideoSpec, p: dict[str, Any]) -> dict[str, Any]:
    m = spec.music
    return {
        "fps": p["fps"],
        "volume": m.volume,
        "duck_db": m.duck_db,
        "duck_attack_ms": m.duck_attack_ms,
        "duck_hold_ms": m.duck_hold_ms,
        "duck_release_ms": m.duck_release_ms,
        "duck_gap_ms": m.duck_gap_ms,
        "fade_out_seconds": m.fade_out_seconds,
        "lufs": spec.export.loudness_lufs,
        "tp_margin_db": 0.5,
        "true_peak": spec.export.true_peak_db,
        "sample_rate": 44100,
        "audio_bitrate": p["audio_bitrate"],
    }


def _voices(voice_ids: list[str]) -> dict[str, str]:
    return {ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}


def music_task(
    spec: VideoSpec,
    p: dict[str, Any],
    scenes: list[Scene],
    voice_ids: list[str],
    bookends: tuple[int, int],
    costs: CostModel,
) -> Draft:
    """`bookends`: the intro's and the outro's frames, which the music plays under too."""
    lead, tail = bookends
    extra = {"extra_frames": lead + tail} if lead + tail else {}
    return Draft(
        id=ids.music(spec.name),
        video=spec.name,
        stage="music",
        kind="music-select",
        backend="music-select",
        params={
            "library": spec.music.library,
            "mood": spec.music.mood,
            "bpm": spec.music.bpm,
            "tail_seconds": list(spec.music.tail_seconds),
            "track": spec.music.track,
            "fps": p["fps"],
            "min_video_ms": sum(min_scene_ms(s) for s in scenes) + (lead + tail) * 1000 // p["fps"],
            **extra,
        },
        inputs=_voices(voice_ids),
        est_ms=costs.get("music_ms"),
        where={k: ("music", k) for k in ("library", "mood", "bpm", "tail_seconds", "track")}
        | {"": ("music",), "min_video_ms": ("script", "scenes")},
    )


def mix_task(
    spec: VideoSpec,
    p: dict[str, Any],
    voice_ids: list[str],
    bookends: tuple[int, int],
    total_s: float,
    costs: CostModel,
) -> Draft:
    m = mix_params(spec, p)
    lead, tail = bookends
    if lead + tail:  # the intro and outro are silent frames of the timeline, the music plays under them
        m |= {"lead_frames": lead, "tail_frames": tail}
    return Draft(
        id=ids.mix(spec.name),
        video=spec.name,
        stage="mix",
        kind="mix",
        backend="mix",
        params=m,
        inputs={ids.MUSIC: ids.music(spec.name), **_voices(voice_ids)},
        argv=ffmpeg_args.mix(m),
        est_ms=costs.per_second("mix_ms_per_s", total_s) + 500,
    )
