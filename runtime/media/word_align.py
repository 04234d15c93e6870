"""Word timings that hold when the voice's words are not the text's words.

Piper reports how long each phoneme lasts; the phonemiser (eSpeak) separates words with a space phoneme,
but it merges some ("at once" -> one phoneme word `ɐtwˈʌns`, "in the" -> `ɪnðə`) and reads a few as
several. Counting phoneme words then disagrees with counting text words, and the old way out was to
spread the whole scene's words by characters, pauses included. Here each text word is phonemised on its
own and the sequence of all of them is aligned with the phonemes actually spoken (difflib's longest
matching blocks; the stretches between them are shared out in order), so every word gets the time of
its own phonemes, merged or not, and starts at its first voiced phoneme, never in the pause before it.

`match_words` does the same one level up for captions: timings named by word, mapped onto a text whose
words differ a little (a word dropped or split), by matching the words themselves.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

_SKIP = frozenset("^$ ,.!?;:—–-…\"'()[]¡¿«»“”„")

Phoneme = tuple[str, float, float]  # symbol, start_ms, end_ms


def phoneme_stream(chunks: Sequence[tuple[Sequence[tuple[str, int]] | None, int, int]], rate: int) -> list[Phoneme]:
    """The voiced phonemes of every sentence chunk (alignments, offset and length in samples), with
    their times in ms on the clip; pauses, spaces and the sentence marks are left out."""
    out: list[Phoneme] = []
    for align, offset, length in chunks:
        if not align:
            continue
        total = sum(int(n) for _, n in align) or 1
        scale = length / total
        pos = 0.0
        for ph, n in align:
            start = offset + pos * scale
            pos += int(n)
            if ph in _SKIP or ph.isspace():
                continue
            out.append((ph, start * 1000.0 / rate, (offset + pos * scale) * 1000.0 / rate))
    return out


def _symbols(sentences: Sequence[Sequence[str]]) -> list[str]:
    return [ph for s in sentences for ph in s if ph not in _SKIP and not ph.isspace()]


def align_words(word_phonemes: Sequence[Sequence[str]], stream: Sequence[Phoneme]) -> list[tuple[float, float] | None]:
    """Each word's (start_ms, end_ms) in `stream`, or None for a word none of whose phonemes were said."""
    owner: list[int] = []  # for every phoneme of the words in order, its word
    seq: list[str] = []
    for w, phs in enumerate(word_phonemes):
        seq += list(phs)
        owner += [w] * len(phs)
    said = [p[0] for p in stream]
    label: list[int | None] = [None] * len(said)
    matcher = difflib.SequenceMatcher(None, seq, said, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(b1 - b0):
                label[b0 + k] = owner[a0 + k]
        elif tag == "replace":  # in order, in proportion
            for k in range(b1 - b0):
                label[b0 + k] = owner[a0 + (k * (a1 - a0)) // (b1 - b0)]
        elif tag == "insert":  # said but not expected: the word before (or the first word)
            for k in range(b0, b1):
                label[k] = owner[a0 - 1] if a0 > 0 else (owner[0] if owner else None)
    spans: list[tuple[float, float] | None] = [None] * len(word_phonemes)
    last = -1
    for (_sym, s, e), lab in zip(stream, label):
        if lab is None or lab < last:  # never backwards: a stray match cannot reorder the words
            lab = last if last >= 0 else lab
        if lab is None:
            continue
        last = lab
        cur = spans[lab]
        spans[lab] = (s, e) if cur is None else (cur[0], e)
    return spans


def timed_words(
    text_words: Sequence[str],
    chunks: Sequence[tuple[Sequence[tuple[str, int]] | None, int, int]],
    rate: int,
    phonemize: Callable[[str], Sequence[Sequence[str]]],
) -> list[list[Any]] | None:
    """[word, start_ms, end_ms] for every text word from Piper's alignments, or None when a chunk had
    none. A word with no phoneme of its own (a dash) is a zero-length mark where the previous one ended."""
    if not chunks or any(not a for a, _, _ in chunks):
        return None
    stream = phoneme_stream(chunks, rate)
    cache: dict[str, list[str]] = {}
    per_word = []
    for w in text_words:
        if w not in cache:
            cache[w] = _symbols(phonemize(w))
        per_word.append(cache[w])
    spans = align_words(per_word, stream)
    out: list[list[Any]] = []
    prev = stream[0][1] if stream else 0.0
    for w, span in zip(text_words, spans):
        s, e = span if span is not None else (prev, prev)
        s = max(s, prev) if span is None else s
        out.append([w, int(round(s)), int(round(max(e, s)))])
        prev = max(prev, e)
    for k in range(1, len(out)):  # monotonic and not overlapping
        out[k][1] = max(out[k][1], out[k - 1][2])
        out[k][2] = max(out[k][2], out[k][1])
    return out


def match_words(words: Sequence[str], timings: Sequence[Sequence[Any]]) -> list[tuple[float, float]] | None:
    """Times for `words` from `timings` ([word, start_ms, end_ms]) whose words differ a little: equal
    words take their own time, a run that differs shares its counterpart's span in order, a word with
    no counterpart is a mark at the end of the one before. None when nothing matches."""
    names = [str(t[0]) for t in timings]
    matcher = difflib.SequenceMatcher(None, list(words), names, autojunk=False)
    blocks = matcher.get_opcodes()
    if not any(tag == "equal" for tag, *_ in blocks):
        return None
    out: list[tuple[float, float]] = []
    prev = float(timings[0][1]) if timings else 0.0
    for tag, a0, a1, b0, b1 in blocks:
        if tag == "equal":
            for k in range(a1 - a0):
                t = timings[b0 + k]
                out.append((float(t[1]), float(t[2])))
        elif tag == "replace":
            s, e = float(timings[b0][1]), float(timings[b1 - 1][2])
            n = a1 - a0
            out += [(s + (e - s) * k / n, s + (e - s) * (k + 1) / n) for k in range(n)]
        elif tag == "delete":
            out += [(prev, prev)] * (a1 - a0)
        if out:
            prev = out[-1][1]
    return out
