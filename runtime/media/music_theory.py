"""Music theory for the built-in tracks: chords and scales, the song's sections, voice-led chord voicings
and the pitches a pattern letter or a motif step names."""

from __future__ import annotations

CHORDS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "dom7": (0, 4, 7, 10),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "maj9": (0, 4, 7, 11, 14),
    "min9": (0, 3, 7, 10, 14),
    "5": (0, 7),
}
SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
}


def section_plan(phrases: int, phrase_s: float) -> list[str]:
    """Section name per 4-bar phrase: intro, build, main..., break, main2..., outro."""
    two = phrase_s < 8.0  # short phrases at fast tempos: double the sparse sections
    names = ["intro"] * (2 if two else 1) + ["build"]
    outro = ["outro"] * (2 if two else 1)
    middle = phrases - len(names) - len(outro)
    brk = 2 if two else 1
    main_n = max(middle - brk, 0)
    first = (main_n + 1) // 2 + (1 if main_n >= 4 else 0)
    first = min(first, main_n)
    seq = names + ["main"] * first + ["break"] * min(brk, middle) + ["main2"] * (main_n - first) + outro
    return seq[:phrases] if len(seq) >= phrases else seq + ["main2"] * (phrases - len(seq))


def chord_at(tonic: int, offset: int, quality: str) -> tuple[int, tuple[int, ...]]:
    return tonic + offset, CHORDS[quality]


def place_pitch(pc_root: int, center: int) -> int:
    """The pitch of pitch class `pc_root` nearest to `center` (within -6..+5)."""
    p = center + ((pc_root - center) % 12)
    if p - center > 5:
        p -= 12
    return p


def voice_chord(root: int, ivs: tuple[int, ...], center: int, prev: tuple[int, ...] | None) -> tuple[int, ...]:
    """Close voicing around `center`, choosing the inversion nearest to the previous voicing."""
    pcs = [(root + i) % 12 for i in ivs]
    if len(pcs) >= 5:  # rootless voicing for 9th chords (the bass has the root): no clusters
        pcs = pcs[1:]
    base = sorted({place_pitch(pc, center) for pc in pcs})
    candidates = []
    for inv in range(len(base)):
        v = sorted(base[inv:] + [p + 12 for p in base[:inv]])
        for shift in (-12, 0, 12):
            cand = tuple(p + shift for p in v)
            if center - 9 <= cand[0] <= center + 4:
                candidates.append(cand)
    if not candidates:
        candidates = [tuple(base)]
    if prev is None:
        return min(candidates, key=lambda c: (abs(sum(c) / len(c) - center), c))
    return min(candidates, key=lambda c: (sum(min(abs(p - q) for q in prev) for p in c), c))


def letter_tone(root: int, ivs: tuple[int, ...], letter: str, center: int) -> int:
    base = place_pitch(root % 12, center)
    up = letter.upper()
    if up == "R":
        return base
    if up == "F":
        return base + 7
    if up == "O":
        return base + 12
    if up == "T":
        return base + (ivs[1] if len(ivs) > 1 and ivs[1] < 7 else 4)
    return base


def chord_tone(voicing: tuple[int, ...], idx: int) -> int:
    """Tone `idx` of a voicing counted from its lowest note, continuing an octave up."""
    n = len(voicing)
    return voicing[idx % n] + 12 * (idx // n)


def scale_step(pitch: int, steps: int, tonic: int, mode: str) -> int:
    if steps == 0:
        return pitch
    scale = SCALES.get(mode, SCALES["major"])
    pcs = sorted((tonic + s) % 12 for s in scale)
    p = pitch
    direction = 1 if steps > 0 else -1
    for _ in range(abs(steps)):
        p += direction
        while p % 12 not in pcs:
            p += direction
    return p
