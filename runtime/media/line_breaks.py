"""Where a caption may break, with the words around it in view: the cost of ending a line or a cue
after a word (compiler/textfit.py's `break_cost` for a pair of words, plus what only the
neighbours tell).

Kept together (infinite cost; the caller lifts it to a finite cap only when nothing else fits):
- a number and its unit ("120 km/h", "−5 °C"), a title and its name ("Dr. Ruiz"), as textfit says;
- names: capitalised words in a row ("São Paulo", "New York City"), also across a lower-case
  particle between two of them ("Rio de Janeiro", "Ludwig van Beethoven"), unless the first ends a
  clause or a sentence;
- an abbreviation with what it belongs to: a street or company word after a capitalised word
  ("Main St.", "Acme Inc.", "Sunset Blvd."), which then may end a line like any other word.
Dear (a high finite cost):
- phrasal pairs whose halves mean little apart ("out loud", "at once", "of course", "such as",
  "pick up").
And for the layout: a line or a cue of one word (an orphan) costs extra where there are words to
spare.
"""

from __future__ import annotations

from collections.abc import Sequence

from vidc.compiler.textfit import WEAK, break_cost as pair_break_cost, sentence_end

__all__ = ["break_cost", "orphan_cost", "pace_cost", "PHRASES", "TRAILING_ABBREVIATIONS"]

INF = float("inf")

# abbreviations that belong to the word before them (and are no sentence end there)
TRAILING_ABBREVIATIONS = frozenset(
    "st. ave. av. rd. blvd. ln. dr. ct. pl. sq. hwy. pkwy. inc. ltd. co. corp. llc. plc. jr. sr. bros.".split()
)
PARTICLES = frozenset("de da do dos das di del della van von der den la le du bin al el y".split())
PHRASES = frozenset(
    tuple(p.split())
    for p in (
        "out loud",
        "at once",
        "at least",
        "at last",
        "at all",
        "at first",
        "of course",
        "as well",
        "such as",
        "so that",
        "even though",
        "even if",
        "in fact",
        "no one",
        "each other",
        "one another",
        "right now",
        "up to",
        "rather than",
        "as if",
        "as soon",
        "in order",
        "kind of",
        "sort of",
        "a lot",
        "a few",
        "a bit",
        "per cent",
        "pick up",
        "set up",
        "sign up",
        "log in",
        "find out",
        "turn off",
        "turn on",
        "give up",
        "carry on",
        "figure out",
        "look up",
        "show up",
        "make sure",
        "for example",
        "for instance",
        "thank you",
        "ice cream",
    )
)
# capitalised words that start a sentence rather than a name ("The | Golden Gate Bridge")
NOT_NAMES = WEAK | frozenset(
    "i meet call visit ask welcome hello hi dear thanks so then when if yes no now here there today "
    "tomorrow every each all some".split()
)
PHRASE_COST = 5.0
HARD_CPS = 20.0


def _bare(word: str) -> str:
    return word.lower().strip("\"'“”‘’()[]«»¿¡")


def _plain(word: str) -> str:
    """The word without the punctuation that may follow it ("loud," -> "loud")."""
    return _bare(word).rstrip(",;:!?.…")


def _capitalised(word: str) -> bool:
    w = word.lstrip("\"'“‘([«¿¡")
    return len(w) > 1 and w[0].isupper() and any(c.islower() for c in w[1:])


def _ends_clause(word: str) -> bool:
    return word.endswith(tuple(",;:!?…—–)]\"'”’»")) or sentence_end(word)


def _name_pair(words: Sequence[str], k: int) -> bool:
    """words[k] and words[k + 1] are parts of one name."""
    a, b = words[k], words[k + 1]
    if _ends_clause(a) or _bare(b) in TRAILING_ABBREVIATIONS:
        return False
    if _capitalised(a) and _capitalised(b):  # ("Meet John" at a sentence start is kept too: harmless)
        return _plain(a) not in NOT_NAMES
    if _bare(b) in PARTICLES and _capitalised(a) and k + 2 < len(words):
        return _capitalised(words[k + 2])
    if _bare(a) in PARTICLES and _capitalised(b) and k > 0:
        return _capitalised(words[k - 1]) and not _ends_clause(words[k - 1])
    return False


def break_cost(words: Sequence[str], k: int) -> float:
    """Cost of ending a line or a cue after words[k] (0: a sentence end; inf: never)."""
    if k + 1 >= len(words):
        return 0.0
    a, b = words[k], words[k + 1]
    saint = _bare(a) in ("st.", "dr.") and _capitalised(b)  # "St. Louis", "Dr. Ruiz": they bind forward
    if _bare(b) in TRAILING_ABBREVIATIONS and _capitalised(a) and not _ends_clause(a):
        return INF  # "Main | St."
    after_name = k > 0 and _capitalised(words[k - 1]) and not _ends_clause(words[k - 1])
    if _bare(a) in TRAILING_ABBREVIATIONS and after_name and not saint:
        return 0.0 if a.endswith(("!", "?")) else 0.8  # "Main St. | at noon": it closed its phrase
    cost = pair_break_cost(a, b)
    if cost == INF:
        return cost
    if _name_pair(words, k):
        return INF
    if (_plain(a), _plain(b)) in PHRASES and not _ends_clause(a):
        cost += PHRASE_COST
    return cost


def orphan_cost(line_words: int, cue_words: int) -> float:
    """Extra cost for a line (or a cue, with cue_words the scene's words) holding a single word
    where at least three words are there to share it."""
    return 1.5 if line_words == 1 and cue_words >= 3 else 0.0


def pace_cost(chars: int, dur_ms: float, max_cps: float, min_ms: int, max_ms: int) -> float:
    """Cost of a cue of `chars` characters shown for `dur_ms`: reading speed over `max_cps` costs,
    over HARD_CPS (20 characters a second) much more; shorter than `min_ms` costs, and so does
    longer than `max_ms`."""
    cost = 0.0
    cps = chars / max(dur_ms, 1.0) * 1000.0
    if cps > max_cps:
        cost += 4.0 * (cps - max_cps) / max_cps
    if cps > HARD_CPS:
        cost += 12.0 * (cps - HARD_CPS) / HARD_CPS
    if dur_ms < min_ms:
        cost += 4.0 + 8.0 * (min_ms - dur_ms) / min_ms
    if dur_ms > max_ms:
        cost += (dur_ms - max_ms) / 1000.0
    return cost
