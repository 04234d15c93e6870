"""What every speech rule shares: the written words around the one being read, number words (num2words,
cached: a long voiceover says the same numbers again and again), and the shape of a reading."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

LEAD = "\"'“‘([{«¿¡"
TRAIL = "\"'”’)]}».,;:!?…"
NUM = r"\d{1,3}(?:,\d{3})+|\d+"
NUMBER = re.compile(rf"^([-−])?((?:{NUM})(?:\.\d+)?|\.\d+)$")

# (lead, said, trail, how many written words the reading used); `said` is one string for them all, or one
# string per written word used (so each written word is timed by its own spoken words); None: no reading
Said = tuple[str, str | list[str], str, int] | None


def split_punct(tok: str) -> tuple[str, str, str]:
    """A written word as (leading punctuation, core, trailing punctuation)."""
    i, j = 0, len(tok)
    while i < j and tok[i] in LEAD:
        i += 1
    while j > i and tok[j - 1] in TRAIL:
        j -= 1
    return tok[:i], tok[i:j], tok[j:]


@dataclass(frozen=True)
class Ctx:
    """The written words of a text and the position being read."""

    words: list[str]
    i: int
    lang: str

    def core(self, k: int) -> str:
        """The core of the word k places after this one (negative: before), "" past either end."""
        j = self.i + k
        return split_punct(self.words[j])[1] if 0 <= j < len(self.words) else ""

    def trail(self, k: int) -> str:
        j = self.i + k
        return split_punct(self.words[j])[2] if 0 <= j < len(self.words) else ""

    def lead(self, k: int) -> str:
        j = self.i + k
        return split_punct(self.words[j])[0] if 0 <= j < len(self.words) else ""

    def low(self, k: int) -> str:
        return self.core(k).lower()

    def ends_sentence_before(self) -> bool:
        """True when the previous word closes a sentence (or there is none)."""
        if self.i == 0:
            return True
        return self.words[self.i - 1].rstrip("\"'”’)]}»").endswith((".", "!", "?", ":"))


@functools.lru_cache(maxsize=4096)
def n2w(value: int | Decimal | str, lang: str, to: str = "cardinal") -> str:
    from num2words import num2words

    try:
        out = num2words(value if not isinstance(value, str) else Decimal(value), lang=lang, to=to)
    except (NotImplementedError, OverflowError, ValueError, InvalidOperation):
        out = num2words(value if not isinstance(value, str) else Decimal(value), lang="en", to=to)
    return out.replace(",", "")  # num2words' commas would become pauses


def number(text: str, lang: str) -> str | None:
    """'10,000' 'ten thousand'; '3.14' 'three point one four'; '-5' (or '−5') 'minus five'."""
    m = NUMBER.match(text)
    if not m:
        return None
    neg, body = m.group(1), m.group(2).replace(",", "")
    if "." in body:
        whole, frac = body.split(".")
        words = n2w(int(whole or "0"), lang) + " point " + " ".join(n2w(int(d), lang) for d in frac)
    else:
        words = n2w(int(body), lang)
    return ("minus " + words) if neg else words


def is_one(text: str) -> bool:
    """A quantity read with a singular unit ("1 km", "-1 °C")."""
    return text.lstrip("-−") in ("1", "1.0")


def year(value: int, lang: str) -> str:
    return n2w(value, lang, "year")
