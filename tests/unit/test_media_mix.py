"""The in-process mix: a ducking envelope from the voice timeline, fades that end at silence,
linear loudness normalisation with a true-peak limiter, seamless music loops. Checked with meters
that are not the mixer's own (pyloudnorm directly, scipy's 16x oversampling for true peak)."""

from __future__ import annotations

import subprocess

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from vidc.runtime.media import dsp, mixer
from vidc.runtime.media.music_select import extend_track, loop_points

R = 44100


def _db(x):
    return 20 * np.log10(np.maximum(np.abs(x), 1e-12))


def test_duck_is_exact_under_speech_holds_inside_a_scene_and_ramps_between_scenes():
    d = mixer.DuckSettings(duck_db=10.0, attack_ms=250, hold_ms=300, release_ms=700, gap_ms=1500)
    # scene 1: words 0.5-1.0 and 3.0-4.0 s (a 2 s pause inside); scene 2 starts at 10 s
    scenes = [(0, 8 * R, [["a", 500, 1000], ["b", 3000, 4000]]), (10 * R, 5 * R, [["c", 200, 2000]])]
    spans = mixer.speech_spans(scenes, R)
    assert spans == [(0, R // 2, 4 * R), (1, 10 * R + R // 5, 12 * R)]
    c = mixer.duck_curve_db(15 * R, spans, d, R)
    assert c[R // 2] == -10.0 and c[2 * R] == -10.0 and c[4 * R] == -10.0  # held across the pause
    assert c[int(4.3 * R) - 1] == -10.0 and -10.0 < c[int(4.5 * R)] < 0.0  # hold, then release
    assert c[6 * R] == 0.0 and c[0] > -10.0  # the bed between scenes; the attack starts before
    assert c[10 * R + R // 5] == -10.0 and np.all(np.abs(np.diff(c)) < 0.01)  # ramps, never a step
    # scenes closer than gap_ms: the music stays down between them
    near = mixer.duck_curve_db(15 * R, [(0, 0, 4 * R), (1, 5 * R, 6 * R)], d, R)
    assert np.all(near[0 : 6 * R] == -10.0)


@pytest.mark.parametrize("seconds,fade_in,fade_out", [(8.0, 0.8, 2.0), (10.0, 1.0, 2.5), (60.0, 1.5, 6.0)])
def test_fades_scale_with_the_video_and_end_at_silence(seconds, fade_in, fade_out):
    assert mixer.fade_lengths(seconds, 6.0) == pytest.approx((fade_in, fade_out))
    n = int(seconds * R)
    g = mixer.fade_curve(n, R, fade_in, fade_out)
    assert g[0] < 1e-4 and g[-1] == 0.0 and g[n // 2] == 1.0
    assert g[n - int(fade_out * R) - 1] == 1.0 and 0 < g[n - int(fade_out * R / 2)] < 1
    end = mixer.beat_end(n, R, 120.0)  # on a beat (0.5 s grid)
    assert end % (R // 2) == 0 and n - end < R // 2
    g = mixer.fade_curve(n, R, fade_in, fade_out, end)
    assert g[end - 1] == 0.0 and not g[end:].any() and g[end - int(fade_out * R) - 1] == 1.0


def _speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    """Bursts of harmonic tones with sharp peaks: a crest factor like speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * R)) / R
    x = np.zeros_like(t)
    for f in (140, 280, 420, 1100, 2400):
        x += rng.uniform(0.2, 0.5) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6))
    syll = (np.sin(2 * np.pi * 4 * t) > 0.2).astype(float)
    clicks = np.zeros_like(t)
    clicks[rng.integers(0, len(t), 40)] = 1.0
    return 0.25 * x * syll + 0.9 * clicks


def test_loudness_is_linear_to_target_and_true_peak_is_held():
    voice = _speechlike(12.0)
    rng = np.random.default_rng(2)
    music = 0.05 * rng.standard_normal((len(voice), 2))
    spans = [(0, 0, len(voice))]
    for target, ceiling in ((-14.0, -1.0), (-23.0, -2.0), (-16.0, -1.0)):
        res = mixer.mix_audio(
            voice,
            music,
            R,
            spans=spans,
            volume=0.35,
            duck=mixer.DuckSettings(),
            fade_out_seconds=6,
            bpm=None,
            target_lufs=target,
            true_peak_db=ceiling,
        )
        assert res.audio.shape == (len(voice), 2)  # at the voices' rate: the AAC encode resamples it
        y = _as_encoded(res.audio)  # 16-bit PCM resampled to 48 kHz by ffmpeg, as the mix's encode does
        lufs = pyloudnorm.Meter(48000).integrated_loudness(y)
        tp = 20 * np.log10(np.abs(resample_poly(y, 16, 1, axis=0)).max())
        assert abs(lufs - target) <= 0.1, (target, lufs)
        # the limiter aims 0.5 dB under the ceiling (room for the AAC encode); single-sample clicks are
        # the worst case of a 4x true-peak estimate, and a 16x meter still finds them under the ceiling
        assert tp <= ceiling - 0.1, (ceiling, tp)
    assert res.limited_db < 0  # the clicks needed the limiter


def _as_encoded(x: np.ndarray) -> np.ndarray:
    """The mix's PCM as its AAC encode sees it: 16-bit, resampled 44.1 -> 48 kHz by ffmpeg."""
    pcm = np.clip(np.rint(x * 32767.0), -32768, 32767).astype("<i2").tobytes()
    out = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "s16le",
            "-ar",
            str(R),
            "-ac",
            "2",
            "-i",
            "pipe:0",
            "-ar",
            "48000",
            "-f",
            "f64le",
            "pipe:1",
        ],
        input=pcm,
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, "<f8").reshape(-1, 2)


def test_k_weighting_matches_pyloudnorm_and_lfilter():
    from scipy.signal import lfilter

    rng = np.random.default_rng(5)
    for rate in (44100, 48000):
        x = 0.3 * rng.standard_normal((3 * rate, 2))
        x[: rate // 2] = 0.0
        x[rate] = 1.0  # an impulse: the filters' whole response
        ref = x
        for b, a in ((f.b, f.a) for f in pyloudnorm.Meter(rate)._filters.values()):
            ref = lfilter(b, a, ref, axis=0)
        assert np.abs(dsp.k_weighted(x, rate) - ref).max() < 1e-9
        assert dsp.gated_lufs(dsp.k_weighted(x, rate), rate) == pytest.approx(
            pyloudnorm.Meter(rate).integrated_loudness(x), abs=1e-6
        )
    assert [dsp.fft_size(n) for n in (1, 5, 7, 100, 1000, 44100)] == [1, 6, 8, 108, 1024, 46656]


def test_limiter_gain_never_lets_a_peak_through():
    rng = np.random.default_rng(3)
    peaks = np.abs(rng.standard_normal(48000)) ** 3
    g = dsp.limiter_gain(peaks, 0.5, 48000)
    assert np.all(peaks * g <= 0.5 + 1e-12) and g.max() <= 1.0
    assert np.all(np.abs(np.diff(g)) < 0.05)  # smooth


def test_true_peak_sees_intersample_peaks():
    t = np.arange(48000) / 48000
    x = np.sin(2 * np.pi * 12000 * t + np.pi / 4)  # samples at +-0.707, the wave reaches 1
    assert _db(np.abs(x).max()) == pytest.approx(-3.01, abs=0.01)
    assert dsp.true_peak_db(x) == pytest.approx(0.0, abs=0.2)


def test_music_loop_is_seamless_and_bar_aligned():
    bpm = 120.0
    n = 20 * R
    t = np.arange(n) / R
    x = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t)], axis=1) * 0.5
    s, e, xf = loop_points(n, R, bpm)
    bar = 2 * R
    assert s % bar == 0 and (e - s) % (4 * bar) == 0 and xf == R // 2
    y, repeats = extend_track(x, 95 * R, s, e, xf)
    assert len(y) >= 95 * R and repeats >= 1
    assert np.array_equal(y[: e - xf // 2], x[: e - xf // 2])  # the original up to the first join
    assert np.allclose(y[-(n - s - xf // 2) :], x[s + xf // 2 :])  # ends with the track's own ending
    # 220 Hz has whole periods in a bar: the joins are continuous (no click), and an equal-power
    # crossfade of two identical signals rises by at most 3 dB and never dips
    assert np.abs(np.diff(y[:, 0])).max() <= np.abs(np.diff(x[:, 0])).max() * 1.415
    k = len(y) // (R // 10) * (R // 10)
    rms = np.sqrt((y[:k, 0].reshape(-1, R // 10) ** 2).mean(axis=1))
    assert rms[1:].min() > 0.5 / np.sqrt(2) * 0.99 and rms.max() < 0.5 * 1.0001


def test_builtin_track_covers_170_seconds(tmp_path):
    from vidc.runtime.media import music_library

    track = music_library.CATALOG[0]
    s, e, xf = music_library.loop_region(track.id)
    n = int(track.duration_s * R)
    x = np.zeros((n, 2))
    y, repeats = extend_track(x, int(185 * R), s, e, xf)
    assert len(y) >= 185 * R and repeats >= 1
