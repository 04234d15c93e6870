"""The building blocks of the built-in music's voices: band-limited wavetable oscillators (32-bit phase
accumulator), sines, envelopes that start and end at zero, constant-power panning. numpy only, float32
at 44.1 kHz."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SR = 44100
_TABLE_BITS = 12
_TABLE_N = 1 << _TABLE_BITS
_FRAC_SHIFT = 32 - _TABLE_BITS
_FRAC_SCALE = np.float32(1.0 / (1 << _FRAC_SHIFT))


def midi_hz(m: float) -> float:
    return 440.0 * 2.0 ** ((m - 69.0) / 12.0)


def to_samples(n: float) -> int:
    """Seconds as a whole number of samples at SR (never negative)."""
    return max(int(round(n * SR)), 0)


# --------------------------------------------------------------------------- oscillators


@lru_cache(maxsize=512)
def wavetable(shape: str, midi: int, cutoff: int) -> np.ndarray:
    """One period of a band-limited waveform for a note (N + 1 samples, last == first).

    shape: sine | tri | square | saw | organ. `cutoff` (Hz) rolls the harmonics off with a
    second-order slope, like a gentle low-pass filter. Peak normalised to 1.
    """
    f0 = midi_hz(midi)
    kmax = max(1, min(int(18000.0 / f0), _TABLE_N // 2 - 1))
    k = np.arange(1, kmax + 1, dtype=np.float64)
    if shape == "sine":
        amp = (k == 1).astype(np.float64)
    elif shape == "tri":
        amp = np.where(k % 2 == 1, 1.0 / k**2, 0.0) * np.where(((k - 1) // 2) % 2 == 0, 1.0, -1.0)
    elif shape == "square":
        amp = np.where(k % 2 == 1, 1.0 / k, 0.0)
    elif shape == "saw":
        amp = 1.0 / k
    elif shape == "organ":  # drawbar-ish: 1, 2, 3, 4, 6, 8
        amp = np.zeros_like(k)
        for h, a in ((1, 1.0), (2, 0.5), (3, 0.25), (4, 0.2), (6, 0.1), (8, 0.08)):
            if h <= kmax:
                amp[h - 1] = a
    else:
        raise ValueError(f"unknown shape {shape!r}")
    amp = amp / np.sqrt(1.0 + (k * f0 / float(cutoff)) ** 4)
    spec = np.zeros(_TABLE_N // 2 + 1, dtype=np.complex128)
    spec[1 : kmax + 1] = -1j * amp * (_TABLE_N / 2)  # sine phase
    table = np.fft.irfft(spec, n=_TABLE_N)
    peak = float(np.max(np.abs(table))) or 1.0
    table = (table / peak).astype(np.float32)
    return np.concatenate([table, table[:1]])


def osc(table: np.ndarray, freq: float, n: int, phase: float = 0.0, vibrato: np.ndarray | None = None) -> np.ndarray:
    """Read `table` at `freq` Hz for n samples (linear interpolation, 32-bit phase accumulator).

    `vibrato`, if given, is a per-sample frequency ratio (1.0 = no change).
    """
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    start = np.uint32(int(phase % 1.0 * 4294967296.0) & 0xFFFFFFFF)
    if vibrato is None:
        inc = np.uint32(int(round(freq / SR * 4294967296.0)) & 0xFFFFFFFF)
        ph = np.arange(n, dtype=np.uint32) * inc
        ph += start
    else:
        incs = np.rint(freq * np.asarray(vibrato, dtype=np.float64)[:n] / SR * 4294967296.0)
        incs = (incs.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
        ph = np.cumsum(incs, dtype=np.uint32)
        ph += start
    idx = ph >> np.uint32(_FRAC_SHIFT)
    frac = (ph & np.uint32((1 << _FRAC_SHIFT) - 1)).astype(np.float32) * _FRAC_SCALE
    a = table[idx]
    return a + frac * (table[idx + 1] - a)


def sine(freq: float, n: int, phase: float = 0.0) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)
    return np.sin(2.0 * np.pi * (freq / SR * t + phase)).astype(np.float32)


# --------------------------------------------------------------------------- envelopes


def ramp_up(n: int) -> np.ndarray:
    """Raised-cosine 0 -> 1 over n samples."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    x = (np.arange(n, dtype=np.float64) + 0.5) / n
    return (0.5 - 0.5 * np.cos(np.pi * x)).astype(np.float32)


def adsr(gate: int, attack: float, decay: float, sustain: float, release: float) -> np.ndarray:
    """Envelope of gate + release samples: raised-cosine attack, exponential decay to `sustain`,
    raised-cosine release from wherever the level is at note-off down to exactly zero."""
    a = min(to_samples(attack), max(gate, 1))
    r = max(to_samples(release), 32)
    n = gate + r
    env = np.empty(n, dtype=np.float32)
    env[:a] = ramp_up(a)
    m = gate - a
    if m > 0:
        t = np.arange(m, dtype=np.float64) / SR
        tau = max(decay, 1e-3)
        env[a:gate] = (sustain + (1.0 - sustain) * np.exp(-t / tau)).astype(np.float32)
    level = float(env[gate - 1]) if gate > 0 else 0.0
    env[gate:] = level * ramp_up(r)[::-1]
    return env


def decay_env(n: int, attack: float, tau: float, release_at: int | None = None, release: float = 0.05) -> np.ndarray:
    """Percussive envelope: quick raised-cosine attack, exponential decay, faded to zero by n."""
    a = max(to_samples(attack), 1)
    t = np.arange(n, dtype=np.float64) / SR
    env = np.exp(-t / max(tau, 1e-4))
    env[:a] *= ramp_up(a)
    end = n if release_at is None else min(n, release_at + to_samples(release))
    r = max(min(to_samples(release), end), 1)
    env[end - r : end] *= ramp_up(r)[::-1]
    env[end:] = 0.0
    return env.astype(np.float32)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan: -1 left, 0 centre, +1 right."""
    ang = (max(-1.0, min(1.0, pan)) + 1.0) * math.pi / 4.0
    return math.cos(ang), math.sin(ang)
