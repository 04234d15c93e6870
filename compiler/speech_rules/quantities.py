"""Numbers that are more than a number: international phone numbers said in digit groups, ranges and
scores ("2020–2024", "3–1"), fractions ("3/4", "1 1/2", "½"), quantities with a unit as the next word
("120 km/h", "−5 °C") or glued on ("450g"), and heights in feet and inches (5'11")."""

from __future__ import annotations

import re

from ..speech_tables import UNITS
from .base import NUM, Ctx, Said, is_one, n2w, number, split_punct, year
from .data import AMBIGUOUS_UNITS, EXTRA_UNITS, FRACTIONS, SLASH_SAID

_DIGIT = {"0": "zero"}
_INTL = re.compile(r"^\+\d{1,3}$")
_GROUP = re.compile(r"^(?:\(0\))?\d{1,6}$")
_INTL_ONE = re.compile(r"^\+\d{1,3}(?:[-.]\d{1,5}){2,5}$")
_LOCAL = re.compile(r"^0\d{2,4}$")
_DASHES = "–—-"
_RANGE = re.compile(rf"^([-−]?(?:{NUM})(?:\.\d+)?)[–—-]([-−]?(?:{NUM})(?:\.\d+)?)(%|[A-Za-z°/]+)?$")
_FRACTION = re.compile(r"^(\d{1,3})/(\d{1,3})$")
_MIXED_UNI = re.compile(r"^(\d+)([½⅓⅔¼¾⅕⅛⅜⅝⅞])$")
_GLUED = re.compile(rf"^([-−]?(?:{NUM})(?:\.\d+)?)(°[CFK]?|[A-Za-zµ/]+)$")
_FEET = re.compile(r"^(\d)['′](?:(\d{1,2})(?:\"|″|'')?)?$")
_YEAR = re.compile(r"^(1[1-9]\d\d|20\d\d)$")
UNIT_TABLE = {**UNITS, **EXTRA_UNITS}


def _digits(group: str, lang: str) -> str:
    return " ".join(_DIGIT.get(d) or n2w(int(d), lang) for d in group if d.isdigit())


def phone(c: Ctx) -> Said:
    """'+44 20 7946 0958' -> 'plus four four, two zero, ...' (a short pause between groups); also a
    national number that starts with 0 and runs on in groups ('020 7946 0958')."""
    lead, core, trail = split_punct(c.words[c.i])
    if re.fullmatch(r"\d{3}-\d{4}", core):  # 555-1234
        return lead, ", ".join(_digits(g, c.lang) for g in core.split("-")), trail, 1
    if _INTL_ONE.match(core):
        groups = re.split(r"[-.]", core[1:])
        return lead, "plus " + ", ".join(_digits(g, c.lang) for g in groups), trail, 1
    if not (_INTL.match(core) or (_LOCAL.match(core) and not trail)):
        return None
    parts = [core]
    k = 1
    while c.i + k < len(c.words) and _GROUP.match(c.core(k)) and not c.lead(k) and len(parts) < 6:
        parts.append(c.core(k))
        if c.trail(k):
            break
        k += 1
    if len(parts) < (3 if core.startswith("0") else 2) or sum(len(p) for p in parts) < 7:
        return None
    said = [("plus " if p.startswith("+") else "") + _digits(p, c.lang) for p in parts]
    said = [s + "," for s in said[:-1]] + said[-1:]
    return lead, said, c.trail(len(parts) - 1), len(parts)


def _end(first: str, second: str, lang: str) -> tuple[str, str]:
    """Both ends of a range: years as years ("2020–24": 'twenty twenty to twenty-four')."""
    if _YEAR.match(first) and (_YEAR.match(second) or (len(second) == 2 and second.isdigit())):
        return year(int(first), lang), year(int(second), lang) if len(second) == 4 else n2w(int(second), lang)
    return number(first, lang) or first, number(second, lang) or second


def _unit(text: str, count: str) -> str | None:
    pair = UNIT_TABLE.get(text) or UNIT_TABLE.get(text.rstrip("."))
    if pair is None:
        return None
    return pair[0] if is_one(count) else pair[1]


