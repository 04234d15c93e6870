"""Choose a music bed, and loop a short one to length.

Selection (`select_track`) is deterministic: among the tracks at least `min_duration_s` long
(the video plus its fade tail), the best mood overlap wins (Jaccard index of the wanted and the
track's mood tags), then the smallest BPM distance (to a number, or to a [lo, hi] range: 0
inside it), then the track id.

User libraries (`vidc music index FOLDER`) are indexed and read by music_folder; their names
(index_folder, write_catalog, load_catalog, measure_loudness, CATALOG_FILE, AUDIO_EXTENSIONS,
MusicSelectionError) stay
importable from here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .music_folder import (
    AUDIO_EXTENSIONS,
    CATALOG_FILE,
    MusicSelectionError,
    index_folder,
    load_catalog,
    measure_loudness,
    norm_moods,
    write_catalog,
)
from .music_library import TrackInfo

__all__ = [
    "MusicSelectionError",
    "select_track",
    "mood_score",
    "bpm_distance",
    "index_folder",
    "load_catalog",
    "write_catalog",
    "CATALOG_FILE",
    "AUDIO_EXTENSIONS",
    "loop_points",
    "extend_track",
    "MIN_LOOP_S",
    "measure_loudness",
]

BpmWish = float | int | Sequence[float] | None


def mood_score(wanted: Iterable[str] | None, track_moods: Iterable[str]) -> float:
    """Jaccard index |A & B| / |A | B| (0 when nothing is wanted)."""
    a, b = norm_moods(wanted), norm_moods(track_moods)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def bpm_distance(wish: BpmWish, bpm: float | None) -> float:
    """Distance from a track's BPM to a wish: a number, a [lo, hi] range (0 inside) or None (0)."""
    if wish is None:
        return 0.0
    if bpm is None:
        return float("inf")
    if isinstance(wish, (int, float)):
        return abs(float(bpm) - float(wish))
    lo, hi = sorted(float(v) for v in wish)
    if bpm < lo:
        return lo - bpm
    if bpm > hi:
        return bpm - hi
    return 0.0


def _as_track(t: TrackInfo | dict[str, Any]) -> TrackInfo:
    return t if isinstance(t, TrackInfo) else TrackInfo.from_dict(t)


MIN_LOOP_S = 8.0  # a shorter track cannot be looped into a bed


def select_track(
    catalog: Iterable[TrackInfo | dict[str, Any]], moods: Iterable[str] | None, bpm: BpmWish, min_duration_s: float
) -> TrackInfo:
    """The best track for a video that needs `min_duration_s` of music: mood overlap, then BPM
    distance, then a track that is long enough as it is before one that must be looped
    (`extend_track`), then id. Any track of at least MIN_LOOP_S can be looped to any length."""
    tracks = [_as_track(t) for t in catalog]
    if not tracks:
        raise MusicSelectionError("the music library is empty: add tracks or use `music: {library: builtin}`")
    if bpm is not None and not isinstance(bpm, (int, float)):
        bpm = tuple(float(v) for v in bpm)
        if len(bpm) != 2:
            raise ValueError("bpm is a number or a [lo, hi] range")
    usable = [t for t in tracks if t.duration_s + 1e-9 >= min_duration_s or t.duration_s >= MIN_LOOP_S]
    if not usable:
        longest = min(tracks, key=lambda t: (-t.duration_s, t.id))
        raise MusicSelectionError(
            f"no music track is at least {min_duration_s:.1f} s long (the video plus its fade tail) or "
            f"{MIN_LOOP_S:.0f} s to loop; the longest is {longest.id!r} at {longest.duration_s:.1f} s: "
            f"add longer tracks to the library"
        )
    wanted = norm_moods(moods)
    return min(
        usable,
        key=lambda t: (
            -mood_score(wanted, t.moods),
            bpm_distance(bpm, t.bpm),
            t.duration_s + 1e-9 < min_duration_s,
            t.id,
        ),
    )


def loop_points(n: int, rate: int, bpm: float | None) -> tuple[int, int, int]:
    """(loop start, loop end, crossfade) in samples for a track of n samples with no known form:
    bar-aligned with the BPM (beat 1 at sample 0; the loop a whole number of 4-bar phrases, so a
    4-bar chord progression carries on), keeping about the first 15 % and last 20 % (intro and
    ending) out of the loop; the crossfade is one beat. Without a BPM: 10 %..80 %, 2 s."""
    if bpm and bpm > 0:
        beat = 60.0 * rate / bpm
        bar = 4 * beat
        s = bar * math.ceil(0.15 * n / bar)
        for unit in (4 * bar, bar):
            k = math.floor((0.8 * n - s) / unit)
            if k >= 1:
                return int(round(s)), int(round(s + k * unit)), int(round(beat))
    xf = min(2 * rate, n // 10)
    return int(0.1 * n), int(0.8 * n), xf


def extend_track(x: np.ndarray, need: int, start: int, end: int, xfade: int) -> tuple[np.ndarray, int]:
    """Loop x[start:end] until the track is at least `need` samples: x[:end], then x[start:end]
    as often as needed, then x[start:] (the track's own ending). Every join is an equal-power
    crossfade of `xfade` samples centred on the loop points. Returns (audio, repeats)."""
    n = len(x)
    h = max(1, xfade // 2)
    if not (h <= start < end and end + h <= n):
        raise ValueError(f"loop points {start}..{end} (crossfade {xfade}) do not fit a track of {n} samples")
    t = (np.arange(2 * h) + 0.5) / (2 * h)
    fade_in = np.sin(0.5 * np.pi * t)[:, None]
    fade_out = np.cos(0.5 * np.pi * t)[:, None]
    join = x[end - h : end + h] * fade_out + x[start - h : start + h] * fade_in
    body = x[start + h : end - h]  # between two joins
    pieces = [x[: end - h]]
    length = end - h
    repeats = 0
    while length + 2 * h + (n - start - h) < need:
        pieces += [join, body]
        length += 2 * h + len(body)
        repeats += 1
    pieces += [join, x[start + h :]]
    return np.concatenate(pieces), repeats + 1
