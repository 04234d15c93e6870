"""Loudness met on the decoded AAC (runtime/media/encoded_loudness.py) and speech levelled before the
limiter (runtime/media/leveler.py). Checked with meters that are not vidc's own where it matters:
ffmpeg's ebur128 (loudness and true peak) on the encoded file."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from vidc.runtime.media import dsp, encoded_loudness, leveler, mixer

R = 44100


def _encode(y: np.ndarray, out: Path, bitrate: str = "128k") -> None:
    """The mix's encode (compiler/ffmpeg_args.py mix()): 16-bit PCM on stdin, AAC-LC at 48 kHz."""
    pcm = np.clip(np.rint(y * 32767.0), -32768, 32767).astype("<i2").tobytes()
    argv = ["ffmpeg", "-v", "error", "-y", "-f", "s16le", "-ar", str(R), "-ac", "2", "-i", "pipe:0"]
    argv += ["-c:a", "aac", "-aac_coder", "fast", "-profile:a", "aac_low", "-b:a", bitrate, "-ar", "48000"]
    subprocess.run([*argv, "-ac", "2", "-flags:a", "+bitexact", str(out)], input=pcm, check=True)


def _ebur128(path: Path) -> tuple[float, float]:
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    lufs = float(re.findall(r"I:\s+(-?[0-9.]+) LUFS", err)[-1])
    return lufs, float(re.findall(r"Peak:\s+(-?[0-9.]+|-inf) dBFS", err)[-1])


def _bright(seconds: float = 6.0) -> np.ndarray:
    """Square-wave bursts over noise: much of its K-weighted energy is above AAC's 128k low-pass."""
    t = np.arange(int(seconds * R)) / R
    x = 0.3 * np.sign(np.sin(2 * np.pi * 220 * t)) * (np.sin(2 * np.pi * 3 * t) > 0)
    x = x + 0.1 * np.random.default_rng(3).standard_normal(len(t))
    return np.stack([x, np.roll(x, 7)], axis=1)


def test_the_encode_moves_loudness_and_the_fit_brings_the_decoded_aac_back(tmp_path):
    x, out = _bright(), tmp_path / "mix.m4a"

    def render(target: float, ceiling: float) -> None:
        _encode(mixer.normalise(x, R, target, ceiling)[0], out)

    fit = encoded_loudness.fit_encoded(render, lambda: encoded_loudness.decode_aac(out), -14.0, -1.0, -1.5)
    first_lufs = fit.rounds[0][0]
    assert abs(first_lufs - -14.0) > 0.3  # the PCM met -14 LUFS; the AAC did not
    assert fit.ok and fit.encodes >= 2 and abs(fit.lufs - -14.0) <= encoded_loudness.LUFS_TOLERANCE
    lufs, tp = _ebur128(out)  # an independent meter on the file left behind
    assert abs(lufs - -14.0) <= 0.3 and tp <= -1.0


def test_an_overshooting_codec_lowers_the_pcm_ceiling_until_the_decoded_peak_holds():
    """A stand-in codec that adds 1.2 dB to every peak and 0.4 LU of loudness: the fit moves the PCM
    ceiling and target by what it reads back."""
    v = _speech(4.0)
    x = np.stack([v, v], axis=1)
    got: dict[str, np.ndarray] = {}

    def render(target: float, ceiling: float) -> None:
        y = mixer.normalise(x, R, target, ceiling)[0]
        top = np.abs(y) >= np.abs(y).max() * 0.98  # the loudest samples overshoot by a further 0.8 dB
        got["y"] = y * 10 ** (0.4 / 20) * np.where(top, 10 ** (0.8 / 20), 1.0)

    fit = encoded_loudness.fit_encoded(render, lambda: got["y"], -14.0, -1.0, -1.5)
    assert fit.rounds[0][1] > -1.0  # the first round broke the ceiling
    assert fit.ok and fit.true_peak_db <= -1.2 and fit.pcm_ceiling_db < -1.5
    assert abs(fit.lufs - -14.0) <= encoded_loudness.LUFS_TOLERANCE


def test_fast_true_peak_reads_what_the_full_meter_reads():
    x = _bright(3.0) * 0.5
    x[R + 17] = [0.9, -0.9]  # one sharp peak
    assert encoded_loudness.fast_true_peak_db(x) == pytest.approx(dsp.true_peak_db(x), abs=1e-9)
    # loud everywhere: every block is read, and a block's edge is never mistaken for a peak
    dense = 0.8 * np.sin(2 * np.pi * 997 * np.arange(3 * R) / R)[:, None] * np.ones((1, 2))
    assert encoded_loudness.fast_true_peak_db(dense) == pytest.approx(dsp.true_peak_db(dense), abs=1e-9)


def test_normalise_holds_the_ceiling_when_loudness_cannot_converge():
    """Sparse full-scale clicks over quiet noise: the limiter pulls the noise down with each click,
    so loudness grows slower than the gain and seven rounds do not reach the target; the ceiling
    must hold all the same (the limiter is drawn for the gain actually applied)."""
    n = 6 * R
    s = 0.05 * np.random.default_rng(3).standard_normal(n) + (np.arange(n) % 4410 == 0) * 0.9
    y, st = mixer.normalise(np.stack([s, s], axis=1), R, -14.0, -1.5)
    assert st["rounds"] == 7
    assert dsp.true_peak_db(y) <= -1.5 + 1e-3


def _speech(seconds: float = 8.0, seed: int = 1) -> np.ndarray:
    """Syllables of harmonic tones with a speech-like crest factor, plus a few sharp onsets."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * R)) / R
    x = sum(rng.uniform(0.2, 0.5) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) for f in (140, 280, 1100, 2400))
    syll = (np.sin(2 * np.pi * 3.5 * t) > 0.1) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t) ** 2)
    y = 0.1 * x * syll
    for k in rng.integers(0, len(t) - 400, 12):  # plosive-like onsets: short, 4x louder
        y[k : k + 300] *= 4.0
    return y


def test_levelling_leaves_the_limiter_a_few_db_on_loud_speech():
    v = _speech()
    spans = [(0, 0, len(v))]
    stereo = np.stack([v, v], axis=1)
    _, plain = mixer.normalise(stereo, R, -14.0, -1.5)
    lev, info = leveler.level_speech(v, R)
    _, after = mixer.normalise(np.stack([lev, lev], axis=1), R, -14.0, -1.5)
    before_stats = leveler.speech_reduction_stats(plain["limiter"], v, spans, R)
    after_stats = leveler.speech_reduction_stats(after["limiter"], v, spans, R)
    assert before_stats["max_db"] > 5.0  # without levelling the limiter did the work
    assert after_stats["max_db"] <= 3.0 and after_stats["share_3db"] == 0.0
    assert 0 < info["max_db"] <= leveler.LevelSettings().max_db
    assert np.array_equal(leveler.level_speech(v, R)[0], lev)  # deterministic


def test_levelling_leaves_quiet_even_speech_and_silence_alone():
    t = np.arange(2 * R) / R
    steady = 0.05 * np.sin(2 * np.pi * 200 * t)  # crest factor 3 dB: nothing above the threshold
    y, info = leveler.level_speech(steady, R)
    assert info["max_db"] == 0.0 and np.array_equal(y, steady)
    y, info = leveler.level_speech(np.zeros(R), R)
    assert info["max_db"] == 0.0 and not y.any()
