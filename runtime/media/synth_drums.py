"""The noise voices of the built-in music: band-limited noise, drums and cymbals, the riser, and the
stereo room impulse response the mix reverb convolves with. Randomness comes from the caller's seeded
generator, so the same call always gives the same samples."""

from __future__ import annotations

import numpy as np

from .synth_core import SR, decay_env, ramp_up, sine, to_samples


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
    n = to_samples(max(tau * 2.2, 0.35))
    t = np.arange(n, dtype=np.float64) / SR
    freq = f_lo + (f_hi - f_lo) * np.exp(-t / 0.035)
    phase = 2 * np.pi * np.cumsum(freq) / SR
    body = np.sin(phase) * decay_env(n, 0.0015, tau)
    click = shaped_noise(n, rng, 400, 3500) * decay_env(n, 0.0005, 0.006)
    return (0.95 * body + 0.25 * punch * click).astype(np.float32)


def snare(rng: np.random.Generator, *, tone: float = 185.0, tau: float = 0.14, bright: float = 8000.0) -> np.ndarray:
    n = to_samples(max(tau * 3.0, 0.3))
    noise = shaped_noise(n, rng, 900, bright) * decay_env(n, 0.001, tau)
    body = 0.5 * sine(tone, n) * decay_env(n, 0.001, 0.05) + 0.25 * sine(tone * 1.8, n) * decay_env(n, 0.001, 0.03)
    return (0.9 * noise + body).astype(np.float32)


def clap(rng: np.random.Generator, *, tau: float = 0.12) -> np.ndarray:
    n = to_samples(max(tau * 3.0, 0.3))
    noise = shaped_noise(n, rng, 900, 5000)
    env = np.zeros(n, dtype=np.float32)
    for k, off in enumerate((0.0, 0.011, 0.022)):
        i = to_samples(off)
        env[i:] += (0.8 if k < 2 else 1.0) * decay_env(n - i, 0.0008, 0.007 if k < 2 else tau)
    return (noise * env).astype(np.float32)


def hat(rng: np.random.Generator, *, tau: float = 0.03, lo: float = 7000.0) -> np.ndarray:
    n = to_samples(max(tau * 5.0, 0.06))
    return (shaped_noise(n, rng, lo, 16000) * decay_env(n, 0.0008, tau)).astype(np.float32)


def shaker(rng: np.random.Generator, *, tau: float = 0.045) -> np.ndarray:
    n = to_samples(max(tau * 4.0, 0.12))
    env = decay_env(n, 0.012, tau)
    return (shaped_noise(n, rng, 4500, 12000) * env).astype(np.float32)


def rim(rng: np.random.Generator) -> np.ndarray:
    n = to_samples(0.08)
    y = 0.8 * sine(1700.0, n) * decay_env(n, 0.0005, 0.012) + 0.5 * shaped_noise(n, rng, 1500, 6000) * decay_env(
        n, 0.0005, 0.008
    )
    return y.astype(np.float32)


def boom(rng: np.random.Generator, *, tau: float = 0.55, f_hi: float = 95.0, f_lo: float = 50.0) -> np.ndarray:
    """Cinematic low drum: a deep pitched thud with a soft skin noise."""
    n = to_samples(tau * 3.0)
    t = np.arange(n, dtype=np.float64) / SR
    freq = f_lo + (f_hi - f_lo) * np.exp(-t / 0.07)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * decay_env(n, 0.002, tau)
    skin = shaped_noise(n, rng, 80, 900) * decay_env(n, 0.001, 0.08)
    return (0.9 * body + 0.35 * skin).astype(np.float32)


def crash(rng: np.random.Generator, *, tau: float = 1.1) -> np.ndarray:
    n = to_samples(tau * 3.0)
    return (shaped_noise(n, rng, 3500, 14000) * decay_env(n, 0.002, tau)).astype(np.float32)


def riser(n: int, rng: np.random.Generator) -> np.ndarray:
    """Noise swell over n samples (a reversed-cymbal feel), ending at its loudest, then cut softly."""
    x = np.linspace(0.0, 1.0, n, dtype=np.float64)
    y = shaped_noise(n, rng, 2500, 12000) * (x**3)
    tail = min(n, to_samples(0.01))
    y[n - tail :] *= ramp_up(tail)[::-1]
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
