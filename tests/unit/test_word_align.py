"""Word timings through expansion and merged phoneme words (runtime/media/word_align.py)."""

from __future__ import annotations

import pytest

from vidc.compiler.speech import normalise
from vidc.runtime.media.caption_cues import split_cues
from vidc.runtime.media.word_align import align_words, match_words, phoneme_stream
from vidc.runtime.media.word_timing import written_words


def test_a_merged_phoneme_word_is_shared_at_its_phoneme_boundary():
    # eSpeak says "at once" as one phoneme word `ɐtwˈʌns`; alone the words are `æt` and `wˈʌns`
    align = [
        ("^", 100),
        ("ɐ", 10),
        ("t", 20),
        ("w", 30),
        ("ˈ", 5),
        ("ʌ", 40),
        ("n", 20),
        ("s", 25),
        (".", 50),
        ("$", 0),
    ]
    stream = phoneme_stream([(align, 0, 300)], 1000)
    assert [p[0] for p in stream] == ["ɐ", "t", "w", "ˈ", "ʌ", "n", "s"]  # pauses and marks left out
    spans = align_words([["æ", "t"], ["w", "ˈ", "ʌ", "n", "s"]], stream)
    assert spans == [(100.0, 130.0), (130.0, 250.0)]  # "once" starts at its `w`, not in the pause


def test_a_word_never_starts_in_the_pause_before_it():
    align = [
        ("^", 50),
        ("h", 20),
        ("ˈ", 5),
        ("aɪ", 40),
        (",", 300),
        (" ", 40),
        ("j", 20),
        ("ˈ", 5),
        ("oʊ", 30),
        ("$", 0),
    ]
    spans = align_words([["h", "ˈ", "aɪ"], ["j", "ˈ", "oʊ"]], phoneme_stream([(align, 0, 510)], 1000))
    assert spans[1] is not None and spans[1][0] == 455.0  # after the comma's 300 ms and the space


def test_match_words_maps_a_text_whose_words_differ_a_little():
    timings = [["Drive", 0, 300], ["at", 320, 400], ["120", 420, 1500], ["km/h", 1520, 2500]]
    got = match_words(["Drive", "at", "120km/h"], timings)  # one word for two: it takes both their time
    assert got == [(0.0, 300.0), (320.0, 400.0), (420.0, 2500.0)]
    got = match_words(["Drive", "now", "at", "120", "km/h"], timings)  # a word with no time: a mark
    assert got == [(0.0, 300.0), (300.0, 300.0), (320.0, 400.0), (420.0, 1500.0), (1520.0, 2500.0)]
    assert match_words(["x"], [["y", 0, 10]]) is None


def test_a_unit_is_timed_by_its_own_spoken_words():
    said = normalise("Drive at 120 km/h now.")
    assert said.counts == [1, 1, 4, 3, 1]
    spans = [[w, 100 * k, 100 * k + 80] for k, w in enumerate(said.words)]
    words = written_words(spans, "Drive at 120 km/h now.", said.counts, 1000)
    assert words == [["Drive", 0, 80], ["at", 100, 180], ["120", 200, 580], ["km/h", 600, 880], ["now.", 900, 980]]
    cues = split_cues("Drive at 120 km/h now.", 1000, words=words)
    assert [w[:2] for c in cues for w in c.words][2:4] == [("120", 200), ("km/h", 600)]


@pytest.fixture(scope="module")
def synth():
    from vidc.runtime.media.piper_voice import PiperSynth

    return PiperSynth()


def test_piper_times_merged_words_by_their_phonemes(synth):
    text = "Do it at once, in the morning."
    _, words = synth.render(text)
    voice = synth._voice()
    phoneme_words = sum(1 for s in voice.phonemize(text) for w in "".join(s).split(" ") if w.strip(",."))
    assert phoneme_words < len(text.split())  # eSpeak merges words here: the old count fell back
    assert [w[0] for w in words] == text.split()
    starts = [w[1] for w in words]
    assert starts == sorted(starts) and all(e > s for _, s, e in words)  # every word has its own time
    once, in_ = words[3], words[4]
    assert in_[1] - once[2] > 100  # the comma's pause lies between them, lit by neither


def test_karaoke_lights_no_word_before_it_is_said():
    from vidc.runtime.media.caption_ass import get_style, to_ass
    from vidc.runtime.media.caption_cues import Cue

    style = "karaoke"
    assert get_style(style)["words"]
    cue = Cue(0, 2000, ("Hello there",), (("Hello", 400, 900), ("there", 1000, 1600)))
    events = [e for e in to_ass([cue], 1080, 1920, style).splitlines() if e.startswith("Dialogue:")]
    assert events[0].startswith("Dialogue: 0,0:00:00.00,0:00:00.40,") and "\\1c" not in events[0]
    assert events[1].startswith("Dialogue: 0,0:00:00.40,0:00:01.00,") and "\\1c" in events[1]
