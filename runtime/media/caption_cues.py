"""Caption cues: a scene's narration split into readable cues (see captions.py), timed by its words, and
moved onto the video's timeline."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from vidc.compiler.textsafe import without_controls

from . import line_breaks
from .word_align import match_words

Width = Callable[[str], float]


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    # the cue's words as shown, in order: (text, start_ms, end_ms); a hard-wrapped word is one piece per line
    words: tuple[tuple[str, int, int], ...] = field(default=(), compare=False)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start_ms": self.start_ms, "end_ms": self.end_ms, "lines": list(self.lines)}
        if self.words:
            d["words"] = [list(w) for w in self.words]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cue:
        words = tuple((str(w[0]), int(w[1]), int(w[2])) for w in d.get("words") or ())
        return cls(int(d["start_ms"]), int(d["end_ms"]), tuple(str(x) for x in d["lines"]), words)


@dataclass(frozen=True)
class _Tok:
    text: str
    start: float
    end: float
    glue: bool  # continues the previous token without a space (a hard-wrapped long word)
    word: int  # index of the source word
    brk: float = 0.0  # cost of a break after this word (line_breaks.break_cost, with its neighbours)


clean = without_controls  # spaces for line breaks, no control character


def _unbreakable_before(ch: str) -> bool:
    """True when a line must not break right before `ch` (it belongs to the previous character)."""
    return unicodedata.combining(ch) > 0 or ch in "\u200d\ufe0e\ufe0f" or 0x1F3FB <= ord(ch) <= 0x1F3FF


def _hard_wrap(word: str, fits: Callable[[str], bool]) -> list[str]:
    pieces: list[str] = []
    cur = ""
    for i, ch in enumerate(word):
        if cur and not fits(cur + ch) and not _unbreakable_before(ch) and not (i > 0 and word[i - 1] == "\u200d"):
            pieces.append(cur)
            cur = ""
        cur += ch
    if cur:
        pieces.append(cur)
    return pieces


def _word_times(words: list[str], voice_ms: int, timings: Sequence[Sequence[Any]] | None) -> list[tuple[float, float]]:
    n = len(words)
    matched = match_words(words, timings) if timings and len(timings) != n else None
    if timings and len(timings) == n:
        raw = [(float(t[1]), float(t[2])) for t in timings]
    elif matched is not None:  # the timed words differ a little from the text: match them (word_align)
        raw = matched
    else:
        if timings:
            span0 = float(min(float(t[1]) for t in timings))
            span1 = float(max(float(t[2]) for t in timings))
        else:
            span0, span1 = 0.0, float(voice_ms)
        weights = [len(w) + 1 for w in words]
        total = float(sum(weights)) or 1.0
        raw = []
        acc = 0.0
        for w in weights:
            s = span0 + (span1 - span0) * acc / total
            acc += w
            e = span0 + (span1 - span0) * (acc - 1) / total
            raw.append((s, e))
    out = []
    prev = 0.0
    for s, e in raw:  # monotonic, inside [0, voice end]
        s = max(s, prev)
        e = max(e, s)
        out.append((s, e))
        prev = s
    return out


def _tokens(
    text: str, voice_ms: int, timings: Sequence[Sequence[Any]] | None, fits: Callable[[str], bool]
) -> list[_Tok]:
    words = clean(text).split()
    times = _word_times(words, voice_ms, timings)
    toks: list[_Tok] = []
    for wi, (w, (s, e)) in enumerate(zip(words, times)):
        brk = line_breaks.break_cost(words, wi)
        if fits(w):
            toks.append(_Tok(w, s, e, False, wi, brk))
            continue
        pieces = _hard_wrap(w, fits)
        acc = 0
        for k, p in enumerate(pieces):
            ps = s + (e - s) * acc / len(w)
            acc += len(p)
            pe = s + (e - s) * acc / len(w)
            toks.append(_Tok(p, ps, pe, k > 0, wi, brk))
    return toks


def _join(toks: Sequence[_Tok]) -> str:
    out = ""
    for k, t in enumerate(toks):
        out += t.text if (k == 0 or t.glue) else " " + t.text
    return out


def _break_cost(tok: _Tok, nxt: _Tok | None, cap: float = float("inf")) -> float:
    """Cost of ending a line or a cue after `tok` (inf: a number and its unit, "Dr." and the name;
    `cap` bounds it, for text that cannot be laid out otherwise)."""
    if nxt is None:
        return 0.0
    if nxt.glue:
        return 1.0  # inside a hard-wrapped word: unavoidable, mildly penalised
    return min(tok.brk, cap)


def _layout(
    toks: Sequence[_Tok], width: Width, limit: float, max_lines: int, cap: float = float("inf")
) -> tuple[tuple[str, ...], float] | None:
    """Best line layout of a cue: (lines, cost) or None when it does not fit. Two lines are
    balanced by measured width (the lower one may be the longer)."""
    one = _join(toks)
    if width(one) <= limit:
        return (one,), 0.0
    if max_lines < 2 or len(toks) < 2:
        return None
    if max_lines == 2:
        best: tuple[tuple[str, ...], float] | None = None
        for k in range(1, len(toks)):
            brk = _break_cost(toks[k - 1], toks[k], cap)
            if brk == float("inf"):
                continue
            a, b = _join(toks[:k]), _join(toks[k:])
            wa, wb = width(a), width(b)
            if wa > limit or wb > limit:
                continue
            cost = abs(wa - wb) / limit + (0.15 if wa > wb else 0.0) + 0.5 * brk
            cost += line_breaks.orphan_cost(k, len(toks)) + line_breaks.orphan_cost(len(toks) - k, len(toks))
            if best is None or cost < best[1]:
                best = ((a, b), cost)
        return best
    # more lines: greedy fill
    lines: list[str] = []
    cur: list[_Tok] = []
    for t in toks:
        if cur and width(_join(cur + [t])) > limit and _break_cost(cur[-1], t, cap) != float("inf"):
            lines.append(_join(cur))
            cur = []
        cur.append(t)
    lines.append(_join(cur))
    if len(lines) > max_lines or any(width(x) > limit for x in lines):
        return None
    return tuple(lines), 0.2 * len(lines)


def split_cues(
    text: str,
    voice_ms: int,
    *,
    words: Sequence[Sequence[Any]] | None = None,
    max_chars: int = 42,
    max_lines: int = 2,
    max_cps: float = 17.0,
    min_ms: int = 1000,
    max_ms: int = 7000,
    end_ms: int | None = None,
    width: Width | None = None,
    max_width: float | None = None,
) -> list[Cue]:
    """Split one scene's text into timed cues (times relative to the scene's voice start).

    Lines are at most `max_chars` characters, or, given `width` (text -> pixels, from the caption
    font) and `max_width`, at most that many pixels wide."""
    if width is None or max_width is None:
        width, max_width = len, float(max_chars)
    if max_width <= 0 or max_lines < 1:
        raise ValueError("max_chars (max_width) and max_lines must be positive")
    limit = float(max_width)

    def fits(piece: str) -> bool:
        return width(piece) <= limit

    voice_ms = max(int(voice_ms), 0)
    toks = _tokens(text, voice_ms, words, fits)
    n = len(toks)
    if n == 0:
        return []
    voice_end = max(float(voice_ms), toks[-1].end)
    last_ms = float(end_ms) if end_ms is not None else voice_end
    last_ms = max(last_ms, voice_end)
    bounds = [0.0] + [toks[k].start for k in range(1, n)] + [voice_end]

    inf = float("inf")
    for cap in (inf, 8.0):  # a number and its unit stay together, unless nothing else fits
        best, back, lay = _cut(toks, bounds, width, limit, max_lines, cap, last_ms, (max_cps, min_ms, max_ms))
        if best[n] < inf:
            break
    if best[n] == inf:  # cannot happen (every token fits a line), but never fail on text
        raise ValueError("cannot lay out captions")
    cuts = _backtrack(back, n)
    edges = _edges(cuts, bounds, voice_end, last_ms, _join(toks[cuts[-1][0] :]), (max_cps, min_ms))
    return [
        Cue(edges[k], edges[k + 1], lay[c], _cue_words(toks[c[0] : c[1]], edges[k], edges[k + 1]))
        for k, c in enumerate(cuts)
    ]


def _backtrack(back: list[int], n: int) -> list[tuple[int, int]]:
    """The chosen cues as (first token, end token) pairs, in order, from the programme's back pointers."""
    cuts = []
    j = n
    while j > 0:
        i = back[j]
        cuts.append((i, j))
        j = i
    cuts.reverse()
    return cuts


