"""Deterministic, vectorised instrument voices for the built-in music library (numpy only).

Every voice returns float32 audio at 44.1 kHz: mono (n,) or stereo (n, 2). Randomness (noise,
oscillator start phases) comes from generators seeded by the caller, so the same call always gives
the same samples. Oscillators read band-limited wavetables (harmonics above 18 kHz are left out,
and a gentle low-pass slope shapes the timbre) with a 32-bit phase accumulator; envelopes start and
end at zero, so no voice ever clicks.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

SR = 44100
_TABLE_BITS = 12
_TABLE_N = 1 << _TABLE_BITS
_FRAC_SHIFT = 32 - _TABLE_BITS
_FRAC_SCALE = np.float32(1.0 / (1 << _FRAC_SHIFT))

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


def midi_hz(m: float) -> float:
    return 440.0 * 2.0 ** ((m - 69.0) / 12.0)


def _seconds(n: float) -> int:
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


def _ramp_up(n: int) -> np.ndarray:
    """Raised-cosine 0 -> 1 over n samples."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    x = (np.arange(n, dtype=np.float64) + 0.5) / n
    return (0.5 - 0.5 * np.cos(np.pi * x)).astype(np.float32)


def adsr(gate: int, attack: float, decay: float, sustain: float, release: float) -> np.ndarray:
    """Envelope of gate + release samples: raised-cosine attack, exponential decay to `sustain`,
    raised-cosine release from wherever the level is at note-off down to exactly zero."""
    a = min(_seconds(attack), max(gate, 1))
    r = max(_seconds(release), 32)
    n = gate + r
    env = np.empty(n, dtype=np.float32)
    env[:a] = _ramp_up(a)
    m = gate - a
    if m > 0:
        t = np.arange(m, dtype=np.float64) / SR
        tau = max(decay, 1e-3)
        env[a:gate] = (sustain + (1.0 - sustain) * np.exp(-t / tau)).astype(np.float32)
    level = float(env[gate - 1]) if gate > 0 else 0.0
    env[gate:] = level * _ramp_up(r)[::-1]
    return env


