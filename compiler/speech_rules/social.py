"""Hashtags and handles: '#AI' -> 'hashtag eigh eye', '#MachineLearning' -> 'hashtag machine learning',
'@user' -> 'at user'; a tag's words are found at its capitals, digits and underscores."""

from __future__ import annotations

import re

from ..speech_tables import LETTERS
from .base import Ctx, Said, n2w, split_punct

_TAG = re.compile(r"^([#@])([A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*)$")
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _part(p: str, lang: str) -> str:
    if p.isdigit():
        return n2w(int(p), lang, "year") if len(p) == 4 else n2w(int(p), lang)
    if p.isupper() and len(p) <= 5:
        return " ".join(LETTERS.get(ch, ch) for ch in p)
    return p.lower()


def tag(c: Ctx) -> Said:
    lead, core, trail = split_punct(c.words[c.i])
    m = _TAG.match(core)
    if not m:
        return None
    body = m.group(2)
    words = " ".join(_part(p, c.lang) for p in _PARTS.findall(body))
    if "_" in body and m.group(1) == "@":
        words = " underscore ".join(" ".join(_part(p, c.lang) for p in _PARTS.findall(seg)) for seg in body.split("_"))
    return lead, ("hashtag " if m.group(1) == "#" else "at ") + words, trail, 1
