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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = [
    "Cue", "split_cues", "to_srt", "to_vtt", "to_ass", "shift", "ass_escape", "ffmpeg_filter_path",
    "load_styles", "get_style", "max_chars_for",
]

_SENTENCE_END = tuple(".!?…。！？؟")
_CLAUSE_END = tuple(",;:—–)]\"'”’»،؛")
_WEAK = frozenset(
    "a an the of to and or but in on at by for with from as into than that this these those my your our "
    "their his her its is are was were be de la le el".split()
)


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "lines": list(self.lines)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Cue":
        return cls(int(d["start_ms"]), int(d["end_ms"]), tuple(str(x) for x in d["lines"]))


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


def _hard_wrap(word: str, width: int) -> list[str]:
    pieces: list[str] = []
    cur = ""
    for i, ch in enumerate(word):
        if len(cur) >= width and not _unbreakable_before(ch) and not (i > 0 and word[i - 1] == "\u200d"):
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


def _tokens(text: str, voice_ms: int, timings: Sequence[Sequence[Any]] | None, max_chars: int) -> list[_Tok]:
    words = _clean(text).split()
    times = _word_times(words, voice_ms, timings)
    toks: list[_Tok] = []
    for wi, (w, (s, e)) in enumerate(zip(words, times)):
        if len(w) <= max_chars:
            toks.append(_Tok(w, s, e, False, wi))
            continue
        pieces = _hard_wrap(w, max_chars)
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


def _break_cost(tok: _Tok, nxt: _Tok | None) -> float:
    """Cost of ending a line or a cue after `tok`."""
    if nxt is None:
        return 0.0
    if nxt.glue:
        return 1.0  # inside a hard-wrapped word: unavoidable, mildly penalised
    t = tok.text
    if t.endswith(_SENTENCE_END):
        return 0.0
    if t.endswith(_CLAUSE_END):
        return 0.5
    cost = 1.6
    if t.lower().strip("\"'“”‘’()[]") in _WEAK:
        cost += 1.2
    return cost


def _layout(toks: Sequence[_Tok], max_chars: int, max_lines: int) -> tuple[tuple[str, ...], float] | None:
    """Best line layout of a cue: (lines, cost) or None when it does not fit."""
    one = _join(toks)
    if len(one) <= max_chars:
        return (one,), 0.0
    if max_lines < 2 or len(toks) < 2:
        return None
    if max_lines == 2:
        best: tuple[tuple[str, ...], float] | None = None
        for k in range(1, len(toks)):
            a, b = _join(toks[:k]), _join(toks[k:])
            if len(a) > max_chars or len(b) > max_chars:
                continue
            cost = abs(len(a) - len(b)) / max_chars + (0.15 if len(a) > len(b) else 0.0)
            cost += 0.5 * _break_cost(toks[k - 1], toks[k])
            if best is None or cost < best[1]:
                best = ((a, b), cost)
        return best
    # more lines: greedy fill
    lines: list[str] = []
    cur: list[_Tok] = []
    for t in toks:
        if cur and len(_join(cur + [t])) > max_chars:
            lines.append(_join(cur))
            cur = []
        cur.append(t)
    lines.append(_join(cur))
    if len(lines) > max_lines or any(len(x) > max_chars for x in lines):
        return None
    return tuple(lines), 0.2 * len(lines)


def split_cues(text: str, voice_ms: int, *, words: Sequence[Sequence[Any]] | None = None, max_chars: int = 42,
               max_lines: int = 2, max_cps: float = 17.0, min_ms: int = 800, max_ms: int = 7000,
               end_ms: int | None = None) -> list[Cue]:
    """Split one scene's text into timed cues (times relative to the scene's voice start)."""
    if max_chars < 1 or max_lines < 1:
        raise ValueError("max_chars and max_lines must be positive")
    voice_ms = max(int(voice_ms), 0)
    toks = _tokens(text, voice_ms, words, max_chars)
    n = len(toks)
    if n == 0:
        return []
    voice_end = max(float(voice_ms), toks[-1].end)
    limit = float(end_ms) if end_ms is not None else voice_end
    limit = max(limit, voice_end)
    bounds = [0.0] + [toks[k].start for k in range(1, n)] + [voice_end]

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
            chars = len(_join(span))
            if chars > max_lines * max_chars + (max_lines - 1):
                break
            got = _layout(span, max_chars, max_lines)
            if got is None:
                continue
            lines, cost = got
            dur = bounds[j] - bounds[i]
            if j == n:
                dur = max(dur, min(limit - bounds[i], max(min_ms, chars / max_cps * 1000.0)))
            cost += 1.0  # per cue
            cps = chars / max(dur, 1.0) * 1000.0
            if cps > max_cps:
                cost += 4.0 * (cps - max_cps) / max_cps
            if dur < min_ms:
                cost += 2.0 + 6.0 * (min_ms - dur) / min_ms
            if dur > max_ms:
                cost += (dur - max_ms) / 1000.0
            cost += _break_cost(toks[j - 1], toks[j] if j < n else None)
            total = best[i] + cost
            if total < best[j] - 1e-12:
                best[j] = total
                back[j] = i
                lay[(i, j)] = lines
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
    edges[-1] = int(min(round(limit), max(edges[-1], round(edges[-2] + need))))
    _enforce_min(edges, min_ms)
    return [Cue(edges[k], edges[k + 1], lay[c]) for k, c in enumerate(cuts)]


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
    return [replace(c, start_ms=c.start_ms + int(offset_ms), end_ms=c.end_ms + int(offset_ms)) for c in cues]


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
    except Exception:  # noqa: BLE001 - fall back to the source tree
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


def to_ass(cues: Iterable[Cue], width: int, height: int, style: str | dict[str, Any] | None = "default") -> str:
    st = get_style(style)
    size = max(int(round(float(st.get("size", 0.048)) * height)), 8)
    outline = round(float(st.get("outline", 0.003)) * height, 1)
    shadow = round(float(st.get("shadow", 0.0)) * height, 1)
    margin_v = int(round(float(st.get("margin_v", 0.06)) * height))
    margin_h = int(round(float(st.get("margin_h", 0.06)) * width))
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
        f"{st.get('line_spacing', 0)},0,{border_style},{outline},{shadow},2,{margin_h},{margin_h},{margin_v},1\n"
        "\n"
        "[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    rows = []
    for c in cues:
        text = "\\N".join(ass_escape(x) for x in c.lines)
        rows.append(f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.end_ms)},Default,,0,0,0,,{text}\n")
    return head + "".join(rows)


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
