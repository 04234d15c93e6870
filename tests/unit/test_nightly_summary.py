"""`vidc nightly`'s summary arithmetic (runtime/review/nightly.py): work redone after faults, failures
apart, and the reason line."""

from __future__ import annotations

import pytest

from vidc.runtime.review.nightly import first_line, redone, video_of
from vidc.schemas.journal import Claimed, Done, Failed, Lost


def test_redone_counts_lost_attempts_not_failures_and_only_this_run():
    records = [
        Claimed(t=5.0, task="old/voice/scene-01", fp="f0", lane="cpu-0"),  # an earlier night
        Done(t=6.0, task="old/voice/scene-01", fp="f0", lane="cpu-0", object="o" * 64, ms=1000),
        Claimed(t=10.0, task="v/voice/scene-01", fp="f1", lane="cpu-0"),
        Done(t=12.0, task="v/voice/scene-01", fp="f1", lane="cpu-0", object="o" * 64, ms=2000),
        Claimed(t=10.0, task="v/video/scene-01/chunk-01", fp="f2", lane="cuda:0"),
        Lost(t=13.0, task="v/video/scene-01/chunk-01", fp="f2", lane="cuda:0", error="node died"),
        Claimed(t=13.5, task="v/video/scene-01/chunk-01", fp="f2", lane="cuda:1"),
        Done(t=17.0, task="v/video/scene-01/chunk-01", fp="f2", lane="cuda:1", object="o" * 64, ms=3000),
        Claimed(t=20.0, task="w/video/scene-01", fp="f3", lane="cpu-1"),
        Failed(t=21.5, task="w/video/scene-01", fp="f3", lane="cpu-1", error="bad png"),
        Claimed(t=22.0, task="w/voice/scene-01", fp="f4", lane="cpu-0"),  # its process died: no end
        Claimed(t=30.0, task="w/voice/scene-01", fp="f4", lane="cpu-0"),
        Done(t=31.0, task="w/voice/scene-01", fp="f4", lane="cpu-0", object="o" * 64, ms=1000),
    ]
    got = redone(records, since=9.0)
    assert got["attempts_lost"] == 2
    assert got["redone_seconds"] == pytest.approx(3.0)
    assert got["failed_seconds"] == pytest.approx(1.5)
    assert got["task_seconds"] == pytest.approx(2 + 3 + 1 + 3 + 1.5)
    assert got["redone_fraction"] == pytest.approx(3.0 / 10.5, abs=1e-4)


def test_the_reason_is_one_line_and_a_task_id_names_its_video():
    assert first_line("ffmpeg (assets) exited 69:\n[png] inflate returned error -3\nmore") == (
        "ffmpeg (assets) exited 69: [png] inflate returned error -3"
    )
    assert first_line("") == "unknown error"
    assert video_of("night-b/video/scene-01/chunk-02") == "night-b"
    assert video_of("night-b/export") == "night-b"
