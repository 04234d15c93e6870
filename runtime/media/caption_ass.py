"""Burned-in captions: ASS subtitles (styles from templates/caption_styles.yaml, a highlighted word per
event in karaoke mode) and the escaping of a path inside an ffmpeg filtergraph."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from vidc.compiler.layout import caption_styles

from .caption_cues import Cue, clean, line_words

_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff\U0001f1e6-\U0001f1ff]"
    "(?:[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[\U0001f000-\U0001faff\u2600-\u27bf]\ufe0f?)*)"
    "|[\ufe0e\ufe0f]|\u20e3"
)


def ass_escape(line: str, *, drop_emoji: bool = True) -> str:
    """Text for an ASS Dialogue line that libass prints as written (no override tags, no escapes)."""
    s = clean(line)
    if drop_emoji:
        s = " ".join(_EMOJI.sub("", s).split()) if _EMOJI.search(s) else s
    s = s.replace("\\", "\\\u2060")  # a backslash never starts an escape: \N \n \h \{ stay text
    s = s.replace("{", "\\{").replace("}", "\\}")
    return s


def load_styles() -> dict[str, dict[str, Any]]:
    """The caption styles (templates/caption_styles.yaml), read the one way the compiler's layout reads them."""
    return caption_styles()


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


def _style_line(st: dict[str, Any], width: int, height: int, layout: dict[str, Any] | None) -> str:
    """The ASS `Style: Default` line: sizes and margins from `layout` when given, else from the style."""
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
    return (
        f"Style: Default,{font},{size},{primary},&H000000FF,{outline_c},{back_c},{bold},0,0,0,100,100,"
        f"{st.get('line_spacing', 0)},0,{border_style},{outline},{shadow},2,{margin_l},{margin_r},{margin_v},1\n"
    )


def to_ass(
    cues: Iterable[Cue],
    width: int,
    height: int,
    style: str | dict[str, Any] | None = "default",
    layout: dict[str, Any] | None = None,
) -> str:
    """An ASS document. `layout` (from the plan: size, margin_l, margin_r, margin_v in pixels) places
    the text inside the preset's safe area; without it sizes and margins come from the style.
    A style with `words: true` writes one event per spoken word, that word in `highlight_colour`."""
    st = get_style(style)
    style_line = _style_line(st, width, height, layout)
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
        f"{style_line}"
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


def _word_events(c: Cue, hi: str) -> list[str]:
    """One event per spoken word: the whole cue, that word highlighted. The events tile the cue's
    time, and every event sets the same text, so the layout never moves."""
    per_line = line_words(c)
    if sum(len(x) for x in per_line) != len(c.words):  # words do not match the lines: plain cue
        text = "\\N".join(ass_escape(x) for x in c.lines)
        return [f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.end_ms)},Default,,0,0,0,,{text}\n"]
    rows = []
    if c.words[0][1] > c.start_ms:  # the cue shows before its first word is said: nothing lit yet
        plain = "\\N".join(" ".join(p for p in (ass_escape(c.words[i][0]) for i in idx) if p) for idx in per_line)
        rows.append(f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.words[0][1])},Default,,0,0,0,,{plain}\n")
    for k in range(len(c.words)):
        start = max(c.start_ms, c.words[k][1])
        end = c.end_ms if k == len(c.words) - 1 else c.words[k + 1][1]
        if end <= start:
            continue
        lines = []
        for idx in per_line:
            parts = [
                (hi + ass_escape(c.words[i][0], drop_emoji=True) + "{\\r}") if i == k else ass_escape(c.words[i][0])
                for i in idx
            ]
            lines.append(" ".join(p for p in parts if p))
        text = "\\N".join(lines)
        rows.append(f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Default,,0,0,0,,{text}\n")
    return rows


def ffmpeg_filter_path(path: str | os.PathLike[str]) -> str:
    """Escape a path for a filter option inside an ffmpeg filtergraph, e.g.
    `-vf "ass=filename=" + ffmpeg_filter_path(p)` (argv list, no shell).

    Two levels: the option value (`\\`, `'`, `:` and `=`), then the filtergraph
    (`\\`, `'`, `[`, `]`, `,`, `;`).
    """
    s = os.fspath(path)
    lvl1 = "".join("\\" + c if c in "\\':=" else c for c in s)
    return "".join("\\" + c if c in "\\'[],;" else c for c in lvl1)
