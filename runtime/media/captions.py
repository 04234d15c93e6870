"""Captions: split a scene's narration into readable cues, time them, write SRT / WebVTT / ASS.

Splitting (`split_cues`): at most `max_lines` lines (2) of at most `max_chars` characters per cue,
broken at word boundaries; a single word longer than a line is hard-wrapped. The cue boundaries are
chosen by dynamic programming over the words, preferring sentence ends, then clause punctuation,
never leaving a weak word ("the", "of", ...) at the end of a cue, keeping the reading speed at or
under `max_cps` (17 characters per second) where the speech allows, cues at least `min_ms` (0.8 s)
long, and two-line cues balanced (bottom-heavy). Cues are contiguous and never overlap: they cover
the voice from 0 to its end; the last one may linger (up to `end_ms`) so it can be read.

Timing comes from word timings ([[word, start_ms, end_ms], ...] from the voice engine) when given,
else it is proportional to the characters over [0, voice_ms].

Writers: `to_srt`, `to_vtt`, `to_ass` (styles from templates/caption_styles.yaml, sizes relative
to the video height, WrapStyle 2 with explicit \\N breaks). ASS escaping: `{`/`}` become `\\{`/`\\}`
(libass prints them literally) and every backslash is followed by an invisible WORD JOINER (U+2060)
so `\\N`, `\\h`, `\\{` in the text stay text; emoji, which the caption font cannot draw, are left
out of burned-in ASS captions only. `shift` moves a scene's cues onto the whole video's timeline.
`ffmpeg_filter_path` escapes a path for use inside a filtergraph (`ass=filename=...`).
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vidc.compiler.textfit import break_cost as _word_break_cost

__all__ = [
    "Cue", "split_cues", "to_srt", "to_vtt", "to_ass", "shift", "ass_escape", "ffmpeg_filter_path",
    "load_styles", "get_style", "max_chars_for",
]

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


def _clean(text: str) -> str:
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch in "\r\n\t\f\v" or cat in ("Zl", "Zp"):
            out.append(" ")
        elif cat == "Cc":
            continue
        else:
            out.append(ch)
    return "".join(out)


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
    if timings and len(timings) == n:
        raw = [(float(t[1]), float(t[2])) for t in timings]
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


def _tokens(text: str, voice_ms: int, timings: Sequence[Sequence[Any]] | None, fits: Callable[[str], bool]
            ) -> list[_Tok]:
    words = _clean(text).split()
    times = _word_times(words, voice_ms, timings)
    toks: list[_Tok] = []
    for wi, (w, (s, e)) in enumerate(zip(words, times)):
        if fits(w):
            toks.append(_Tok(w, s, e, False, wi))
            continue
        pieces = _hard_wrap(w, fits)
        acc = 0
        for k, p in enumerate(pieces):
            ps = s + (e - s) * acc / len(w)
            acc += len(p)
            pe = s + (e - s) * acc / len(w)
            toks.append(_Tok(p, ps, pe, k > 0, wi))
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
    return min(_word_break_cost(tok.text, nxt.text), cap)


def _layout(toks: Sequence[_Tok], width: Width, limit: float, max_lines: int, cap: float = float("inf")
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


def split_cues(text: str, voice_ms: int, *, words: Sequence[Sequence[Any]] | None = None, max_chars: int = 42,
               max_lines: int = 2, max_cps: float = 17.0, min_ms: int = 800, max_ms: int = 7000,
               end_ms: int | None = None, width: Width | None = None, max_width: float | None = None) -> list[Cue]:
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
    cuts = []
    j = n
    while j > 0:
        i = back[j]
        cuts.append((i, j))
        j = i
    cuts.reverse()

    # boundaries: contiguous, integer ms
    edges = [int(round(bounds[i])) for i, _ in cuts] + [int(round(voice_end))]
    edges[0] = 0
    # the last cue may linger for reading, up to the limit
    last_i = cuts[-1][0]
    need = max(min_ms, len(_join(toks[last_i:])) / max_cps * 1000.0)
    edges[-1] = int(min(round(last_ms), max(edges[-1], round(edges[-2] + need))))
    _enforce_min(edges, min_ms)
    return [Cue(edges[k], edges[k + 1], lay[c], _cue_words(toks[c[0]:c[1]], edges[k], edges[k + 1]))
            for k, c in enumerate(cuts)]


def _cut(toks: Sequence[_Tok], bounds: list[float], width: Width, limit: float, max_lines: int, cap: float,
         last_ms: float, pace: tuple[float, int, int]):
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
            cost += 1.0  # per cue
            cps = chars / max(dur, 1.0) * 1000.0
            if cps > max_cps:
                cost += 4.0 * (cps - max_cps) / max_cps
            if dur < min_ms:
                cost += 2.0 + 6.0 * (min_ms - dur) / min_ms
            if dur > max_ms:
                cost += (dur - max_ms) / 1000.0
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
    return [replace(c, start_ms=c.start_ms + o, end_ms=c.end_ms + o, words=tuple((w, s + o, e + o) for w, s, e in c.words))
            for c in cues]


# --------------------------------------------------------------------------- SRT / VTT


def _ts(ms: int, sep: str) -> str:
    ms = max(int(ms), 0)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def _plain(line: str) -> str:
    return line.replace("-->", "–>")


def to_srt(cues: Iterable[Cue]) -> str:
    parts = []
    for k, c in enumerate(cues, 1):
        body = "\n".join(_plain(x) for x in c.lines if x) or " "
        parts.append(f"{k}\n{_ts(c.start_ms, ',')} --> {_ts(c.end_ms, ',')}\n{body}\n")
    return "\n".join(parts)


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Iterable[Cue]) -> str:
    parts = ["WEBVTT\n"]
    for c in cues:
        body = "\n".join(_vtt_escape(x) for x in c.lines if x) or " "
        parts.append(f"{_ts(c.start_ms, '.')} --> {_ts(c.end_ms, '.')}\n{body}\n")
    return "\n".join(parts)


def words_json(cues: Iterable[Cue]) -> str:
    """Every word with its spoken time and the cue (0-based) it is shown in, as JSON."""
    import json

    rows = [{"word": w, "start_ms": s, "end_ms": e, "cue": k} for k, c in enumerate(cues) for w, s, e in c.words]
    return json.dumps({"words": rows}, ensure_ascii=False, indent=1) + "\n"


def to_word_vtt(cues: Iterable[Cue]) -> str:
    """WebVTT with a karaoke timestamp before every word after the first (`<00:00:01.200>word`):
    players that know them show the spoken word; others show the line as usual."""
    parts = ["WEBVTT\n"]
    for c in cues:
        if not c.words:
            body = "\n".join(_vtt_escape(x) for x in c.lines if x) or " "
        else:
            lines = []
            for idx in _line_words(c) if sum(len(x) for x in _line_words(c)) == len(c.words) else [list(range(len(c.words)))]:
                lines.append(" ".join((f"<{_ts(c.words[i][1], '.')}>" if i > 0 else "") + _vtt_escape(c.words[i][0])
                                      for i in idx))
            body = "\n".join(lines) or " "
        parts.append(f"{_ts(c.start_ms, '.')} --> {_ts(c.end_ms, '.')}\n{body}\n")
    return "\n".join(parts)


# --------------------------------------------------------------------------- ASS

_EMOJI = re.compile(
    "(?:[\U0001F000-\U0001FAFF\U0001F1E6-\U0001F1FF]"
    "(?:[\uFE0E\uFE0F\U0001F3FB-\U0001F3FF]|\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF]\uFE0F?)*)"
    "|[\uFE0E\uFE0F]|\u20E3"
)


def ass_escape(line: str, *, drop_emoji: bool = True) -> str:
    """Text for an ASS Dialogue line that libass prints as written (no override tags, no escapes)."""
    s = _clean(line)
    if drop_emoji:
        s = " ".join(_EMOJI.sub("", s).split()) if _EMOJI.search(s) else s
    s = s.replace("\\", "\\\u2060")  # a backslash never starts an escape: \N \n \h \{ stay text
    s = s.replace("{", "\\{").replace("}", "\\}")
    return s


def _styles_file() -> Path:
    try:
        from importlib.resources import files

        p = Path(str(files("vidc.templates").joinpath("caption_styles.yaml")))
        if p.is_file():
            return p
    except Exception:  # fall back to the source tree
        pass
    return Path(__file__).resolve().parents[2] / "templates" / "caption_styles.yaml"


def load_styles(path: str | os.PathLike[str] | None = None) -> dict[str, dict[str, Any]]:
    import yaml

    p = Path(path) if path else _styles_file()
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{p}: expected a mapping of style name -> settings")
    return {str(k): dict(v or {}) for k, v in data.items()}


def get_style(style: str | dict[str, Any] | None = "default") -> dict[str, Any]:
    styles = load_styles()
    base = dict(styles.get("default", {}))
    if style is None:
        return base
    if isinstance(style, dict):
        base.update(style)
        return base
    if style not in styles:
        raise KeyError(f"unknown caption style {style!r}; known: {', '.join(sorted(styles))}")
    base.update(styles[style])
    return base


def max_chars_for(width: int, height: int, style: str | dict[str, Any] | None = "default") -> int:
    """The style's preferred characters per line for this frame shape."""
    st = get_style(style)
    return int(st.get("max_chars_portrait", 28) if height > width else st.get("max_chars", 42))


