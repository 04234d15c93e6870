"""Captions: split a scene's narration into readable cues, time them, write SRT / WebVTT / ASS.

Splitting (`split_cues`): at most `max_lines` lines (2) of at most `max_chars` characters per cue,
broken at word boundaries; a single word longer than a line is hard-wrapped. The cue boundaries are
chosen by dynamic programming over the words, preferring sentence ends, then clause punctuation,
never leaving a weak word ("the", "of", ...) at the end of a cue, keeping the reading speed at or
under `max_cps` (17 characters per second) where the speech allows, cues at least `min_ms` (1 s)
long, and two-line cues balanced (bottom-heavy). Cues are contiguous and never overlap: they cover
the voice from 0 to its end; the last one may linger (up to `end_ms`) so it can be read.

Timing comes from word timings ([[word, start_ms, end_ms], ...] from the voice engine) when given,
else it is proportional to the characters over [0, voice_ms].

Writers: `to_srt`, `to_vtt`, `to_ass` (styles from templates/caption_styles.yaml, sizes relative
to the video height, WrapStyle 2 with explicit \\N breaks). ASS escaping: `{`/`}` become `\\{`/`\\}`
(libass prints them literally) and every backslash is followed by an invisible WORD JOINER (U+2060)
so `\\N`, `\\h`, `\\{` in the text stay text; emoji, which the caption font cannot draw, are left
out of burned-in ASS captions only. `shift` moves a scene's cues onto the whole video's timeline.
`ffmpeg_filter_path` escapes a path for use inside a filtergraph (`ass=filename=...`).
"""

from __future__ import annotations

from .caption_ass import ass_escape, ffmpeg_filter_path, get_style, load_styles, max_chars_for, to_ass
from .caption_cues import Cue, shift, split_cues
from .caption_files import to_srt, to_vtt, to_word_vtt, words_json

__all__ = [
    "Cue",
    "split_cues",
    "to_srt",
    "to_vtt",
    "to_ass",
    "shift",
    "ass_escape",
    "ffmpeg_filter_path",
    "load_styles",
    "get_style",
    "max_chars_for",
    "to_word_vtt",
    "words_json",
]
