"""Pictures and numbers for the review site, computed once per published video with ffmpeg and
numpy: a thumbnail, one frame per scene, waveform envelopes, and the loudness of the final mix
measured again by an independent meter (ffmpeg's ebur128 filter with true peak)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from ..media.tools import die_with_parent
from ..state.atomic import atomic_path

ENVELOPE_RATE = 8000  # decoded sample rate for waveforms: enough for an envelope


class MediaError(Exception):
    pass


def _run(argv: list[str], *, binary: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent()
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MediaError(f"{argv[0]}: {exc}") from None
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise MediaError(f"{argv[0]} failed: " + " / ".join(tail))
    return proc


def frame(video: Path, at_ms: int, dest: Path, width: int) -> None:
    """One frame at `at_ms`, scaled to `width`, as JPEG, written atomically."""
    with atomic_path(dest) as tmp:  # `-f image2`: the temporary name has no .jpg to tell ffmpeg
        _run(
            [
                "ffmpeg",
                "-hide_banner",
                "-nostdin",
                "-y",
                "-loglevel",
                "error",
                "-ss",
                f"{max(0, at_ms) / 1000:.3f}",
                "-i",
                str(video),
                "-frames:v",
                "1",
                "-vf",
                f"scale={width}:-2",
                "-q:v",
                "4",
                "-f",
                "image2",
                str(tmp),
            ]
        )
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise MediaError(f"no frame at {at_ms} ms in {video.name}")


def decode_mono(path: Path, rate: int = ENVELOPE_RATE) -> np.ndarray:
    """The first audio stream as mono float32 in [-1, 1] at `rate`."""
    proc = _run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "s16le",
            "-",
        ],
        binary=True,
    )
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0


def envelope(samples: np.ndarray, bins: int) -> list[float]:
    """Peak of |x| per bin, as floats rounded to 3 decimals (0..1)."""
    if bins <= 0:
        return []
    if samples.size == 0:
        return [0.0] * bins
    edges = np.linspace(0, samples.size, bins + 1).astype(np.int64)
    peaks = [float(np.abs(samples[a:b]).max()) if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])]
    return [round(min(1.0, p), 3) for p in peaks]


def placed_envelope(
    clips: list[tuple[int, np.ndarray]], total_ms: int, bins: int, rate: int = ENVELOPE_RATE
) -> list[float]:
    """Clips (start ms, samples) placed on one timeline of total_ms, then enveloped."""
    n = max(1, total_ms * rate // 1000)
    line = np.zeros(n, dtype=np.float32)
    for start_ms, clip in clips:
        a = start_ms * rate // 1000
        if a >= n:
            continue
        b = min(n, a + clip.size)
        line[a:b] += clip[: b - a]
    return envelope(line, bins)


_SUMMARY_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
_SUMMARY_TP = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def loudness(path: Path) -> dict[str, float | None]:
    """Integrated loudness (LUFS) and true peak (dBTP) of the file's audio, by ffmpeg's ebur128."""
    proc = _run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-i",
            str(path),
            "-vn",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ]
    )
    text = proc.stderr.decode("utf-8", "replace")
    i, tp = _SUMMARY_I.search(text), _SUMMARY_TP.search(text)

    def num(m):
        return None if m is None or m.group(1) == "-inf" else float(m.group(1))

    return {"integrated_lufs": num(i), "true_peak_db": num(tp)}


def svg_wave(values: list[float], width: int, height: int) -> str:
    """A symmetric filled waveform as an SVG path `d` (values 0..1, one per x step)."""
    if not values:
        return ""
    mid, step = height / 2, width / len(values)
    top = [f"{i * step:.1f},{mid - v * mid:.1f}" for i, v in enumerate(values)]
    bottom = [f"{i * step:.1f},{mid + v * mid:.1f}" for i, v in reversed(list(enumerate(values)))]
    return "M" + " L".join(top + bottom) + " Z"
