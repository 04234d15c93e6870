"""Karaoke highlights start when the voice starts each word (runtime/media/karaoke_check.py measures it
against Piper's per-phoneme alignment and the audio's energy after pauses; bench/karaoke_sync.py runs a
larger corpus)."""

from __future__ import annotations

import pytest

from vidc.compiler.speech import normalise
from vidc.runtime.media.caption_ass import to_ass
from vidc.runtime.media.caption_cues import split_cues
from vidc.runtime.media.karaoke_check import chunks, highlight_starts, offsets, summary, word_starts
from vidc.runtime.media.word_timing import written_words

TEXTS = [
    "Drive at 120 km/h on the open road, then slow down at once.",
    "It was −5 °C in the morning, and the lake froze in the night.",
]


@pytest.fixture(scope="module")
def synth():
    from vidc.runtime.media.piper_voice import OUTPUT_RATE, PiperSynth

    s = PiperSynth()
    s.rate44 = OUTPUT_RATE
    return s


def _measure(synth, text: str) -> tuple[list[float], list[float]]:
    said = normalise(text)
    audio, spoken = synth.render(said.text)
    dur = len(audio) * 1000.0 / synth.rate44
    words = written_words(spoken, text, said.counts, dur)
    shown = highlight_starts(to_ass(split_cues(text, int(dur), words=words, max_chars=22), 1080, 1920, "karaoke"))
    starts = word_starts(said.words, synth._voice().phonemize)
    return offsets(said, shown, chunks(synth, said.text), synth.sample_rate, audio, synth.rate44, starts)


def test_highlights_start_within_a_frame_of_the_voice(synth):
    by_phoneme, by_energy = [], []
    for text in TEXTS:
        a, b = _measure(synth, text)
        by_phoneme += a
        by_energy += b
    ph, en = summary(by_phoneme), summary(by_energy)
    assert ph["words"] >= 18 and en["words"] >= 2  # merged words and units are among those measured
    assert ph["median_ms"] <= 1000 / 30 and ph["p95_ms"] <= 100, ph
    assert en["median_ms"] <= 1000 / 30 and en["max_ms"] <= 100, en


def test_the_old_fallback_is_caught(synth, monkeypatch):
    """The measurement can fail: spreading the words by characters (the old fallback) misses the target."""
    monkeypatch.setattr(synth, "_aligned", lambda *a, **k: None)
    a, _ = _measure(synth, TEXTS[0])
    assert summary(a)["p95_ms"] > 100
