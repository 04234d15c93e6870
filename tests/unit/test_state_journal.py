"""state/journal.py as it behaves today: append-only JSON lines, torn lines, incremental reads."""

from __future__ import annotations

import json
import multiprocessing

from vidc.runtime.state.journal import MAX_LINE, Finished, Journal
from vidc.schemas.journal import Claimed, Done, Failed, parse_record, seal_of


def test_append_and_replay_in_order(tmp_path):
    j = Journal(tmp_path / "journal.log")
    j.open()
    j.append(Claimed(task="v/voice/scene-01", fp="a", lane="cpu-0"))
    j.append(Done(task="v/voice/scene-01", fp="a", object="h1"))
    recs = j.replay()
    assert [type(r) for r in recs] == [Claimed, Done]
    assert recs[1].object == "h1" and isinstance(recs[1].t, float) and recs[1].t > 0
    lines = [json.loads(x) for x in (tmp_path / "journal.log").read_text().splitlines()]
    assert [x["ev"] for x in lines] == ["claimed", "done"]  # one JSON object per line
    assert all(x["v"] == 1 for x in lines)  # each record says its format's version


def test_read_new_returns_only_what_was_added(tmp_path):
    j = Journal(tmp_path / "journal.log")
    assert j.read_new() == []  # no file yet
    j.open()
    j.append(Done(fp="a", object="x"))
    assert len(j.read_new()) == 1
    assert j.read_new() == []
    j.append(Failed(fp="b", error="boom"))
    (new,) = j.read_new()
    assert isinstance(new, Failed) and new.error == "boom"


def test_partial_last_line_is_not_read_until_complete(tmp_path):
    path = tmp_path / "journal.log"
    j = Journal(path)
    j.open()
    j.append(Done(fp="a", object="x"))
    with open(path, "ab") as fh:
        fh.write(b'{"ev": "done", "fp": "b"')  # a writer mid-line
    assert [r.fp for r in j.replay()] == ["a"]
    with open(path, "ab") as fh:
        fh.write(b', "object": "y", "seal": "%s"}\n' % seal_of("", "b", "y").encode())
    assert [r.fp for r in j.read_new()] == ["b"]


def test_torn_line_from_a_crash_is_closed_off_and_skipped(tmp_path):
    path = tmp_path / "journal.log"
    path.write_bytes(b'{"ev": "done", "fp": "a", "object": "x"}\n{"ev": "done", "fp": "b", "obj')
    j = Journal(path)
    j.open()  # the next build: the torn line gets its newline, so new records start on a line of their own
    assert path.read_bytes().endswith(b'"obj\n')
    j.append(Done(fp="c", object="z"))
    assert [r.fp for r in j.replay()] == ["a", "c"]


def test_garbage_and_foreign_lines_are_ignored(tmp_path):
    path = tmp_path / "journal.log"
    path.write_text('not json\n[1, 2]\n{"no_ev": 1}\n{"ev": "done", "fp": "a", "object": "x"}\n\n')
    assert [r.fp for r in Journal(path).replay()] == ["a"]


def test_long_errors_are_cut_to_keep_one_write(tmp_path):
    j = Journal(tmp_path / "journal.log")
    j.open()
    j.append(Failed(fp="a", error="x" * (MAX_LINE * 3) + "END"))
    (rec,) = j.replay()
    assert rec.error.startswith("…") and rec.error.endswith("END") and len(rec.error) == MAX_LINE + 1


def test_finished_keeps_the_latest_object_per_fingerprint():
    recs = [Done(fp="a", object="1"), Failed(fp="b", error="e"), Done(fp="a", object="2"), Claimed(fp="c")]
    assert Finished.from_records(recs).objects == {"a": "2"}


def _writer(path: str, who: int) -> None:
    j = Journal(__import__("pathlib").Path(path))
    for i in range(50):
        j.append(Done(fp=f"{who}-{i}", object="o" * 200))


def test_concurrent_writers_never_interleave(tmp_path):
    path = tmp_path / "journal.log"
    Journal(path).open()
    procs = [multiprocessing.get_context("fork").Process(target=_writer, args=(str(path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    recs = Journal(path).replay()
    assert len(recs) == 200 and len({r.fp for r in recs}) == 200
    assert len(path.read_text().splitlines()) == 200  # no torn or merged line


def test_a_record_without_a_version_reads_as_version_1_and_an_unknown_version_is_not_used(tmp_path):
    path = tmp_path / "journal.log"
    old = {"ev": "done", "fp": "a", "object": "x", "t": 1.0, "ms": 12, "lane": "cpu-0"}
    path.write_text(json.dumps(old) + "\n" + json.dumps({**old, "fp": "b", "v": 2}) + "\n")
    j = Journal(path)
    (rec,) = j.replay()
    assert isinstance(rec, Done) and rec.v == 1 and rec.ms == 12 and isinstance(rec.ms, int)
    assert j.skipped == 1


def test_parse_record_checks_each_kind_against_its_model():
    assert isinstance(parse_record({"ev": "claimed", "task": "v/a", "pid": 3}), Claimed)
    assert parse_record({"ev": "claimed", "pid": "3"}) is None  # a wrong type: never coerced
    assert parse_record({"ev": "done", "fp": "a", "object": ""}) is None  # a done names its object
    assert parse_record({"ev": "done", "fp": "a", "object": "x", "ms": True}) is None
    assert parse_record({"ev": "teleported"}) is None
    lost = parse_record({"ev": "lost", "fp": "a", "error": "node died", "extra": 1})
    assert lost is not None and lost.ev == "lost" and lost.error == "node died"


def test_done_records_are_sealed_and_a_swap_is_not_trusted(tmp_path):
    path = tmp_path / "journal.log"
    j = Journal(path)
    j.open()
    j.append(Done(task="v/voice/scene-01", fp="a", object="1" * 64))
    j.append(Done(task="v/voice/scene-02", fp="b", object="2" * 64))
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert all(len(x["seal"]) == 32 for x in lines)
    assert [r.object for r in j.replay()] == ["1" * 64, "2" * 64] and j.skipped == 0
    lines[0]["object"], lines[1]["object"] = lines[1]["object"], lines[0]["object"]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert j.replay() == [] and j.skipped == 2
    assert Finished.from_records(j.replay()).objects == {}


def test_an_old_journal_without_seals_is_read_until_the_first_sealed_record(tmp_path):
    path = tmp_path / "journal.log"
    old = {"ev": "done", "task": "t", "fp": "a", "object": "x"}
    path.write_text(json.dumps(old) + "\n")
    j = Journal(path)
    j.open()
    j.append(Done(task="t2", fp="b", object="y"))
    with open(path, "a") as fh:
        fh.write(json.dumps({**old, "fp": "c"}) + "\n")  # unsealed after a sealed record: not trusted
    assert [r.fp for r in j.replay()] == ["a", "b"] and j.skipped == 1
