"""Audio mix: voices placed sample-exactly on one PCM timeline at the scenes' frame boundaries, the
music bed ducked by an envelope drawn from the voices' word timings and faded to silence, one
linear loudness gain and a true-peak limiter, all in-process on PCM (media/mixer.py); then the one
AAC encode, fed the PCM on stdin: no scratch files, no 192 kHz passes."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidc.compiler.refs import frames_for_ms
from vidc.schemas import ids

from .base import Backend, BackendError, TaskContext, run_tool

RATE = 44100


class MixParams(BaseModel):
    """The user-set part of the mix (music volume, ducking, fade; loudness target). Other keys pass
    through unchecked, so a param added by lowering never breaks an older catalog."""

    model_config = ConfigDict(extra="allow")
    fps: int = Field(ge=1)
    volume: float = Field(ge=0, le=2)
    duck_db: float = Field(ge=0, le=40)
    duck_attack_ms: int = Field(250, ge=0, le=5000)
    duck_hold_ms: int = Field(300, ge=0, le=5000)
    duck_release_ms: int = Field(700, ge=0, le=10000)
    duck_gap_ms: int = Field(1500, ge=0, le=20000)
    fade_out_seconds: float = Field(ge=0, le=30)
    lufs: float = Field(ge=-40, le=-5)
    true_peak: float = Field(ge=-9, le=0)
    tp_margin_db: float = Field(ge=0, description="Headroom kept under the true-peak ceiling")
    sample_rate: int = Field(RATE, description="The encode's input rate (the plan's argv)")
    lead_frames: int = Field(0, ge=0, description="Frames of the intro before scene 1")
    tail_frames: int = Field(0, ge=0, description="Frames of the outro after the last scene")


def sc_samples(ctx: TaskContext, role: str) -> int:
    """Samples of a voice (None in older results: assume some)."""
    n = ctx.input_result(role).get("samples")
    return 1 if n is None else int(n)


class Mix(Backend):
    name = "mix"
    stage = "mix"
    # 3: measured and limited at 44.1 kHz; the AAC encode resamples to 48 kHz
    # 4: speech levelled before the limiter; loudness and true peak checked on the decoded AAC
    version = "4"
    Params = MixParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media import leveler, mixer
        from vidc.runtime.media.timeline import frames_to_samples

        p = MixParams.model_validate(params)
        fps = p.fps
        if p.sample_rate != RATE:  # the encode's input rate (the plan's argv) must match
            raise BackendError(f"the mix runs at {RATE} Hz, the plan says {p.sample_rate} Hz")
        voices = [r for _, r in ids.numbered(ctx.inputs, ids.VOICE)]
        starts, frames, scenes = _scene_starts(ctx, voices, p)
        total = frames_to_samples(frames, fps, RATE)
        timeline, clips = _place_voices(ctx, voices, starts, total)
        spans = mixer.speech_spans([(s, n, sc[2]) for s, n, sc in zip(starts, clips, scenes)], RATE)
        music_res = ctx.input_result(ids.MUSIC)
        music = _music_bed(ctx, total)
        duck = mixer.DuckSettings(
            duck_db=p.duck_db,
            attack_ms=p.duck_attack_ms,
            hold_ms=p.duck_hold_ms,
            release_ms=p.duck_release_ms,
            gap_ms=p.duck_gap_ms,
        )
        levelled, lev = leveler.level_speech(timeline, RATE)
        mixed, music_end = mixer.premix(
            levelled,
            music,
            RATE,
            spans=spans,
            volume=p.volume,
            duck=duck,
            fade_out_seconds=p.fade_out_seconds,
            bpm=music_res.get("bpm"),
        )
        fit, st = _encode_to_target(ctx, mixed, p)
        return {
            "frames": frames,
            "duration_ms": frames * 1000 // fps,
            "voice_starts_samples_44100": starts,
            "loudness_target_lufs": p.lufs,
            "true_peak_ceiling_db": p.true_peak,
            **_loudness_report(st, fit, lev, timeline, spans),
            "speech_spans_ms": [[k, a * 1000 // RATE, b * 1000 // RATE] for k, a, b in spans],
            "music_end_ms": music_end * 1000 // RATE,
        }


def _loudness_report(st: dict, fit: Any, lev: dict, timeline: Any, spans: list) -> dict[str, Any]:
    """What the mix measured: before and after the PCM normalisation, on the decoded AAC, and what
    the leveller and the limiter took off loud speech."""
    from vidc.runtime.media import leveler

    return {
        "measured_before": {"i": round(st["lufs_before"], 2)},
        "measured_pcm": {
            "i": round(st["lufs"], 2),
            "tp": round(st["true_peak_db"], 2),
            "gain_db": round(st["gain_db"], 2),
            "limiter_max_db": round(st["limited_db"], 2),
            "rounds": st["rounds"],
        },
        "measured_aac": {
            "i": round(fit.lufs, 2),
            "tp": round(fit.true_peak_db, 2),
            "encodes": fit.encodes,
            "within": fit.ok,
            "pcm_target": round(fit.pcm_target_lufs, 2),
            "pcm_ceiling": round(fit.pcm_ceiling_db, 2),
            "rounds": [list(r) for r in fit.rounds],
        },
        "speech_processing_db": {
            "leveller_max": round(lev["max_db"], 2),
            "leveller_on_loud_speech": leveler.speech_reduction_stats(
                10 ** (lev["gain_db"] / 20), timeline, spans, RATE
            ),
            "limiter_on_loud_speech": leveler.speech_reduction_stats(st["limiter"], timeline, spans, RATE),
        },
    }


def _encode_to_target(ctx: TaskContext, mixed: Any, p: MixParams) -> tuple[Any, dict]:
    """Normalise the premix and encode it (the plan's one AAC encode argv), then read the AAC back
    and correct until the decoded sound meets the loudness target and the true-peak ceiling
    (media/encoded_loudness.py). Returns the fit and the last normalisation's figures."""
    from pathlib import Path

    from vidc.runtime.media import encoded_loudness, mixer

    (encode,) = ctx.argv
    out = Path(encode[-1])
    out = out if out.is_absolute() or ctx.store_root is None else Path(ctx.store_root) / out
    last: dict = {}

    def render(target: float, ceiling: float) -> None:
        y, st = mixer.normalise(mixed, RATE, target, ceiling)
        last.update(st)
        pcm = np.clip(np.rint(y * 32767.0), -32768, 32767).astype("<i2").tobytes()
        run_tool(encode, cwd=ctx.store_root, stdin=pcm, what="ffmpeg (AAC encode)")

    fit = encoded_loudness.fit_encoded(
        render, lambda: encoded_loudness.decode_aac(out, encode[0]), p.lufs, p.true_peak, p.true_peak - p.tp_margin_db
    )
    return fit, last


def _scene_starts(ctx: TaskContext, voices: list[str], p: MixParams) -> tuple[list[int], int, list[tuple]]:
    """Each scene's first sample (at its frame boundary, after the intro), the timeline's frames
    (with the outro), and each scene's (start, samples, words)."""
    from vidc.runtime.media.timeline import frames_to_samples

    fps = p.fps
    lead, tail = p.lead_frames, p.tail_frames  # the intro and outro
    starts, frames, scenes = [], lead, []
    for role in voices:
        res = ctx.input_result(role)
        start = frames_to_samples(frames, fps, RATE)
        starts.append(start)
        frames += frames_for_ms(res["scene_ms"], fps)
        scenes.append((start, res.get("samples") or 0, res.get("words") or []))
    frames += tail
    return starts, frames, scenes


def _place_voices(ctx: TaskContext, voices: list[str], starts: list[int], total: int) -> tuple[Any, list[int]]:
    """The voice timeline (float PCM, `total` samples) and the samples placed per scene."""
    from vidc.runtime.media.wav import read_wav

    timeline = np.zeros(total)
    clips = []
    for role, start in zip(voices, starts):
        if not sc_samples(ctx, role):  # a silent scene: nothing to place
            clips.append(0)
            continue
        data, rate = read_wav(ctx.inputs[role] / "voice.wav")
        if rate != RATE:
            raise BackendError(f"{role}: voice at {rate} Hz, expected {RATE} Hz")
        clip = (data if data.ndim == 1 else data.mean(axis=1)).astype(np.float64) / 32768.0
        n = min(len(clip), total - start)
        if len(clip) - n > RATE // 100:  # more than 10 ms past the timeline: a sizing bug, never cut speech
            raise BackendError(f"{role}: the voice runs {len(clip) - n} samples past the end of the video")
        timeline[start : start + n] += clip[:n]
        clips.append(n)
    return timeline, clips


def _music_bed(ctx: TaskContext, total: int) -> Any:
    """The music's first `total` samples, stereo float (None for an empty timeline)."""
    from vidc.runtime.media.wav import read_wav

    if not total:
        return None
    mdata, mrate = read_wav(ctx.inputs[ids.MUSIC] / "music.wav")
    if mrate != RATE:
        raise BackendError(f"music at {mrate} Hz, expected {RATE} Hz")
    music = (mdata[:total] if mdata.ndim == 2 else mdata[:total, None].repeat(2, axis=1))[:, :2] * (1 / 32768.0)
    if len(music) < total:  # the music task covers the video; never a silent end by accident
        raise BackendError(f"the music covers {len(music) / RATE:.2f} s of a {total / RATE:.2f} s video")
    return music
