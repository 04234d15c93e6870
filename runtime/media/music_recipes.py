"""The built-in tracks as data: each a recipe of key, chord progression, tempo, instruments, drum patterns,
a melodic motif and an arrangement (which parts play in which section)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


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
        return f"{NOTE_NAMES[self.tonic % 12]} {self.mode}"

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
