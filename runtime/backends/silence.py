"""Voice `silence`: a silent scene's "voice". No engine runs; it writes an empty 44.1 kHz WAV and
reports the scene's length like any voice, so the mix, music, captions and export treat the scene
as one with nothing said (no cues, the music not ducked)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .base import Backend, TaskContext


class SilenceParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scene: int = Field(ge=1)
    scene_ms: int = Field(ge=1, description="The scene's length (its duration_seconds)")


class Silence(Backend):
    """A silent scene (no narration): no voice engine call."""

    name = "silence"
    stage = "voice"
    version = "1"
    Params = SilenceParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        import numpy as np

        from vidc.runtime.media.wav import write_wav

        write_wav(ctx.out / "voice.wav", np.zeros(0), 44100)
        return {
            "duration_ms": 0,
            "samples": 0,
            "sample_rate": 44100,
            "scene_ms": SilenceParams.model_validate(params).scene_ms,
            "words": [],
            "silent": True,
        }
