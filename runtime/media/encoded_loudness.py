"""Loudness and true peak met on what a platform decodes: the mix's AAC, decoded, measured, and the
PCM corrected and encoded again when the encode moved it.

The mix normalises PCM (mixer.normalise: one gain and a true-peak limiter). AAC is lossy: its
quantisation noise adds inter-sample overshoot (most on heavily limited, dense material and at low
bitrates), and its low-pass removes energy the K-weighting counts. So after each encode the AAC is
decoded at 48 kHz (what a player or a platform's loudness meter sees), its integrated loudness
(BS.1770-4, gated) and true peak (4x oversampled) are measured, and if either misses, the PCM
normaliser's target and ceiling are moved by the measured error and the mix is encoded again
(at most `ROUNDS` encodes). The export joins this AAC by stream copy, so these figures are the
final MP4's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import dsp
from .tools import run_tool

__all__ = ["Fit", "decode_aac", "measure", "fit_encoded", "ROUNDS", "LUFS_TOLERANCE", "TP_HEADROOM"]

RATE = 48000
ROUNDS = 4
LUFS_TOLERANCE = 0.2  # LU either side of the target, as read on the decoded AAC
TP_HEADROOM = 0.2  # dB the decoded AAC's true peak stays under the ceiling (other meters read ~0.1 dB higher)


def decode_aac(path: Path, ffmpeg: str = "ffmpeg") -> np.ndarray:
    """The AAC's samples as a player decodes them: float (n, 2) at 48 kHz."""
    argv = [ffmpeg, "-nostdin", "-v", "error", "-i", str(path), "-vn", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"]
    raw = run_tool(argv, what="ffmpeg (decode the mix's AAC)").stdout
    return np.frombuffer(raw, dtype="<f4").reshape(-1, 2).astype(np.float64)


def fast_true_peak_db(x: np.ndarray, block: int = 4096) -> float:
    """dsp.true_peak_db, computed only where it can be highest: blocks whose sample peak is within
    6 dB of the loudest sample (a band-limited signal's inter-sample peak is never that far above
    its samples), each with a margin for the interpolator's reach."""
    if x.size == 0:
        return float("-inf")
    x2 = x if x.ndim == 2 else x[:, None]
    n = x2.shape[0]
    nb = -(-n // block)
    peaks = (
        np.abs(np.concatenate([x2, np.zeros((nb * block - n, x2.shape[1]))])).reshape(nb, block, -1).max(axis=(1, 2))
    )
    top = float(peaks.max())
    if top <= 0:
        return float("-inf")
    best, pad = 0.0, 64  # the interpolator reaches 24 samples: read a margin, keep only the block
    for b in (int(i) for i in np.flatnonzero(peaks >= top * 10 ** (-6 / 20))):
        lo, hi = max(0, b * block - pad), min(n, (b + 1) * block + pad)
        env = dsp.peak_envelope(x2[lo:hi])
        best = max(best, float(env[b * block - lo : min(n, (b + 1) * block) - lo].max()))
    return 20.0 * np.log10(best) if best > 0 else float("-inf")


def measure(x: np.ndarray, rate: int = RATE) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of float audio (n, channels)."""
    return dsp.gated_lufs(dsp.k_weighted(x, rate), rate), fast_true_peak_db(x)


@dataclass
class Fit:
    lufs: float  # read on the decoded AAC
    true_peak_db: float
    encodes: int
    pcm_target_lufs: float  # what the PCM normaliser aimed at in the last encode
    pcm_ceiling_db: float
    ok: bool
    rounds: list[tuple[float, float]] = field(default_factory=list)


def _miss(lufs: float, tp: float, target_lufs: float, ceiling_db: float) -> float:
    """How far a reading is outside the tolerances (0: within both)."""
    return max(abs(lufs - target_lufs) - LUFS_TOLERANCE, 0.0) + max(tp - (ceiling_db - TP_HEADROOM), 0.0)


def fit_encoded(
    render: Callable[[float, float], None],
    read_back: Callable[[], np.ndarray],
    target_lufs: float,
    ceiling_db: float,
    pcm_ceiling_db: float,
) -> Fit:
    """render(pcm_target_lufs, pcm_ceiling_db) normalises the mix and encodes it; read_back() decodes
    the encode. Repeat, moving the PCM target by the loudness error (a secant step once two rounds
    are known, at most 3 LU a step) and the PCM ceiling down by any overshoot, until the decoded
    AAC is within LUFS_TOLERANCE of `target_lufs` and TP_HEADROOM under `ceiling_db`, or ROUNDS
    encodes; then the best round is the one left encoded. Deterministic: the same mix takes the
    same steps."""
    pcm_target, pcm_ceiling = target_lufs, pcm_ceiling_db
    tried: list[tuple[float, float, float, float]] = []  # (pcm target, pcm ceiling, lufs, tp)
    for _ in range(ROUNDS):
        render(pcm_target, pcm_ceiling)
        lufs, tp = measure(read_back())
        tried.append((pcm_target, pcm_ceiling, lufs, tp))
        if not np.isfinite(lufs) or _miss(lufs, tp, target_lufs, ceiling_db) == 0.0:
            return _fit(tried, len(tried) - 1, len(tried), True)
        slope = 1.0
        if len(tried) > 1 and abs(tried[-1][0] - tried[-2][0]) > 1e-6:
            slope = min(max((tried[-1][2] - tried[-2][2]) / (tried[-1][0] - tried[-2][0]), 0.3), 1.5)
        step = max(-3.0, min(3.0, (target_lufs - lufs) / slope))
        pcm_target = pcm_target + step
        if tp > ceiling_db - TP_HEADROOM:  # aim the next round's peaks a tenth of a dB deeper than asked
            pcm_ceiling -= tp - (ceiling_db - TP_HEADROOM - 0.1)
    best = min(range(len(tried)), key=lambda k: _miss(tried[k][2], tried[k][3], target_lufs, ceiling_db))
    encodes = len(tried)
    if best != len(tried) - 1:  # leave the best round's encode in place (the same inputs, the same bytes)
        render(tried[best][0], tried[best][1])
        encodes += 1
    return _fit(tried, best, encodes, False)


def _fit(tried: list[tuple[float, float, float, float]], best: int, encodes: int, ok: bool) -> Fit:
    pcm_target, pcm_ceiling, lufs, tp = tried[best]
    rounds = [(round(float(r[2]), 2), round(float(r[3]), 2)) for r in tried]
    return Fit(float(lufs), float(tp), encodes, pcm_target, pcm_ceiling, ok, rounds)
