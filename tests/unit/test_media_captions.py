"""Caption splitting, timing, writers, and real libass rendering of nasty text."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from vidc.runtime.media.captions import (
    Cue,
    ass_escape,
    ffmpeg_filter_path,
    get_style,
    load_styles,
    max_chars_for,
    shift,
    split_cues,
    to_ass,
    to_srt,
    to_vtt,
)

NASTY = (
    'He said "50% off" at 10:30; C:\\temp\\new {\\b1}not bold{\\b0} \\N not a break \\h '
    "it's <b>fine</b> --> \U0001f642\U0001f680 שלום עולם مرحبا بالعالم & done…"
)

words_st = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12),
        st.sampled_from(
            [
                "the",
                "a",
                "end.",
                "well,",
                "C:\\x",
                "{b}",
                "50%",
                "\U0001f642",
                "שלום",
                "مرحبا",
                "Supercalifragilisticexpialidocious-and-more-and-more",
            ]
        ),
    ),
    min_size=0,
    max_size=60,
)


def _check(cues, text, max_chars, voice_ms, max_lines=2):
    words = text.split()
    # every character of the text, in order (hard-wrapped words are split across lines)
    assert "".join("".join("".join(c.lines).split()) for c in cues) == "".join(words)
    # words that fit a line are never split
    flat = [w for c in cues for line in c.lines for w in line.split()]
    for w in words:
        if len(w) <= max_chars:
            assert w in flat
    prev = 0
    for c in cues:
        assert 1 <= len(c.lines) <= max_lines
        assert all(0 < len(line) <= max_chars for line in c.lines)
        assert c.start_ms == prev  # contiguous, no overlaps
        assert c.end_ms >= c.start_ms
        prev = c.end_ms
    if cues:
        assert cues[0].start_ms == 0 and cues[-1].end_ms >= voice_ms


@given(words_st, st.integers(10, 60), st.integers(0, 60000), st.sampled_from([1, 2, 3]))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_split_properties(words, max_chars, voice_ms, max_lines):
    text = " ".join(words)
    cues = split_cues(text, voice_ms, max_chars=max_chars, max_lines=max_lines)
    _check(cues, text, max_chars, voice_ms, max_lines)


@given(words_st.filter(bool), st.integers(10, 60), st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_split_with_word_timings(words, max_chars, data):
    text = " ".join(words)
    toks = text.split()
    gaps = data.draw(st.lists(st.integers(0, 900), min_size=2 * len(toks), max_size=2 * len(toks)))
    t, timings = 0, []
    for k, w in enumerate(toks):
        s = t + gaps[2 * k]
        e = s + gaps[2 * k + 1]
        timings.append([w, s, e])
        t = e
    voice_ms = t + 100
    cues = split_cues(text, voice_ms, words=timings, max_chars=max_chars)
    _check(cues, text, max_chars, voice_ms)
    starts = {s for _, s, _ in timings}
    for c in cues[1:]:
        assert c.start_ms in starts or any(abs(c.start_ms - s) <= 1000 for s in starts)


def test_reading_speed_min_duration_and_punctuation():
    text = (
        "Meet BeatSync, the metronome that listens back. It keeps time with you, not against you. "
        "Practice every day and hear the difference in a week. Try it free for thirty days."
    )
    voice_ms = int(len(text) / 15 * 1000)  # a narrator at 15 characters per second
    cues = split_cues(text, voice_ms, max_chars=42, end_ms=voice_ms + 1500)
    for c in cues:
        chars = len(" ".join(c.lines))
        assert chars / ((c.end_ms - c.start_ms) / 1000) <= 17.0
        assert c.end_ms - c.start_ms >= 800
    assert cues[-1].end_ms <= voice_ms + 1500
    # cues end at punctuation, never on a weak word
    for c in cues:
        last = c.lines[-1].split()[-1]
        assert last[-1] in ".,;:!?"
    # a lone short cue at the end lingers up to end_ms for reading
    short = split_cues("Hi.", 300, end_ms=5000)
    assert short == [Cue(0, 1000, ("Hi.",))]  # at least a second on screen
    assert split_cues("", 1000) == [] and split_cues("   ", 1000) == []


def test_word_timings_drive_boundaries():
    text = "One two three four five six seven eight nine ten eleven twelve"
    timings = [[w, i * 1000, i * 1000 + 600] for i, w in enumerate(text.split())]
    cues = split_cues(text, 12000, words=timings, max_chars=20)
    starts = [c.start_ms for c in cues]
    assert starts[0] == 0 and all(s % 1000 == 0 for s in starts)
    assert cues[-1].end_ms == 12000


def test_long_word_is_hard_wrapped():
    w = "x" * 100
    cues = split_cues(f"a {w} b", 5000, max_chars=30)
    lines = [line for c in cues for line in c.lines]
    assert all(len(line) <= 30 for line in lines)
    assert "".join("".join(lines).split()) == "a" + w + "b"


def test_srt_and_vtt_format():
    cues = [Cue(0, 1500, ("Hello, <world>",)), Cue(1500, 3723_004, ("A & B", "x --> y"))]
    assert to_srt(cues) == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello, <world>\n\n2\n00:00:01,500 --> 01:02:03,004\nA & B\nx –> y\n"
    )
    assert to_vtt(cues) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello, &lt;world&gt;\n\n"
        "00:00:01.500 --> 01:02:03.004\nA &amp; B\nx --&gt; y\n"
    )
    moved = shift(cues, 10_000)
    assert moved[0] == Cue(10_000, 11_500, ("Hello, <world>",)) and moved[1].end_ms == 3733_004
    assert Cue.from_dict(cues[1].to_dict()) == cues[1]


def test_ass_document_and_escaping():
    assert ass_escape("a{b}c") == "a\\{b\\}c"
    assert ass_escape("x\\Ny") == "x\\\u2060Ny"
    assert ass_escape("\\{") == "\\\u2060\\{"
    assert ass_escape("go \U0001f642 now") == "go now"
    doc = to_ass([Cue(0, 1234, ("one", "two"))], 1920, 1080, "default")
    assert "PlayResX: 1920\nPlayResY: 1080\nWrapStyle: 2\n" in doc
    assert "Dialogue: 0,0:00:00.00,0:00:01.23,Default,,0,0,0,,one\\Ntwo\n" in doc
    style = re.search(r"^Style: (.*)$", doc, re.M).group(1).split(",")
    assert style[1] == "DejaVu Sans" and int(style[2]) == round(0.048 * 1080) and style[18] == "2"
    assert set(load_styles()) >= {"default", "bold", "minimal"}
    assert re.search(r"^Style: (.*)$", to_ass([], 1280, 720, "bold"), re.M).group(1).split(",")[15] == "3"  # boxed
    assert max_chars_for(1920, 1080) == 42 and max_chars_for(1080, 1920) == 28
    with pytest.raises(KeyError, match="known"):
        get_style("nope")


def _render(tmp_path, filter_arg, subdir=None, w=640, h=360):
    out = tmp_path / "frame.rgb"
    proc = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c=0x204060:s={w}x{h}:r=10:d=0.3",
            "-vf",
            filter_arg,
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            str(out),
        ],
        cwd=subdir or tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.lower(), proc.stderr
    return np.frombuffer(out.read_bytes(), dtype=np.uint8).reshape(h, w)


def _text_rows(img):
    rows = np.where((img > 200).sum(axis=1) > 0)[0]
    return (rows.min(), rows.max()) if len(rows) else None


def test_nasty_text_renders_through_libass(tmp_path):
    cues = split_cues(NASTY, 6000, max_chars=60)
    (tmp_path / "c.ass").write_text(to_ass(cues[:1], 640, 360, "default"), encoding="utf-8")
    img = _render(tmp_path, "ass=c.ass")
    assert (img > 200).sum() > 200  # white text drawn
    (tmp_path / "c.srt").write_text(to_srt(cues), encoding="utf-8")
    assert (_render(tmp_path, "subtitles=c.srt") > 200).sum() > 200
    for c in cues:  # every cue renders, RTL and symbols included
        (tmp_path / "one.ass").write_text(to_ass([Cue(0, 5000, c.lines)], 640, 360, "minimal"), encoding="utf-8")
        assert (_render(tmp_path, "ass=one.ass") > 200).sum() > 50, c.lines


def test_braces_and_backslashes_stay_text(tmp_path):
    def draw(line):
        (tmp_path / "t.ass").write_text(to_ass([Cue(0, 5000, (line,))], 640, 360, "default"), encoding="utf-8")
        return _render(tmp_path, "ass=t.ass")

    plain = (draw("WWWW") > 200).sum()
    braced = draw("{WWWW}")
    assert (braced > 200).sum() > plain  # the text inside braces is drawn (not eaten as a tag)
    one_line = _text_rows(draw("abc def"))
    escaped = _text_rows(draw("abc\\Ndef"))  # a literal backslash-N, not a line break
    assert escaped[1] - escaped[0] <= (one_line[1] - one_line[0]) + 4


def test_filter_path_escaping(tmp_path):
    weird = tmp_path / "it's [a], b; c=d:e"
    weird.mkdir()
    (weird / "s.ass").write_text(to_ass([Cue(0, 5000, ("hello",))], 640, 360), encoding="utf-8")
    img = _render(tmp_path, "ass=filename=" + ffmpeg_filter_path(weird / "s.ass"))
    assert (img > 200).sum() > 50
    assert ffmpeg_filter_path("a:b") == "a\\\\:b"  # a\\:b - the option level, then the graph level
    assert ffmpeg_filter_path("x'y") == "x\\\\\\'y"