def decay_env(n: int, attack: float, tau: float, release_at: int | None = None, release: float = 0.05) -> np.ndarray:
    """Percussive envelope: quick raised-cosine attack, exponential decay, faded to zero by n."""
    a = max(_seconds(attack), 1)
    t = np.arange(n, dtype=np.float64) / SR
    env = np.exp(-t / max(tau, 1e-4))
    env[:a] *= _ramp_up(a)
    end = n if release_at is None else min(n, release_at + _seconds(release))
    r = max(min(_seconds(release), end), 1)
    env[end - r : end] *= _ramp_up(r)[::-1]
    env[end:] = 0.0
    return env.astype(np.float32)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan: -1 left, 0 centre, +1 right."""
    ang = (max(-1.0, min(1.0, pan)) + 1.0) * math.pi / 4.0
    return math.cos(ang), math.sin(ang)


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
    n = gate + _seconds(release) + 1
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
    n = gate + _seconds(0.25) + 1
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
    n = _seconds(max(tau * 4.0, 0.3))
    f = midi_hz(midi)
    return _partials(
        f, n, ((1.0, 1.0, tau), (3.93, 0.28, 0.06), (9.2, 0.06, 0.018)), 0.002, None, 0.05, float(rng.random())
    )


def bell(midi: int, gate: int, rng: np.random.Generator, *, tau: float = 1.4) -> np.ndarray:
    """Glockenspiel / celesta-like bell."""
    n = _seconds(max(tau * 3.5, 0.5))
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
    n = gate + _seconds(0.3) + 1
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


# --------------------------------------------------------------------------- noise and drums


def shaped_noise(
    n: int, rng: np.random.Generator, lo: float = 0.0, hi: float = 20000.0, order: float = 2.0
) -> np.ndarray:
    """White noise band-limited in the frequency domain (smooth band-pass of the given order)."""
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    x = rng.standard_normal(n)
    spec = np.fft.rfft(x)
    fr = np.fft.rfftfreq(n, 1.0 / SR)
    resp = np.ones_like(fr)
    if lo > 0:
        resp *= 1.0 / np.sqrt(1.0 + (lo / np.maximum(fr, 1e-3)) ** (2 * order))
    if hi < SR / 2:
        resp *= 1.0 / np.sqrt(1.0 + (fr / hi) ** (2 * order))
    y = np.fft.irfft(spec * resp, n=n)
    rms = float(np.sqrt(np.mean(y * y))) or 1.0
    return (y / rms / 3.0).astype(np.float32)


def kick(
    rng: np.random.Generator, *, punch: float = 1.0, tau: float = 0.28, f_hi: float = 120.0, f_lo: float = 46.0
) -> np.ndarray:
    n = _seconds(max(tau * 2.2, 0.35))
    t = np.arange(n, dtype=np.float64) / SR
    freq = f_lo + (f_hi - f_lo) * np.exp(-t / 0.035)
    phase = 2 * np.pi * np.cumsum(freq) / SR
    body = np.sin(phase) * decay_env(n, 0.0015, tau)
    click = shaped_noise(n, rng, 400, 3500) * decay_env(n, 0.0005, 0.006)
    return (0.95 * body + 0.25 * punch * click).astype(np.float32)


def snare(rng: np.random.Generator, *, tone: float = 185.0, tau: float = 0.14, bright: float = 8000.0) -> np.ndarray:
    n = _seconds(max(tau * 3.0, 0.3))
    noise = shaped_noise(n, rng, 900, bright) * decay_env(n, 0.001, tau)
    body = 0.5 * sine(tone, n) * decay_env(n, 0.001, 0.05) + 0.25 * sine(tone * 1.8, n) * decay_env(n, 0.001, 0.03)
    return (0.9 * noise + body).astype(np.float32)


def clap(rng: np.random.Generator, *, tau: float = 0.12) -> np.ndarray:
    n = _seconds(max(tau * 3.0, 0.3))
    noise = shaped_noise(n, rng, 900, 5000)
    env = np.zeros(n, dtype=np.float32)
    for k, off in enumerate((0.0, 0.011, 0.022)):
        i = _seconds(off)
        env[i:] += (0.8 if k < 2 else 1.0) * decay_env(n - i, 0.0008, 0.007 if k < 2 else tau)
    return (noise * env).astype(np.float32)


def hat(rng: np.random.Generator, *, tau: float = 0.03, lo: float = 7000.0) -> np.ndarray:
    n = _seconds(max(tau * 5.0, 0.06))
    return (shaped_noise(n, rng, lo, 16000) * decay_env(n, 0.0008, tau)).astype(np.float32)


def shaker(rng: np.random.Generator, *, tau: float = 0.045) -> np.ndarray:
    n = _seconds(max(tau * 4.0, 0.12))
    env = decay_env(n, 0.012, tau)
    return (shaped_noise(n, rng, 4500, 12000) * env).astype(np.float32)


def rim(rng: np.random.Generator) -> np.ndarray:
    n = _seconds(0.08)
    y = 0.8 * sine(1700.0, n) * decay_env(n, 0.0005, 0.012) + 0.5 * shaped_noise(n, rng, 1500, 6000) * decay_env(
        n, 0.0005, 0.008
    )
    return y.astype(np.float32)


def boom(rng: np.random.Generator, *, tau: float = 0.55, f_hi: float = 95.0, f_lo: float = 50.0) -> np.ndarray:
    """Cinematic low drum: a deep pitched thud with a soft skin noise."""
    n = _seconds(tau * 3.0)
    t = np.arange(n, dtype=np.float64) / SR
    freq = f_lo + (f_hi - f_lo) * np.exp(-t / 0.07)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * decay_env(n, 0.002, tau)
    skin = shaped_noise(n, rng, 80, 900) * decay_env(n, 0.001, 0.08)
    return (0.9 * body + 0.35 * skin).astype(np.float32)


def crash(rng: np.random.Generator, *, tau: float = 1.1) -> np.ndarray:
    n = _seconds(tau * 3.0)
    return (shaped_noise(n, rng, 3500, 14000) * decay_env(n, 0.002, tau)).astype(np.float32)


def riser(n: int, rng: np.random.Generator) -> np.ndarray:
    """Noise swell over n samples (a reversed-cymbal feel), ending at its loudest, then cut softly."""
    x = np.linspace(0.0, 1.0, n, dtype=np.float64)
    y = shaped_noise(n, rng, 2500, 12000) * (x**3)
    tail = min(n, _seconds(0.01))
    y[n - tail :] *= _ramp_up(tail)[::-1]
    return y.astype(np.float32)


def reverb_ir(
    seconds: float, rng: np.random.Generator, rate: int = SR, *, damp_hz: float = 4500.0, predelay: float = 0.018
) -> np.ndarray:
    """A stereo (n, 2) room impulse response: sparse early reflections and a darkening noise tail,
    each channel at unit energy."""
    n = int(seconds * rate)
    t = np.arange(n, dtype=np.float64) / rate
    out = np.zeros((n, 2))
    rt = seconds * 0.85
    for ch in range(2):
        noise = rng.standard_normal(n)
        spec = np.fft.rfft(noise)
        fr = np.fft.rfftfreq(n, 1.0 / rate)
        spec /= np.sqrt(1.0 + (fr / damp_hz) ** 2)
        tail = np.fft.irfft(spec, n=n) * np.exp(-6.9 * t / rt)
        d = int(predelay * rate)
        tail[:d] = 0.0
        fade = min(n - d, int(0.03 * rate))
        tail[d : d + fade] *= np.linspace(0.0, 1.0, fade)
        for k in range(6):  # early reflections
            pos = int((predelay + 0.004 + 0.009 * k + 0.004 * rng.random()) * rate)
            if pos < n:
                tail[pos] += (
                    (0.6 - 0.08 * k) * (1 if rng.random() < 0.5 else -1) * np.std(tail[d : d + fade + 1] + 1e-9) * 8
                )
        tail[-int(0.05 * rate) :] *= np.linspace(1.0, 0.0, int(0.05 * rate))
        out[:, ch] = tail / (np.sqrt(np.sum(tail * tail)) or 1.0)
    return out
