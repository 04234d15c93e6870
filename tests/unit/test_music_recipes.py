"""The built-in recipes read from templates/music_recipes.yaml: the same records, value for value and type for
type, as when they were written out in Python (so the 11 built-in tracks render byte-identically)."""

from __future__ import annotations

import hashlib

from vidc.runtime.media import music_recipes as mr

# sha256 of repr(RECIPES) as the recipes stood as Python literals before they moved to YAML. repr tells
# 72 from 72.0 and a tuple from a list, so any change of value, type or order moves it.
RECIPES_REPR_SHA256 = "611ac0e2801397fa0dcf49786dafad34e723de7ee91f5470c383d1f65fb6b963"


def test_recipes_match_their_python_originals():
    assert len(mr.RECIPES) == 11
    assert hashlib.sha256(repr(mr.RECIPES).encode()).hexdigest() == RECIPES_REPR_SHA256


def test_loaded_records_keep_types_and_tuples():
    still = next(r for r in mr.RECIPES if r.id == "still-water")
    assert type(still.bpm) is int and still.key == "F major" and still.transitions is False
    assert still.progression[0] == (0, "maj9") and isinstance(still.progression, tuple)
    pad, *_, motif = (p for p in still.parts if p.name in ("pad", "motif"))
    assert dict(pad.params)["detune"] == (-6.0, 0.0, 6.0) and [k for k, _ in pad.params] == sorted(dict(pad.params))
    assert motif.motif[0] == ((0, 1.5, 2, 0), (2, 2, 1, 0)) and type(motif.motif[0][0][1]) is float
    assert still.section_parts("main2") == frozenset(("pad", "arp", "bass", "motif", "shaker", "kick"))


def test_parts_list_only_what_differs_from_defaults():
    lazy = next(r for r in mr.RECIPES if r.id == "lazy-sunday")
    snare = next(p for p in lazy.parts if p.name == "snare")
    assert snare.reverb == 0.2 and snare.params == () and snare.motif == () and snare.fill == "....x.......x.o-"
    assert lazy.swing == 0.16 and lazy.end_parts == ("keys", "bass")
