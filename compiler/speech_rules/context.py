"""Words read by their neighbours: abbreviations that are a title before a name and a street after one
("St. Louis" / "Main St."), "No." before a number, and heteronyms by the part of speech their context
gives them ("to read" / "has read", "a lead pipe", "wind the clock", "close the door")."""

from __future__ import annotations

from .base import Ctx, Said, split_punct
from .data import (
    CLOSE_VERB_AFTER,
    LIVE_AFTER,
    LIVE_BEFORE,
    METAL_AFTER,
    NOUN_BEFORE,
    PAST_AFTER,
    PAST_BEFORE,
    PRODUCE_BEFORE,
    PRONOUNS,
    RESPELL,
    STREET_ONLY,
    TEAR_AFTER,
    TINY_AFTER,
    TINY_BEFORE,
    TITLE_OR_STREET,
    TITLES,
    VERB_BEFORE,
    WIND_AFTER,
)


def _named(word: str) -> bool:
    """A word that can be (part of) a name or a street's number: 'Main', 'Fifth', '5th', 'O'Connell'."""
    return word[:1].isupper() or (word[:1].isdigit() and word[-2:].lower() in ("st", "nd", "rd", "th"))


def abbreviation(c: Ctx) -> Said:
    """The reading of 'St.', 'Dr.', 'Mt.', 'Ft.', 'No.', street kinds and titles, by context. The full
    stop stays only where it also ends the sentence (the abbreviation is last, or a street's is followed
    by a capitalised word)."""
    lead, core, trail = split_punct(c.words[c.i])
    low = core.lower()
    dot = trail.startswith(".")
    if low not in TITLE_OR_STREET and low not in STREET_ONLY and low not in TITLES and low not in ("no", "nos"):
        return None
    rest = trail[1:] if dot else trail
    nxt = c.core(1)
    last = c.i + 1 >= len(c.words)
    if low in ("no", "nos"):
        if not dot or not nxt[:1].isdigit():
            return (lead, core, trail, 1) if dot else None  # "No. I will not."
        return lead, "number" if low == "no" else "numbers", rest, 1
    if low in TITLES:
        if not (dot and nxt[:1].isupper()):
            return None
        return lead, TITLES[low], rest, 1
    if not dot and not (low in TITLE_OR_STREET and nxt[:1].isupper() and low != "ft"):
        return None
    prev = c.core(-1)
    after_name = bool(prev) and _named(prev) and not c.ends_sentence_before()
    if after_name and nxt[:1].isupper() and not c.trail(-1) and c.i >= 1:
        # "Visit St. Louis": a capital that only starts the sentence makes no name
        first = c.i == 1 or c.words[c.i - 2].rstrip("\"'”’)]}»").endswith((".", "!", "?", ":"))
        after_name = not first or prev[:1].isdigit()
    if low == "ft" and prev[:1].isdigit():
        return lead, "feet", ("." if last else "") + rest, 1
    if low in STREET_ONLY or (after_name and (not nxt[:1].isupper() or last or low == "st" and nxt[:1].isupper())):
        name = STREET_ONLY.get(low) or TITLE_OR_STREET[low][1]
        ends = dot and (last or nxt[:1].isupper())
        return lead, name, ("." if ends else "") + rest, 1
    return lead, TITLE_OR_STREET[low][0], ("." if dot and last else "") + rest, 1


def _sense(word: str, prev: str, nxt: str, nxt2: str) -> str | None:
    """The sense of a heteronym its neighbours give it, or None (leave it to the voice)."""
    if word == "read":
        if prev in PAST_BEFORE or (prev in PRONOUNS and (nxt in PAST_AFTER or nxt2 in PAST_AFTER)):
            return "past"
        return "present" if prev in VERB_BEFORE or prev in PRONOUNS else None
    if word == "lead":
        return "metal" if nxt in METAL_AFTER or prev in ("of", "with") and nxt not in NOUN_BEFORE else None
    if word == "live":
        if nxt in LIVE_AFTER or (prev in LIVE_BEFORE and nxt not in ("in", "on", "with", "here", "there")):
            return "adjective"
        return "verb" if prev in VERB_BEFORE or prev in PRONOUNS else None
    if word == "wind":
        verbish = prev in VERB_BEFORE or prev in PRONOUNS or not prev
        return "verb" if verbish and nxt in WIND_AFTER or nxt in ("up", "down") else None
    if word == "wound":
        return "past" if nxt in WIND_AFTER and nxt not in ("a",) and prev not in NOUN_BEFORE else None
    if word == "tear":
        return "verb" if nxt in TEAR_AFTER and prev not in NOUN_BEFORE else None
    if word == "close":
        if prev in ("so", "too", "very", "a", "the") or nxt in ("to", "by", "call", "friend", "friends"):
            return "adjective"
        return "verb" if nxt in CLOSE_VERB_AFTER or prev in VERB_BEFORE else None
    if word == "use":
        return "noun" if prev in NOUN_BEFORE else "verb" if prev in VERB_BEFORE or prev in PRONOUNS else None
    if word == "minute":
        return "tiny" if nxt in TINY_AFTER or prev in TINY_BEFORE else None
    if word == "desert":
        return (
            "verb"
            if prev in VERB_BEFORE or prev in PRONOUNS or nxt in ("your", "his", "her", "them", "us", "me")
            else None
        )
    if word == "produce":
        return "noun" if prev in PRODUCE_BEFORE else None
    return None


def heteronym(c: Ctx) -> Said:
    lead, core, trail = split_punct(c.words[c.i])
    low = core.lower()
    if low not in RESPELL:
        return None
    prev = "" if c.ends_sentence_before() else c.low(-1)
    nxt = "" if trail else c.low(1)
    sense = _sense(low, prev, nxt, c.low(2))
    said = RESPELL[low].get(sense or "")
    return None if said is None else (lead, said, trail, 1)
