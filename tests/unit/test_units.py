"""compiler/units.py: the one home of samples <-> ms <-> frames, each rounding chosen once and
checked against the integer formulas the copies used before."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from vidc.compiler import refs, units
from vidc.runtime.media import timeline, wav


def test_the_old_homes_use_the_one_module():
    assert refs.frames_for_ms is units.frames_for_ms
    assert wav.samples_to_ms is units.samples_to_ms and timeline.samples_to_ms is units.samples_to_ms
    assert timeline.frames_to_samples is units.frames_to_samples and timeline.ms_to_frames is units.ms_to_frames


def test_roundings():
    assert units.frames_for_ms(1001, 24) == 25 and units.frames_for_ms(1000, 24) == 24  # up: covers the voice
    assert units.ms_to_frames(1020, 24, ceil=False) == 24 and units.ms_to_frames(1021, 24, ceil=False) == 25
    assert units.samples_to_ms(22050, 44100) == 500 and units.samples_to_ms(22, 44100) == 0  # half up
    assert units.samples_to_ms(23, 44100) == 1  # 0.52 ms
    assert units.frames_to_ms(1, 30) == 33 and units.frames_to_ms(2, 30) == 67
    assert units.frames_to_ms(1, "30000/1001") == 33 and units.frames_to_samples(1, 24) == 1838
    assert units.samples_to_frames(1837, 24) == 0 and units.samples_to_frames(1838, 24) == 1


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 10**7),
    st.sampled_from([24, 25, 30, 50, 60]),
    st.sampled_from([44100, 48000, 22050]),
    st.tuples(st.integers(1, 120000), st.integers(1, 1001)),
)
def test_same_numbers_as_the_integer_formulas_before(n, fps, rate, frac):
    assert units.frames_for_ms(n, fps) == -(-n * fps // 1000)  # compiler/refs.py's
    assert units.samples_to_ms(n, rate) == (2 * n * 1000 + rate) // (2 * rate)  # media/wav.py's
    num, den = frac  # media/wav.count_video_frames' frames -> ms at a probed rate num/den
    assert units.frames_to_ms(n, Fraction(num, den)) == (2 * n * den * 1000 + num) // (2 * num)
