"""Times and dates in their common forms, each written word timed by its own spoken words: '6:45 a.m.',
'7 p.m.', '7pm', '7 Dec 2026', 'December 7th', 'Dec. 7, 2026', '07.12.2026'; and a four-digit number read
as a year only where it is one ('in 1999' but '1999 people')."""

from __future__ import annotations

import re

from ..speech_tables import LETTERS, MONTHS
from .base import Ctx, Said, n2w, split_punct, year

_MONTH = {m.lower(): m for m in MONTHS} | {m[:3].lower(): m for m in MONTHS} | {"sept": "September"}
_AMPM = re.compile(r"^([ap])\.?m\.?$", re.I)
_HOUR_AMPM = re.compile(r"^(\d{1,2})(?::(\d{2}))?([ap])\.?m\.?$", re.I)
_DAY = re.compile(r"^(\d{1,2})(st|nd|rd|th)?$")
_EU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YEAR4 = re.compile(r"^(1\d\d\d|20\d\d)$")
YEAR_PREV = frozenset(
    """in since by until till from to of the year circa c before after early late mid around during spring
    summer autumn fall winter between""".split()
)
YEAR_NEXT = frozenset(
    """was is will saw brought had has marked and or to through onwards onward when where election season
    census olympics""".split()
)


def _clock(h: int, m: int, lang: str) -> str:
    if m == 0:
        return n2w(h, lang)
    return f"{n2w(h, lang)} oh {n2w(m, lang)}" if m < 10 else f"{n2w(h, lang)} {n2w(m, lang)}"


def _ampm(letter: str) -> str:
    return f"{LETTERS[letter.upper()]} {LETTERS['M']}"


def clock(c: Ctx) -> Said:
    """'6:45 a.m.' -> 'six forty-five' + 'eigh em'; '7 p.m.'; '7pm'; '6:45pm'."""
    lead, core, trail = split_punct(c.words[c.i])
    m = _HOUR_AMPM.match(core + (trail[:1] if trail.startswith(".") else ""))
    if m and 1 <= int(m.group(1)) <= 12:
        said = f"{_clock(int(m.group(1)), int(m.group(2) or 0), c.lang)} {_ampm(m.group(3))}"
        return lead, said, trail[1:] if trail.startswith(".") and c.i + 1 < len(c.words) else trail, 1
    t = re.match(r"^(\d{1,2})(?::(\d{2}))?$", core)
    nxt_word = c.words[c.i + 1] if c.i + 1 < len(c.words) else ""
    am = _AMPM.match(split_punct(nxt_word)[1] + ("." if split_punct(nxt_word)[2].startswith(".") else ""))
    if t and not trail and am and 1 <= int(t.group(1)) <= 12 and int(t.group(2) or 0) < 60:
        n_trail = split_punct(nxt_word)[2]
        last = c.i + 2 >= len(c.words)
        keep = n_trail[1:] if n_trail.startswith(".") else n_trail
        if n_trail.startswith(".") and (last or c.core(2)[:1].isupper()):
            keep = n_trail
        return lead, [_clock(int(t.group(1)), int(t.group(2) or 0), c.lang), _ampm(am.group(1))], keep, 2
    return None


def _month(word: str) -> str | None:
    return _MONTH.get(word.lower().rstrip("."))


def date(c: Ctx) -> Said:
    """'7 Dec 2026' / '7 December' -> 'the seventh of' + 'December' (+ the year); 'December 7th, 2026' and
    'Dec. 7' -> the day as an ordinal; '07.12.2026' (day first)."""
    lead, core, trail = split_punct(c.words[c.i])
    if m := _EU_DATE.match(core):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return lead, f"the {n2w(d, c.lang, 'ordinal')} of {MONTHS[mo - 1]} {year(y, c.lang)}", trail, 1
    day = _DAY.match(core)
    if not day or not 1 <= int(day.group(1)) <= 31:
        return None
    prev = c.core(-1)
    month_before = _month(prev) and prev[:1].isupper() and not c.trail(-1).strip(".")
    if month_before:
        return lead, n2w(int(day.group(1)), c.lang, "ordinal"), trail, 1
    nxt = c.core(1)
    if not trail and nxt[:1].isupper() and (month := _month(nxt)) and (nxt != "May" or c.i > 0):
        said = [f"the {n2w(int(day.group(1)), c.lang, 'ordinal')} of", month]
        m_trail = c.trail(1)
        if not m_trail.strip(".") and _YEAR4.match(c.core(2)):
            return lead, [*said, year(int(c.core(2)), c.lang)], c.trail(2), 3
        keep = "" if nxt.lower() != month.lower() and m_trail == "." and c.i + 2 < len(c.words) else m_trail
        return lead, said, keep, 2
    return None


def year_or_number(c: Ctx) -> Said:
    """A four-digit number is a year after 'in', 'since', a month... or before 'was', punctuation, the
    end; before another word ('1999 people') it is a number."""
    lead, core, trail = split_punct(c.words[c.i])
    if not _YEAR4.match(core) or core.startswith("0"):
        return None
    prev, nxt = c.low(-1).rstrip("."), c.low(1)
    day_before = prev.isdigit() and len(prev) <= 2 and c.trail(-1) == ","  # "December 7, 2026"
    if day_before or prev in YEAR_PREV or _month(prev) or trail or not nxt or nxt in YEAR_NEXT or not nxt.isalpha():
        return lead, year(int(core), c.lang), trail, 1
    if c.core(1)[:1].isupper():
        return lead, year(int(core), c.lang), trail, 1
    return lead, n2w(int(core), c.lang), trail, 1
