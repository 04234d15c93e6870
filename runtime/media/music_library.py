"""vidc's built-in music library: CC0 background tracks that vidc synthesises itself.

Nothing is downloaded: each track is a recipe (key, chord progression, tempo, instruments, drum
patterns, a melodic motif, an arrangement) rendered by a small deterministic synthesiser
(`synth.py`, numpy only, fixed seeds), so the same version of vidc always writes byte-identical
WAV files. The tracks are dedicated to the public domain (CC0-1.0).

Every track has an intro (sparse), a build, main sections, a breakdown, an outro and a final held
tonic chord that rings out; it is mixed with reverb, normalised to a -6 dBFS peak and written as
44.1 kHz stereo 16-bit WAV, at least 110 s long (a 90 s video plus a fade tail).

    CATALOG                             list[TrackInfo]
    render_track(track_id, out_wav, seconds=None) -> dict
    ensure_track(track_id, cache_dir) -> Path       cache_dir/music/<id>-v<N>.wav, rendered once
"""
from __future__ import annotations

import math
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..state.atomic import write_text
from ..state.confine import Refused, read_text
from ..state.store import file_sha256
from . import synth as S
from .dsp import decimate_2x, resample_2x
from .wav import write_wav

__all__ = ["TrackInfo", "CATALOG", "SYNTH_VERSION", "render_track", "ensure_track", "get_track", "track_path",
           "loop_region"]

SYNTH_VERSION = 1  # (adding a track keeps the others' bytes: no bump)
SOURCE = f"vidc built-in synthesiser v{SYNTH_VERSION}"
SR = S.SR
PEAK_DBFS = -6.0
MIN_MUSIC_S = 112.0  # music before the final chord; + the final bar and tail => > 115 s
TAIL_S = 4.0


@dataclass(frozen=True)
class TrackInfo:
    """One track of a music catalogue (the built-in one or a user folder's `vidc-music.json`)."""

    id: str
    title: str
    moods: tuple[str, ...]
    bpm: float | None
    duration_s: float
    key: str | None = None
    licence: str = "CC0-1.0"
    source: str = SOURCE
    path: str | None = None  # user libraries: the file, relative to the library folder
    loudness_lufs: float | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["moods"] = list(self.moods)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrackInfo":
        known = {f for f in cls.__dataclass_fields__}
        kw = {k: v for k, v in d.items() if k in known}
        kw["moods"] = tuple(str(m).strip().lower() for m in (kw.get("moods") or ()) if str(m).strip())
        if kw.get("bpm") is not None:
            kw["bpm"] = float(kw["bpm"])
        kw["duration_s"] = float(kw.get("duration_s") or 0.0)
        kw.setdefault("title", kw.get("id", ""))
        if "licence" not in d and "license" in d:
            kw["licence"] = d["license"]
        return cls(**kw)


# --------------------------------------------------------------------------- recipes

_CHORDS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10),
    "dom7": (0, 4, 7, 10), "sus2": (0, 2, 7), "sus4": (0, 5, 7), "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14), "maj9": (0, 4, 7, 11, 14), "min9": (0, 3, 7, 10, 14), "5": (0, 7),
}
_SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10), "dorian": (0, 2, 3, 5, 7, 9, 10),
}
_NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


@dataclass(frozen=True)
class Part:
    """One instrument line. `kind` picks how events are made from the harmony:

    pad      sustained voicing per bar (voice-led)
    comp     chord hits on a 16-step pattern ("x" accent, "o" normal, "-" soft, "." rest)
    strum    like comp, each hit strummed low->high (down) / high->low (off-beat up strokes)
    bass     16-step pattern of chord tones: R root, F fifth, O octave, T third, r/f soft; "_" holds
    ostinato same letters as bass, in the part's register
    arp      16-step pattern of chord-tone digits 0-9 ("_" holds, "." rest)
    motif    a melody of (beat, beats, chord tone, scale step) events per bar, cycling over `motif`
    drum     16-step velocity pattern for one drum voice; `fill` replaces the bar before a drop
    """

    name: str
    kind: str
    voice: str
    gain: float
    pattern: str = ""
    fill: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    register: int = 60
    pan: float = 0.0
    reverb: float = 0.2
    delay: float = 0.0
    pump: float = 0.0  # sidechain-style ducking depth on the kick (electronic styles)
    gate: float = 0.9  # fraction of a step's length a note is held
    motif: tuple[tuple[tuple[float, float, int, int], ...], ...] = ()
    strum_ms: float = 14.0
    humanize: float = 0.06


@dataclass(frozen=True)
class Recipe:
    id: str
    title: str
    moods: tuple[str, ...]
    bpm: float
    tonic: int  # MIDI note of the tonic around middle C
    mode: str
    progression: tuple[tuple[int, str], ...]  # (semitones above the tonic, chord) per bar, cycling
    parts: tuple[Part, ...]
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # section -> parts playing
    seed: int
    swing: float = 0.0
    reverb_s: float = 2.2
    reverb_mix: float = 1.0
    end_parts: tuple[str, ...] = ()
    transitions: bool = True

    @property
    def key(self) -> str:
        return f"{_NOTE_NAMES[self.tonic % 12]} {self.mode}"

    def section_parts(self, section: str) -> frozenset[str]:
        d = dict(self.sections)
        if section == "main2" and "main2" not in d:
            section = "main"
        return frozenset(d.get(section, ()))


def _p(**kw: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(kw.items()))


# Motifs: per bar a tuple of (start beat, length in beats, chord tone index, scale step from it).
_M = tuple

