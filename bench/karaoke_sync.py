"""Karaoke timing against the voice: for every written word of a corpus of narration (numbers and units
that expand, words the phonemiser merges, pauses), the time its highlight starts in the burned karaoke
captions minus the time the voice starts saying it. Prints the median and 95th percentile of |offset|.

Two references, measured on the rendered Piper audio:
- phonemes: Piper's own per-phoneme alignment; a written word starts at the first voiced phoneme of its
  first spoken word. Which phoneme word a spoken word starts is eSpeak's own count of the phoneme words
  of each prefix of the text; a word eSpeak merges into the one before it is not counted.
- energy: after every pause mark (a comma, a full stop) the first 5 ms window whose level rises above
  -35 dB of the clip's loudest window, after the pause's quiet, matched in order with the first word
  after each pause mark of the spoken text (runtime/media/karaoke_check.py).

    .venv/bin/python bench/karaoke_sync.py [--no-align]

--no-align times words the old way (phoneme words counted, else spread by characters), for comparison.
Target: median within one frame (33 ms at 30 fps), p95 within 100 ms.
"""

from __future__ import annotations

import sys

from vidc.compiler.speech import normalise
from vidc.runtime.media.caption_ass import to_ass
from vidc.runtime.media.caption_cues import split_cues
from vidc.runtime.media.karaoke_check import chunks, highlight_starts, offsets, summary, word_starts
from vidc.runtime.media.piper_voice import OUTPUT_RATE, PiperSynth
from vidc.runtime.media.word_timing import written_words

TEXTS = [
    "Drive at 120 km/h on the open road, then slow down at once.",
    "It was −5 °C in the morning, and the lake froze in the night.",
    "Louis XIV built Versailles; from 2020–2024 it saw record crowds.",
    "Call +44 20 7946 0958 before 6:45 a.m. on 7 Dec 2026.",
    "Add 3/4 of a cup, stir at once, and bake at 180 °C for an hour.",
    "In the end we won 3–1, and the fans sang in the rain.",
    "Follow #MachineLearning and @user for more, or visit example.com today.",
    "The 3.5 GHz chip uses 450 g of copper; it is 5'11\" tall, in a way.",
    "Meet Dr. Smith on Main St. at 18:30, then read the news at once.",
    "We sold 1,234 units in 1999, up 45% on the year before.",
]


def measure(synth: PiperSynth, text: str) -> tuple[list[float], list[float]]:
    said = normalise(text)
    audio, spoken_words = synth.render(said.text)
    dur = len(audio) * 1000.0 / OUTPUT_RATE
    words = written_words(spoken_words, text, said.counts, dur)
    cues = split_cues(text, int(dur), words=words, max_chars=22)
    shown = highlight_starts(to_ass(cues, 1080, 1920, "karaoke"))
    starts = word_starts(said.words, synth._voice().phonemize)
    return offsets(said, shown, chunks(synth, said.text), synth.sample_rate, audio, OUTPUT_RATE, starts)


def _line(name: str, xs: list[float]) -> str:
    s = summary(xs)
    if not s["words"]:
        return f"{name}: no words"
    return (
        f"{name}: {s['words']:.0f} words, |offset| median {s['median_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, "
        f"max {s['max_ms']:.1f} ms; {s['late']:.0f} lit over a frame late, {s['early']:.0f} over a frame early"
    )


def main() -> int:
    synth = PiperSynth()
    if "--no-align" in sys.argv:
        synth._aligned = lambda *a, **k: None  # type: ignore[method-assign]
    ph: list[float] = []
    en: list[float] = []
    for text in TEXTS:
        a, b = measure(synth, text)
        ph += a
        en += b
    print(f"{len(TEXTS)} texts, {sum(len(normalise(t).written) for t in TEXTS)} written words")
    print(_line("against the phoneme alignment", ph))
    print(_line("against the energy onset after a pause", en))
    return 0


if __name__ == "__main__":
    sys.exit(main())
