"""The order the context rules are tried in: the first that reads a word wins."""

from __future__ import annotations

from collections.abc import Callable

from .base import Ctx, Said
from .context import abbreviation, heteronym
from .quantities import fraction, number_range, phone, quantity
from .roman import roman
from .social import tag
from .when import clock, date, year_or_number

_RULES: tuple[Callable[[Ctx], Said], ...] = (
    tag,
    phone,
    clock,
    date,
    number_range,
    fraction,
    quantity,
    year_or_number,
    roman,
    abbreviation,
)
_TRIGGERS = frozenset("#@+0123456789½⅓⅔¼¾⅕⅛⅜⅝⅞−-")


def say_special(words: list[str], i: int, lang: str) -> Said:
    """The reading of words[i] (and maybe the words after it) by a context rule, or None."""
    tok = words[i]
    core = tok.strip("\"'“‘([{«¿¡”’)]}».,;:!?…")
    if not core:
        return None
    c = Ctx(words, i, lang)
    first = core[0]
    if first in _TRIGGERS or any(ch.isdigit() for ch in core[:3]):
        for rule in _RULES[:8]:
            if (said := rule(c)) is not None:
                return said
        return None
    low = core.lower()
    capital = first.isupper() and len(core) <= 8 and core.isalpha()
    if capital and ((said := roman(c)) is not None or (said := abbreviation(c)) is not None):
        return said
    short = len(low) <= 4 and tok.endswith((".", ".,")) or low in ("no", "st", "dr", "mt", "ft")
    if short and (said := abbreviation(c)) is not None:
        return said
    return heteronym(c)
