"""Reading pace of the sidecar (SRT/VTT) cues: at most ~20 characters a second where the scene allows.

A cue timed to its words can be read faster than that when the voice speaks quickly. The cue then
takes the silence around it (up to the next cue, the previous cue or the scene's end) and, where that
is not enough, joins a neighbour whose text fits the same two lines (a joined cue reads at the two
cues' mean pace, which is never faster than the faster one)."""

from __future__ import annotations

from dataclasses import replace

from .caption_cues import Cue

MAX_CPS = 20.0


def _chars(c: Cue) -> int:
    return len(" ".join(c.lines))


def _fast(c: Cue) -> bool:
    return _chars(c) * 1000 > MAX_CPS * max(c.end_ms - c.start_ms, 1)


def _need_ms(c: Cue) -> int:
    return -(-_chars(c) * 1000 // int(MAX_CPS))  # the shortest time it can be read in


def _wrap(words: list[str], max_chars: int, max_lines: int) -> tuple[str, ...] | None:
    """The words in at most `max_lines` lines of `max_chars`, balanced greedily; None: they do not fit."""
    lines: list[str] = []
    for w in words:
        if lines and len(lines[-1]) + 1 + len(w) <= max_chars:
            lines[-1] += " " + w
        else:
            lines.append(w)
    if len(lines) > max_lines or any(len(line) > max_chars for line in lines):
        return None
    return tuple(lines)


def _widen(cues: list[Cue], end_ms: int) -> list[Cue]:
    """Each fast cue takes the silence after it, then before it, as far as it needs."""
    out = list(cues)
    for k, c in enumerate(out):
        if not _fast(c):
            continue
        limit = out[k + 1].start_ms if k + 1 < len(out) else max(end_ms, c.end_ms)
        end = min(limit, c.start_ms + _need_ms(c))
        end = max(end, c.end_ms)
        floor = out[k - 1].end_ms if k else 0
        start = max(floor, min(c.start_ms, end - _need_ms(c)))
        out[k] = replace(c, start_ms=start, end_ms=end)
    return out


def _join(cues: list[Cue], max_chars: int) -> list[Cue]:
    """A cue still too fast joins the neighbour with which it fits two lines and reads slowest."""
    out = list(cues)
    k = 0
    while k < len(out):
        if not _fast(out[k]):
            k += 1
            continue
        best: tuple[float, int, Cue] | None = None
        for j in (k - 1, k + 1):
            if 0 <= j < len(out):
                a, b = (out[j], out[k]) if j < k else (out[k], out[j])
                lines = _wrap(" ".join(a.lines + b.lines).split(), max_chars, 2)
                if lines is None:
                    continue
                joined = Cue(a.start_ms, b.end_ms, lines, a.words + b.words)
                pace = _chars(joined) / max(joined.end_ms - joined.start_ms, 1)
                if best is None or pace < best[0]:
                    best = (pace, min(j, k), joined)
        if best is None:
            k += 1
            continue
        _, at, joined = best
        out[at : at + 2] = [joined]
        k = at
    return out


def paced(cues: list[Cue], end_ms: int, max_chars: int) -> list[Cue]:
    """The scene's sidecar cues read at no more than MAX_CPS where its silences and lines allow."""
    if not cues:
        return cues
    return _widen(_join(_widen(cues, end_ms), max_chars), end_ms)