RECIPES: tuple[Recipe, ...] = (
    Recipe(
        id="still-water", title="Still Water", moods=("calm", "ambient", "peaceful", "relaxing", "chill"),
        bpm=72, tonic=65, mode="major", seed=1101, reverb_s=3.2, reverb_mix=1.3,
        progression=((0, "maj9"), (9, "min7"), (5, "maj7"), (7, "sus2")),
        parts=(
            Part("pad", "pad", "pad", 0.30, register=62, reverb=0.55,
                 params=_p(shape="tri", cutoff=1800, detune=(-6.0, 0.0, 6.0), attack=1.4, release=2.2, sub=0.0)),
            Part("bass", "bass", "bass", 0.42, pattern="R_______________", register=41, reverb=0.1,
                 params=_p(grit=0.1, cutoff=400, release=0.6, sustain=0.8)),
            Part("arp", "arp", "epiano", 0.16, pattern="0...2...1...3...", register=72, pan=0.25, reverb=0.45, delay=0.25,
                 params=_p(tau=1.4)),
            Part("motif", "motif", "bell", 0.09, register=79, pan=-0.2, reverb=0.6, delay=0.3, params=_p(tau=1.6),
                 motif=(_M(((0, 1.5, 2, 0), (2, 2, 1, 0))), _M(((1, 1, 0, 1), (2, 2, 0, 0))),
                        _M(((0, 1.5, 1, 0), (2, 1, 2, 0), (3, 1, 1, 0))), _M(((0, 4, 0, 0),)))),
            Part("shaker", "drum", "shaker", 0.05, pattern="..o...-...o...-.", pan=0.3, reverb=0.3),
            Part("kick", "drum", "softkick", 0.30, pattern="x.........o.....", reverb=0.05),
        ),
        sections=(("intro", ("pad",)), ("build", ("pad", "arp", "bass")),
                  ("main", ("pad", "arp", "bass", "motif", "shaker", "kick")),
                  ("break", ("pad", "motif")), ("outro", ("pad", "arp"))),
        end_parts=("pad", "bass", "motif"), transitions=False,
    ),
    Recipe(
        id="lazy-sunday", title="Lazy Sunday", moods=("chill", "lofi", "calm", "relaxed", "jazzy"),
        bpm=84, tonic=63, mode="major", seed=1202, swing=0.16, reverb_s=1.8, reverb_mix=0.9,
        progression=((2, "min9"), (7, "dom7"), (0, "maj9"), (9, "min7")),
        parts=(
            Part("keys", "comp", "epiano", 0.17, pattern="x.....o...-.o...", register=64, reverb=0.3, pan=-0.1,
                 gate=0.95, params=_p(tau=1.8)),
            Part("bass", "bass", "bass", 0.45, pattern="R.....R...F.....", register=39, reverb=0.05, gate=0.8,
                 params=_p(grit=0.15, cutoff=450)),
            Part("kick", "drum", "lofikick", 0.42, pattern="x.........x.x...", reverb=0.05),
            Part("snare", "drum", "lofisnare", 0.22, pattern="....x.......x...", fill="....x.......x.o-", reverb=0.2),
            Part("hat", "drum", "softhat", 0.07, pattern="o.-.o.-.o.-.o.-o", pan=0.25, reverb=0.1),
            Part("motif", "motif", "lead_soft", 0.11, register=75, pan=0.15, reverb=0.35, delay=0.2,
                 motif=(_M(((0.5, 1, 2, 0), (1.5, 1, 1, 0), (3, 1, 0, 0))), _M(((0, 2.5, 1, 0),)),
                        _M(((0.5, 0.5, 3, 0), (1, 1, 2, 0), (2, 1.5, 1, 0))), _M(((0, 3, 0, 0),)))),
        ),
        sections=(("intro", ("keys", "hat")), ("build", ("keys", "bass", "hat", "kick")),
                  ("main", ("keys", "bass", "hat", "kick", "snare", "motif")),
                  ("break", ("keys", "motif")), ("outro", ("keys", "bass", "hat"))),
        end_parts=("keys", "bass"), transitions=False,
    ),
    Recipe(
        id="quiet-letters", title="Quiet Letters", moods=("sad", "emotional", "reflective", "melancholic", "piano", "calm"),
        bpm=66, tonic=57, mode="minor", seed=2101, reverb_s=3.0, reverb_mix=1.2,
        progression=((0, "min9"), (8, "maj7"), (3, "maj9"), (10, "sus2")),
        parts=(
            Part("piano", "arp", "piano", 0.20, pattern="0...2...1...3...", register=64, pan=-0.1, reverb=0.45,
                 humanize=0.08),
            Part("pad", "pad", "pad", 0.16, register=60, reverb=0.55,
                 params=_p(shape="tri", cutoff=1400, detune=(-5.0, 0.0, 5.0), attack=1.6, release=2.4, sub=0.0)),
            Part("bass", "bass", "bass", 0.36, pattern="R_______F_______", register=40, reverb=0.1,
                 params=_p(grit=0.05, cutoff=350, release=0.8, sustain=0.8)),
            Part("motif", "motif", "epiano", 0.11, register=76, pan=0.15, reverb=0.55, delay=0.25, params=_p(tau=1.6),
                 motif=(_M(((0, 2, 2, 0), (2, 2, 1, 0))), _M(((0, 3, 0, 0),)),
                        _M(((0, 1, 1, 0), (1, 1, 2, 0), (2, 2, 1, 0))), _M(((0, 4, 0, 0),)))),
            Part("kick", "drum", "softkick", 0.22, pattern="x.......x.......", reverb=0.05),
        ),
        sections=(("intro", ("piano",)), ("build", ("piano", "pad")),
                  ("main", ("piano", "pad", "bass", "motif", "kick")),
                  ("break", ("piano", "motif")), ("outro", ("piano", "pad"))),
        end_parts=("piano", "pad", "bass"), transitions=False,
    ),
    Recipe(
        id="pocket-groove", title="Pocket Groove", moods=("funky", "groovy", "confident", "upbeat", "cool", "fun"),
        bpm=104, tonic=57, mode="dorian", seed=2202, swing=0.08, reverb_s=1.4, reverb_mix=0.7,
        progression=((0, "min7"), (5, "dom7"), (0, "min7"), (7, "min7")),
        parts=(
            Part("keys", "comp", "epiano", 0.15, pattern="..x..o....x..o..", register=64, reverb=0.25, pan=-0.15,
                 gate=0.5, params=_p(tau=0.8)),
            Part("guitar", "strum", "guitar", 0.11, pattern="-.o.-.o.-.o.-.oo", register=62, reverb=0.15, pan=0.25,
                 gate=0.3, strum_ms=6.0),
            Part("bass", "bass", "bass", 0.44, pattern="R..R..F.O..R.T.F", register=40, gate=0.55, reverb=0.03,
                 params=_p(grit=0.35, cutoff=700)),
            Part("kick", "drum", "kick", 0.46, pattern="x.......x.x.....", reverb=0.02, params=_p(soft=True)),
            Part("snare", "drum", "snare", 0.20, pattern="....x.......x...", fill="....x.......x.xx", reverb=0.2),
            Part("hat", "drum", "hat", 0.07, pattern="x.o.x.o.x.o.x.oo", pan=0.2, reverb=0.08),
            Part("lead", "motif", "lead_soft", 0.10, register=72, pan=0.1, reverb=0.3, delay=0.2,
                 motif=(_M(((0.5, 0.5, 2, 0), (1, 1, 1, 0), (2.5, 1, 0, 0))), _M(((0, 1.5, 1, 0), (2, 1, 2, 0))),
                        _M(((0.5, 0.5, 3, 0), (1, 0.5, 2, 0), (1.5, 1.5, 1, 0))), _M(((0, 2, 0, 0),)))),
        ),
        sections=(("intro", ("keys", "hat")), ("build", ("keys", "bass", "hat", "kick")),
                  ("main", ("keys", "guitar", "bass", "kick", "snare", "hat", "lead")),
                  ("break", ("keys", "bass", "lead")), ("outro", ("keys", "bass", "hat"))),
        end_parts=("keys", "bass"),
    ),
    Recipe(
        id="iron-horizon", title="Iron Horizon", moods=("dramatic", "cinematic", "tense", "serious", "epic"),
        bpm=90, tonic=62, mode="minor", seed=1303, reverb_s=2.8, reverb_mix=1.1,
        progression=((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
        parts=(
            Part("strings", "pad", "pad", 0.26, register=62, reverb=0.45,
                 params=_p(shape="saw", cutoff=2400, detune=(-8.0, 0.0, 8.0), attack=0.9, release=1.4, sub=0.0)),
            Part("ostinato", "ostinato", "stacc", 0.16, pattern="R_R_R_R_R_R_F_O_", register=50, reverb=0.25, gate=0.55,
                 humanize=0.1),
            Part("bass", "bass", "bass", 0.36, pattern="R_______________", register=38, reverb=0.1,
                 params=_p(grit=0.25, cutoff=350, release=0.5, sustain=0.85)),
            Part("boom", "drum", "boom", 0.55, pattern="X.....x...X.....", fill="X.....x...X.x.xx", reverb=0.3),
            Part("snare", "drum", "bigsnare", 0.22, pattern="........X.......", reverb=0.45),
            Part("brass", "motif", "brass", 0.13, register=67, reverb=0.45, pan=-0.1,
                 motif=(_M(((0, 3, 0, 0), (3, 1, 1, 0))), _M(((0, 2, 2, 0), (2, 2, 1, 0))),
                        _M(((0, 3, 1, 0), (3, 1, 2, 0))), _M(((0, 4, 0, 0),)))),
        ),
        sections=(("intro", ("strings",)), ("build", ("strings", "ostinato", "boom")),
                  ("main", ("strings", "ostinato", "bass", "boom", "snare", "brass")),
                  ("break", ("strings", "brass")), ("outro", ("strings", "ostinato", "boom"))),
        end_parts=("strings", "bass", "boom"),
    ),
    Recipe(
        id="golden-hour", title="Golden Hour", moods=("uplifting", "chill", "warm", "acoustic", "positive"),
        bpm=96, tonic=57, mode="major", seed=1404, reverb_s=1.9, reverb_mix=0.9,
        progression=((0, "add9"), (5, "maj"), (9, "min7"), (7, "sus4")),
        parts=(
            Part("guitar", "strum", "guitar", 0.16, pattern="x..o..x.o.x.o..-", register=60, reverb=0.25, pan=-0.15,
                 gate=1.0, strum_ms=16.0),
            Part("pad", "pad", "pad", 0.12, register=64, reverb=0.5,
                 params=_p(shape="tri", cutoff=1500, detune=(-5.0, 5.0), attack=1.0, release=1.5, sub=0.0)),
            Part("bass", "bass", "bass", 0.42, pattern="R.....R.F.......", register=40, reverb=0.05, gate=0.85,
                 params=_p(grit=0.2, cutoff=500)),
            Part("kick", "drum", "softkick", 0.42, pattern="x.......x.x.....", reverb=0.05),
            Part("snare", "drum", "rimshot", 0.12, pattern="....x.......x...", reverb=0.25),
            Part("shaker", "drum", "shaker", 0.06, pattern="o-x-o-x-o-x-o-x-", pan=0.3, reverb=0.15),
            Part("motif", "motif", "whistle", 0.11, register=76, pan=0.2, reverb=0.4, delay=0.2,
                 motif=(_M(((0, 1, 0, 0), (1, 1, 1, 0), (2, 2, 2, 0))), _M(((0, 1.5, 1, 0), (1.5, 2.5, 0, 0))),
                        _M(((0, 1, 2, 0), (1, 1, 2, 1), (2, 2, 1, 0))), _M(((0, 3, 0, 0),)))),
        ),
        sections=(("intro", ("guitar",)), ("build", ("guitar", "pad", "bass", "shaker")),
                  ("main", ("guitar", "pad", "bass", "shaker", "kick", "snare", "motif")),
                  ("break", ("guitar", "pad")), ("outro", ("guitar", "pad", "bass"))),
        end_parts=("guitar", "pad", "bass"), transitions=False,
    ),
    Recipe(
        id="night-circuit", title="Night Circuit", moods=("dark", "tense", "electronic", "mysterious", "suspense"),
        bpm=100, tonic=52, mode="minor", seed=1505, reverb_s=2.5, reverb_mix=1.0,
        progression=((0, "min"), (8, "maj"), (5, "min"), (7, "maj")),
        parts=(
            Part("pad", "pad", "pad", 0.20, register=57, reverb=0.5, pump=0.45,
                 params=_p(shape="saw", cutoff=1100, detune=(-9.0, 0.0, 9.0), attack=0.7, release=1.2, sub=0.0)),
            Part("pulse", "bass", "bass", 0.34, pattern="Rrrrrrrrrrrrrrrr", register=40, gate=0.6, reverb=0.05,
                 params=_p(grit=0.6, cutoff=700, decay=0.08, sustain=0.5)),
            Part("kick", "drum", "kick", 0.50, pattern="x.....x...x.....", fill="x.....x...x.x.xx", reverb=0.03),
            Part("snare", "drum", "snare", 0.20, pattern="........x.......", reverb=0.35),
            Part("hat", "drum", "hat", 0.06, pattern="-.x.-.x.-.x.-.xo", pan=0.2, reverb=0.1),
            Part("bell", "motif", "bell", 0.08, register=76, pan=-0.25, reverb=0.5, delay=0.4, params=_p(tau=1.2),
                 motif=(_M(((0, 1, 0, 0), (1.5, 1, 0, 1), (3, 1, 1, 0))), _M(((0, 4, 0, 0),)),
                        _M(((0, 1, 2, 0), (1.5, 1, 2, 1), (3, 1, 1, 0))), _M(((0, 2, 0, 0),)))),
            Part("drone", "pad", "pad", 0.10, register=40, reverb=0.3,
                 params=_p(shape="square", cutoff=500, detune=(-3.0, 3.0), attack=2.0, release=2.0, sub=0.0)),
        ),
        sections=(("intro", ("drone", "pad", "bell")), ("build", ("drone", "pad", "pulse", "hat")),
                  ("main", ("pad", "pulse", "kick", "snare", "hat", "bell")),
                  ("break", ("drone", "pad", "bell")), ("outro", ("drone", "pad", "pulse"))),
        end_parts=("drone", "pad"),
    ),
    Recipe(
        id="clear-path", title="Clear Path", moods=("corporate", "uplifting", "positive", "inspiring", "business"),
        bpm=108, tonic=62, mode="major", seed=1606, reverb_s=1.8, reverb_mix=0.9,
        progression=((5, "maj"), (0, "maj"), (7, "maj"), (9, "min")),
        parts=(
            Part("piano", "comp", "piano", 0.15, pattern="x.o.o.o.x.o.o.o.", register=67, reverb=0.3, gate=0.9,
                 humanize=0.1),
            Part("pad", "pad", "pad", 0.12, register=62, reverb=0.45,
                 params=_p(shape="saw", cutoff=1600, detune=(-6.0, 0.0, 6.0), attack=0.6, release=1.0, sub=0.0)),
            Part("bass", "bass", "bass", 0.38, pattern="R.R.R.R.R.R.R.R.", register=38, gate=0.7, reverb=0.05,
                 params=_p(grit=0.3, cutoff=600)),
            Part("kick", "drum", "kick", 0.44, pattern="x...x...x...x...", reverb=0.03, params=_p(soft=True)),
            Part("clap", "drum", "clap", 0.15, pattern="....x.......x...", fill="....x.......x.xx", reverb=0.3),
            Part("hat", "drum", "hat", 0.06, pattern="..x...x...x...x.", pan=0.2, reverb=0.1),
            Part("motif", "motif", "pluck", 0.12, register=74, pan=0.15, reverb=0.35, delay=0.3,
                 motif=(_M(((0, 0.5, 0, 0), (0.5, 0.5, 1, 0), (1, 1, 2, 0), (2.5, 1, 1, 0))),
                        _M(((0, 1, 2, 0), (1, 1, 2, 1), (2, 2, 1, 0))),
                        _M(((0, 0.5, 0, 0), (0.5, 0.5, 1, 0), (1, 1, 2, 0), (2.5, 1, 3, 0))),
                        _M(((0, 3, 2, 0),)))),
        ),
        sections=(("intro", ("piano",)), ("build", ("piano", "pad", "hat", "bass")),
                  ("main", ("piano", "pad", "bass", "kick", "clap", "hat", "motif")),
                  ("break", ("piano", "pad", "motif")), ("outro", ("piano", "pad", "bass"))),
        end_parts=("piano", "pad", "bass"),
    ),
    Recipe(
        id="paper-kites", title="Paper Kites", moods=("playful", "happy", "quirky", "fun", "bright"),
        bpm=116, tonic=55, mode="major", seed=1707, swing=0.1, reverb_s=1.5, reverb_mix=0.8,
        progression=((0, "maj"), (9, "min"), (2, "min7"), (7, "dom7")),
        parts=(
            Part("marimba", "arp", "mallet", 0.20, pattern="0.2.1.2.3.2.1.2.", register=67, pan=-0.2, reverb=0.2),
            Part("pizz", "ostinato", "pizz", 0.14, pattern="R...F...O...F...", register=55, pan=0.25, reverb=0.25),
            Part("bass", "bass", "bass", 0.38, pattern="R...F...R...F.T.", register=43, gate=0.45, reverb=0.05,
                 params=_p(grit=0.2, cutoff=500)),
            Part("kick", "drum", "softkick", 0.40, pattern="x.....x.x.......", reverb=0.03),
            Part("snap", "drum", "clap", 0.13, pattern="....x.......x...", fill="....x.......x.x.", reverb=0.2),
            Part("shaker", "drum", "shaker", 0.06, pattern="x-o-x-o-x-o-x-oo", pan=0.3, reverb=0.1),
            Part("glock", "motif", "bell", 0.09, register=79, pan=0.1, reverb=0.35, params=_p(tau=0.9),
                 motif=(_M(((0, 0.5, 0, 0), (0.5, 0.5, 1, 0), (1, 0.5, 2, 0), (2, 1, 3, 0))),
                        _M(((0, 0.5, 2, 0), (0.5, 0.5, 1, 0), (1, 1, 0, 0), (3, 0.5, 2, -1))),
                        _M(((0, 0.5, 0, 0), (0.5, 0.5, 1, 0), (1, 0.5, 2, 0), (2, 1, 2, 1))),
                        _M(((0, 1, 3, 0), (1, 1, 2, 0), (2, 2, 0, 0))))),
        ),
        sections=(("intro", ("marimba",)), ("build", ("marimba", "pizz", "shaker")),
                  ("main", ("marimba", "pizz", "bass", "kick", "snap", "shaker", "glock")),
                  ("break", ("marimba", "glock")), ("outro", ("marimba", "pizz", "bass"))),
        end_parts=("marimba", "bass", "glock"),
    ),
    Recipe(
        id="sunrise-drive", title="Sunrise Drive", moods=("uplifting", "electronic", "energetic", "positive", "upbeat"),
        bpm=124, tonic=60, mode="major", seed=1808, reverb_s=2.0, reverb_mix=0.9,
        progression=((9, "min7"), (5, "maj7"), (0, "add9"), (7, "maj")),
        parts=(
            Part("pad", "pad", "pad", 0.20, register=64, reverb=0.4, pump=0.55,
                 params=_p(shape="saw", cutoff=3000, detune=(-11.0, -4.0, 4.0, 11.0), attack=0.4, release=0.8, sub=0.0)),
            Part("arp", "arp", "pluck", 0.11, pattern="0.2.1.3.0.2.1.3.", register=72, pan=0.2, reverb=0.3, delay=0.35,
                 pump=0.3, params=_p(bright_cutoff=6000, tau_bright=0.07, tau_body=0.25)),
            Part("bass", "bass", "bass", 0.36, pattern="..R_..R_..R_..R_", register=40, gate=0.85, reverb=0.03,
                 params=_p(grit=0.5, cutoff=800)),
            Part("kick", "drum", "kick", 0.52, pattern="x...x...x...x...", reverb=0.02),
            Part("clap", "drum", "clap", 0.17, pattern="....x.......x...", fill="....x...x.x.xxxx", reverb=0.25),
            Part("hat", "drum", "hat", 0.07, pattern="-.x.-.x.-.x.-.x.", pan=0.2, reverb=0.08),
            Part("lead", "motif", "lead_bright", 0.10, register=76, pan=-0.1, reverb=0.35, delay=0.3,
                 motif=(_M(((0, 1, 2, 0), (1, 0.5, 1, 0), (1.5, 1.5, 0, 0), (3, 1, 1, 0))),
                        _M(((0, 2, 2, 0), (2, 1, 1, 0), (3, 1, 0, 0))),
                        _M(((0, 1, 2, 0), (1, 0.5, 3, 0), (1.5, 1.5, 2, 0), (3, 1, 1, 0))),
                        _M(((0, 3, 1, 0),)))),
        ),
        sections=(("intro", ("pad", "arp")), ("build", ("pad", "arp", "hat", "bass")),
                  ("main", ("pad", "arp", "bass", "kick", "clap", "hat", "lead")),
                  ("break", ("pad", "lead")), ("outro", ("pad", "arp", "bass", "kick"))),
        end_parts=("pad", "bass", "arp"),
    ),
    Recipe(
        id="summit", title="Summit", moods=("epic", "dramatic", "cinematic", "powerful", "trailer"),
        bpm=136, tonic=48, mode="minor", seed=1909, reverb_s=2.6, reverb_mix=1.1,
        progression=((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
        parts=(
            Part("choir", "pad", "pad", 0.22, register=62, reverb=0.5,
                 params=_p(shape="tri", cutoff=2200, detune=(-7.0, 0.0, 7.0), attack=0.7, release=1.2, sub=0.0)),
            Part("strings", "ostinato", "stacc", 0.15, pattern="RrRrFrRrRrRrOrFr", register=55, reverb=0.3, gate=0.55,
                 humanize=0.1),
            Part("bass", "bass", "bass", 0.36, pattern="R_______R_______", register=36, reverb=0.1,
                 params=_p(grit=0.3, cutoff=400, release=0.4, sustain=0.85)),
            Part("boom", "drum", "boom", 0.55, pattern="X.....x...X.....", fill="X...x...X.x.xxxx", reverb=0.3),
            Part("snare", "drum", "bigsnare", 0.22, pattern="........X.......", fill="....x...X.x.xxxx", reverb=0.45),
            Part("hat", "drum", "hat", 0.05, pattern="x.x.x.x.x.x.x.x.", pan=0.25, reverb=0.1),
            Part("brass", "motif", "brass", 0.13, register=67, reverb=0.45,
                 motif=(_M(((0, 1.5, 0, 0), (1.5, 0.5, 1, 0), (2, 2, 2, 0))), _M(((0, 3, 1, 0), (3, 1, 0, 0))),
                        _M(((0, 1.5, 2, 0), (1.5, 0.5, 1, 0), (2, 2, 0, 0))), _M(((0, 4, 0, 0),)))),
        ),
        sections=(("intro", ("choir", "strings")), ("build", ("choir", "strings", "boom", "bass")),
                  ("main", ("choir", "strings", "bass", "boom", "snare", "hat", "brass")),
                  ("break", ("choir", "brass")), ("outro", ("choir", "strings", "boom"))),
        end_parts=("choir", "bass", "boom", "brass"),
    ),
)


def _total_bars(bpm: float) -> tuple[int, int]:
    """(phrases of 4 bars, total bars including the final chord bar)."""
    bar_s = 240.0 / bpm
    phrases = math.ceil(MIN_MUSIC_S / (4 * bar_s))
    return phrases, phrases * 4 + 1


def _total_samples(bpm: float) -> int:
    _, bars = _total_bars(bpm)
    return int(math.ceil((bars * 240.0 / bpm + TAIL_S) * SR))


CATALOG: list[TrackInfo] = [
    TrackInfo(id=r.id, title=r.title, moods=r.moods, bpm=float(r.bpm),
              duration_s=round(_total_samples(r.bpm) / SR, 3), key=r.key)
    for r in RECIPES
]
_RECIPES = {r.id: r for r in RECIPES}


def get_track(track_id: str) -> TrackInfo:
    for t in CATALOG:
        if t.id == track_id:
            return t
    raise KeyError(f"no built-in music track {track_id!r}; known: {', '.join(t.id for t in CATALOG)}")


def loop_region(track_id: str) -> tuple[int, int, int]:
    """(loop start, loop end, crossfade) in samples of a built-in track: from the first bar of its
    first main section to the first bar of its outro, a whole number of 4-bar phrases (so the
    chord progression carries on across the join), crossfaded over one beat. Looping it keeps
    the intro at the start and the track's own ending at the end."""
    recipe = _RECIPES[get_track(track_id).id]
    phrases, _ = _total_bars(recipe.bpm)
    bar_s = 240.0 / recipe.bpm
    sections = _sections(phrases, 4 * bar_s)
    first_main = next(i for i, sec in enumerate(sections) if sec.startswith("main"))
    outro = next(i for i, sec in enumerate(sections) if sec == "outro")
    to_samples = lambda phrase: int(round(phrase * 4 * bar_s * SR))  # noqa: E731
    return to_samples(first_main), to_samples(outro), int(round(60.0 / recipe.bpm * SR))


# --------------------------------------------------------------------------- arrangement


def _sections(phrases: int, phrase_s: float) -> list[str]:
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


def _chord(tonic: int, offset: int, quality: str) -> tuple[int, tuple[int, ...]]:
    return tonic + offset, _CHORDS[quality]


def _place(pc_root: int, center: int) -> int:
    """The pitch of pitch class `pc_root` nearest to `center` (within -6..+5)."""
    p = center + ((pc_root - center) % 12)
    if p - center > 5:
        p -= 12
    return p


def _voicing(root: int, ivs: tuple[int, ...], center: int, prev: tuple[int, ...] | None) -> tuple[int, ...]:
    """Close voicing around `center`, choosing the inversion nearest to the previous voicing."""
    pcs = [(root + i) % 12 for i in ivs]
    if len(pcs) >= 5:  # rootless voicing for 9th chords (the bass has the root): no clusters
        pcs = pcs[1:]
    base = sorted({_place(pc, center) for pc in pcs})
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


def _tone(root: int, ivs: tuple[int, ...], letter: str, center: int) -> int:
    base = _place(root % 12, center)
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


def _chord_tone(voicing: tuple[int, ...], idx: int) -> int:
    """Tone `idx` of a voicing counted from its lowest note, continuing an octave up."""
    n = len(voicing)
    return voicing[idx % n] + 12 * (idx // n)


def _scale_step(pitch: int, steps: int, tonic: int, mode: str) -> int:
    if steps == 0:
        return pitch
    scale = _SCALES.get(mode, _SCALES["major"])
    pcs = sorted((tonic + s) % 12 for s in scale)
    p = pitch
    direction = 1 if steps > 0 else -1
    for _ in range(abs(steps)):
        p += direction
        while p % 12 not in pcs:
            p += direction
    return p


_GATELESS = frozenset({"bell", "mallet"})  # voices that ring out whatever the note length
_VEL = {"X": 1.0, "x": 0.85, "o": 0.6, "-": 0.35}


@dataclass
class _Event:
    t: float  # seconds
    midi: int
    gate: float  # seconds
    vel: float
    voice: str = ""


@dataclass
class _Mixer:
    n: int
    dry: np.ndarray = field(init=False)
    pumped: np.ndarray = field(init=False)
    delayed: np.ndarray = field(init=False)
    send: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.dry = np.zeros((self.n, 2), dtype=np.float32)
        self.pumped = np.zeros((self.n, 2), dtype=np.float32)
        self.delayed = np.zeros((self.n, 2), dtype=np.float32)
        self.send = np.zeros(self.n, dtype=np.float32)


def _voice_fn(voice: str) -> tuple[Callable[..., np.ndarray], dict[str, Any]]:
    table: dict[str, tuple[Callable[..., np.ndarray], dict[str, Any]]] = {
        "pad": (S.pad, {}),
        "epiano": (S.epiano, {}),
        "bell": (S.bell, {}),
        "mallet": (S.mallet, {}),
        "piano": (S.piano, {}),
        "bass": (S.bass, {}),
        "stacc": (S.stacc, {}),
        "pluck": (S.pluck, {}),
        "pizz": (S.pluck, {"bright_cutoff": 2500, "tau_bright": 0.03, "tau_body": 0.16, "body_shape": "sine"}),
        "guitar": (S.pluck, {"bright_cutoff": 3200, "tau_bright": 0.12, "tau_body": 1.1, "release": 0.15}),
        "brass": (S.lead, {"attack": 0.09, "bloom": 0.35, "cutoff": 2600, "vibrato_cents": 10.0}),
        "lead_soft": (S.lead, {"attack": 0.05, "bloom": 0.2, "cutoff": 1800, "vibrato_cents": 14.0,
                               "shape": "tri", "body": "sine"}),
        "lead_bright": (S.lead, {"attack": 0.01, "bloom": 0.05, "cutoff": 4200, "vibrato_cents": 8.0,
                                 "release": 0.2, "shape": "square", "body": "tri"}),
        "whistle": (S.lead, {"attack": 0.06, "bloom": 0.15, "cutoff": 2000, "vibrato_cents": 16.0,
                             "shape": "tri", "body": "sine"}),
    }
    if voice not in table:
        raise KeyError(voice)
    return table[voice]


def _drum_fn(voice: str, rng: np.random.Generator) -> np.ndarray:
    if voice == "kick":
        return S.kick(rng)
    if voice == "softkick":
        return 0.9 * S.kick(rng, punch=0.4, tau=0.22, f_hi=100.0, f_lo=50.0)
    if voice == "lofikick":
        return S.kick(rng, punch=0.2, tau=0.25, f_hi=90.0, f_lo=48.0)
    if voice == "snare":
        return S.snare(rng)
    if voice == "bigsnare":
        return S.snare(rng, tone=170.0, tau=0.22, bright=7000.0)
    if voice == "lofisnare":
        return S.snare(rng, tone=200.0, tau=0.11, bright=4500.0)
    if voice == "rimshot":
        return S.rim(rng)
    if voice == "clap":
        return S.clap(rng)
    if voice == "hat":
        return S.hat(rng)
    if voice == "softhat":
        return 0.8 * S.hat(rng, tau=0.025, lo=6000.0)
    if voice == "shaker":
        return S.shaker(rng)
    if voice == "boom":
        return S.boom(rng)
    raise KeyError(voice)


def _add(bus: np.ndarray, start: int, sig: np.ndarray, gain: float, pan: float) -> None:
    n = bus.shape[0]
    if start >= n or gain == 0.0:
        return
    if start < 0:
        sig = sig[-start:]
        start = 0
    m = min(len(sig), n - start)
    if m <= 0:
        return
    if sig.ndim == 2:
        if pan != 0.0:
            gl, gr = S.pan_gains(pan)
            bus[start : start + m, 0] += (gain * gl * 1.4142135) * sig[:m, 0]
            bus[start : start + m, 1] += (gain * gr * 1.4142135) * sig[:m, 1]
        else:
            bus[start : start + m] += gain * sig[:m]
    else:
        gl, gr = S.pan_gains(pan)
        bus[start : start + m, 0] += (gain * gl) * sig[:m]
        bus[start : start + m, 1] += (gain * gr) * sig[:m]


def _add_send(send: np.ndarray, start: int, sig: np.ndarray, gain: float) -> None:
    n = send.shape[0]
    if start >= n or gain == 0.0:
        return
    m = min(len(sig), n - start)
    if m <= 0:
        return
    mono = (sig[:m, 0] + sig[:m, 1]) * 0.5 if sig.ndim == 2 else sig[:m]
    send[start : start + m] += gain * mono


def _events(recipe: Recipe, part: Part, sections: list[str], bars: int, rng: np.random.Generator) -> list[_Event]:
    bar_s = 240.0 / recipe.bpm
    step_s = bar_s / 16.0
    swing = recipe.swing * step_s
    events: list[_Event] = []
    prev_voicing: tuple[int, ...] | None = None
    pattern = part.pattern
    for b in range(bars):
        ending = b == bars - 1
        section = "end" if ending else sections[b // 4]
        playing = (part.name in recipe.end_parts) if ending else (part.name in recipe.section_parts(section))
        if ending:
            root, ivs = _chord(recipe.tonic, 0, "maj" if recipe.mode == "major" else "min")
        else:
            off, q = recipe.progression[b % len(recipe.progression)]
            root, ivs = _chord(recipe.tonic, off, q)
        t0 = b * bar_s
        # a drop is the first bar of a main section that follows a sparser one
        next_is_drop = (not ending and b % 4 == 3 and b + 1 < bars - 1
                        and sections[(b + 1) // 4].startswith("main") and not sections[b // 4].startswith("main"))
        # draw random numbers whether or not the part plays, so a shortened render matches the full one
        jitter = rng.random(16)
        if part.kind == "pad":
            v = _voicing(root, ivs, part.register, prev_voicing)
            prev_voicing = v
            if playing:
                gate = bar_s * (2.0 if ending else 1.0)
                for p in v:
                    events.append(_Event(t0, p, gate, 0.8 if ending else 1.0))
            continue
        if part.kind == "motif":
            # the melody rests every other phrase of a main section: a bed, not a song
            if not ending and section.startswith("main") and (b // 4) % 2 == 1:
                playing = False
            if not playing:
                continue
            if ending:
                events.append(_Event(t0, _place(root % 12, part.register), bar_s * 1.5, 0.9))
                continue
            phrase = part.motif[b % len(part.motif)]
            mv = _voicing(root, ivs[:3], part.register, None)  # triad around the register: a stable contour
            for beat, beats, ci, step in phrase:
                p = _scale_step(_chord_tone(mv, ci), step, recipe.tonic, recipe.mode)
                events.append(_Event(t0 + beat * bar_s / 4.0, p, beats * bar_s / 4.0 * 0.95, 0.9))
            continue
        if not playing:
            continue
        if ending:
            # one final hit: the chord (comp/strum/arp), the root (bass/ostinato), a last drum hit
            if part.kind in ("comp", "strum", "arp"):
                v = _voicing(root, ivs, part.register, prev_voicing)
                for i, p in enumerate(v):
                    delay = (i * part.strum_ms / 1000.0) if part.kind in ("strum", "arp") else 0.0
                    events.append(_Event(t0 + delay, p, bar_s * 1.5, 0.8))
            elif part.kind in ("bass", "ostinato"):
                events.append(_Event(t0, _tone(root, ivs, "R", part.register), bar_s * 1.5, 0.9))
            elif part.kind == "drum":
                events.append(_Event(t0, 0, 0.0, 1.0, part.voice))
            continue
        pat = part.fill if (next_is_drop and part.fill) else pattern
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
                events.append(_Event(t, 0, 0.0, _VEL.get(ch, 0.8) * hum, part.voice))
            elif part.kind in ("bass", "ostinato"):
                vel = (0.55 if ch.islower() else 1.0) * hum
                events.append(_Event(t, _tone(root, ivs, ch, part.register), length, vel))
            elif part.kind == "arp":
                if ch.isdigit():
                    if arp_v is None:
                        arp_v = _voicing(root, ivs, part.register, prev_voicing)
                        prev_voicing = arp_v
                    events.append(_Event(t, _chord_tone(arp_v, int(ch)), length, 0.9 * hum))
            elif part.kind in ("comp", "strum"):
                if part.kind == "strum":  # guitar-like: a triad with the root doubled on top
                    tri = _voicing(root, ivs[:3], part.register, prev_voicing)
                    prev_voicing = tri
                    v = tri + (_place(root % 12, tri[-1] + 6),) if _place(root % 12, tri[-1] + 6) > tri[-1] else tri
                else:
                    v = _voicing(root, ivs, part.register, prev_voicing)
                    prev_voicing = v
                vel = _VEL.get(ch, 0.8) * hum
                order = list(v) if (part.kind == "comp" or i % 4 == 0 or i % 2 == 0) else list(reversed(v))
                for k, p in enumerate(order):
                    delay = k * part.strum_ms / 1000.0 if part.kind == "strum" else 0.0
                    events.append(_Event(t + delay, p, max(length - delay, 0.05), vel * (0.9 if k else 1.0)))
    return events


def _kick_times(recipe: Recipe, sections: list[str], bars: int) -> list[float]:
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


def _pump_curve(n: int, times: list[float], depth: float) -> np.ndarray:
    g = np.ones(n, dtype=np.float32)
    if depth <= 0 or not times:
        return g
    k = int(0.6 * SR)  # exp(-0.6 / 0.09) ~ 0.001: the curve returns to 1 without a step
    t = np.arange(k, dtype=np.float64) / SR
    a = int(0.004 * SR)
    shape = 1.0 - depth * np.exp(-t / 0.09)
    shape[:a] = 1.0 - depth * (np.arange(a) / a)  # 4 ms slide down, never a step
    shape = shape.astype(np.float32)
    for tt in times:
        s = int(round(tt * SR))
        if s >= n:
            break
        m = min(k, n - s)
        np.minimum(g[s : s + m], shape[:m], out=g[s : s + m])
    return g


def _fast_len(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n (sizes pocketfft transforms quickly)."""
    best = 1 << (n - 1).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _convolve_reverb(send: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """Stereo reverb of a mono send via FFT convolution at half rate (22,050 Hz)."""
    x = decimate_2x(send.astype(np.float64), fast=True)
    size = _fast_len(len(x) + len(ir) - 1)
    X = np.fft.rfft(x, size)
    out = np.zeros((len(send), 2), dtype=np.float32)
    for ch in range(2):
        y = np.fft.irfft(X * np.fft.rfft(ir[:, ch], size), size)[: len(x)]
        up = resample_2x(y, fast=True)[: len(send)]
        out[: len(up), ch] = up
    return out


def render_audio(track_id: str, seconds: float | None = None) -> np.ndarray:
    """Render a built-in track to a float32 (n, 2) array at 44.1 kHz, peak -6 dBFS.

    `seconds` renders only the beginning (for tests and previews): the same samples as the full
    render up to that point (before normalisation), with a short fade at the cut.
    """
    if track_id not in _RECIPES:
        get_track(track_id)  # raises the helpful KeyError
    recipe = _RECIPES[track_id]
    phrases, bars = _total_bars(recipe.bpm)
    bar_s = 240.0 / recipe.bpm
    full_n = _total_samples(recipe.bpm)
    n = full_n if seconds is None else min(full_n, max(int(round(seconds * SR)), 1))
    sections = _sections(phrases, 4 * bar_s)
    mix = _Mixer(n)
    seed = recipe.seed * 1000 + SYNTH_VERSION

    for pi, part in enumerate(recipe.parts):
        rng = np.random.default_rng([seed, pi, 1])
        events = _events(recipe, part, sections, bars, rng)
        vrng = np.random.default_rng([seed, pi, 2])
        if part.kind == "drum":
            samples = [_drum_fn(part.voice, vrng) for _ in range(4)]  # round-robin variations
            for k, ev in enumerate(events):
                s = int(round(ev.t * SR))
                if s >= n:
                    continue
                sig = samples[k % 4]
                g = part.gain * ev.vel
                _add(mix.dry, s, sig, g, part.pan)
                _add_send(mix.send, s, sig, g * part.reverb)
            continue
        fn, base_kw = _voice_fn(part.voice)
        kw = dict(base_kw)
        kw.update(dict(part.params))
        memo: dict[tuple[int, int], np.ndarray] = {}
        target = mix.pumped if part.pump > 0 else mix.dry
        for ev in events:
            s = int(round(ev.t * SR))
            if s >= n:
                continue
            gate = max(int(round(ev.gate * SR)), 64)
            key = (ev.midi, 0 if part.voice in _GATELESS else gate)
            sig = memo.get(key)
            if sig is None:
                note_rng = np.random.default_rng([seed, pi, 3, key[0], key[1]])
                sig = fn(ev.midi, gate, note_rng, **kw).astype(np.float32)
                memo[key] = sig
            g = part.gain * ev.vel
            _add(target, s, sig, g, part.pan)
            if part.delay > 0:
                _add(mix.delayed, s, sig, g * part.delay, part.pan)
            _add_send(mix.send, s, sig, g * part.reverb)
        if part.pump > 0:
            curve = _pump_curve(n, _kick_times(recipe, sections, bars), part.pump)
            mix.pumped *= curve[:, None]
            mix.dry += mix.pumped
            mix.pumped[:] = 0.0

    if recipe.transitions:
        frng = np.random.default_rng([seed, 99])
        swell = S.riser(int(bar_s * SR), frng)
        hit = S.crash(frng)
        for ph in range(1, phrases):
            if sections[ph].startswith("main") and not sections[ph - 1].startswith("main"):
                t = ph * 4 * bar_s
                _add(mix.dry, int(round((t - bar_s) * SR)), swell, 0.05, -0.2)
                _add_send(mix.send, int(round((t - bar_s) * SR)), swell, 0.04)
                _add(mix.dry, int(round(t * SR)), hit, 0.07, 0.25)
                _add_send(mix.send, int(round(t * SR)), hit, 0.06)

    # ping-pong echo of the delay bus: dotted eighths, alternating sides
    if np.any(mix.delayed):
        d = int(round(0.75 * 60.0 / recipe.bpm * SR))
        mono = mix.delayed.mean(axis=1)
        for k in range(1, 4):
            off = d * k
            if off >= n:
                break
            g = 0.5 * (0.45 ** (k - 1))
            ch = k % 2
            mix.dry[off:, ch] += g * mono[: n - off]
            mix.send[off:] += 0.5 * g * mono[: n - off]

    ir = S.reverb_ir(recipe.reverb_s, np.random.default_rng([seed, 7]), SR // 2)
    wet = _convolve_reverb(mix.send, ir)
    out = mix.dry + (0.55 * recipe.reverb_mix) * wet

    # fades: a short one at the start (no hard edge), a natural ring-out at the end
    fade_in = min(n, int(0.5 * SR))
    out[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)[:, None] ** 2
    if seconds is None:
        fade = int(2.5 * SR)
        out[n - fade :] *= (np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 2)[:, None]
    else:
        fade = min(n, int(0.05 * SR))
        out[n - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    peak = float(np.max(np.abs(out))) or 1.0
    out *= np.float32(10 ** (PEAK_DBFS / 20.0) / peak)
    return out


def render_track(track_id: str, out_wav: str | os.PathLike[str], *, seconds: float | None = None) -> dict[str, Any]:
    """Render a built-in track to a 44.1 kHz stereo 16-bit WAV (atomically).

    Returns {"id", "samples", "sample_rate": 44100, "channels": 2, "duration_ms", "peak_dbfs"}.
    """
    audio = render_audio(track_id, seconds)
    write_wav(out_wav, audio, SR)
    peak = float(np.max(np.abs(audio))) or 1e-9
    return {
        "id": track_id,
        "samples": int(audio.shape[0]),
        "sample_rate": SR,
        "channels": 2,
        "duration_ms": int((2 * audio.shape[0] * 1000 + SR) // (2 * SR)),
        "peak_dbfs": round(20 * math.log10(peak), 2),
    }


def track_path(track_id: str, cache_dir: str | os.PathLike[str]) -> Path:
    get_track(track_id)
    return Path(cache_dir) / "music" / f"{track_id}-v{SYNTH_VERSION}.wav"


_ENSURE_LOCK = threading.Lock()


def ensure_track(track_id: str, cache_dir: str | os.PathLike[str]) -> Path:
    """The rendered track in cache_dir/music/<id>-v<N>.wav, rendering it once (atomic write).

    Two processes racing here both render identical bytes and os.replace is atomic, so a reader
    never sees a partial file."""
    path = track_path(track_id, cache_dir)
    with _ENSURE_LOCK:
        if not _cached_ok(path):  # missing, or damaged since it was rendered: render it again
            render_track(track_id, path)
            write_text(_record(path), f"{path.stat().st_size} {file_sha256(path)}\n")
    return path


def _record(path: Path) -> Path:
    """Where the size and hash of a rendered track are kept (beside the music folder, not in it)."""
    folder = path.parent.parent / "music.index"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (path.name + ".sha256")


def _cached_ok(path: Path) -> bool:
    """The cached track is checked against the size and hash recorded when it was rendered."""
    try:  # the record read as a regular file, never blocking (a FIFO planted there is no record)
        size, digest = read_text(_record(path), 4096, "music record").split()
        return path.is_file() and not path.is_symlink() and path.stat().st_size == int(size) \
            and file_sha256(path) == digest
    except (OSError, ValueError, Refused):
        return False

