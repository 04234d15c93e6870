"""Deterministic, vectorised instrument voices for the built-in music library (numpy only).

Every voice returns float32 audio at 44.1 kHz: mono (n,) or stereo (n, 2). Randomness (noise,
oscillator start phases) comes from generators seeded by the caller, so the same call always gives
the same samples. Oscillators read band-limited wavetables (harmonics above 18 kHz are left out,
and a gentle low-pass slope shapes the timbre) with a 32-bit phase accumulator; envelopes start and
end at zero, so no voice ever clicks.

The tonal voices live here; the oscillators and envelopes in synth_core, the noise voices (drums, riser,
reverb impulse) in synth_drums, all importable from here as before.
"""

from __future__ import annotations

import math

import numpy as np

from .synth_core import SR, adsr, decay_env, midi_hz, osc, pan_gains, sine, to_samples, wavetable
from .synth_drums import boom, clap, crash, hat, kick, reverb_ir, rim, riser, shaker, shaped_noise, snare

__all__ = [
    "SR",
    "midi_hz",
    "wavetable",
    "osc",
    "adsr",
    "decay_env",
    "pan_gains",
    "pad",
    "pluck",
    "epiano",
    "mallet",
    "bell",
    "piano",
    "bass",
    "lead",
    "stacc",
    "kick",
    "snare",
    "clap",
    "hat",
    "shaker",
    "rim",
    "boom",
    "crash",
    "riser",
    "shaped_noise",
    "reverb_ir",
]


# --------------------------------------------------------------------------- tonal voices


def pad(
    midi: int,
    gate: int,
    rng: np.random.Generator,
    *,
    shape: str = "saw",
    cutoff: int = 2500,
    detune: tuple[float, ...] = (-7.0, 0.0, 7.0),
    attack: float = 0.8,
    release: float = 1.2,
    sub: float = 0.0,
    spread: float = 0.7,
) -> np.ndarray:
    """Detuned unison pad, stereo; each voice panned across `spread`."""
    env = adsr(gate, attack, 1.0, 0.85, release)
    n = len(env)
    out = np.zeros((n, 2), dtype=np.float32)
    table = wavetable(shape, midi, cutoff)
    f = midi_hz(midi)
    nv = len(detune)
    for i, cents in enumerate(detune):
        y = osc(table, f * 2.0 ** (cents / 1200.0), n, float(rng.random()))
        p = 0.0 if nv == 1 else spread * (2.0 * i / (nv - 1) - 1.0)
        gl, gr = pan_gains(p)
        out[:, 0] += gl * y
        out[:, 1] += gr * y
    out /= math.sqrt(nv)
    if sub > 0:
        s = sub * sine(f / 2.0, n, float(rng.random()))
        out += (0.707 * s)[:, None]
    out *= env[:, None]
    return out


def pluck(
    midi: int,
    gate: int,
    rng: np.random.Generator,
    *,
    bright_cutoff: int = 5000,
    tau_bright: float = 0.09,
    tau_body: float = 0.45,
    body_shape: str = "tri",
    bright_shape: str = "saw",
    release: float = 0.08,
) -> np.ndarray:
    """Plucked string / synth pluck: a bright layer that dies fast over a mellow body."""
    n = gate + to_samples(release) + 1
    f = midi_hz(midi)
    ph = float(rng.random())
    bright = osc(wavetable(bright_shape, midi, bright_cutoff), f, n, ph)
    body = osc(wavetable(body_shape, midi, 2000), f, n, ph)
    e1 = decay_env(n, 0.002, tau_bright, gate, release)
    e2 = decay_env(n, 0.003, tau_body, gate, release)
    return 0.55 * bright * e1 + 0.7 * body * e2


def _partials(
    f: float,
    n: int,
    parts: tuple[tuple[float, float, float], ...],
    attack: float,
    gate: int | None,
    release: float,
    phase: float,
) -> np.ndarray:
    """Sum of decaying sine partials (ratio, amplitude, tau seconds), skipping those above 18 kHz."""
    y = np.zeros(n, dtype=np.float32)
    for ratio, amp, tau in parts:
        if f * ratio >= 18000.0:
            continue
        y += amp * sine(f * ratio, n, phase * ratio) * decay_env(n, attack, tau, gate, release)
    return y


