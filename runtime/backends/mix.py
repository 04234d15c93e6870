"""Audio mix: voices placed sample-exactly on one PCM timeline at the scenes' frame boundaries,
music ducked under them by a sidechain compressor and faded out, loudness normalised in two passes
(measure, then apply linearly), still PCM: the export encodes it once."""
from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidc.compiler.refs import fill_self, frames_for_ms
from vidc.schemas import ids

from .base import Backend, BackendError, TaskContext, run_ffmpeg

RATE = 44100


def loudnorm_json(stderr: str) -> dict[str, str]:
    """loudnorm prints its measurement as the last JSON object on stderr."""
    found = re.findall(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr, flags=re.S)
    if not found:
        raise BackendError("ffmpeg loudnorm printed no measurement:\n" + "\n".join(stderr.splitlines()[-8:]))
    return json.loads(found[-1])


class MixParams(BaseModel):
    """The user-set part of the mix (music volume, ducking, fade; loudness target). Other keys pass
    through unchecked, so a param added by lowering never breaks an older catalog."""

    model_config = ConfigDict(extra="allow")
    fps: int = Field(ge=1)
    volume: float = Field(ge=0, le=2)
    duck_db: float = Field(ge=0, le=40)
    fade_out_seconds: float = Field(ge=0, le=30)
    lufs: float = Field(ge=-40, le=-5)
    true_peak: float = Field(ge=-9, le=0)


class Mix(Backend):
    name = "mix"
    stage = "mix"
    version = "1"
    Params = MixParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        from vidc.runtime.media.timeline import frames_to_samples, place_voices

        p = ctx.params
        fps = int(p["fps"])
        voices = [r for _, r in ids.numbered(ctx.inputs, ids.VOICE)]
        starts, frames = [], 0
        for role in voices:
            starts.append(frames_to_samples(frames, fps, RATE))
            frames += frames_for_ms(ctx.input_result(role)["scene_ms"], fps)
        total_samples = frames_to_samples(frames, fps, RATE)
        place_voices([ctx.inputs[r] / "voice.wav" for r in voices], starts, total_samples, ctx.out / "timeline.wav", rate=RATE)
        total_s = frames / fps
        fade = min(float(p["fade_out_seconds"]), total_s / 2)
        values = {"total_s": f"{total_s:.6f}", "fade_start_s": f"{max(0.0, total_s - fade):.6f}"}
        measure, apply, encode = (fill_self(a, values) for a in ctx.argv)
        stats = loudnorm_json(run_ffmpeg(measure, cwd=ctx.store_root, what="ffmpeg (loudness pass 1)"))
        for key in ("I", "TP", "LRA", "thresh"):
            values[f"measured_{key}"] = stats[f"input_{key.lower()}"]
        values["offset"] = stats["target_offset"]
        run_ffmpeg(fill_self(apply, values), cwd=ctx.store_root, what="ffmpeg (loudness pass 2)")
        run_ffmpeg(encode, cwd=ctx.store_root, what="ffmpeg (AAC encode)")
        for scratch in ("timeline.wav", "premix.wav", "mix.wav"):  # the store keeps the encoded mix only
            (ctx.out / scratch).unlink()
        return {
            "frames": frames, "duration_ms": frames * 1000 // fps, "voice_starts_samples_44100": starts,
            "loudness_target_lufs": p["lufs"], "true_peak_ceiling_db": p["true_peak"],
            "measured_before": {k: stats[f"input_{k}"] for k in ("i", "tp", "lra", "thresh")},
        }

