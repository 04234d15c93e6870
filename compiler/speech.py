"""Text normalisation for speech: the words a voice engine should say for a written voiceover.

Pure (it runs in the compiler, so `vidc plan` shows the spoken text and a change to it changes the
voice task's fingerprint); numbers are read by `num2words` in the voice's language, the rest is a
few small tables (units, abbreviations, letter names: speech_tables) that no library covers.
Captions keep the written text: `normalise` returns, for every whitespace-separated written word,
how many spoken words it became, so word timings measured on the spoken text map back onto the
written words.

Handled: a lexicon first (word -> respelling, whole words, case-insensitive); URLs and e-mail
addresses; currency ("$12.5 million" -> "twelve point five million dollars", "$9.99" -> "nine
dollars and ninety-nine cents"); phone numbers digit by digit; ordinals ("10,000th"); percentages;
dates (2024-05-01, 5/1/2024) and times (10:30, 9 am); numbers with units ("50 ms", "48 CPUs",
"3.5GHz"); years; decimals and large numbers; acronyms, spelled ("CPU" -> "see pee you") or said
(NASA); abbreviations whose full stop is not a sentence end ("Dr. Smith" -> "Doctor Smith").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .speech_rules import n2w, number, say_special, split_punct
from .speech_rules.base import NUM, NUMBER
from .speech_rules.data import RESPELL as HETERONYMS
from .speech_tables import ABBREVIATIONS, CURRENCY, LETTERS, MONTHS, RESPELL, SAID, SCALES, SYMBOLS, UNITS

__all__ = ["Spoken", "normalise", "spoken_text", "DEFAULT_LEXICON"]

DEFAULT_LEXICON = {"vidc": "vid see"}

_NUM = NUM
_NUMBER = NUMBER
_split_punct = split_punct
_n2w = n2w
_number = number


@dataclass(frozen=True)
class Spoken:
    written: list[str]  # the written words (whitespace split)
    counts: list[int]  # how many spoken words each written word became (0: folded into the previous)
    text: str  # the spoken text

    @property
    def words(self) -> list[str]:
        return self.text.split()

    def items(self) -> list[tuple[str, str]]:
        """(written, spoken) for each reading: a written word with the words folded into it (count 0)."""
        out: list[tuple[str, str]] = []
        spoken = self.words
        j = 0
        for word, n in zip(self.written, self.counts):
            if n == 0 and out:
                out[-1] = (out[-1][0] + " " + word, out[-1][1])
                continue
            out.append((word, " ".join(spoken[j : j + n])))
            j += n
        return out


def _lang(language: str) -> str:
    return (language or "en").replace("-", "_").split("_")[0].lower() or "en"


def _spell(acronym: str) -> str:
    if acronym in RESPELL:
        return RESPELL[acronym]
    if acronym in SAID:
        return acronym.lower()
    plural = acronym.endswith("s") and acronym[:-1].isupper()
    letters = acronym[:-1] if plural else acronym
    out = [LETTERS.get(ch, ch) for ch in letters if ch.isalpha()]
    if plural and out:
        out[-1] += "s" if not out[-1].endswith("s") else "es"
    return " ".join(out)


def _is_acronym(w: str) -> bool:
    core = w[:-1] if (w.endswith("s") and len(w) > 2) else w
    return 2 <= len(core) <= 6 and core.isalpha() and core.isupper() or w in RESPELL


def _money(sym: str, amount: str, scale: str | None, lang: str) -> str:
    one, many, sub_one, sub_many = CURRENCY[sym]
    amount = amount.replace(",", "")
    if scale:  # "$12.5 million": the number, the scale, then the currency
        return f"{_number(amount, lang)} {scale} {many}"
    whole, _, frac = amount.partition(".")
    w = int(whole or "0")
    parts = []
    if w or not frac:
        parts.append(f"{_n2w(w, lang)} {one if w == 1 else many}")
    if frac:
        cents = int((frac + "0")[:2])
        if cents:
            parts.append(f"{_n2w(cents, lang)} {sub_one if cents == 1 else sub_many}")
    return " and ".join(parts)


def _digits(s: str, lang: str) -> str:
    """Phone numbers: digits one by one, groups separated by commas (a short pause)."""
    groups = [g for g in re.split(r"[^\d]+", s) if g]
    names = {"0": "zero"} if lang == "en" else {}
    return ", ".join(" ".join(names.get(d) or _n2w(int(d), lang) for d in g) for g in groups)


def _time(h: int, m: int, suffix: str | None, lang: str) -> str:
    hour = _n2w(h, lang)
    if m == 0:
        out = hour + (" o'clock" if not suffix else "")
    elif m < 10:
        out = f"{hour} oh {_n2w(m, lang)}"
    else:
        out = f"{hour} {_n2w(m, lang)}"
    if suffix:
        out += " " + " ".join(LETTERS[c] for c in suffix.upper() if c.isalpha())
    return out


def _date(y: int, mo: int, d: int, lang: str) -> str | None:
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{MONTHS[mo - 1]} {_n2w(d, lang, 'ordinal')} {_n2w(y, lang, 'year')}"


def _url(s: str, lex: dict[str, str]) -> str:
    s = re.sub(r"^https?://", "", s)
    s = re.sub(r"^www\.", "w w w dot ", s)
    out = []
    for part in re.split(r"([./:_\-@?=&])", s):
        if not part:
            continue
        out.append(
            {
                ".": "dot",
                "/": "slash",
                ":": "colon",
                "_": "underscore",
                "-": "dash",
                "@": "at",
                "?": "question mark",
                "=": "equals",
                "&": "and",
            }.get(part, lex.get(part.lower(), part))
        )
    return " ".join(out).replace("w w w dot dot", "w w w dot")


_PHONE = re.compile(r"^(?:\+?\d{1,3}[-. ])?(?:\(\d{3}\)\s?|\d{3}[-.])\d{3}[-.]\d{4}$")
_URL = re.compile(
    r"^(?:https?://\S+|www\.\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|ai|app|co|uk|de|fr|edu|gov|tv|me)(?:/\S*)?)$",
    re.I,
)
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_ORDINAL = re.compile(rf"^({_NUM})(st|nd|rd|th)$", re.I)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(am|pm|a\.m\.|p\.m\.)?$", re.I)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUM_UNIT = re.compile(rf"^(-?(?:{_NUM})(?:\.\d+)?)([A-Za-zµ°/%]+\.?)$")
_MONEY = re.compile(rf"^([$€£¥])((?:{_NUM})(?:\.\d+)?)([kKmMbB]|bn)?$")
_YEAR = re.compile(r"^(1[1-9]\d\d|20\d\d)s?$")


def normalise(text: str, language: str = "en-us", lexicon: dict[str, str] | None = None) -> Spoken:
    """The spoken form of `text`, word by word (see the module's docstring). The compiler asks for
    the same scene's text several times (pacing, word counts, the voice task): it is worked out once."""
    return _normalise(text, language, tuple((lexicon or {}).items()))


@functools.lru_cache(maxsize=32)
def _normalise(text: str, language: str, lexicon: tuple[tuple[str, str], ...]) -> Spoken:
    lang = _lang(language)
    lex = {k.lower(): v for k, v in {**DEFAULT_LEXICON, **dict(lexicon)}.items()}
    written = text.split()
    out: list[str] = []
    counts: list[int] = []
    i = 0
    while i < len(written):
        tok = written[i]
        if tok.isalpha() and tok.islower() and tok not in lex and tok not in HETERONYMS:  # most words
            out.append(tok)
            counts.append(1)
            i += 1
            continue
        lead, said, trail, used = _read(written, i, lang, lex)
        if isinstance(said, list):  # one reading per written word: each keeps its own spoken words
            said[0], said[-1] = lead + said[0], said[-1] + trail
            for one in said:
                words = one.split()
                out += words
                counts.append(len(words))
        else:
            words = f"{lead}{said}{trail}".split()
            out += words
            counts.append(len(words))
            counts += [0] * (used - 1)
        i += used
    return Spoken(written=written, counts=counts, text=" ".join(out))


def _read(written: list[str], i: int, lang: str, lex: dict[str, str]) -> tuple[str, str | list[str], str, int]:
    """The reading of written[i] (and maybe the words after it): the lexicon, the context rules
    (speech_rules), then the word-by-word rules below; as written when none applies."""
    tok = written[i]
    nxt = written[i + 1] if i + 1 < len(written) else ""
    lead, core, trail = _split_punct(tok)
    if core.lower() in lex:
        return lead, lex[core.lower()], trail, 1
    special = say_special(written, i, lang)
    if special is not None:
        return special
    _, n_core, n_trail = _split_punct(nxt)
    t = _Tok(tok, lead, core, trail, nxt, n_core, n_trail)
    return _say_words(t, lang, lex) or _say_dates(t, lang) or _say_numbers(t, lang) or (lead, core, trail, 1)


@dataclass(frozen=True)
class _Tok:
    """A written word split into punctuation and core, with the next word (some readings take two words)."""

    tok: str
    lead: str
    core: str
    trail: str
    nxt: str
    n_core: str
    n_trail: str


# (lead, said, trail, how many written words the reading used); None: the rule does not apply
_Said = tuple[str, str | list[str], str, int] | None


def _say_words(t: _Tok, lang: str, lex: dict[str, str]) -> _Said:
    """Telephone numbers, abbreviations, the lexicon, addresses."""
    lead, core, trail, n_core, n_trail = t.lead, t.core, t.trail, t.n_core, t.n_trail
    low = core.lower()
    # an abbreviation keeps its full stop in `core`: "Dr." -> lead "", core "Dr", trail "."
    abbr = (low + ".") if trail.startswith(".") else None
    dotted = t.tok.lower().rstrip(",;:")
    if re.fullmatch(r"\(\d{3}\)", t.tok) and re.fullmatch(r"\d{3}[-.]\d{4}", n_core):  # (555) 123-4567
        return "", _digits(t.tok + " " + n_core, lang), n_trail, 2
    if abbr and (abbr in ABBREVIATIONS or (low + trail[:4].lower()) in ABBREVIATIONS):
        key = abbr if abbr in ABBREVIATIONS else low + trail[:4].lower()
        rest = trail[len(key) - len(low) :]
        # the full stop belongs to the abbreviation; keep it only as a sentence end (last word,
        # or "etc." before a capitalised word)
        ends = not t.nxt or (key == "etc." and n_core[:1].isupper())
        return lead, ABBREVIATIONS[key], ("." if ends and not rest else "") + rest, 1
    if re.fullmatch(r"[a-z]\.(?:[a-z]\.)+", dotted) and dotted in ABBREVIATIONS:
        return lead, ABBREVIATIONS[dotted], t.tok[len(dotted) :], 1
    if low in lex:
        return lead, lex[low], trail, 1
    if _EMAIL.match(core) or _URL.match(core) and not _NUMBER.match(core):
        return lead, _url(core, lex), trail, 1
    if _PHONE.match(core):
        return lead, _digits(core, lang), trail, 1
    return None


def _say_dates(t: _Tok, lang: str) -> _Said:
    """Money, ordinals, times of day, dates and years."""
    lead, core, trail, n_core, n_trail = t.lead, t.core, t.trail, t.n_core, t.n_trail
    if m := _MONEY.match(core):
        used = 1
        scale = {"k": "thousand", "m": "million", "b": "billion", "bn": "billion"}.get((m.group(3) or "").lower())
        if not scale and n_core.lower() in SCALES:
            scale, trail, used = n_core.lower(), n_trail, 2
        return lead, _money(m.group(1), m.group(2), scale, lang), trail, used
    if m := _ORDINAL.match(core):
        return lead, _n2w(int(m.group(1).replace(",", "")), lang, "ordinal"), trail, 1
    if m := _TIME.match(core):
        used = 1
        suffix = m.group(3)
        if not suffix and n_core.lower().replace(".", "") in ("am", "pm"):
            suffix, trail, used = n_core, n_trail, 2
        return (
            lead,
            _time(int(m.group(1)), int(m.group(2)), suffix.replace(".", "") if suffix else None, lang),
            trail,
            used,
        )
    if m := _ISO_DATE.match(core):  # an impossible date is left as written
        date = _date(int(m.group(1)), int(m.group(2)), int(m.group(3)), lang)
        return lead, core if date is None else date, trail, 1
    if m := _US_DATE.match(core):
        date = _date(int(m.group(3)), int(m.group(1)), int(m.group(2)), lang)
        return lead, core if date is None else date, trail, 1
    if (m := _YEAR.match(core)) and n_core.lower() not in UNITS and _YEAR.match(core):
        said = _n2w(int(m.group(1)), lang, "year")
        if core.endswith("s"):  # the 1990s
            said = re.sub(r"y$", "ies", said) if said.endswith("y") else said + "s"
        return lead, said, trail, 1
    return None


def _say_numbers(t: _Tok, lang: str) -> _Said:
    """Numbers (with the unit or acronym after them), quantities with units, acronyms and symbols."""
    lead, core, trail, n_core, n_trail = t.lead, t.core, t.trail, t.n_core, t.n_trail
    if (said := _number(core, lang)) is not None:
        if n_core in UNITS and n_core not in ("in", "m", "s", "h", "g", "x", "B", "V", "W", "K", "k", "M"):
            one, many = UNITS[n_core]
            return lead, said + " " + (one if core in ("1", "1.0") else many), n_trail, 2
        if n_core and _is_acronym(n_core):  # "48 CPUs"
            return lead, said + " " + _spell(n_core), n_trail, 2
        return lead, said, trail, 1
    if (m := _NUM_UNIT.match(core)) and (m.group(2) in UNITS or m.group(2).rstrip(".") in UNITS):
        unit = m.group(2) if m.group(2) in UNITS else m.group(2).rstrip(".")
        one, many = UNITS[unit]
        return lead, f"{_number(m.group(1), lang)} {one if m.group(1) in ('1', '1.0') else many}", trail, 1
    if _is_acronym(core):
        return lead, _spell(core), trail, 1
    if core in SYMBOLS:
        return lead, SYMBOLS[core], trail, 1
    if "&" in core and len(core) > 1:  # "R&D", "Q&A"
        return (
            lead,
            " and ".join(_spell(p) if _is_acronym(p) or len(p) == 1 else p for p in core.split("&") if p),
            trail,
            1,
        )
    return None


def spoken_text(text: str, language: str = "en-us", lexicon: dict[str, str] | None = None) -> str:
    return normalise(text, language, lexicon).text