def number_range(c: Ctx) -> Said:
    """'2020–2024', 'a 3–1 win', '10–20%', '5-10 km'; and '2020 – 2024' written with spaces."""
    lead, core, trail = split_punct(c.words[c.i])
    if (m := _RANGE.match(core)) and not re.fullmatch(r"\d{3}-\d{4}", core):
        a, b = _end(m.group(1), m.group(2), c.lang)
        unit = m.group(3)
        if unit and (said := _unit(unit, m.group(2))) is None:
            return None
        if not unit and not trail and (name := _unit(c.core(1), m.group(2))) and c.core(1) not in AMBIGUOUS_UNITS:
            return lead, [f"{a} to {b}", name], c.trail(1), 2  # "5-10 km"
        return lead, f"{a} to {b}" + (f" {said}" if unit else ""), trail, 1
    if number(core, c.lang) and not trail and c.core(1) in _DASHES and c.core(1) and number(c.core(2), c.lang):
        a, b = _end(core, c.core(2), c.lang)
        return lead, [a, "to", b], c.trail(2), 3
    return None


def _fraction(num: int, den: int, lang: str) -> str | None:
    if den < 2 or den > 100 or num < 1:
        return None
    if den == 2:
        name = "half" if num == 1 else "halves"
    elif den == 4:
        name = "quarter" if num == 1 else "quarters"
    else:
        name = n2w(den, lang, "ordinal") + ("" if num == 1 else "s")
    return f"{n2w(num, lang)} {name}"


def fraction(c: Ctx) -> Said:
    """'3/4' 'three quarters'; '1 1/2' 'one and a half'; '½', '2½'; '24/7' as said."""
    lead, core, trail = split_punct(c.words[c.i])
    if core in SLASH_SAID:
        return lead, SLASH_SAID[core], trail, 1
    if core in FRACTIONS:
        return lead, _fraction(*FRACTIONS[core], c.lang) or core, trail, 1
    if m := _MIXED_UNI.match(core):
        part = _fraction(*FRACTIONS[m.group(2)], c.lang) or ""
        return lead, f"{n2w(int(m.group(1)), c.lang)} and {part.replace('one ', 'a ', 1)}", trail, 1
    if core.isdigit() and not trail and (m := _FRACTION.match(c.core(1))):
        mixed = _fraction(int(m.group(1)), int(m.group(2)), c.lang)
        if mixed and int(m.group(1)) < int(m.group(2)):
            return lead, [f"{n2w(int(core), c.lang)} and", mixed.replace("one ", "a ", 1)], c.trail(1), 2
    if m := _FRACTION.match(core):
        plain = _fraction(int(m.group(1)), int(m.group(2)), c.lang)
        if plain and int(m.group(2)) <= 16:
            return lead, plain, trail, 1
    return None


def quantity(c: Ctx) -> Said:
    """A number and its unit, each timed by its own words: '120 km/h' -> 'one hundred and twenty' +
    'kilometres per hour'; '−5 °C'; glued: '450g', '-5°C', '3.5GHz'."""
    lead, core, trail = split_punct(c.words[c.i])
    if m := _FEET.match(c.words[c.i].rstrip(".,;:!?")):
        feet = f"{n2w(int(m.group(1)), c.lang)} {'foot' if m.group(1) == '1' else 'feet'}"
        inches = m.group(2)
        rest = c.words[c.i][len(c.words[c.i].rstrip(".,;:!?")) :]
        if inches:
            feet += f" {n2w(int(inches), c.lang)} {'inch' if inches == '1' else 'inches'}"
        return "", feet, rest, 1
    if (said := number(core, c.lang)) is not None:
        unit = c.core(1)
        if trail or unit in AMBIGUOUS_UNITS or c.lead(1):
            return None
        if (name := _unit(unit, core)) is not None and (unit in UNIT_TABLE or unit.endswith(".")):
            return lead, [said, name], c.trail(1), 2
        return None
    m = _GLUED.match(core)
    if m and m.group(2) == "s" and len(m.group(1)) == 4:  # "1990s": a decade (the year rule reads it)
        return None
    if m and (name := _unit(m.group(2), m.group(1))) is not None:
        return lead, f"{number(m.group(1), c.lang)} {name}", trail, 1
    return None
