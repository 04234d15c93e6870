"""16-bit PCM WAV files with numpy, written atomically; durations measured by decoding.

Arrays are int16 shaped (samples,) for mono or (samples, channels) for multichannel. Float
arrays (range [-1, 1]) are accepted by `write_wav` and converted with rounding and clipping, so
the same input always gives the same bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

from vidc.compiler.units import frames_to_ms, samples_to_ms

from ..state.atomic import atomic_path  # re-exported: media writers use it
from .tools import run_captured, stream_tool

__all__ = [
    "WavInfo",
    "atomic_path",
    "read_wav",
    "write_wav",
    "wav_info",
    "to_int16",
    "samples_to_ms",
    "measure_duration_ms",
    "count_video_frames",
    "probe_media",
]


class WavInfo(tuple):
    """(sample_rate, channels, samples) of a WAV file, as read from its data chunk."""

    __slots__ = ()

    def __new__(cls, sample_rate: int, channels: int, samples: int):
        return super().__new__(cls, (sample_rate, channels, samples))

    @property
    def sample_rate(self) -> int:
        return self[0]

    @property
    def channels(self) -> int:
        return self[1]

    @property
    def samples(self) -> int:
        return self[2]


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float [-1, 1] (or any int) -> int16, rounding half away from zero and clipping."""
    a = np.asarray(audio)
    if a.dtype == np.int16:
        return a
    if np.issubdtype(a.dtype, np.integer):
        return np.clip(a, -32768, 32767).astype(np.int16)
    scaled = np.asarray(a, dtype=np.float64) * 32767.0
    return np.clip(np.rint(scaled), -32768, 32767).astype(np.int16)


def write_wav(path: str | os.PathLike[str], audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono (n,) or multichannel (n, ch) audio as 16-bit PCM WAV, atomically."""
    data = to_int16(audio)
    if data.ndim == 1:
        channels = 1
    elif data.ndim == 2:
        channels = data.shape[1]
    else:
        raise ValueError(f"audio must be 1-D or 2-D, got shape {data.shape}")
    if channels < 1:
        raise ValueError("audio has no channels")
    frames = np.ascontiguousarray(data).astype("<i2", copy=False).tobytes()
    path = Path(path)
    with atomic_path(path) as tmp:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(int(sample_rate))
            w.writeframes(frames)
    return path


def read_wav(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV: (int16 array (n,) for mono or (n, ch), sample_rate)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported (sample width {w.getsampwidth()})")
        ch = w.getnchannels()
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    data = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    usable = (len(data) // ch) * ch
    data = data[:usable]
    if ch > 1:
        data = data.reshape(-1, ch)
    return data, rate


def wav_info(path: str | os.PathLike[str]) -> WavInfo:
    """Sample rate, channels and the number of sample frames actually present in the data chunk.

    The count comes from the bytes read, not from the header's frame count (a header may lie)."""
    with wave.open(str(path), "rb") as w:
        ch, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
        total = 0
        while True:
            block = w.readframes(1 << 16)
            if not block:
                break
            total += len(block)
    return WavInfo(rate, ch, total // (ch * width))


def _run(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return run_captured(argv, what=argv[0])
    except FileNotFoundError as exc:  # depends on the machine
        raise RuntimeError(f"{argv[0]} is not installed: `apt-get install ffmpeg`") from exc


def probe_media(path: str | os.PathLike[str]) -> dict:
    """ffprobe's stream list for a file (codec_type, sample_rate, channels, r_frame_rate...)."""
    proc = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=index,codec_type,codec_name,sample_rate,channels,r_frame_rate,avg_frame_rate,width,height",
            "-of",
            "json",
            str(path),
        ]
    )
    if proc.returncode != 0:
        raise ValueError(f"{path}: ffprobe failed: {proc.stderr.decode(errors='replace').strip()[-400:]}")
    return json.loads(proc.stdout.decode() or "{}")


def _decode_audio_samples(path: Path, rate: int) -> int:
    """Decode the first audio stream to mono s16le at its own rate and count the samples."""
    argv = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(rate),
        "-f",
        "s16le",
        "-",
    ]
    counted: list[int] = []
    try:
        code, err = stream_tool(argv, lambda block: counted.append(len(block)), what="ffmpeg (decode audio)")
    except FileNotFoundError as exc:
        raise RuntimeError("ffmpeg is not installed: `apt-get install ffmpeg`") from exc
    total = sum(counted)
    if code != 0:
        raise ValueError(f"{path}: ffmpeg could not decode audio: {err.decode(errors='replace').strip()[-400:]}")
    return total // 2


def count_video_frames(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(frames, ms) of a file's first video stream: its packets counted (one per frame), the
    length from the count and the stream's frame rate, ms rounded half up."""
    frames, fr = _count_video_frames(Path(path))
    num, _, den = fr.partition("/")
    num_i, den_i = int(num or 0), int(den or 1)
    if num_i <= 0 or den_i <= 0:
        raise ValueError(f"{path}: unknown frame rate {fr!r}")
    return frames, frames_to_ms(frames, Fraction(num_i, den_i))


def _count_video_frames(path: Path) -> tuple[int, str]:
    # Count the stream's packets (one per frame for our codecs): read from the stream itself, not
    # from the header, but without decoding every 1080p frame.
    proc = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_packets",
            "-show_entries",
            "stream=nb_read_packets,r_frame_rate,avg_frame_rate",
            "-of",
            "json",
            str(path),
        ]
    )
    if proc.returncode != 0:
        raise ValueError(f"{path}: ffprobe failed: {proc.stderr.decode(errors='replace').strip()[-400:]}")
    streams = json.loads(proc.stdout.decode() or "{}").get("streams", [])
    if not streams:
        raise ValueError(f"{path}: no video stream")
    s = streams[0]
    rate = s.get("avg_frame_rate") or s.get("r_frame_rate") or "0/0"
    if rate in ("0/0", "0"):
        rate = s.get("r_frame_rate", "0/0")
    return int(s.get("nb_read_packets") or 0), rate


def measure_duration_ms(path: str | os.PathLike[str], *, stream: str = "auto") -> int:
    """Duration in integer ms measured by decoding, never by trusting a header.

    A WAV file's samples are counted directly. Other files are decoded with ffmpeg: with
    stream="audio" (or "auto" when the file has audio) the first audio stream is decoded to PCM at
    its own sample rate and its samples counted; with stream="video" (or "auto" for a file with no
    audio) ffprobe counts the decoded frames of the first video stream (`-count_frames`) and divides
    by its frame rate.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if stream not in ("auto", "audio", "video"):
        raise ValueError("stream must be auto, audio or video")
    if stream in ("auto", "audio") and path.suffix.lower() in (".wav", ".wave"):
        try:
            info = wav_info(path)
        except (wave.Error, EOFError):
            info = None  # not a PCM WAV (float, extensible...): fall back to ffmpeg
        if info is not None:
            return samples_to_ms(info.samples, info.sample_rate)
    streams = probe_media(path).get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [s for s in streams if s.get("codec_type") == "video"]
    use_audio = stream == "audio" or (stream == "auto" and audio)
    if use_audio:
        if not audio:
            raise ValueError(f"{path}: no audio stream")
        rate = int(audio[0].get("sample_rate") or 44100)
        return samples_to_ms(_decode_audio_samples(path, rate), rate)
    if not video:
        raise ValueError(f"{path}: no audio or video stream")
    return count_video_frames(path)[1]
