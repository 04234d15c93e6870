"""The arranger of the built-in tracks: turns one part of a recipe into timed note events (pads, comping,
strums, bass lines, arpeggios, motifs, drums) over the song's sections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .music_recipes import Part, Recipe
from .music_theory import chord_at, chord_tone, letter_tone, place_pitch, scale_step, voice_chord

GATELESS = frozenset({"bell", "mallet"})  # voices that ring out whatever the note length
VELOCITY = {"X": 1.0, "x": 0.85, "o": 0.6, "-": 0.35}


@dataclass
class Event:
    t: float  # seconds
    midi: int
    gate: float  # seconds
    vel: float
    voice: str = ""


def part_events(recipe: Recipe, part: Part, sections: list[str], bars: int, rng: np.random.Generator) -> list[Event]:
    bar_s = 240.0 / recipe.bpm
    events: list[Event] = []
    prev_voicing: tuple[int, ...] | None = None
    for b in range(bars):
        ending = b == bars - 1
        section = "end" if ending else sections[b // 4]
        playing = (part.name in recipe.end_parts) if ending else (part.name in recipe.section_parts(section))
        if ending:
            root, ivs = chord_at(recipe.tonic, 0, "maj" if recipe.mode == "major" else "min")
        else:
            off, q = recipe.progression[b % len(recipe.progression)]
            root, ivs = chord_at(recipe.tonic, off, q)
        bar = _Bar(b * bar_s, bar_s, root, ivs, ending)
        # a drop is the first bar of a main section that follows a sparser one
        next_is_drop = (
            not ending
            and b % 4 == 3
            and b + 1 < bars - 1
            and sections[(b + 1) // 4].startswith("main")
            and not sections[b // 4].startswith("main")
        )
        # draw random numbers whether or not the part plays, so a shortened render matches the full one
        jitter = rng.random(16)
        if part.kind == "pad":
            prev_voicing = _pad_bar(part, bar, playing, prev_voicing, events)
        elif part.kind == "motif":
            # the melody rests every other phrase of a main section: a bed, not a song
            if playing and not (not ending and section.startswith("main") and (b // 4) % 2 == 1):
                _motif_bar(recipe, part, bar, b, events)
        elif playing and ending:
            _final_hit(part, bar, prev_voicing, events)
        elif playing:
            pat = part.fill if (next_is_drop and part.fill) else part.pattern
            prev_voicing = _pattern_bar(recipe, part, bar, pat, jitter, prev_voicing, events)
    return events


@dataclass(frozen=True)
class _Bar:
    """One bar of the song: when it starts, how long it is, its chord, and whether it is the final one."""

    t0: float
    bar_s: float
    root: int
    ivs: tuple[int, ...]
    ending: bool


def _pad_bar(
    part: Part, bar: _Bar, playing: bool, prev: tuple[int, ...] | None, events: list[Event]
) -> tuple[int, ...]:
    """A sustained voicing (voice-led from the last one even where the pad is silent)."""
    v = voice_chord(bar.root, bar.ivs, part.register, prev)
    if playing:
        gate = bar.bar_s * (2.0 if bar.ending else 1.0)
        for p in v:
            events.append(Event(bar.t0, p, gate, 0.8 if bar.ending else 1.0))
    return v


def _motif_bar(recipe: Recipe, part: Part, bar: _Bar, b: int, events: list[Event]) -> None:
    """Bar b of the melody (its motif bars cycle), or its last note on the final bar."""
    if bar.ending:
        events.append(Event(bar.t0, place_pitch(bar.root % 12, part.register), bar.bar_s * 1.5, 0.9))
        return
    phrase = part.motif[b % len(part.motif)]
    mv = voice_chord(bar.root, bar.ivs[:3], part.register, None)  # triad around the register: a stable contour
    for beat, beats, ci, step in phrase:
        p = scale_step(chord_tone(mv, ci), step, recipe.tonic, recipe.mode)
        events.append(Event(bar.t0 + beat * bar.bar_s / 4.0, p, beats * bar.bar_s / 4.0 * 0.95, 0.9))


def _final_hit(part: Part, bar: _Bar, prev: tuple[int, ...] | None, events: list[Event]) -> None:
    """One final hit: the chord (comp/strum/arp), the root (bass/ostinato), a last drum hit."""
    if part.kind in ("comp", "strum", "arp"):
        v = voice_chord(bar.root, bar.ivs, part.register, prev)
        for i, p in enumerate(v):
            delay = (i * part.strum_ms / 1000.0) if part.kind in ("strum", "arp") else 0.0
            events.append(Event(bar.t0 + delay, p, bar.bar_s * 1.5, 0.8))
    elif part.kind in ("bass", "ostinato"):
        events.append(Event(bar.t0, letter_tone(bar.root, bar.ivs, "R", part.register), bar.bar_s * 1.5, 0.9))
    elif part.kind == "drum":
        events.append(Event(bar.t0, 0, 0.0, 1.0, part.voice))


def _pattern_bar(
    recipe: Recipe,
    part: Part,
    bar: _Bar,
    pat: str,
    jitter: np.ndarray,
    prev: tuple[int, ...] | None,
    events: list[Event],
) -> tuple[int, ...] | None:
    """A bar of a 16-step pattern (drum, bass, ostinato, arp, comp, strum); returns the last voicing."""
    root, ivs, t0 = bar.root, bar.ivs, bar.t0
    step_s = bar.bar_s / 16.0
    swing = recipe.swing * step_s
    arp_v: tuple[int, ...] | None = None
    steps = [(i, ch) for i, ch in enumerate(pat[:16]) if ch not in "._"]
    for i, ch in steps:
        t = t0 + i * step_s + (swing if i % 2 == 1 else 0.0)
        hum = 1.0 + part.humanize * (2.0 * jitter[i] - 1.0)
        # note length: until the next onset (holds with "_") times the part's gate
        j = i + 1
        while j < 16 and pat[j] == "_":
            j += 1
        length = (j - i) * step_s * part.gate
        if part.kind == "drum":
            events.append(Event(t, 0, 0.0, VELOCITY.get(ch, 0.8) * hum, part.voice))
        elif part.kind in ("bass", "ostinato"):
            vel = (0.55 if ch.islower() else 1.0) * hum
            events.append(Event(t, letter_tone(root, ivs, ch, part.register), length, vel))
        elif part.kind == "arp":
            if ch.isdigit():
                if arp_v is None:
                    arp_v = voice_chord(root, ivs, part.register, prev)
                    prev = arp_v
                events.append(Event(t, chord_tone(arp_v, int(ch)), length, 0.9 * hum))
        elif part.kind in ("comp", "strum"):
            if part.kind == "strum":  # guitar-like: a triad with the root doubled on top
                tri = voice_chord(root, ivs[:3], part.register, prev)
                prev = tri
                v = (
                    tri + (place_pitch(root % 12, tri[-1] + 6),)
                    if place_pitch(root % 12, tri[-1] + 6) > tri[-1]
                    else tri
                )
            else:
                v = voice_chord(root, ivs, part.register, prev)
                prev = v
            vel = VELOCITY.get(ch, 0.8) * hum
            order = list(v) if (part.kind == "comp" or i % 4 == 0 or i % 2 == 0) else list(reversed(v))
            for k, p in enumerate(order):
                delay = k * part.strum_ms / 1000.0 if part.kind == "strum" else 0.0
                events.append(Event(t + delay, p, max(length - delay, 0.05), vel * (0.9 if k else 1.0)))
    return prev


def kick_times(recipe: Recipe, sections: list[str], bars: int) -> list[float]:
    for part in recipe.parts:
        if part.kind == "drum" and part.voice in ("kick", "softkick", "lofikick", "boom"):
            bar_s = 240.0 / recipe.bpm
            times = []
            for b in range(bars - 1):
                if part.name in recipe.section_parts(sections[b // 4]):
                    for i, ch in enumerate(part.pattern[:16]):
                        if ch not in "._":
                            times.append(b * bar_s + i * bar_s / 16.0)
            return times
    return []