def epiano(midi: int, gate: int, rng: np.random.Generator, *, tau: float = 1.6) -> np.ndarray:
    """Soft electric piano: fundamental, a little 2nd/3rd harmonic, a faint bell-like tine."""
    n = gate + to_samples(0.25) + 1
    f = midi_hz(midi)
    return _partials(
        f,
        n,
        ((1.0, 1.0, tau), (2.0, 0.22, tau * 0.3), (3.0, 0.08, tau * 0.15), (7.0, 0.035, 0.03)),
        0.004,
        gate,
        0.25,
        float(rng.random()),
    )


def mallet(midi: int, gate: int, rng: np.random.Generator, *, tau: float = 0.38) -> np.ndarray:
    """Marimba-like mallet: a woody fundamental with quick inharmonic overtones."""
    n = to_samples(max(tau * 4.0, 0.3))
    f = midi_hz(midi)
    return _partials(
        f, n, ((1.0, 1.0, tau), (3.93, 0.28, 0.06), (9.2, 0.06, 0.018)), 0.002, None, 0.05, float(rng.random())
    )


def bell(midi: int, gate: int, rng: np.random.Generator, *, tau: float = 1.4) -> np.ndarray:
    """Glockenspiel / celesta-like bell."""
    n = to_samples(max(tau * 3.5, 0.5))
    f = midi_hz(midi)
    return _partials(
        f,
        n,
        ((1.0, 1.0, tau), (2.0, 0.18, tau * 0.5), (2.76, 0.3, tau * 0.35), (5.4, 0.12, tau * 0.12), (8.93, 0.05, 0.06)),
        0.002,
        None,
        0.1,
        float(rng.random()),
    )


def piano(midi: int, gate: int, rng: np.random.Generator, *, tau: float = 1.8) -> np.ndarray:
    """Soft piano: slightly inharmonic partials, higher ones decaying faster; damped at note-off."""
    n = gate + to_samples(0.3) + 1
    f = midi_hz(midi)
    b = 0.00035
    parts = tuple((k * math.sqrt(1.0 + b * k * k), 1.0 / k**1.4, tau / k**0.8) for k in range(1, 9))
    y = _partials(f, n, parts, 0.003, gate, 0.3, float(rng.random()))
    return 0.6 * y


def bass(
    midi: int,
    gate: int,
    rng: np.random.Generator,
    *,
    cutoff: int = 600,
    grit: float = 0.35,
    release: float = 0.06,
    decay: float = 0.25,
    sustain: float = 0.75,
) -> np.ndarray:
    """Round bass: a sine body with a little filtered saw on top."""
    env = adsr(gate, 0.005, decay, sustain, release)
    n = len(env)
    f = midi_hz(midi)
    ph = float(rng.random())
    y = sine(f, n, ph) + grit * osc(wavetable("saw", midi, cutoff), f, n, ph)
    return (y * env) / (1.0 + grit)


def lead(
    midi: int,
    gate: int,
    rng: np.random.Generator,
    *,
    attack: float = 0.06,
    bloom: float = 0.25,
    cutoff: int = 3000,
    vibrato_cents: float = 12.0,
    release: float = 0.3,
    shape: str = "saw",
    body: str = "tri",
) -> np.ndarray:
    """Singing lead / soft brass: a mellow body with a brighter layer blooming in, delayed vibrato."""
    env_body = adsr(gate, attack, 0.6, 0.8, release)
    n = len(env_body)
    env_bright = adsr(gate, bloom, 0.8, 0.7, release)
    f = midi_hz(midi)
    t = np.arange(n, dtype=np.float64) / SR
    depth = vibrato_cents / 1200.0 * np.clip((t - 0.25) / 0.4, 0.0, 1.0)
    vib = 2.0 ** (depth * np.sin(2 * np.pi * 5.2 * t))
    ph = float(rng.random())
    y = 0.8 * osc(wavetable(body, midi, cutoff), f, n, ph, vib) * env_body
    y += 0.45 * osc(wavetable(shape, midi, cutoff), f, n, ph, vib) * env_bright
    return y


def stacc(midi: int, gate: int, rng: np.random.Generator, *, cutoff: int = 2200, release: float = 0.07) -> np.ndarray:
    """Staccato strings: two slightly detuned saws, short envelope."""
    env = adsr(gate, 0.012, 0.12, 0.55, release)
    n = len(env)
    f = midi_hz(midi)
    table = wavetable("saw", midi, cutoff)
    y = osc(table, f * 2 ** (-4 / 1200), n, float(rng.random())) + osc(
        table, f * 2 ** (4 / 1200), n, float(rng.random())
    )
    return 0.6 * y * env
