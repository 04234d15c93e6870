"""How much narration a scene can hold: a scene lasts at most `script.scene_seconds`' maximum, and no
voice speaks faster than a few dozen characters a second, so a voiceover far beyond that can never be
spoken. Such a text is refused before anything reads it word by word (a 5 MB line is an attack or an
accident, and normalising it would take minutes)."""

from __future__ import annotations

# Characters of written text per second of the scene maximum: about twice what the fastest voice
# (190 words a minute at voice.speed 4, some 75 characters a second) can say.
MAX_CHARS_PER_SECOND = 200


def max_voiceover_chars(max_scene_s: float) -> int:
    """The most characters a scene's voiceover may hold when scenes last at most max_scene_s."""
    return int(min(max(max_scene_s, 1.0), 1e7) * MAX_CHARS_PER_SECOND)
