"""The review site's readers: SRT cues, the journal's runs (which build made a video), matrix columns,
and the envelopes the waveform lanes draw."""

import json

import numpy as np

from vidc.runtime.review.data import JournalView, Run, VideoView, matrix_columns, measured_runs, parse_srt
from vidc.runtime.review.media import envelope, placed_envelope, svg_wave


def test_parse_srt_reads_times_and_multiline_text():
    cues = parse_srt(
        "1\r\n00:00:00,000 --> 00:00:01,500\r\nHello\r\nthere\r\n\r\n2\n01:02:03,004 --> 01:02:04,005\nBye\n"
    )
    assert [(c.start_ms, c.end_ms, c.text) for c in cues] == [(0, 1500, "Hello\nthere"), (3723004, 3724005, "Bye")]


def _journal(tmp_path, records):
    path = tmp_path / "journal.log"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"ev": "done", "torn')
    return JournalView.read(path)


def test_journal_view_pairs_claims_with_results_and_keeps_the_last_failure(tmp_path):
    view = _journal(
        tmp_path,
        [
            {"ev": "claimed", "t": 100.0, "task": "v/voice", "fp": "a", "lane": "cpu-0"},
            {"ev": "failed", "t": 101.0, "task": "v/voice", "fp": "a", "lane": "cpu-0", "error": "boom"},
            {"ev": "claimed", "t": 102.0, "task": "v/video", "fp": "b", "lane": "cpu-1"},
            {"ev": "done", "t": 104.5, "task": "v/video", "fp": "b", "lane": "cpu-1", "object": "o1", "ms": 2500},
        ],
    )
    assert view.failures == {"a": "boom"} and view.objects == {"b": "o1"}
    assert [(r.start, r.end, r.ok) for r in view.runs["b"]] == [(102.0, 104.5, True)]


def test_measured_runs_keep_the_latest_build_and_list_reused_tasks(tmp_path):
    view = _journal(
        tmp_path,
        [
            {"ev": "claimed", "t": 10.0, "task": "v/voice", "fp": "a", "lane": "cpu-0"},
            {"ev": "done", "t": 12.0, "task": "v/voice", "fp": "a", "lane": "cpu-0", "object": "o1"},
            # an hour later, an edit rebuilt the video and the export; the voice was reused
            {"ev": "claimed", "t": 3610.0, "task": "v/video", "fp": "b", "lane": "cpu-1"},
            {"ev": "done", "t": 3615.0, "task": "v/video", "fp": "b", "lane": "cpu-1", "object": "o2"},
            {"ev": "claimed", "t": 3615.5, "task": "v/export", "fp": "c", "lane": "cpu-0"},
            {"ev": "done", "t": 3617.0, "task": "v/export", "fp": "c", "lane": "cpu-0", "object": "o3"},
        ],
    )
    video = VideoView(
        plan=None,
        status="built",
        out_dir=tmp_path,
        vars={},  # type: ignore[arg-type]
        manifest={"fingerprints": {"v/voice": "a", "v/video": "b", "v/export": "c"}},
    )
    runs, reused = measured_runs(video, None, view)  # type: ignore[arg-type]
    assert sorted(r.task for r in runs) == ["v/export", "v/video"] and reused == ["v/voice"]
    assert all(isinstance(r, Run) and r.ok for r in runs)


def test_matrix_columns_are_the_vars_that_differ():
    def view(**vars):
        return VideoView(plan=None, status="built", out_dir=None, manifest=None, vars=vars)  # type: ignore[arg-type]

    cols = matrix_columns(
        [
            view(brand="N", product="Kite", size=1),
            view(brand="N", product="Lamp", size=1),
            view(brand="N", product="Pen", size=2),
        ]
    )
    assert cols == {"product": ["Kite", "Lamp", "Pen"], "size": ["1", "2"]}


def test_envelopes_place_clips_on_the_timeline():
    rate = 8000
    clip = np.full(rate // 2, 0.5, dtype=np.float32)  # 0.5 s at half scale
    env = placed_envelope([(1000, clip)], total_ms=2000, bins=4, rate=rate)
    assert env == [0.0, 0.0, 0.5, 0.0]
    assert envelope(np.array([], dtype=np.float32), 3) == [0.0, 0.0, 0.0]
    path = svg_wave([0.0, 1.0], 600, 60)
    assert path.startswith("M0.0,30.0 L300.0,0.0") and path.endswith("Z")


def test_a_video_pages_captions_are_placed_on_its_timeline(tmp_path):
    from types import SimpleNamespace

    from vidc.runtime.review.site import _captions

    (tmp_path / "a.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:02,000 --> 00:00:02,001\nx\n")
    (tmp_path / "a.vtt").write_text("WEBVTT\n")
    video = SimpleNamespace(out_dir=tmp_path)
    cues, vtt = _captions(video, {"files": {"srt": "a.srt", "vtt": "a.vtt"}}, 4000)
    assert vtt == tmp_path / "a.vtt"
    assert cues == [
        {"start": 1000, "end": 2000, "text": "Hi", "left": 25.0, "width": 25.0},
        {"start": 2000, "end": 2001, "text": "x", "left": 50.0, "width": 0.2},
    ]
    (tmp_path / "a.srt").unlink()
    (tmp_path / "a.srt").mkdir()  # not a regular file: no cues, the page still renders
    assert _captions(video, {"files": {"srt": "a.srt"}}, 4000) == ([], None)
    assert _captions(video, {}, 4000) == ([], None)
