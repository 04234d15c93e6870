"""Measuring motion between frames: sub-pixel phase correlation, and a smoothness verdict.

Used by the motion tests and `bench/motion_smoothness.py` to compare vidc's Ken Burns renderer
with ffmpeg's `zoompan` on the same move."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _grey(frame: np.ndarray) -> np.ndarray:
    g = frame.astype(np.float64)
    return g.mean(axis=2) if g.ndim == 3 else g


def shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(dx, dy) in pixels such that b's content sits at a's content moved by (dx, dy), estimated by
    phase correlation with a parabolic fit around the peak (sub-pixel)."""
    ga, gb = _grey(a), _grey(b)
    win = np.outer(np.hanning(ga.shape[0]), np.hanning(ga.shape[1]))
    fa, fb = np.fft.fft2((ga - ga.mean()) * win), np.fft.fft2((gb - gb.mean()) * win)
    cross = fb * np.conj(fa)
    corr = np.real(np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-12)))
    py, px = np.unravel_index(int(np.argmax(corr)), corr.shape)
    h, w = corr.shape

    def fit(c_m: float, c_0: float, c_p: float) -> float:
        d = c_m - 2 * c_0 + c_p
        return 0.0 if d == 0 else 0.5 * (c_m - c_p) / d

    dx = px + fit(corr[py, (px - 1) % w], corr[py, px], corr[py, (px + 1) % w])
    dy = py + fit(corr[(py - 1) % h, px], corr[py, px], corr[(py + 1) % h, px])
    return (dx - w if dx > w / 2 else dx), (dy - h if dy > h / 2 else dy)


# An eased 2-second pan changes its speed by a few percent a frame; a pan rounded to whole pixels
# (zoompan) changes it by half its mean or more.
JERK_LIMIT = 0.25


@dataclass(frozen=True)
class Smoothness:
    steps: tuple[float, ...]  # the per-frame displacement along the main axis
    reversals: int  # steps against the direction of travel (beyond noise)
    stalls: int  # steps of (nearly) nothing in the middle of the move
    worst_jerk: float  # the largest change between consecutive steps / the mean step

    @property
    def smooth(self) -> bool:
        return self.reversals == 0 and self.stalls == 0 and self.worst_jerk < JERK_LIMIT


def smoothness(frames: Sequence[np.ndarray], axis: int = 0, noise: float = 0.05) -> Smoothness:
    """How smooth a pan is: the displacement between consecutive frames along `axis` (0: x, 1: y).
    The middle half of the move is judged (an eased move starts and ends at rest)."""
    steps = [shift(frames[k], frames[k + 1])[axis] for k in range(len(frames) - 1)]
    n = len(steps)
    middle = steps[n // 4 : n - n // 4] or steps
    sign = 1.0 if sum(middle) >= 0 else -1.0
    mean = abs(sum(middle)) / len(middle) if middle else 0.0
    reversals = sum(1 for s in steps if s * sign < -noise)
    stalls = sum(1 for s in middle if abs(s) < max(noise, 0.25 * mean))
    jerk = max((abs(b - a) for a, b in zip(middle, middle[1:])), default=0.0) / max(mean, 1e-9)
    return Smoothness(tuple(steps), reversals, stalls, jerk)
