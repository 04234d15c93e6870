"""Independent readers for the finished MP4: ffprobe, pyloudnorm, ffmpeg's ebur128 true-peak
meter and a cross-correlation that finds where each voice really starts."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np


def probe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-count_frames", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return json.loads(out)


def atom_order(path: Path) -> list[str]:
    """Top-level MP4 box names in file order."""
    names, data = [], path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        names.append(data[pos + 4 : pos + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if size < 8:
            break
        pos += size
    return names


def decode_audio(path: Path, rate: int = 48000, channels: int = 2) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-f", "f32le", "-ac", str(channels), "-ar", str(rate), "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, channels)


def true_peak_db(path: Path) -> float:
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-vn", "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    return float(re.findall(r"Peak:\s+(-?[0-9.]+|-inf) dBFS", err)[-1])


def voice_offset_samples(mix: np.ndarray, voice: np.ndarray, expected: int, window: int) -> int:
    """Where `voice` sits in `mix` (mono, same rate), searched within ±window of expected."""
    lo = max(0, expected - window)
    hi = min(len(mix), expected + window + len(voice))
    seg = mix[lo:hi]
    n = 1 << int(np.ceil(np.log2(len(seg) + len(voice))))
    corr = np.fft.irfft(np.fft.rfft(seg, n) * np.conj(np.fft.rfft(voice, n)), n)[: len(seg) - len(voice) + 1]
    return lo + int(np.argmax(corr))


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.strip().splitlines()
        m = re.match(r"(\d+):(\d+):(\d+),(\d+) --> (\d+):(\d+):(\d+),(\d+)", lines[1])
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(x) for x in m.groups())
        cues.append((h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, " ".join(lines[2:])))
    return cues


def mp4_boxes(data: bytes, start: int, end: int, want: set[str], found: list[str]) -> None:
    """Append to `found` the name of every box named in `want` in data[start:end], descending into containers."""
    containers = {"moov", "trak", "mdia", "minf", "stbl", "edts", "udta", "moof", "traf"}
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8].decode("latin-1")
        head = 8
        if size == 1:
            size, head = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        if size < head:
            break
        if kind in want:
            found.append(kind)
        if kind in containers:
            mp4_boxes(data, pos + head, pos + size, want, found)
        pos += size