def _edges(
    cuts: list[tuple[int, int]],
    bounds: list[float],
    voice_end: float,
    last_ms: float,
    last_text: str,
    pace: tuple[float, int],
) -> list[int]:
    """The cues' boundaries: contiguous, integer ms; the last cue (`last_text`) may linger for reading,
    up to `last_ms`."""
    max_cps, min_ms = pace
    edges = [int(round(bounds[i])) for i, _ in cuts] + [int(round(voice_end))]
    edges[0] = 0
    need = max(min_ms, len(last_text) / max_cps * 1000.0)
    edges[-1] = int(min(round(last_ms), max(edges[-1], round(edges[-2] + need))))
    _enforce_min(edges, min_ms)
    return edges


def _cut(
    toks: Sequence[_Tok],
    bounds: list[float],
    width: Width,
    limit: float,
    max_lines: int,
    cap: float,
    last_ms: float,
    pace: tuple[float, int, int],
):
    """Dynamic programme over the cue boundaries: (best cost to token j, back pointers, layouts)."""
    max_cps, min_ms, max_ms = pace
    n = len(toks)
    inf = float("inf")
    best = [inf] * (n + 1)
    back = [-1] * (n + 1)
    lay: dict[tuple[int, int], tuple[str, ...]] = {}
    best[0] = 0.0
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            if best[i] == inf:
                continue
            span = toks[i:j]
            joined = _join(span)
            chars = len(joined)
            if width(joined) > max_lines * limit + (max_lines - 1) * width(" "):
                break
            got = _layout(span, width, limit, max_lines, cap)
            if got is None:
                continue
            lines, cost = got
            dur = bounds[j] - bounds[i]
            if j == n:
                dur = max(dur, min(last_ms - bounds[i], max(min_ms, chars / max_cps * 1000.0)))
            cost += 1.0 + line_breaks.pace_cost(chars, dur, max_cps, min_ms, max_ms)  # per cue
            cost += line_breaks.orphan_cost(j - i, n)
            cost += _break_cost(toks[j - 1], toks[j] if j < n else None, cap)
            total = best[i] + cost
            if total < best[j] - 1e-12:
                best[j] = total
                back[j] = i
                lay[(i, j)] = lines
    return best, back, lay


