"""The audit's speech and karaoke checks (scripts/audit_publishable.py calls `audit_speech`):

- speech: what each scene's voice was given is the written text read as words: no digit or symbol
  reaches the phonemiser (they would be spelled or skipped), every written word has its spoken words,
  and the phonemiser (eSpeak, as Piper uses it) says each scene as words of its own language (no
  switch to another language's voice);
- karaoke timing against the audio: each karaoke word's highlight starts within one frame of the voice
  at the median and 100 ms at the 95th percentile, measured on the scene's own voice file (energy
  onsets after pauses) and, for Piper, its per-phoneme alignment (the spoken text said again: Piper
  is deterministic to the byte).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_SYMBOLS = re.compile(r"[0-9#%°/+@&=<>|\\^~_]")


def _wav(path: Path) -> tuple[np.ndarray, int]:
    from vidc.runtime.media.wav import read_wav

    audio, rate = read_wav(path)
    return np.asarray(audio, dtype=np.float64).reshape(len(audio), -1).mean(axis=1), rate


def audit_speech(
    name: str, manifest: dict, tasks: dict[str, Any], done: dict[str, str], store: Path, check: Callable
) -> None:
    from vidc.compiler.speech import Spoken
    from vidc.runtime.media.karaoke_check import chunks, highlight_starts, offsets, summary, word_starts

    synth = None
    bad_speech: list[str] = []
    by_phoneme: list[float] = []
    by_energy: list[float] = []
    karaoke_scenes = 0
    for s in manifest["scenes"]:
        t = tasks.get(f"{name}/voice/scene-{s['index']:02d}")
        if not t or "spoken" not in t["params"]:
            continue
        p = t["params"]
        said = Spoken(written=p["text"].split(), counts=list(p["spoken_counts"]), text=p["spoken"])
        if _SYMBOLS.search(said.text) or len(said.counts) != len(said.written) or sum(said.counts) != len(said.words):
            bad_speech.append(f"scene {s['index']}: {said.text[:60]!r}")
        if t["backend"] != "piper":
            continue
        if synth is None:
            from vidc.runtime.media.piper_voice import PiperSynth

            synth = PiperSynth()
        voice = synth._voice()
        if any("(" in "".join(x) for x in voice.phonemize(said.text)):  # eSpeak's "(fr)" language switch
            bad_speech.append(f"scene {s['index']}: the phonemiser switches language")
        obj, vobj = done.get(f"{name}/captions/scene-{s['index']:02d}"), done.get(t["id"])
        ass = store / obj / "captions.ass" if obj else None
        if not ass or not ass.exists() or not vobj:
            continue
        shown = highlight_starts(ass.read_text(encoding="utf-8"))
        if not shown:
            continue
        karaoke_scenes += 1
        audio, rate = _wav(store / vobj / "voice.wav")
        starts = word_starts(said.words, voice.phonemize)
        a, b = offsets(said, shown, chunks(synth, said.text), synth.sample_rate, audio, rate, starts)
        by_phoneme += a
        by_energy += b
    check(
        not bad_speech, f"speech: every scene read as words ({'; '.join(bad_speech[:3]) or 'no digit or symbol left'})"
    )
    if karaoke_scenes:
        ph, en = summary(by_phoneme), summary(by_energy)
        ok = all(x.get("median_ms", 0) <= 1000 / 30 and x.get("p95_ms", 0) <= 100 for x in (ph, en))
        check(
            ok and ph["words"] > 0,
            f"karaoke within a frame of the voice in {karaoke_scenes} scenes: against the phonemes "
            f"{ph['words']} words, median {ph.get('median_ms', 0):.1f} ms, p95 {ph.get('p95_ms', 0):.1f} ms; "
            f"after pauses {en['words']} words, median {en.get('median_ms', 0):.1f} ms, p95 {en.get('p95_ms', 0):.1f} ms",
        )
