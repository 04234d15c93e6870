"""Caption line and cue breaks on a corpus of hard lines (runtime/media/line_breaks.py through
split_cues): names, numbers with units, abbreviations with what they belong to and phrasal pairs
stay on one line; no one-word lines where words can be shared; cues last at least a second and are
read at no more than 20 characters a second; sidecar files keep their own 42-character rule."""

from __future__ import annotations

import pytest

from vidc.compiler.textfit import approximate_metrics
from vidc.runtime.backends.captions import sidecar_cues
from vidc.runtime.media import line_breaks
from vidc.runtime.media.caption_cues import split_cues

# (text, the pieces that must each stay on one line)
CORPUS = [
    ("In São Paulo the traffic moves at 120 km/h on a good night.", ["São Paulo", "120 km/h"]),
    ("Meet us on Main St. at noon, then say it out loud.", ["Main St.", "out loud"]),
    ("The weather changes at once, so pack a coat and go.", ["at once"]),
    ("It was −5 °C in New York City when the train finally left.", ["−5 °C", "New York City"]),
    ("Dr. Ruiz flew to Rio de Janeiro for the long weekend.", ["Dr. Ruiz", "Rio de Janeiro"]),
    ("Our office on Sunset Blvd. opens at 9 a.m. every weekday.", ["Sunset Blvd.", "9 a.m."]),
    ("Acme Inc. shipped 48 GB drives to Los Angeles last year.", ["Acme Inc.", "48 GB", "Los Angeles"]),
    ("Ludwig van Beethoven wrote nine symphonies in his life.", ["Ludwig van Beethoven"]),
    ("Of course you can pick up the keys at the front desk.", ["Of course", "pick up"]),
    ("Set the oven to 220 °F and wait for at least ten minutes.", ["220 °F", "at least"]),
    ("Sign up today and get 20 % off your first order of coffee.", ["Sign up", "20 %"]),
    ("We met at St. Louis station with Mr. Okafor and his team.", ["St. Louis", "Mr. Okafor"]),
    ("We crossed the Golden Gate Bridge, 2.7 km of orange steel.", ["Golden Gate Bridge", "2.7 km"]),
    ("Read it out loud, slowly, and let the words land one by one.", ["out loud"]),
    ("Such as this one: a 3.5 GHz chip that runs at 65 W all day.", ["3.5 GHz", "65 W"]),
    ("She drove along Route 66 from Chicago to Santa Monica Pier.", ["Santa Monica Pier"]),
    ("Call Anna at 5 p.m. and ask her to find out the price.", ["5 p.m.", "find out"]),
    ("In Buenos Aires the tango starts late and lasts till dawn.", ["Buenos Aires"]),
    ("It weighs 12 kg, costs $40 and arrives in 3 days at most.", ["12 kg", "3 days"]),
    ("The United Nations met in Geneva for a week in March.", ["United Nations"]),
    ("Make sure the file is saved before you log in again.", ["Make sure", "log in"]),
    ("At last the rain stopped and the kids ran out to play.", ["At last"]),
    ("Each other's ideas made the plan better, as well as faster.", ["as well"]),
    ("Turn off the lights at 11 p.m. and lock the back door.", ["Turn off", "11 p.m."]),
    ("Main St. Station is 300 m from Baker St. and easy to find.", ["300 m"]),
]

# a narrator at 15 characters a second, words timed evenly by characters
CPS = 15.0


def _words(text: str) -> list[list]:
    out, t = [], 0.0
    for w in text.split():
        d = (len(w) + 1) / CPS * 1000
        out.append([w, int(t), int(t + d - 40)])
        t += d
    return out


def _layouts():
    font = approximate_metrics()
    vertical = {"width": lambda s: font.width(s, 30.0), "max_width": 360.0}  # ~20 characters a line
    yield "vertical", vertical
    yield "landscape", {"max_chars": 36}
    yield "narrow", {"max_chars": 20}


@pytest.mark.parametrize("text,keep", CORPUS)
def test_hard_lines_keep_what_belongs_together(text, keep):
    words = _words(text)
    voice_ms = words[-1][2]
    for name, kw in _layouts():
        cues = split_cues(text, voice_ms, words=words, end_ms=voice_ms + 1500, **kw)
        lines = [line for c in cues for line in c.lines]
        assert " ".join(lines).split() == text.split(), (name, lines)
        for piece in keep:
            assert any(piece in line for line in lines), (name, piece, lines)


def test_no_orphans_and_reading_pace_over_the_corpus():
    orphans, short, fast, total = [], [], [], 0
    for text, _ in CORPUS:
        words = _words(text)
        voice_ms = words[-1][2]
        for name, kw in _layouts():
            cues = split_cues(text, voice_ms, words=words, end_ms=voice_ms + 1500, **kw)
            for c in cues:
                total += 1
                n = sum(len(line.split()) for line in c.lines)
                if n >= 3 and any(len(line.split()) == 1 for line in c.lines):
                    orphans.append((name, c.lines))
                if n == 1 and len(text.split()) >= 3:
                    orphans.append((name, c.lines))
                dur = c.end_ms - c.start_ms
                if dur < 1000:
                    short.append((name, dur, c.lines))
                if len(" ".join(c.lines)) / (dur / 1000) > 20.0:
                    fast.append((name, c.lines))
    assert total > 100
    assert not orphans, orphans
    assert not short, short
    assert not fast, fast


@pytest.mark.parametrize(
    "text,k,expected",
    [
        ("in São Paulo today", 1, float("inf")),
        ("on Main St. at noon", 1, float("inf")),
        ("on Main St. at noon", 2, 0.8),
        ("say it out loud now", 2, 1.6 + line_breaks.PHRASE_COST),
        ("at St. Louis station", 1, float("inf")),
        ("it was 120 km/h", 2, float("inf")),
        ("Rio de Janeiro", 0, float("inf")),
        ("Rio de Janeiro", 1, float("inf")),
        ("The Golden Gate Bridge", 0, 1.6 + 1.2),  # "The" starts the sentence, not the name
        ("then, at once", 0, 0.5),
    ],
)
def test_break_costs(text, k, expected):
    assert line_breaks.break_cost(text.split(), k) == pytest.approx(expected)


def test_sidecar_cues_keep_their_own_rule_not_the_burned_layout():
    text = (
        "Every video team knows the grind: scripts, voices, footage, music, captions, and the export "
        "nobody wants to babysit, every single day of the week."
    )
    words = _words(text)
    voice = {"duration_ms": words[-1][2], "scene_ms": words[-1][2] + 1000, "words": words}
    wide = split_cues(text, voice["duration_ms"], words=words, max_chars=60)  # a wide burned layout
    assert max(len(line) for c in wide for line in c.lines) > 42
    for limit in (42, 32):
        cues = sidecar_cues(text, voice, limit)
        assert all(len(line) <= min(42, limit) for c in cues for line in c.lines)
        assert all(len(c.lines) <= 2 for c in cues)
        assert " ".join(line for c in cues for line in c.lines) == text


def test_sidecar_line_length_is_42_or_the_spec_s_own_limit_not_the_burned_style_s():
    from vidc.runtime.backends.captions import CaptionParams, sidecar_chars

    landscape = CaptionParams(style="default", width=1920, height=1080, max_chars_per_line=60)
    portrait = CaptionParams(style="default", width=1080, height=1920)
    assert sidecar_chars(landscape) == 42
    assert sidecar_chars(portrait) == 42  # the portrait style's short burned lines do not apply
    assert sidecar_chars(CaptionParams(style="default", width=1920, height=1080, max_chars_per_line=30)) == 30
