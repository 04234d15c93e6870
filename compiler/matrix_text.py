"""Faults of a matrix file's text that Python's readers pass over or raise on: a CSV quote that is
opened and never closed (the csv module then reads every following line into one field, silently),
and a JSON Lines number too long to be an integer (json raises a bare ValueError over 4,300 digits)."""

from __future__ import annotations

import re

# A quote opens a quoted field only at the start of a field: at the start of the text or of a line, or
# right after a comma. Inside a quoted field two quotes stand for one; any other quote closes it.
_FIELD_QUOTE = re.compile(r'(?:\A|(?<=[,\r\n]))"')
_QUOTED_REST = re.compile(r'(?:[^"]|"")*"')
_LONG_DIGITS = re.compile(r"\d{1000,}")


def unclosed_quote(text: str) -> tuple[int, int] | None:
    """(line, column) of a CSV quote that opens a field and is never closed, or None.

    Quoted fields are skipped whole (one regular-expression match each), so a comma or a line end
    inside one is never taken for a field's start."""
    pos = 0
    while (opening := _FIELD_QUOTE.search(text, pos)) is not None:
        closed = _QUOTED_REST.match(text, opening.end())
        if closed is None:
            start = opening.start()
            line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
            return _line_number(text, start), start - line_start + 1
        pos = closed.end()
    return None


def _line_number(text: str, offset: int) -> int:
    """1-based line of offset, counting \\r\\n, \\r and \\n as one line end each (as the csv module does)."""
    head = text[:offset]
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


def long_number_column(line: str) -> int | None:
    """1-based column of a run of a thousand digits or more on a JSON line (too long to be a number vidc uses)."""
    m = _LONG_DIGITS.search(line)
    return m.start() + 1 if m else None
