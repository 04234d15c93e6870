"""Roman numerals, read only where a person would read them as numbers: after a regnal name ("Louis
XIV" -> "Louis the Fourteenth"), after a word that counts ("World War II" -> "World War two", "Super
Bowl LVII"), and before "century" ("the XIX century" -> "the nineteenth century", "XIXth century").
The pronoun "I" and words such as "MIX" or "CD" stay as they are."""

from __future__ import annotations

import re

from .base import Ctx, Said, n2w, split_punct
from .data import CARDINAL_BEFORE, CENTURY_AFTER, NOT_ROMAN, REGNAL

_ROMAN = re.compile(r"^(M{0,3})(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ORDINAL_SUFFIX = re.compile(r"^([IVXLCDM]+)(st|nd|rd|th|e|er)$")


def roman_value(text: str) -> int | None:
    """The value of a well-formed Roman numeral in capitals, else None."""
    if not text or not _ROMAN.match(text):
        return None
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = _VALUES[a]
        total += -v if b != " " and _VALUES[b] > v else v
    return total


def roman(c: Ctx) -> Said:
    lead, core, trail = split_punct(c.words[c.i])
    suffix = _ORDINAL_SUFFIX.match(core)
    numeral = suffix.group(1) if suffix else core
    value = roman_value(numeral)
    if value is None:
        return None
    nxt = c.low(1).rstrip("-")
    prev = c.low(-1).rstrip(".")
    if nxt in CENTURY_AFTER or (suffix and nxt in CENTURY_AFTER):
        return lead, n2w(value, c.lang, "ordinal"), trail, 1
    if suffix or not c.core(-1)[:1].isupper():
        return None
    if prev in REGNAL and value < 40:
        return lead, "the " + n2w(value, c.lang, "ordinal"), trail, 1
    if prev in CARDINAL_BEFORE:
        return lead, n2w(value, c.lang), trail, 1
    if core not in NOT_ROMAN and len(core) >= 2 and value < 40 and c.core(-1).isalpha():
        # another name: "Ptolemy XII", "Rameses II"
        return lead, "the " + n2w(value, c.lang, "ordinal"), trail, 1
    return None
