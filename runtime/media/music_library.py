"""vidc's built-in music library: CC0 background tracks that vidc synthesises itself.

Nothing is downloaded: each track is a recipe (key, chord progression, tempo, instruments, drum
patterns, a melodic motif, an arrangement) rendered by a small deterministic synthesiser
(`synth.py`, numpy only, fixed seeds), so the same version of vidc always writes byte-identical
WAV files. The tracks are dedicated to the public domain (CC0-1.0).

Every track has an intro (sparse), a build, main sections, a breakdown, an outro and a final held
tonic chord that rings out; it is mixed with reverb, normalised to a -6 dBFS peak and written as
44.1 kHz stereo 16-bit WAV, at least 110 s long (a 90 s video plus a fade tail).

    CATALOG                             list[TrackInfo]
    render_track(track_id, out_wav, seconds=None) -> dict
    ensure_track(track_id, cache_dir) -> Path       cache_dir/music/<id>-v<N>.wav, rendered once
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..state.atomic import write_text
from ..state.confine import Refused, read_text
from ..state.store import file_sha256
from .music_catalog import CATALOG, SOURCE, SR, SYNTH_VERSION, TrackInfo, get_track, loop_region
from .music_render import render_audio
from .wav import write_wav

__all__ = [
    "TrackInfo",
    "CATALOG",
    "SYNTH_VERSION",
    "SOURCE",
    "render_track",
    "render_audio",
    "ensure_track",
    "get_track",
    "track_path",
    "loop_region",
]


def render_track(track_id: str, out_wav: str | os.PathLike[str], *, seconds: float | None = None) -> dict[str, Any]:
    """Render a built-in track to a 44.1 kHz stereo 16-bit WAV (atomically).

    Returns {"id", "samples", "sample_rate": 44100, "channels": 2, "duration_ms", "peak_dbfs"}.
    """
    audio = render_audio(track_id, seconds)
    write_wav(out_wav, audio, SR)
    peak = float(np.max(np.abs(audio))) or 1e-9
    return {
        "id": track_id,
        "samples": int(audio.shape[0]),
        "sample_rate": SR,
        "channels": 2,
        "duration_ms": int((2 * audio.shape[0] * 1000 + SR) // (2 * SR)),
        "peak_dbfs": round(20 * math.log10(peak), 2),
    }


def track_path(track_id: str, cache_dir: str | os.PathLike[str]) -> Path:
    get_track(track_id)
    return Path(cache_dir) / "music" / f"{track_id}-v{SYNTH_VERSION}.wav"


_ENSURE_LOCK = threading.Lock()


def ensure_track(track_id: str, cache_dir: str | os.PathLike[str]) -> Path:
    """The rendered track in cache_dir/music/<id>-v<N>.wav, rendering it once (atomic write).

    Two processes racing here both render identical bytes and os.replace is atomic, so a reader
    never sees a partial file."""
    path = track_path(track_id, cache_dir)
    with _ENSURE_LOCK:
        if not _cached_ok(path):  # missing, or damaged since it was rendered: render it again
            render_track(track_id, path)
            write_text(_record(path), f"{path.stat().st_size} {file_sha256(path)}\n")
    return path


def _record(path: Path) -> Path:
    """Where the size and hash of a rendered track are kept (beside the music folder, not in it)."""
    folder = path.parent.parent / "music.index"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (path.name + ".sha256")


def _cached_ok(path: Path) -> bool:
    """The cached track is checked against the size and hash recorded when it was rendered."""
    try:  # the record read as a regular file, never blocking (a FIFO planted there is no record)
        size, digest = read_text(_record(path), 4096, "music record").split()
        return (
            path.is_file()
            and not path.is_symlink()
            and path.stat().st_size == int(size)
            and file_sha256(path) == digest
        )
    except (OSError, ValueError, Refused):
        return False
