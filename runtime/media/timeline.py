"""Sample-exact audio timeline: voice clips placed on one PCM track, scene cuts on frame boundaries.

All arithmetic is in integers (fractions for frame rates such as 30000/1001), so a scene that
starts at video frame F starts at audio sample frames_to_samples(F, fps, rate) on every machine,
and thousands of scenes never drift.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vidc.compiler.units import (
    frames_to_samples,
    ms_to_frames,
    ms_to_samples,
    parse_fps,
    samples_to_frames,
    samples_to_ms,
)

from .wav import read_wav, write_wav

__all__ = [
    "frames_to_samples",
    "samples_to_frames",
    "ms_to_samples",
    "samples_to_ms",
    "ms_to_frames",
    "place_voices",
    "parse_fps",
]


def place_voices(
    voice_wavs: Sequence[str | os.PathLike[str]],
    starts_in_samples: Sequence[int],
    total_samples: int,
    out_wav: str | os.PathLike[str],
    rate: int = 44100,
    *,
    max_overhang_ms: int = 10,
) -> dict:
    """Place mono (or stereo) 16-bit clips at exact sample offsets on a stereo timeline of
    `total_samples`, summing where clips overlap (saturating at full scale), and write it atomically.

    A clip may overhang the end of the timeline by at most `max_overhang_ms` (the rounding of a
    measured duration to whole ms and frames); that tail is cut. Raises ValueError for a clip at
    another sample rate, a negative start, or a longer overhang (the caller sized the timeline;
    cutting speech silently would be a bug).
    Returns {"samples", "sample_rate", "channels": 2, "clips": [[start, length], ...], "cut_samples"}.
    """
    if len(voice_wavs) != len(starts_in_samples):
        raise ValueError("voice_wavs and starts_in_samples differ in length")
    total = int(total_samples)
    if total < 0:
        raise ValueError("total_samples must be >= 0")
    acc = np.zeros((total, 2), dtype=np.int32)
    clips = []
    cut = 0
    for path, start in zip(voice_wavs, starts_in_samples):
        start = int(start)
        data, r = read_wav(path)
        if r != rate:
            raise ValueError(f"{path}: sample rate {r} Hz, expected {rate} Hz")
        if start < 0:
            raise ValueError(f"{path}: negative start {start}")
        n = data.shape[0]
        if start + n > total:
            over = start + n - total
            if over > max_overhang_ms * rate // 1000:
                raise ValueError(
                    f"{path}: {n} samples at {start} end at {start + n}, {over} samples after the timeline's {total}"
                )
            data = data[: n - over]
            n -= over
            cut += over
        if data.ndim == 1:
            acc[start : start + n] += data.astype(np.int32)[:, None]
        elif data.shape[1] == 2:
            acc[start : start + n] += data.astype(np.int32)
        else:
            mono = data.astype(np.int32).mean(axis=1).round().astype(np.int32)
            acc[start : start + n] += mono[:, None]
        clips.append([start, n])
    out = np.clip(acc, -32768, 32767).astype(np.int16)
    write_wav(Path(out_wav), out, rate)
    return {"samples": total, "sample_rate": rate, "channels": 2, "clips": clips, "cut_samples": cut}