def _ass_colour(hex_rgb: str, opacity: float = 1.0) -> str:
    h = str(hex_rgb).lstrip("#")
    if len(h) != 6:
        raise ValueError(f"colour {hex_rgb!r}: expected #RRGGBB")
    r, g, b = h[0:2], h[2:4], h[4:6]
    alpha = int(round((1.0 - max(0.0, min(1.0, float(opacity)))) * 255))
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _ass_time(ms: int) -> str:
    cs = (max(int(ms), 0) + 5) // 10
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, c = divmod(rem, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{c:02d}"


def to_ass(cues: Iterable[Cue], width: int, height: int, style: str | dict[str, Any] | None = "default",
           layout: dict[str, Any] | None = None) -> str:
    """An ASS document. `layout` (from the plan: size, margin_l, margin_r, margin_v in pixels) places
    the text inside the preset's safe area; without it sizes and margins come from the style.
    A style with `words: true` writes one event per spoken word, that word in `highlight_colour`."""
    st = get_style(style)
    size = max(int(round(float(st.get("size", 0.048)) * height)), 8)
    outline = round(float(st.get("outline", 0.003)) * height, 1)
    shadow = round(float(st.get("shadow", 0.0)) * height, 1)
    margin_v = int(round(float(st.get("margin_v", 0.06)) * height))
    margin_h = int(round(float(st.get("margin_h", 0.06)) * width))
    margin_l = margin_r = margin_h
    if layout:
        size, margin_v = int(layout["size"]), int(layout["margin_v"])
        margin_l, margin_r = int(layout["margin_l"]), int(layout["margin_r"])
    primary = _ass_colour(st.get("colour", "#FFFFFF"))
    if st.get("box"):
        border_style = 3
        outline_c = _ass_colour(st.get("box_colour", "#000000"), float(st.get("box_opacity", 0.6)))
        back_c = outline_c
        outline = max(round(size * 0.18, 1), outline)  # the box's padding
    else:
        border_style = 1
        outline_c = _ass_colour(st.get("outline_colour", "#000000"))
        back_c = _ass_colour(st.get("shadow_colour", "#000000"), float(st.get("shadow_opacity", 0.5)))
    bold = -1 if st.get("bold") else 0
    font = str(st.get("font", "DejaVu Sans")).replace(",", " ")
    head = (
        "[Script Info]\n"
        "; written by vidc\n"
        "ScriptType: v4.00+\n"
        f"PlayResX: {int(width)}\n"
        f"PlayResY: {int(height)}\n"
        "WrapStyle: 2\n"
        "ScaledBorderAndShadow: yes\n"
        "YCbCr Matrix: TV.709\n"
        "\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
        "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
        "MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font},{size},{primary},&H000000FF,{outline_c},{back_c},{bold},0,0,0,100,100,"
        f"{st.get('line_spacing', 0)},0,{border_style},{outline},{shadow},2,{margin_l},{margin_r},{margin_v},1\n"
        "\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    rows = []
    karaoke = bool(st.get("words"))
    h = str(st.get("highlight_colour", "#FFD23F")).lstrip("#")
    hi = "{\\1c&H" + (h[4:6] + h[2:4] + h[0:2]).upper() + "&}"
    for c in cues:
        if karaoke and c.words:
            rows += _word_events(c, hi)
            continue
        text = "\\N".join(ass_escape(x) for x in c.lines)
        rows.append(f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.end_ms)},Default,,0,0,0,,{text}\n")
    return head + "".join(rows)


def _line_words(c: Cue) -> list[list[int]]:
    """Which of the cue's words each line shows (lines are the words joined by spaces)."""
    out: list[list[int]] = []
    k = 0
    for line in c.lines:
        rest, mine = line, []
        while k < len(c.words) and rest.startswith(c.words[k][0]):
            rest = rest[len(c.words[k][0]):].lstrip(" ")
            mine.append(k)
            k += 1
        out.append(mine)
    return out


def _word_events(c: Cue, hi: str) -> list[str]:
    """One event per spoken word: the whole cue, that word highlighted. The events tile the cue's
    time, and every event sets the same text, so the layout never moves."""
    per_line = _line_words(c)
    if sum(len(x) for x in per_line) != len(c.words):  # words do not match the lines: plain cue
        text = "\\N".join(ass_escape(x) for x in c.lines)
        return [f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.end_ms)},Default,,0,0,0,,{text}\n"]
    rows = []
    for k in range(len(c.words)):
        start = c.start_ms if k == 0 else c.words[k][1]
        end = c.end_ms if k == len(c.words) - 1 else c.words[k + 1][1]
        if end <= start:
            continue
        lines = []
        for idx in per_line:
            parts = [(hi + ass_escape(c.words[i][0], drop_emoji=True) + "{\\r}") if i == k
                     else ass_escape(c.words[i][0]) for i in idx]
            lines.append(" ".join(p for p in parts if p))
        text = "\\N".join(lines)
        rows.append(f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Default,,0,0,0,,{text}\n")
    return rows


# --------------------------------------------------------------------------- ffmpeg


def ffmpeg_filter_path(path: str | os.PathLike[str]) -> str:
    """Escape a path for a filter option inside an ffmpeg filtergraph, e.g.
    `-vf "ass=filename=" + ffmpeg_filter_path(p)` (argv list, no shell).

    Two levels: the option value (`\\`, `'`, `:` and `=`), then the filtergraph
    (`\\`, `'`, `[`, `]`, `,`, `;`).
    """
    s = os.fspath(path)
    lvl1 = "".join("\\" + c if c in "\\':=" else c for c in s)
    return "".join("\\" + c if c in "\\'[],;" else c for c in lvl1)
