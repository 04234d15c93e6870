"""Samples, milliseconds and frames: the one place their conversions and roundings live.

All arithmetic is exact (integers, and fractions for frame rates such as 30000/1001), so a scene
that starts at video frame F starts at audio sample frames_to_samples(F, fps, rate) on every
machine. The roundings, each chosen once:

- a length in frames that must hold some milliseconds (a scene holding its voice) rounds UP:
  `frames_for_ms` (a scene never cuts speech short);
- a measurement turned into whole units (samples -> ms, frames -> ms, ms -> samples, frames ->
  samples) rounds HALF UP: `round_half_up`;
- the frame a sample falls in is the floor: `samples_to_frames`.
"""

from __future__ import annotations

from fractions import Fraction

Fps = int | float | str | Fraction


def parse_fps(fps: Fps) -> Fraction:
    """24, 29.97, "30000/1001", Fraction(30000, 1001) -> an exact Fraction (29.97 -> 30000/1001)."""
    if isinstance(fps, Fraction):
        f = fps
    elif isinstance(fps, int):
        f = Fraction(fps)
    elif isinstance(fps, str):
        f = Fraction(fps.strip())
    else:
        f = Fraction(str(fps))
        ntsc = Fraction(round(float(fps) * 1001 / 1000) * 1000, 1001)
        if abs(float(ntsc) - float(fps)) < 1e-3 and f.denominator != 1:
            f = ntsc  # 23.976, 29.97, 59.94 mean the NTSC rates
    if f <= 0:
        raise ValueError(f"frame rate must be positive, got {fps!r}")
    return f


def round_half_up(x: Fraction) -> int:
    return int((x * 2 + 1) // 2)


def frames_for_ms(ms: int, fps: Fps) -> int:
    """Frames covering `ms` at `fps`, rounded up: a scene never ends before its voice."""
    x = Fraction(ms) * parse_fps(fps) / 1000
    return int(-((-x) // 1))


def ms_to_frames(ms: int, fps: Fps, *, ceil: bool = True) -> int:
    """Frames of `ms` milliseconds: covering them (frames_for_ms, the default), or the nearest count."""
    return frames_for_ms(ms, fps) if ceil else round_half_up(Fraction(int(ms)) * parse_fps(fps) / 1000)


def frames_to_ms(frames: int, fps: Fps) -> int:
    """Milliseconds of `frames` frames, rounded half up (a measured clip's length)."""
    return round_half_up(Fraction(int(frames) * 1000) / parse_fps(fps))


def frames_to_samples(frames: int, fps: Fps, rate: int = 44100) -> int:
    """Audio sample index of video frame `frames`: round_half_up(frames * rate / fps), exactly."""
    return round_half_up(Fraction(int(frames)) * int(rate) / parse_fps(fps))


def samples_to_frames(samples: int, fps: Fps, rate: int = 44100) -> int:
    """The video frame a sample falls in (floor)."""
    return int(Fraction(int(samples)) * parse_fps(fps) / int(rate) // 1)


def ms_to_samples(ms: int, rate: int = 44100) -> int:
    return round_half_up(Fraction(int(ms) * int(rate), 1000))


def samples_to_ms(samples: int, rate: int = 44100) -> int:
    """Exact integer milliseconds of `samples` at `rate`, rounded half up."""
    return round_half_up(Fraction(int(samples) * 1000, int(rate)))