def _cue_words(toks: Sequence[_Tok], start: int, end: int) -> tuple[tuple[str, int, int], ...]:
    """The cue's tokens with their spoken times, kept inside the cue."""
    out = []
    for t in toks:
        s = min(max(int(round(t.start)), start), end)
        e = min(max(int(round(t.end)), s), end)
        out.append((t.text, s, e))
    return tuple(out)


def _enforce_min(edges: list[int], min_ms: int) -> None:
    """Move inner boundaries so cues reach min_ms where a neighbour can spare the time."""
    m = len(edges) - 1
    for _ in range(2):
        for k in range(m):
            dur = edges[k + 1] - edges[k]
            if dur >= min_ms:
                continue
            lack = min_ms - dur
            if k + 1 < m:  # take from the next cue
                spare = (edges[k + 2] - edges[k + 1]) - min_ms
                move = min(lack, max(spare, 0))
                edges[k + 1] += move
                lack -= move
            if lack > 0 and k > 0:  # or from the previous one
                spare = (edges[k] - edges[k - 1]) - min_ms
                move = min(lack, max(spare, 0))
                edges[k] -= move
    for k in range(1, len(edges)):
        edges[k] = max(edges[k], edges[k - 1])


def shift(cues: Iterable[Cue], offset_ms: int) -> list[Cue]:
    """The same cues moved by offset_ms (to place a scene on the whole video's timeline)."""
    o = int(offset_ms)
    return [
        replace(c, start_ms=c.start_ms + o, end_ms=c.end_ms + o, words=tuple((w, s + o, e + o) for w, s, e in c.words))
        for c in cues
    ]


def line_words(c: Cue) -> list[list[int]]:
    """Which of the cue's words each line shows (lines are the words joined by spaces)."""
    out: list[list[int]] = []
    k = 0
    for line in c.lines:
        rest, mine = line, []
        while k < len(c.words) and rest.startswith(c.words[k][0]):
            rest = rest[len(c.words[k][0]) :].lstrip(" ")
            mine.append(k)
            k += 1
        out.append(mine)
    return out
