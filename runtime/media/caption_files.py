"""Caption files: SubRip, WebVTT (plain and with a timestamp per word) and the words as JSON."""

from __future__ import annotations

from collections.abc import Iterable

from .caption_cues import Cue, line_words


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
            for idx in (
                line_words(c) if sum(len(x) for x in line_words(c)) == len(c.words) else [list(range(len(c.words)))]
            ):
                lines.append(
                    " ".join(
                        (f"<{_ts(c.words[i][1], '.')}>" if i > 0 else "") + _vtt_escape(c.words[i][0]) for i in idx
                    )
                )
            body = "\n".join(lines) or " "
        parts.append(f"{_ts(c.start_ms, '.')} --> {_ts(c.end_ms, '.')}\n{body}\n")
    return "\n".join(parts)
