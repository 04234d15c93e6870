"""Word timings of a voice clip, shared by the voice engines: from phoneme alignments to spans, spans to
the text's words, the spoken text's words back to the written ones, and the measured result of a clip.

Phoneme words are separated by the " " phoneme, punctuation phonemes are pauses, and sentence chunks
follow each other with the silence in between. When the number of phoneme words equals the number of
whitespace-separated words of the text they map one to one; otherwise the text's words are spread over
the voiced spans in proportion to their characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vidc.compiler.textsafe import without_c0_controls

from .wav import measure_duration_ms, samples_to_ms

_PUNCT_PHONEMES = frozenset(",.!?;:—–-…\"'()[]¡¿«»“”„")
_BOS, _EOS, _SPACE = "^", "$", " "


# --------------------------------------------------------------------------- word timings


def words_from_alignments(
    chunks: Sequence[tuple[Sequence[tuple[str, int]] | None, int, int]], rate: int
) -> tuple[list[tuple[float, float]] | None, list[tuple[float, float]]]:
    """Phoneme-word spans (start_ms, end_ms) from Piper alignments.

    `chunks` is a list of (alignments or None, offset_samples, length_samples) per sentence, where
    alignments are (phoneme, num_samples). Returns (word spans or None when a chunk had no
    alignment, voiced spans per chunk for fallbacks).
    """
    words: list[tuple[float, float]] = []
    chunk_spans: list[tuple[float, float]] = []
    ok = True
    for align, offset, length in chunks:
        chunk_spans.append((offset * 1000.0 / rate, (offset + length) * 1000.0 / rate))
        if not align:
            ok = False
            continue
        total = sum(int(n) for _, n in align) or 1
        scale = length / total  # alignment totals equal the audio length; guard anyway
        pos = 0.0
        cur_start: float | None = None
        cur_end = 0.0
        for ph, n in align:
            start = offset + pos * scale
            pos += int(n)
            end = offset + pos * scale
            if ph in (_BOS, _EOS):
                continue
            if ph == _SPACE or ph.isspace():
                if cur_start is not None:
                    words.append((cur_start * 1000.0 / rate, cur_end * 1000.0 / rate))
                    cur_start = None
                continue
            if ph in _PUNCT_PHONEMES:
                continue  # a pause: it does not extend the word
            if cur_start is None:
                cur_start = start
            cur_end = end
        if cur_start is not None:
            words.append((cur_start * 1000.0 / rate, cur_end * 1000.0 / rate))
    return (words if ok else None), chunk_spans


def map_words(
    text_words: Sequence[str],
    spans: Sequence[tuple[float, float]],
    fallback_span: tuple[float, float],
    *,
    one_to_one: bool = True,
) -> list[list[Any]]:
    """Assign [word, start_ms, end_ms] to each text word.

    One to one when the counts match; otherwise proportionally by characters over the voiced
    spans (their gaps skipped), or over `fallback_span` when there are no spans.
    """
    n = len(text_words)
    if n == 0:
        return []
    if one_to_one and len(spans) == n:
        out: list[list[Any]] = [[w, int(round(s)), int(round(e))] for w, (s, e) in zip(text_words, spans)]
    else:
        segs = [(s, e) for s, e in spans if e > s] or [fallback_span]
        lengths = np.array([e - s for s, e in segs], dtype=np.float64)
        cum = np.concatenate([[0.0], np.cumsum(lengths)])
        voiced = float(cum[-1]) if cum[-1] > 0 else 1.0

        def at(u: float) -> float:  # position along the voiced timeline -> real time
            u = min(max(u, 0.0), voiced)
            i = int(np.searchsorted(cum, u, side="right") - 1)
            i = min(max(i, 0), len(segs) - 1)
            return segs[i][0] + (u - cum[i])

        weights = np.array([max(len(w), 1) for w in text_words], dtype=np.float64)
        # a small inter-word share so one-letter words still get time
        wcum = np.concatenate([[0.0], np.cumsum(weights + 1.0)])
        total = float(wcum[-1])
        out = []
        for i, w in enumerate(text_words):
            u0 = wcum[i] / total * voiced
            u1 = (wcum[i + 1] - 1.0) / total * voiced
            s, e = at(u0), at(u1)
            out.append([w, int(round(s)), int(round(max(e, s)))])
    # monotonic, non-overlapping, end >= start
    prev_end = 0
    for item in out:
        item[1] = max(item[1], prev_end)
        item[2] = max(item[2], item[1])
        prev_end = item[2]
    return out


def count_phoneme_words(sentences: Sequence[Sequence[str]]) -> int:
    """Number of words (runs of non-space, non-punctuation phonemes) in phonemized sentences."""
    n = 0
    for phonemes in sentences:
        inside = False
        for ph in phonemes:
            if ph == _SPACE or ph.isspace() or ph in _PUNCT_PHONEMES:
                inside = False if (ph == _SPACE or ph.isspace()) else inside
                continue
            if not inside:
                n += 1
                inside = True
    return n


def group_spans(
    text_words: Sequence[str], counts: Sequence[int], spans: Sequence[tuple[float, float]]
) -> list[list[Any]]:
    """Text word i covers the next counts[i] phoneme-word spans (0: a zero-length mark)."""
    out: list[list[Any]] = []
    j = 0
    prev_end = spans[0][0] if spans else 0.0
    for w, c in zip(text_words, counts):
        if c <= 0:
            out.append([w, int(round(prev_end)), int(round(prev_end))])
            continue
        s, e = spans[j][0], spans[j + c - 1][1]
        j += c
        out.append([w, int(round(s)), int(round(e))])
        prev_end = e
    prev = 0
    for item in out:
        item[1] = max(item[1], prev)
        item[2] = max(item[2], item[1])
        prev = item[2]
    return out


# --------------------------------------------------------------------------- synthesis


strip_controls = without_c0_controls  # spaces for line breaks, no other C0 control


# --------------------------------------------------------------------------- shared by voice engines


def written_words(
    words: list | None, written: str, counts: Sequence[int] | None, duration_ms: float
) -> list[list[Any]] | None:
    """Word timings measured on the spoken text -> timings of the written words (captions show
    what was written: "$9.99" covers the span of "nine dollars and ninety-nine cents").
    `counts[i]` is how many spoken words written word i became (compiler/speech.py)."""
    if words is None or counts is None:  # not normalised: the engine timed the written words itself
        return words
    text_words = strip_controls(written).split()
    spans = [(float(w[1]), float(w[2])) for w in words]
    if counts is not None and len(counts) == len(text_words) and sum(counts) == len(spans):
        return group_spans(text_words, counts, spans)
    return map_words(text_words, spans, (0.0, duration_ms), one_to_one=True)


def voice_result(
    wav_path: str | Path, words: list | None, min_scene_ms: int, pause_ms: int, max_scene_ms: int, scene_label: str
) -> dict[str, Any]:
    """Measure a voice clip by decoding and decide the scene length.

    Returns {"duration_ms", "samples", "sample_rate", "scene_ms", "words"} where
    scene_ms = max(min_scene_ms, duration_ms + pause_ms). Raises BackendError when the voice plus
    its pause does not fit in max_scene_ms.
    """
    from .tools import BackendError
    from .wav import wav_info

    wav_path = Path(wav_path)
    samples: int | None = None
    rate: int | None = None
    try:
        info = wav_info(wav_path)
        samples, rate = info.samples, info.sample_rate
        duration_ms = samples_to_ms(samples, rate)
    except Exception:  # not a PCM WAV: decode with ffmpeg
        duration_ms = measure_duration_ms(wav_path)
    needed = duration_ms + int(pause_ms)
    if needed > int(max_scene_ms):
        raise BackendError(
            f"{scene_label}: the voiceover measures {duration_ms / 1000:.2f} s; with the "
            f"{int(pause_ms) / 1000:.2f} s pause it needs {needed / 1000:.2f} s, more than the "
            f"scene maximum of {int(max_scene_ms) / 1000:.2f} s: raise the maximum of script.scene_seconds, "
            "split the scene, shorten the voiceover text or raise voice.speed"
        )
    clean_words = []
    for w in words or []:
        word, s, e = w[0], int(w[1]), int(w[2])
        s = min(max(s, 0), duration_ms)
        e = min(max(e, s), duration_ms)
        clean_words.append([str(word), s, e])
    return {
        "duration_ms": duration_ms,
        "samples": samples,
        "sample_rate": rate,
        "scene_ms": max(int(min_scene_ms), needed),
        "words": clean_words,
    }
