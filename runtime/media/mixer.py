"""The audio mix, in-process on PCM: voices on one sample-exact timeline, the music bed ducked by an
envelope drawn from the voice timeline, a fade that ends at silence, then one linear loudness gain
and a true-peak-safe limiter. The caller encodes the result to AAC once.

Numbers you can state:

- Ducking: where anyone speaks the music is exactly `duck_db` below its bed level (`volume` times
  the track); the envelope is computed from the measured word timings, not by a compressor that
  reacts to each syllable. Inside a scene it holds across every pause; between scenes it releases
  only when the gap leaves room for the ramps and a little open bed (`duck_gap_ms`), otherwise it
  holds too. It reaches full depth `duck_attack_ms` after it starts to fall, at the first word,
  and starts to rise `duck_hold_ms` after the last word, over `duck_release_ms`. The ramps are
  raised cosines in dB.
- Fades: the music fades in over min(1.5 s, 10 % of the video) and out over
  min(fade_out_seconds, 25 % of the video), the fade ending at gain 0 (silence), on the last beat
  at or before the end of the video when the track's BPM is known (silence after it).
- Loudness: integrated loudness is measured (BS.1770-4: pyloudnorm's K-weighting filters, computed
  here without scipy) at the voices' 44.1 kHz, one linear gain is applied, and a look-ahead limiter on the 4x-oversampled peaks holds the true peak at the ceiling
  minus `tp_margin_db` (AAC encoding adds overshoot; the mix task then checks the decoded AAC,
  media/encoded_loudness.py). Offline, the
  look-ahead needs no delay line, so there is no latency to compensate; the limiter lowers the
  loudness a little, so the gain is re-measured and corrected (at most a few rounds) until the
  result is within 0.05 LU of the target.
- Rate: everything runs at the input rate (44.1 kHz); the one AAC encode resamples to 48 kHz
  (ffmpeg's resampler, band-limited: a true peak is a property of the band-limited signal, so the
  limiter's 4x-oversampled reading at 44.1 kHz holds at 48 kHz too; tests/unit/test_media_mix.py
  and bench/mix_audio.py check it with ffmpeg's ebur128 and pyloudnorm at 48 kHz).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import dsp

__all__ = [
    "DuckSettings",
    "speech_spans",
    "duck_curve_db",
    "fade_curve",
    "premix",
    "mix_audio",
    "normalise",
    "MixResult",
]


@dataclass(frozen=True)
class DuckSettings:
    duck_db: float = 10.0
    attack_ms: int = 250
    hold_ms: int = 300
    release_ms: int = 700
    gap_ms: int = 1500  # between scenes the bed opens only when the silence is at least this long


def speech_spans(scenes: Sequence[tuple[int, int, Sequence[Sequence]]], rate: int) -> list[tuple[int, int, int]]:
    """Per scene (start_sample, clip_samples, words[[w, start_ms, end_ms], ...]) -> the spoken span
    of each scene as (scene, first_sample, last_sample) on the timeline. A scene without word
    timings counts as spoken over its whole clip; a scene with no clip is skipped."""
    spans = []
    for k, (start, n, words) in enumerate(scenes):
        if n <= 0:
            continue
        timed = [(int(w[1]), int(w[2])) for w in words or [] if int(w[2]) > int(w[1])]
        if timed:
            a = start + int(round(min(s for s, _ in timed) * rate / 1000))
            b = start + int(round(max(e for _, e in timed) * rate / 1000))
        else:
            a, b = start, start + n
        spans.append((k, a, min(b, start + n)))
    return spans


def _ramp(n: int) -> np.ndarray:
    """0 -> 1 over n samples, raised cosine (no corner at either end)."""
    if n <= 0:
        return np.zeros(0)
    return 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)


def duck_curve_db(total: int, spans: Sequence[tuple[int, int, int]], d: DuckSettings, rate: int) -> np.ndarray:
    """Music gain in dB per sample: 0 where nobody speaks, -duck_db under speech (exactly), ramps
    between. Spans of consecutive scenes merge when the silence between them is shorter than
    `gap_ms` (the bed would only bob up and down)."""
    curve = np.zeros(total)
    if d.duck_db <= 0 or not spans:
        return curve
    merged: list[list[int]] = []
    gap = d.gap_ms * rate // 1000
    for _, a, b in sorted(spans, key=lambda s: s[1]):
        if merged and a - merged[-1][1] < gap:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    att, hold, rel = (d.attack_ms * rate // 1000, d.hold_ms * rate // 1000, d.release_ms * rate // 1000)
    depth = np.zeros(total)  # 0..1, how far down
    for a, b in merged:
        lo, hi = max(0, a), min(total, b + hold)
        depth[lo:hi] = 1.0
        r = _ramp(att)  # reaches full depth at the first word
        s = a - att
        seg = slice(max(0, s), max(0, min(total, a)))
        if seg.stop > seg.start:
            depth[seg] = np.maximum(depth[seg], r[seg.start - s : seg.stop - s])
        r = _ramp(rel)[::-1]
        s = hi
        seg = slice(min(total, s), min(total, s + rel))
        if seg.stop > seg.start:
            depth[seg] = np.maximum(depth[seg], r[: seg.stop - seg.start])
    return -d.duck_db * depth


def fade_curve(total: int, rate: int, fade_in_s: float, fade_out_s: float, end: int | None = None) -> np.ndarray:
    """Amplitude 0..1: a raised-cosine fade-in from 0, a raised-cosine fade-out that reaches exactly
    0 at sample `end` (default: the last sample) and stays 0 after it."""
    g = np.ones(total)
    end = total if end is None else max(0, min(int(end), total))
    fi = min(int(fade_in_s * rate), total)
    g[:fi] = _ramp(fi) if fi else g[:0]
    fo = min(int(fade_out_s * rate), end)
    if fo > 0:
        down = _ramp(fo)[::-1] * (np.arange(fo) < fo - 1)  # the last sample of the fade is 0
        g[end - fo : end] *= down
    g[end:] = 0.0
    return g


def fade_lengths(total_s: float, fade_out_seconds: float) -> tuple[float, float]:
    """(fade-in, fade-out) seconds scaled to the video: 8 s -> (0.8, 2.0); 60 s -> (1.5, 6.0)."""
    return min(1.5, 0.1 * total_s), min(float(fade_out_seconds), 0.25 * total_s)


def beat_end(total: int, rate: int, bpm: float | None) -> int:
    """The last beat at or before the end of the timeline (the music's beat 0 is at sample 0)."""
    if not bpm or bpm <= 0:
        return total
    beat = 60.0 * rate / float(bpm)
    last = math.floor(total / beat) * beat
    return total if total - last < 0.01 * rate else int(round(last))


@dataclass
class MixResult:
    audio: np.ndarray  # float (n, 2) at the input rate, normalised
    lufs_before: float
    lufs: float
    true_peak_db: float
    gain_db: float
    limited_db: float  # the deepest gain reduction of the limiter
    rounds: int
    music_end_sample: int = 0
    stats: dict = field(default_factory=dict)


def normalise(x: np.ndarray, rate: int, target_lufs: float, ceiling_db: float) -> tuple[np.ndarray, dict]:
    """One linear gain to `target_lufs`, then the true-peak limiter at `ceiling_db` (dBTP).
    The peaks are measured once (they scale with the gain) and the signal K-weighted once; each
    round re-measures the loudness after limiting from the K-weighted signal times the gain curve
    (the limiter's gain moves over milliseconds, the loudness blocks are 400 ms) and corrects the
    gain (secant steps) until within 0.05 LU. (The tests and the bench check the result with
    pyloudnorm and ffmpeg's ebur128.)"""
    kx = dsp.k_weighted(x, rate)
    kx = (kx * kx).sum(axis=1)  # the K-weighted energy per sample: the gain scales it
    before = dsp.gated_lufs(kx, rate)
    if not np.isfinite(before):
        return x.copy(), {
            "lufs_before": before,
            "lufs": before,
            "gain_db": 0.0,
            "limited_db": 0.0,
            "rounds": 0,
            "true_peak_db": float("-inf"),
            "limiter": np.ones(len(x)),
        }
    peaks_db = 20 * np.log10(np.maximum(dsp.peak_envelope(x), 1e-12))
    ceiling = 10 ** (ceiling_db / 20)
    gain_db = target_lufs - before
    rounds, lim, after = 0, np.ones(len(x)), before
    prev: tuple[float, float] | None = None
    for rounds in range(1, 8):  # the last round is reported after the loop
        lim = dsp.limiter_gain(None, ceiling, rate, peaks_db=peaks_db, gain_db=gain_db)  # type: ignore[arg-type]
        after = dsp.gated_lufs(kx, rate, 10 ** (gain_db / 20) * lim)
        if abs(after - target_lufs) <= 0.05 or rounds == 7:
            break  # (the last round keeps the limiter drawn for its own gain: the ceiling always holds)
        # secant step: the limiter takes back part of each extra dB, so loudness grows slower than gain
        slope = 1.0
        if prev is not None and abs(gain_db - prev[0]) > 1e-6:
            slope = min(max((after - prev[1]) / (gain_db - prev[0]), 0.1), 1.0)
        prev = (gain_db, after)
        gain_db += (target_lufs - after) / slope
    g = 10 ** (gain_db / 20) * lim
    y = x * g[:, None]
    tp = float((peaks_db + 20 * np.log10(np.maximum(g, 1e-12))).max())  # the limiter's own true-peak reading
    return y, {
        "lufs_before": before,
        "lufs": after,
        "gain_db": gain_db,
        "limited_db": float(20 * np.log10(max(lim.min(), 1e-9))),
        "rounds": rounds,
        "true_peak_db": tp,
        "limiter": lim,
    }


def premix(
    voice: np.ndarray,
    music: np.ndarray | None,
    rate: int,
    *,
    spans: Sequence[tuple[int, int, int]],
    volume: float,
    duck: DuckSettings,
    fade_out_seconds: float,
    bpm: float | None,
) -> tuple[np.ndarray, int]:
    """The voices and the ducked, faded bed summed, before loudness: ((n, 2) float at `rate`, the
    sample where the music ends). voice: (n,) or (n, 2); music: (m, 2), at least n long, or None."""
    n = voice.shape[0]
    v = voice[:, None] * np.ones((1, 2)) if voice.ndim == 1 else voice
    bed = np.zeros((n, 2))
    end = n
    if music is not None and n:
        m = music[:n]
        if m.shape[0] < n:
            raise ValueError(f"the music is {m.shape[0]} samples, the video {n}: the music task must cover it")
        fi, fo = fade_lengths(n / rate, fade_out_seconds)
        end = beat_end(n, rate, bpm)
        gain = volume * 10 ** (duck_curve_db(n, spans, duck, rate) / 20) * fade_curve(n, rate, fi, fo, end)
        bed = m * gain[:, None]
    return v + bed, end


def mix_audio(
    voice: np.ndarray,
    music: np.ndarray | None,
    rate: int,
    *,
    spans: Sequence[tuple[int, int, int]],
    volume: float,
    duck: DuckSettings,
    fade_out_seconds: float,
    bpm: float | None,
    target_lufs: float,
    true_peak_db: float,
    tp_margin_db: float = 0.5,
) -> MixResult:
    """voice: (n,) or (n, 2) float timeline at `rate`; music: (m, 2) float, at least n long (the
    music task loops it to cover the video), or None. Returns the normalised stereo mix at `rate`
    (the AAC encode resamples it to 48 kHz)."""
    mixed, end = premix(
        voice, music, rate, spans=spans, volume=volume, duck=duck, fade_out_seconds=fade_out_seconds, bpm=bpm
    )
    y, st = normalise(mixed, rate, target_lufs, true_peak_db - tp_margin_db)
    return MixResult(
        audio=y,
        lufs_before=st["lufs_before"],
        lufs=st["lufs"],
        true_peak_db=st["true_peak_db"],
        gain_db=st["gain_db"],
        limited_db=st["limited_db"],
        rounds=st["rounds"],
        music_end_sample=end,
    )
