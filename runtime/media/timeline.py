"""One PCM timeline: voice clips placed sample-exactly at the scenes' frame boundaries."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .wav import read_wav, write_wav


def frames_to_samples(frames: int, fps: int, rate: int) -> int:
    """Samples at `rate` before video frame `frames` at `fps`, rounded half up, in exact integers."""
    return (2 * frames * rate + fps) // (2 * fps)


def place_voices(voice_wavs: Sequence[Path], starts_in_samples: Sequence[int], total_samples: int, out_wav: Path,
                 rate: int = 44100) -> Path:
    """Mix mono clips onto a silent stereo timeline of `total_samples` at their start samples."""
    timeline = np.zeros(total_samples, dtype=np.int32)
    for path, start in zip(voice_wavs, starts_in_samples):
        clip, clip_rate = read_wav(path)
        if clip_rate != rate:
            raise ValueError(f"{path}: {clip_rate} Hz, the timeline is {rate} Hz")
        if clip.ndim == 2:
            clip = clip.mean(axis=1).astype(np.int16)
        end = min(total_samples, start + len(clip))
        timeline[start:end] += clip[: end - start]
    mono = np.clip(timeline, -32768, 32767).astype(np.int16)
    return write_wav(out_wav, np.stack([mono, mono], axis=1), rate)
