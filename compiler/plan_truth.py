"""Checks that keep the plan honest about what a build will do: a scene whose estimated speech is
longer than the scene maximum (the plan would show it clamped, and the voice task would fail), a
setting the chosen engine ignores, and a Kokoro voice that Kokoro does not have."""

from __future__ import annotations

import functools

from vidc.schemas.spec import Scene

from .diagnostics import Diagnostic, suggest
from .drafts import is_still
from .frontend import LoadedVideo
from .pacing import estimated_voice_ms, is_silent
from .resources import template_yaml


def check_speech_fits(video: LoadedVideo, scenes: list[Scene] | None) -> list[Diagnostic]:
    """W_SPEECH_OVER_MAX: the speech (at the voice's rate) plus the pause passes script.scene_seconds'
    maximum, so the voice task would fail; said at plan time, with the setting that raises the limit."""
    spec, out = video.spec, []
    top = spec.script.scene_seconds[1]
    pause_ms = int(spec.voice.pause_seconds * 1000)
    for i, scene in enumerate(scenes or []):
        if is_silent(scene):
            continue
        need_s = (estimated_voice_ms(scene, spec) + pause_ms) / 1000
        if need_s <= top:
            continue
        out.append(
            video.diagnostic(
                ("script", "scenes", i, "voiceover_text"),
                "W_SPEECH_OVER_MAX",
                f"scene {i + 1}'s speech lasts about {need_s:.1f} s with its pause at "
                f"{spec.voice.wpm * spec.voice.speed:g} words per minute, more than the scene maximum of {top:g} s: "
                "its voice task would fail",
                f"raise the maximum of script.scene_seconds (e.g. `scene_seconds: [{spec.script.scene_seconds[0]:g}, "
                f"{int(need_s) + 1}]`), split the scene, shorten the text, or raise voice.speed",
                severity="warning",
            )
        )
    return out


def check_ignored_settings(video: LoadedVideo, scenes: list[Scene] | None) -> list[Diagnostic]:
    """W_IGNORED_SETTING: a scene's `clip_mode` when the scene shows no video clip (no asset, or a still
    image): nothing is shorter than the scene to hold, loop or stretch."""
    out = []
    written = video.spec.script.scenes or []
    for i, scene in enumerate(scenes or []):
        if i >= len(written) or scene.clip_mode is None:
            continue
        asset = scene.asset or ""
        if asset and not is_still(asset):
            continue
        what = f"its asset `{asset}` is a still image" if asset else "it shows no clip (no `asset:`)"
        out.append(
            video.diagnostic(
                ("script", "scenes", i, "clip_mode"),
                "W_IGNORED_SETTING",
                f"scene {i + 1}'s `clip_mode: {scene.clip_mode}` changes nothing: {what}",
                "remove `clip_mode:`; it applies to a video clip shorter than its scene",
                severity="warning",
            )
        )
    return out


@functools.cache
def kokoro_voices() -> dict[str, tuple[str, ...]]:
    """Kokoro's voices by language code (templates/kokoro_voices.yaml)."""
    return {code: tuple(names) for code, names in template_yaml("kokoro_voices.yaml").items()}


def check_kokoro_voice(video: LoadedVideo) -> list[Diagnostic]:
    """E_KOKORO_VOICE: voice.voice names a Kokoro voice (or a voice of a blend) that Kokoro does not have."""
    vo = video.spec.voice
    if vo.engine != "kokoro" or not vo.voice:
        return []
    known = [name for names in kokoro_voices().values() for name in names]
    out = []
    for name in (v.strip() for v in vo.voice.split(",")):
        if not name or name.endswith(".pt") or name in known:
            continue
        out.append(
            video.diagnostic(
                ("voice", "voice"),
                "E_KOKORO_VOICE",
                f"Kokoro has no voice `{name}`",
                suggest(name, known, "Kokoro's voices include")
                + " (a voice of your own is named by its .pt path, relative to the spec)",
            )
        )
    return out
