"""Karaoke timing measured against the voice (bench/karaoke_sync.py, scripts/audit_publishable.py):
when each word's highlight starts in the karaoke captions, and when the voice starts saying it.

The voice's times come from the audio and from Piper's per-phoneme alignment, never from the word
timings being checked: a word's onset is the first voiced phoneme of its first spoken word (where the
phonemiser's words are the spoken words one to one), and after each pause the audio's energy onset (the
first 5 ms window above -35 dB of the loudest window, after the pause's quiet), matched in order with
the first word after each pause mark of the spoken text."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_PAUSES = frozenset(",.!?;:")
_UNVOICED = frozenset("^$ ,.!?;:—–-…\"'()")


def highlight_starts(ass: str) -> list[tuple[str, int]]:
    """(word, start ms) of every karaoke event of an ASS document, in order."""
    out = []
    for line in ass.splitlines():
        if not line.startswith("Dialogue:") or "\\1c" not in line:
            continue
        h, m, s = line.split(",")[1].split(":")
        ms = int(round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000))
        word = re.search(r"\{\\1c&H[0-9A-Fa-f]+&\}(.*?)\{\\r\}", line)
        out.append((word.group(1) if word else "", ms))
    return out


def by_written_word(written: Sequence[str], shown: Sequence[tuple[str, int]]) -> dict[int, int]:
    """Written word index -> its highlight start, matching the karaoke events in order."""
    out: dict[int, int] = {}
    k = 0
    for i, w in enumerate(written):
        j = k
        while j < len(shown) and shown[j][0] != w:
            j += 1
        if j < len(shown):
            out[i] = shown[j][1]
            k = j + 1
    return out


def phoneme_events(chunks: Sequence[tuple[Sequence[tuple[str, int]], int, int]], rate: int) -> list[tuple[str, float]]:
    """('word', ms) at each phoneme word's first voiced phoneme and ('pause', ms) at each pause mark."""
    out: list[tuple[str, float]] = []
    for align, offset, _ in chunks:
        pos, inside = offset, False
        for ph, n in align:
            if ph == " ":
                inside = False
            elif ph in _PAUSES:
                out.append(("pause", pos * 1000.0 / rate))
                inside = False
            elif ph not in _UNVOICED and not inside:
                out.append(("word", pos * 1000.0 / rate))
                inside = True
            pos += int(n)
    return out


def _count_words(sentences: Sequence[Sequence[str]]) -> int:
    n = 0
    for phonemes in sentences:
        inside = False
        for ph in phonemes:
            if ph == " " or ph in _PAUSES:
                inside = False
            elif ph not in _UNVOICED and not inside:
                n, inside = n + 1, True
    return n


def word_starts(spoken: Sequence[str], phonemize: Callable[[str], Sequence[Sequence[str]]]) -> dict[int, int]:
    """Spoken word index -> index of the phoneme word it starts, by the phonemiser's own word count of
    each prefix of the text: a word that adds no phoneme word (eSpeak merged it into the one before) is
    left out, as is every word after a prefix whose count jumps by more than one."""
    out: dict[int, int] = {}
    before = 0
    for k in range(len(spoken)):
        now = _count_words(phonemize(" ".join(spoken[: k + 1])))
        if now == before + 1:
            out[k] = before
        before = now
    return out


def energy_onset(audio: np.ndarray, rate: int, after_ms: float, limit_ms: float = 400.0) -> float | None:
    """The first loud 5 ms window after the quiet that follows `after_ms` (None: no quiet, no onset)."""
    hop = max(int(rate * 0.005), 1)
    k0 = int(after_ms / 5.0)
    frames = len(audio) // hop
    if k0 >= frames:
        return None
    rms = np.sqrt(np.mean(audio[: frames * hop].reshape(frames, hop) ** 2, axis=1) + 1e-12)
    loud = rms > rms.max() * 10 ** (-35 / 20)
    end = min(frames, k0 + int(limit_ms / 5.0))
    quiet = next((k for k in range(k0, end) if not loud[k]), None)
    if quiet is None:
        return None
    return next((k * 5.0 for k in range(quiet, end) if loud[k]), None)


def offsets(
    said: Any,
    shown: Sequence[tuple[str, int]],
    chunks: Sequence[tuple[Sequence[tuple[str, int]], int, int]],
    rate: int,
    audio: np.ndarray,
    audio_rate: int,
    starts: dict[int, int] | None = None,
) -> tuple[list[float], list[float]]:
    """(highlight start - phoneme onset, highlight start - energy onset after a pause) in ms, per written
    word that can be measured. `said` is the normaliser's Spoken (written words, counts, spoken text);
    `starts` (word_starts) names the phoneme word each spoken word starts, else they must be one to one."""
    events = phoneme_events(chunks, rate)
    onsets = [t for kind, t in events if kind == "word"]
    pauses = [t for kind, t in events if kind == "pause"]
    hl = by_written_word(said.written, shown)
    first = np.cumsum([0, *said.counts[:-1]]).tolist()
    owner = {int(first[i]): i for i in range(len(said.written)) if said.counts[i]}
    spoken = said.words
    if starts is None:
        starts = {j: j for j in range(len(spoken))} if len(onsets) == len(spoken) else {}
    by_phoneme = [
        hl[i] - onsets[starts[j]] for j, i in owner.items() if i in hl and starts.get(j, len(onsets)) < len(onsets)
    ]
    marks = [j + 1 for j, w in enumerate(spoken) if w[-1] in _PAUSES]
    by_energy = []
    if len(marks) == len(pauses):  # the pause marks are the spoken text's, one to one
        for j, p in zip(marks, pauses):
            onset = energy_onset(audio, audio_rate, p)
            if onset is not None and j in owner and owner[j] in hl:
                by_energy.append(hl[owner[j]] - onset)
    return by_phoneme, by_energy


def chunks(synth: Any, spoken: str) -> list[tuple[list[tuple[str, int]], int, int]]:
    """Piper's per-phoneme alignment of each sentence of `spoken` (a PiperSynth's voice), placed on the
    clip as `PiperSynth.render` places the sentences."""
    from piper import SynthesisConfig

    voice = synth._voice()
    out: list[tuple[list[tuple[str, int]], int, int]] = []
    offset = 0
    gap = int(round(synth.sentence_silence_ms * synth.sample_rate / 1000.0))
    for chunk in voice.synthesize(spoken, syn_config=SynthesisConfig(volume=0.891), include_alignments=True):
        n = len(chunk.audio_float_array)
        if out:
            offset += gap
        out.append(([(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments], offset, n))
        offset += n
    return out


def summary(xs: Sequence[float], frame_ms: float = 1000 / 30) -> dict[str, float]:
    """Median, 95th percentile and maximum of |offset|, and how many words lit over a frame late/early."""
    if not xs:
        return {"words": 0}
    a = sorted(abs(x) for x in xs)
    return {
        "words": len(a),
        "median_ms": float(np.median(a)),
        "p95_ms": float(a[min(len(a) - 1, int(round(0.95 * (len(a) - 1))))]),
        "max_ms": a[-1],
        "late": sum(1 for x in xs if x > frame_ms),
        "early": sum(1 for x in xs if x < -frame_ms),
    }
