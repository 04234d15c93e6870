"""The built-in tracks as data: each a recipe of key, chord progression, tempo, instruments, drum patterns,
a melodic motif and an arrangement (which parts play in which section). The recipes themselves live in
templates/music_recipes.yaml; this module holds their records and reads them once, on import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vidc.compiler.resources import template_yaml

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


def _tuples(value: Any) -> Any:
    """YAML lists as the tuples the frozen records hold (nested lists too); other values as read."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _part(data: dict[str, Any]) -> Part:
    fields = dict(data)
    if "params" in fields:
        fields["params"] = tuple(sorted((k, _tuples(v)) for k, v in fields["params"].items()))
    if "motif" in fields:
        fields["motif"] = _tuples(fields["motif"])
    return Part(**fields)


def _recipe(data: dict[str, Any]) -> Recipe:
    fields = dict(data)
    for key in ("moods", "progression", "end_parts"):
        if key in fields:
            fields[key] = _tuples(fields[key])
    fields["parts"] = tuple(_part(p) for p in data["parts"])
    fields["sections"] = tuple((name, tuple(parts)) for name, parts in data["sections"].items())
    return Recipe(**fields)


def load_recipes(name: str = "music_recipes.yaml") -> tuple[Recipe, ...]:
    """The recipes shipped in templates/ as records; integers and decimals keep the types they are written with."""
    return tuple(_recipe(r) for r in template_yaml(name))


RECIPES: tuple[Recipe, ...] = load_recipes()
