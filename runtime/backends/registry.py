"""One registry of backends by name: the built-ins (imported lazily, so that planning never
imports torch) plus third-party classes from the `vidc.backends` entry-point group."""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from .base import Backend

BUILTIN: dict[str, str] = {
    "inline-script": "vidc.runtime.backends.script:InlineScript",
    "llm-script": "vidc.runtime.backends.script:LockedLLMScript",
    "piper": "vidc.runtime.backends.piper:PiperVoice",
    "kokoro": "vidc.runtime.backends.kokoro_voice:KokoroVoice",
    "elevenlabs": "vidc.runtime.backends.elevenlabs_voice:ElevenLabsVoice",
    "animatic": "vidc.runtime.backends.ffmpeg_video:Animatic",
    "assets": "vidc.runtime.backends.ffmpeg_video:Assets",
    "assemble": "vidc.runtime.backends.ffmpeg_video:Assemble",
    "wan": "vidc.runtime.backends.wan_video:WanVideo",
    "captions": "vidc.runtime.backends.captions:Captions",
    "music-select": "vidc.runtime.backends.music:MusicSelect",
    "mix": "vidc.runtime.backends.mix:Mix",
    "export": "vidc.runtime.backends.export:Export",
}


def load_class(name: str) -> type[Backend]:
    target = BUILTIN.get(name)
    if target is None:
        for ep in entry_points(group="vidc.backends"):
            if ep.name == name:
                return ep.load()
        raise KeyError(f"no backend named `{name}`")
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def create(name: str) -> Backend:
    return load_class(name)()
