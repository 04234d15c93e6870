"""Readings of the hard written forms that need more than one word of context: international phone
numbers, Roman numerals, ranges and scores, fractions, quantities with their units, times and dates,
abbreviations that depend on their neighbours, heteronyms, hashtags and handles (see `say_special`)."""

from __future__ import annotations

from .base import Ctx, Said, n2w, number, split_punct
from .dispatch import say_special

__all__ = ["Ctx", "Said", "n2w", "number", "say_special", "split_punct"]
