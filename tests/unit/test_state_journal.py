"""state/journal.py as it behaves today: append-only JSON lines, torn lines, incremental reads."""
from __future__ import annotations

import json
import multiprocessing

from vidc.runtime.state.journal import MAX_LINE, Finished, Journal


def test_append_and_replay_in_order(tmp_path):
    j = Journal(tmp_path / "journal.log")
    j.open()
    j.append("claimed", task="v/voice/scene-01", fp="a", lane="cpu-0")
    j.append("done", task="v/voice/scene-01", fp="a", object="h1")
    recs = j.replay()
    assert [r["ev"] for r in recs] == ["claimed", "done"]
    assert recs[1]["object"] == "h1" and isinstance(recs[1]["t"], float)
    lines = (tmp_path / "journal.log").read_text().splitlines()
    assert [json.loads(x)["ev"] for x in lines] == ["claimed", "done"]  # one JSON object per line


def test_read_new_returns_only_what_was_added(tmp_path):
    j = Journal(tmp_path / "journal.log")
    assert j.read_new() == []  # no file yet
    j.open()
    j.append("done", fp="a", object="x")
    assert len(j.read_new()) == 1
    assert j.read_new() == []
    j.append("failed", fp="b", error="boom")
    (new,) = j.read_new()
    assert new["ev"] == "failed" and new["error"] == "boom"


def test_partial_last_line_is_not_read_until_complete(tmp_path):
    path = tmp_path / "journal.log"
    j = Journal(path)
    j.open()
    j.append("done", fp="a", object="x")
    with open(path, "ab") as fh:
        fh.write(b'{"ev": "done", "fp": "b"')  # a writer mid-line
    assert [r["fp"] for r in j.replay()] == ["a"]
    with open(path, "ab") as fh:
        fh.write(b', "object": "y"}\n')
    assert [r["fp"] for r in j.read_new()] == ["b"]


def test_torn_line_from_a_crash_is_closed_off_and_skipped(tmp_path):
    path = tmp_path / "journal.log"
    path.write_bytes(b'{"ev": "done", "fp": "a", "object": "x"}\n{"ev": "done", "fp": "b", "obj')
    j = Journal(path)
    j.open()  # the next build: the torn line gets its newline, so new records start on a line of their own
    assert path.read_bytes().endswith(b'"obj\n')
    j.append("done", fp="c", object="z")
    assert [r["fp"] for r in j.replay()] == ["a", "c"]


def test_garbage_and_foreign_lines_are_ignored(tmp_path):
    path = tmp_path / "journal.log"
    path.write_text('not json\n[1, 2]\n{"no_ev": 1}\n{"ev": "done", "fp": "a", "object": "x"}\n\n')
    assert [r["fp"] for r in Journal(path).replay()] == ["a"]


def test_long_errors_are_cut_to_keep_one_write(tmp_path):
    j = Journal(tmp_path / "journal.log")
    j.open()
    j.append("failed", fp="a", error="x" * (MAX_LINE * 3) + "END")
    (rec,) = j.replay()
    assert rec["error"].startswith("…") and rec["error"].endswith("END") and len(rec["error"]) == MAX_LINE + 1


def test_finished_keeps_the_latest_object_per_fingerprint():
    recs = [{"ev": "done", "fp": "a", "object": "1"}, {"ev": "failed", "fp": "b", "error": "e"},
            {"ev": "done", "fp": "a", "object": "2"}, {"ev": "claimed", "fp": "c"}]
    assert Finished.from_records(recs).objects == {"a": "2"}


def _writer(path: str, who: int) -> None:
    j = Journal(__import__("pathlib").Path(path))
    for i in range(50):
        j.append("done", fp=f"{who}-{i}", object="o" * 200)


def test_concurrent_writers_never_interleave(tmp_path):
    path = tmp_path / "journal.log"
    Journal(path).open()
    procs = [multiprocessing.get_context("fork").Process(target=_writer, args=(str(path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    recs = Journal(path).replay()
    assert len(recs) == 200 and len({r["fp"] for r in recs}) == 200
    assert len(path.read_text().splitlines()) == 200  # no torn or merged line
