"""Sample-exact voice placement and exact frame/sample arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from vidc.runtime.media.timeline import frames_to_samples, ms_to_frames, parse_fps, place_voices, samples_to_frames
from vidc.runtime.media.wav import read_wav, write_wav


def test_frames_to_samples_exact():
    assert frames_to_samples(0, 24, 44100) == 0
    assert frames_to_samples(24, 24, 44100) == 44100
    assert frames_to_samples(1, 24, 44100) == 1838  # 1837.5 rounds half up
    assert frames_to_samples(1, 30, 48000) == 1600
    assert frames_to_samples(1, "30000/1001", 48000) == 1602  # 1601.6
    assert frames_to_samples(30000, "30000/1001", 48000) == 48048000
    assert parse_fps(29.97) == Fraction(30000, 1001) and parse_fps(25.0) == 25
    assert ms_to_frames(1001, 24) == 25 and ms_to_frames(1000, 24) == 24


@given(
    st.integers(0, 10**7),
    st.sampled_from([16, 24, 25, 30, 60, "24000/1001", "30000/1001"]),
    st.sampled_from([44100, 48000]),
)
@settings(max_examples=200, deadline=None)
def test_frames_samples_consistent(frames, fps, rate):
    s = frames_to_samples(frames, fps, rate)
    exact = Fraction(frames) * rate / parse_fps(fps)
    assert abs(s - exact) <= Fraction(1, 2)
    assert frames_to_samples(frames + 1, fps, rate) > s
    # the sample of a frame boundary falls in that frame (or is exactly its first sample)
    assert samples_to_frames(s, fps, rate) in (frames, frames - 1)


def test_place_voices_is_sample_exact(tmp_path):
    a = np.arange(1, 101, dtype=np.int16) * 10
    b = -(np.arange(1, 51, dtype=np.int16) * 7)
    write_wav(tmp_path / "a.wav", a, 44100)
    write_wav(tmp_path / "b.wav", b, 44100)
    res = place_voices([tmp_path / "a.wav", tmp_path / "b.wav"], [17, 1000], 1200, tmp_path / "t.wav")
    assert res["samples"] == 1200 and res["clips"] == [[17, 100], [1000, 50]]
    data, rate = read_wav(tmp_path / "t.wav")
    assert rate == 44100 and data.shape == (1200, 2)
    assert np.array_equal(data[17:117, 0], a) and np.array_equal(data[17:117, 1], a)
    assert np.array_equal(data[1000:1050, 0], b)
    mask = np.ones(1200, bool)
    mask[17:117] = False
    mask[1000:1050] = False
    assert not data[mask].any()
    # deterministic bytes
    place_voices([tmp_path / "a.wav", tmp_path / "b.wav"], [17, 1000], 1200, tmp_path / "t2.wav")
    assert (tmp_path / "t.wav").read_bytes() == (tmp_path / "t2.wav").read_bytes()


def test_place_voices_overlap_saturates_and_checks(tmp_path):
    loud = np.full(10, 30000, dtype=np.int16)
    write_wav(tmp_path / "l.wav", loud, 44100)
    place_voices([tmp_path / "l.wav", tmp_path / "l.wav"], [0, 5], 20, tmp_path / "o.wav")
    data, _ = read_wav(tmp_path / "o.wav")
    assert data[0, 0] == 30000 and data[7, 0] == 32767 and data[14, 0] == 30000
    write_wav(tmp_path / "r.wav", loud, 22050)
    with pytest.raises(ValueError, match="22050"):
        place_voices([tmp_path / "r.wav"], [0], 20, tmp_path / "x.wav")
    long = np.ones(2000, dtype=np.int16)
    write_wav(tmp_path / "long.wav", long, 44100)
    with pytest.raises(ValueError, match="after the timeline"):
        place_voices([tmp_path / "long.wav"], [0], 1000, tmp_path / "x.wav")
    # a few samples of rounding overhang are cut, not an error
    res = place_voices([tmp_path / "long.wav"], [0], 1990, tmp_path / "y.wav")
    assert res["cut_samples"] == 10 and read_wav(tmp_path / "y.wav")[0].shape == (1990, 2)
    assert not (tmp_path / "x.wav").exists()
