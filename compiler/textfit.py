"""Text that fits, measured: widths from a font's glyph advances, balanced line breaks, sizes that
shrink to a box. Pure: the font is data (`FontMetrics`) that the runtime measures from the real
font file and hands in (CompileOptions.fonts); without it an approximate table stands in.

Sizes. libass scales a font so that ascent + descent equals the ASS `Fontsize` (so the em is
smaller than the size: DejaVu Sans's em is size / 1.164); ffmpeg's drawtext sets the em itself.
`em_for_ass(size)` converts. Widths are the sum of the characters' advances (libass, as ffmpeg
runs it here, does not kern: measured within 0.3 % of its rendering).

Breaks. Words are joined into unbreakable groups first: a number stays with its unit ("5 kg",
"7 a.m.", "20 %"), a title abbreviation with the next word ("Dr. Ruiz"); "U.S." or "a.m." are
never sentence ends for the break costs. Lines are balanced by measured width (minimum raggedness).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# --- fonts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FontMetrics:
    family: str
    bold: bool
    sha256: str  # of the font file; "approximate" for the built-in estimate
    em: float  # units per em of `advance`
    ascent: float  # in the same units
    descent: float
    advance: Callable[[str], float] = field(compare=False, repr=False)  # one character -> units
    # one character -> (top above the baseline, bottom below it) of its glyph, in units; None: the
    # font's ascent and descent (drawtext spaces lines by the glyphs its text actually has)
    extent: Callable[[str], tuple[float, float]] | None = field(default=None, compare=False, repr=False)

    def width(self, text: str, em_px: float) -> float:
        """Width in pixels of `text` set with an em of `em_px` pixels."""
        return sum(self.advance(ch) for ch in text) * em_px / self.em

    def em_for_ass(self, size: float) -> float:
        """The em in pixels of an ASS Fontsize (libass: ascent + descent == size)."""
        return size * self.em / (self.ascent + self.descent)

    def line_height(self, em_px: float) -> float:
        return (self.ascent + self.descent) * em_px / self.em

    def glyph_height(self, text: str, em_px: float) -> float:
        """Height from the highest glyph top to the lowest glyph bottom of `text`: the line pitch
        ffmpeg's drawtext uses (before line_spacing)."""
        if self.extent is None:
            return self.line_height(em_px)
        ext = [self.extent(ch) for ch in text if not ch.isspace()]
        if not ext:
            return 0.0
        return (max(t for t, _ in ext) + max(b for _, b in ext)) * em_px / self.em


# DejaVu Sans's advances of printable ASCII (units per 1000 em), the font vidc's styles name
_ASCII = [
    int(x)
    for x in (
        "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636 636 337 "
        "337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787 695 635 611 732 "
        "684 989 685 611 685 390 337 390 838 500 500 613 635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 "
        "635 411 521 392 634 592 818 592 592 525 636 337 636 838"
    ).split()
]


def approximate_metrics(family: str = "DejaVu Sans", bold: bool = False) -> FontMetrics:
    """A width table for a compile without the runtime's measured font (unit tests, golden plans):
    DejaVu Sans's ASCII advances plus 3 % (20 % for bold), 1100 units for anything else. Errs
    wide, so it never fits more than the real font would."""
    scale = 1.2 if bold else 1.03

    def advance(ch: str) -> float:
        code = ord(ch)
        return (_ASCII[code - 32] if 32 <= code < 127 else 1100.0) * scale

    return FontMetrics(family, bold, "approximate", 1000.0, 929.0, 236.0, advance)


FontSource = Callable[[str, bool], "FontMetrics | None"]


# --- words and groups ------------------------------------------------------------------------

TITLES = frozenset(
    "dr. mr. mrs. ms. mx. prof. st. mt. sr. jr. no. vs. fig. gen. gov. sen. rep. rev. capt. lt. col. sgt. "
    "approx. ca. e.g. i.e.".split()
)
ABBREVIATIONS = TITLES | frozenset(
    "u.s. u.k. u.n. e.u. a.m. p.m. etc. inc. ltd. co. corp. jan. feb. mar. apr. jun. "
    "jul. aug. sep. sept. oct. nov. dec.".split()
)
UNITS = frozenset(
    "a.m. p.m. am pm AM PM a.m p.m kg g mg µg lb lbs oz t km m cm mm µm nm mi ft yd km/h kph mph m/s knots kn "
    "w kw kwh mwh wh v mv ma mah a hz khz mhz ghz b kb mb gb tb pb kbps mbps gbps fps px dpi k % ‰ °c °f ° "
    "c f ms s sec secs second seconds min mins minute minutes h hr hrs hour hours day days week weeks month "
    "months year years yr yrs percent per x l ml dl cl gal bc ad ce bce st nd rd th €".split()
)
_NUMBER = re.compile(r"^[(\[\"'“‘]?[~≈<>±+\-−$€£¥#№]?\d[\d,.:'’]*[kKmMbB%x]?$")
_SENTENCE_END = tuple(".!?…。！？؟")
_CLAUSE_END = tuple(",;:—–)]\"'”’»،؛")
WEAK = frozenset(
    "a an the of to and or but in on at by for with from as into than that this these those my your our "
    "their his her its is are was were be de la le el".split()
)


def _bare(word: str) -> str:
    return word.lower().strip("\"'“”‘’()[]")


