"""The pacing rules: the words a voice will say, how long it takes to say them at the voice's rate,
and how long a scene, a silent scene or an intro/outro lasts in the plan (the voice may stretch a
scene, never shrink it)."""

from __future__ import annotations

from vidc.schemas.spec import Scene, VideoSpec

from .speech import Spoken, normalise


def spoken(spec: VideoSpec, text: str, lexicon: dict[str, str] | None = None) -> Spoken | None:
    """What the voice says for `text` (None when the spec turns normalisation off)."""
    vo = spec.voice
    if not vo.normalise_text:
        return None
    return normalise(text, vo.language, {**(lexicon or {}), **vo.lexicon})


def spoken_words(scene: Scene, spec: VideoSpec) -> int:
    """Words the voice will say: the normalised text's ("$12.5 million" is five)."""
    said = spoken(spec, scene.voiceover_text)
    return len(said.words) if said is not None else len(scene.voiceover_text.split())


def estimated_voice_ms(scene: Scene, spec: VideoSpec) -> int:
    """Speech length at the voice's rate (the engine's measured words per minute by default)."""
    return int(spoken_words(scene, spec) * 60000 / (spec.voice.wpm * spec.voice.speed))


def min_scene_ms(scene: Scene) -> int:
    """The scene's planned length; 0 for `auto` (the measured speech plus the pause)."""
    return 0 if scene.duration_seconds == "auto" else int(scene.duration_seconds * 1000)


def is_silent(scene: Scene) -> bool:
    """A scene without narration: music alone for its `duration_seconds` (validation requires a number)."""
    return not scene.voiceover_text.strip()


def bookend_frames(seconds: float, fps: int) -> int:
    """Frames of an intro or outro: its seconds at the preset's rate, at least one."""
    return max(1, int(round(seconds * fps)))


def planned_scene_ms(scene: Scene, spec: VideoSpec) -> int:
    """The scene length the planner expects: the voice may stretch the scene, never shrink it."""
    if is_silent(scene):
        return min_scene_ms(scene)
    voice = estimated_voice_ms(scene, spec) + int(spec.voice.pause_seconds * 1000)
    return min(max(min_scene_ms(scene), voice), int(spec.script.scene_seconds[1] * 1000))
