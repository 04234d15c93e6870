"""Sidecar cues read at no more than 20 characters a second where the scene's silences and lines allow."""

from vidc.runtime.media.caption_cues import Cue
from vidc.runtime.media.sidecar_pace import paced


def _cps(c: Cue) -> float:
    return len(" ".join(c.lines)) * 1000 / (c.end_ms - c.start_ms)


def test_a_fast_cue_takes_the_silence_after_it() -> None:
    cues = [Cue(0, 1000, ("Thirty characters of text, ok.",)), Cue(2500, 3500, ("Next.",))]
    out = paced(cues, 4000, 42)
    assert out[0].start_ms == 0 and out[0].end_ms == 1500 and _cps(out[0]) <= 20
    assert out[1] == cues[1]


def test_a_fast_cue_takes_the_silence_before_it_when_nothing_follows() -> None:
    cues = [Cue(0, 500, ("Hi.",)), Cue(1000, 2000, ("Thirty characters of text, ok.",))]
    out = paced(cues, 2000, 42)
    assert out[1].end_ms == 2000 and out[1].start_ms == 500 and _cps(out[1]) <= 20


def test_a_cue_with_no_silence_joins_a_slow_neighbour_that_fits_two_lines() -> None:
    cues = [Cue(0, 3000, ("Slow words here.",)), Cue(3000, 4000, ("and then a rushed ending", "of the line"))]
    out = paced(cues, 4000, 42)
    assert len(out) == 1 and out[0].start_ms == 0 and out[0].end_ms == 4000
    assert len(out[0].lines) <= 2 and all(len(line) <= 42 for line in out[0].lines)
    assert " ".join(out[0].lines) == "Slow words here. and then a rushed ending of the line"


def test_cues_that_cannot_be_joined_stay_as_they_are() -> None:
    long = ("x" * 40, "y" * 40)
    cues = [Cue(0, 1000, long), Cue(1000, 2000, long)]
    assert paced(cues, 2000, 42) == cues


def test_slow_cues_are_untouched() -> None:
    cues = [Cue(0, 2000, ("Calm.",)), Cue(2100, 4000, ("Also calm.",))]
    assert paced(cues, 5000, 42) == cues
