"""The export's concat list gives every segment its exact length, so scenes whose frame counts do
not divide evenly into milliseconds still start on their exact frame (constant frame rate)."""

from fractions import Fraction

from vidc.runtime.backends.export import concat_listing


def _durations(listing: str) -> list[int]:
    return [int(line.split()[1].replace(".", "")) for line in listing.splitlines() if line.startswith("duration ")]


def test_segment_starts_fall_on_their_exact_frame_time():
    frames = [184, 182, 243, 80, 1, 2, 155, 301] * 12  # 96 segments, most not a whole number of ms
    durations = _durations(concat_listing([f"/s/{i}.mp4" for i in range(len(frames))], frames, 30))
    assert len(durations) == len(frames)
    start_us = frame = 0
    for n, d in zip(frames, durations):
        # the demuxer's start in microseconds, rescaled to the MP4's 1/15360 time base, is the frame's tick
        assert round(Fraction(start_us * 15360, 1_000_000)) == frame * 512
        start_us += d
        frame += n
    assert abs(Fraction(start_us, 1_000_000) - Fraction(frame, 30)) <= Fraction(1, 2_000_000)


def test_paths_are_quoted_for_the_concat_syntax():
    listing = concat_listing(["/a/it's.mp4"], [30], 30)
    assert listing == "file '/a/it'\\''s.mp4'\nduration 1.000000\n"