def is_number(word: str) -> bool:
    return bool(_NUMBER.match(word))


def is_unit(word: str) -> bool:
    w = _bare(word).rstrip(",;:!?")
    return w in UNITS or (w.endswith(".") and w[:-1] in UNITS and w not in ("a.", "s.", "t."))


def binds(prev: str, word: str) -> bool:
    """True when a line must not break between `prev` and `word`."""
    if _bare(prev) in TITLES:
        return True
    if is_number(prev) and is_unit(word):
        return True
    return word in ("%", "‰", "°", "€", "—") or prev in ("$", "€", "£", "#", "№")


def sentence_end(word: str) -> bool:
    if not word.endswith(_SENTENCE_END):
        return False
    return _bare(word) not in ABBREVIATIONS


def break_cost(word: str, nxt: str | None) -> float:
    """Cost of ending a line or a cue after `word` (0: a sentence end; inf: never)."""
    if nxt is None:
        return 0.0
    if binds(word, nxt):
        return float("inf")
    if sentence_end(word):
        return 0.0
    if word.endswith(_CLAUSE_END) or (word.endswith(_SENTENCE_END)):
        return 0.5
    cost = 1.6
    if _bare(word) in WEAK:
        cost += 1.2
    return cost


def groups(words: Sequence[str]) -> list[str]:
    """The words joined into the unbreakable groups a line can hold."""
    out: list[str] = []
    for k, w in enumerate(words):
        if out and binds(words[k - 1], w):
            out[-1] += " " + w
        else:
            out.append(w)
    return out


# --- lines -----------------------------------------------------------------------------------


def balanced_lines(
    words: Sequence[str], width: Callable[[str], float], max_width: float, max_lines: int | None = None
) -> list[str] | None:
    """Break `words` into the fewest lines no wider than max_width, then balance them (least squared
    slack, with a penalty for bad break points). None when a group does not fit or more than
    max_lines are needed."""
    g = groups(words)
    if not g:
        return []
    if any(width(x) > max_width for x in g):
        return None
    n = len(g)
    space = width(" ")
    widths = [width(x) for x in g]
    inf = float("inf")
    # fewest lines first (greedy is optimal for that), then balance within that count
    count, cur = 1, widths[0]
    for w in widths[1:]:
        if cur + space + w <= max_width:
            cur += space + w
        else:
            count, cur = count + 1, w
    if max_lines is not None and count > max_lines:
        return None
    # dp[k][j]: best cost of the first j groups on k lines
    best = [[inf] * (n + 1) for _ in range(count + 1)]
    back = [[-1] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for k in range(1, count + 1):
        for j in range(1, n + 1):
            line_w = -space
            for i in range(j - 1, -1, -1):
                line_w += space + widths[i]
                if line_w > max_width:
                    break
                if best[k - 1][i] == inf:
                    continue
                slack = (max_width - line_w) / max_width
                penalty = 0.0 if j == n else 0.05 * min(break_cost(g[j - 1].split(" ")[-1], g[j].split(" ")[0]), 3.0)
                cost = best[k - 1][i] + slack * slack + penalty
                if cost < best[k][j]:
                    best[k][j], back[k][j] = cost, i
    if best[count][n] == inf:
        return None
    lines, j = [], n
    for k in range(count, 0, -1):
        i = back[k][j]
        lines.append(" ".join(g[i:j]))
        j = i
    return lines[::-1]


@dataclass(frozen=True)
class Block:
    lines: tuple[str, ...]
    em_px: float
    truncated: bool


def fit_block(
    text: str,
    font: FontMetrics,
    box_w: float,
    box_h: float,
    em_px: float,
    min_em_px: float,
    line_factor: float = 1.25,
    spacing: float = 0.12,
) -> Block:
    """Wrap `text` into a box, shrinking the em (whole pixels) from em_px down to min_em_px until it
    fits; at the smallest size, what still does not fit is cut at a word with an ellipsis. Lines are
    line_factor ems apart, `spacing` ems of which are the gap after a line (none after the last)."""
    words = text.split()
    em = float(int(em_px))
    min_em_px = float(int(min_em_px))
    while True:

        def measure(s: str, e: float = em) -> float:
            return font.width(s, e)

        max_lines = max(1, int((box_h + spacing * em) // (line_factor * em + 1)))
        fitted = balanced_lines(words, measure, box_w, max_lines)
        if fitted is not None:
            return Block(tuple(fitted), em, False)
        if em <= min_em_px:
            break
        em = max(min_em_px, float(int(em * 0.94)))
    # smallest size: greedy fill, cut at the last line, long words cut by character
    lines: list[str] = []
    for w in words:
        while font.width(w, em) > box_w and len(w) > 1:
            cut = len(w)
            while cut > 1 and font.width(w[:cut], em) > box_w:
                cut -= 1
            lines.append(w[:cut])
            w = w[cut:]
        if lines and font.width(lines[-1] + " " + w, em) <= box_w:
            lines[-1] += " " + w
        else:
            lines.append(w)
    lines = lines[:max_lines]
    last = lines[-1] if lines else ""
    while last and font.width(last + "…", em) > box_w:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    lines[-1:] = [last.rstrip(" ,;:") + "…"]
    return Block(tuple(lines), em, True)
