"""Untrusted text on a terminal: control characters escaped, very long text cut.

A voiceover, a CSV cell or an error from a tool may hold ESC, BEL, a carriage return or a bidi
override; printed raw they would rewrite the terminal. Every human view passes text through
`safe_text` (JSON output is already escaped by json.dumps). Pure, no I/O.
"""

from __future__ import annotations

import re

# C0 and C1 controls (ESC, BEL, CR, ...), DEL, and the bidi/line-separator characters that
# reorder or break a terminal line. \n and \t are kept only in multi-line text.
_CTRL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CTRL_MULTI = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

MAX_LINE = 400  # characters of one line of user text in a diagnostic or a progress line

# Cleaning text for a renderer (not for a terminal): the line breaks and tabs become spaces, other
# control characters are dropped. Two scopes, kept apart because outputs depend on them:
_BREAKS = "\r\n\t\f\v\u2028\u2029"
_CONTROLS_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: Unicode's category Cc
_CONTROLS_C0 = re.compile(r"[\x00-\x1f\x7f]")  # C0 and DEL only


def without_controls(text: str) -> str:
    """Caption text: line breaks, tabs and the Unicode line/paragraph separators become spaces;
    every other control character (C0, DEL and C1) is dropped."""
    return _CONTROLS_ALL.sub("", "".join(" " if ch in _BREAKS else ch for ch in str(text)))


def without_c0_controls(text: str) -> str:
    """Speech text (Piper's input): \\r \\n \\t \\f \\v become spaces; other C0 controls and DEL are
    dropped; C1 characters and the Unicode separators pass (the speaker splits words on them)."""
    return _CONTROLS_C0.sub("", "".join(" " if ch in "\r\n\t\f\v" else ch for ch in str(text)))


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def cut(text: str, limit: int = MAX_LINE) -> str:
    """text, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def safe_text(text: str, *, multiline: bool = False, limit: int | None = None) -> str:
    """Escape control characters (keeping newlines and tabs when multiline); with `limit`, cut
    each line longer than that."""
    text = str(text)
    if limit is not None:
        if multiline:
            text = "\n".join(cut(line, limit) for line in text.split("\n"))
        else:
            text = cut(text, limit)
    return (_CTRL_MULTI if multiline else _CTRL_LINE).sub(_escape, text)


def window(line: str, col: int, length: int, width: int = 160) -> tuple[str, int, int]:
    """A long source line cut to `width` characters around column `col` (1-based), with the
    column and caret length moved to match: (line, col, length)."""
    if len(line) <= width:
        return line, col, length
    start = max(0, min(col - 1 - width // 4, len(line) - width))
    piece = line[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(line) else ""
    new_col = col - start + len(prefix)
    return prefix + piece + suffix, max(1, new_col), max(1, min(length, width - (col - 1 - start)))
