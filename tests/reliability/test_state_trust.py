"""Content addressing checked, not assumed: the store, the journal, the queues and publishing,
each against the damage a disk or a person can do (no build needed: fast)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vidc.runtime.engine.publish import DamagedObject, _copy_verified
from vidc.runtime.state import queues
from vidc.runtime.state.faults import StateFault
from vidc.runtime.state.journal import Finished, Journal
from vidc.runtime.state.store import Store, tree_hash
from vidc.runtime.state.workfolder import WorkFolder, sweep_parts


def _object(store: Store, name: str, files: dict[str, bytes]) -> str:
    tmp = store.new_tmp(name)
    for rel, data in files.items():
        (tmp / rel).write_bytes(data)
    return store.commit(tmp)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store")
    s.ensure()
    return s


def test_commit_names_an_object_by_its_content_and_records_sizes(store: Store) -> None:
    digest = _object(store, "a", {"out.wav": b"RIFF" * 100, "result.json": b"{}"})
    assert digest == tree_hash(store.object_dir(digest))
    assert store.recorded(digest) == {
        "out.wav": [400, store.file_hash(digest, "out.wav")],
        "result.json": [2, store.file_hash(digest, "result.json")],
    }
    assert store.verify(digest) and store.verify(digest, full=False)


def test_a_damaged_object_is_replaced_by_the_fresh_output_not_kept(store: Store) -> None:
    good = {"final.mp4": bytes(range(256)) * 64, "result.json": b'{"sha256": "x"}'}
    digest = _object(store, "a", good)
    mp4 = store.object_dir(digest) / "final.mp4"
    data = bytearray(mp4.read_bytes())
    data[100:116] = b"\xff" * 16  # same size: only a full hash sees it
    mp4.write_bytes(bytes(data))
    assert store.verify(digest, full=False) and not store.verify(digest)
    assert _object(store, "b", good) == digest  # the rerun of the task commits the same name
    assert (store.object_dir(digest) / "final.mp4").read_bytes() == good["final.mp4"]
    assert store.verify(digest)


def test_an_object_with_an_extra_or_missing_file_is_replaced(store: Store) -> None:
    good = {"a.wav": b"1" * 10, "result.json": b"{}"}
    digest = _object(store, "a", good)
    (store.object_dir(digest) / "stray").write_bytes(b"x")
    assert not store.verify(digest, full=False)
    _object(store, "b", good)
    assert sorted(p.name for p in store.object_dir(digest).iterdir()) == ["a.wav", "result.json"]
    (store.object_dir(digest) / "a.wav").unlink()
    assert not store.verify(digest, full=False)
    _object(store, "c", good)
    assert store.verify(digest)


def test_verify_refuses_names_that_are_not_digests(store: Store) -> None:
    assert not store.verify("../../etc")
    assert not store.verify("0" * 64)


def test_a_journal_record_without_its_fields_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    good = {"ev": "done", "task": "v/voice", "fp": "f" * 64, "object": "a" * 64, "lane": "cpu-0", "t": 1.5}
    traversal = {**good, "fp": "e" * 64, "object": "../x"}
    lines = [
        json.dumps(good),
        json.dumps({"ev": "done"}),
        json.dumps({"ev": "done", "fp": 3, "object": "x"}),
        "[1, 2]",
        json.dumps({"ev": 7}),
        "{torn",
        "[" * 100000,
        json.dumps(traversal),
        json.dumps({**good, "ms": "9"}),
        json.dumps({**good, "t": None}),
        json.dumps({**good, "task": ["x"]}),
    ]
    path.write_text("\n".join(lines) + "\n")
    journal = Journal(path)
    records = journal.replay()
    assert [(r.ev, r.task, r.fp, r.object, r.lane, r.t) for r in records] == [
        ("done", "v/voice", "f" * 64, "a" * 64, "cpu-0", 1.5),
        ("done", "v/voice", "e" * 64, "../x", "cpu-0", 1.5),
    ]
    assert journal.skipped == 7
    finished = Finished.from_records(records)
    assert finished.objects == {"f" * 64: "a" * 64, "e" * 64: "../x"}
    store = Store(tmp_path / "store")
    assert not store.verify("../x")  # an object name that is not a digest is never used as a path


def test_a_journal_or_queue_that_is_a_folder_is_a_clear_fault(tmp_path: Path) -> None:
    (tmp_path / "journal.log").mkdir()
    with pytest.raises(StateFault, match="not a file"):
        Journal(tmp_path / "journal.log").open()
    (tmp_path / "q.queue").mkdir()
    with pytest.raises(StateFault, match="queue .* not a file"):
        queues.append(tmp_path / "q.queue", "t", "d", "o")
    work = WorkFolder(tmp_path / "w")
    (work.queues / "cpu-0.queue").mkdir(parents=True)
    with pytest.raises(StateFault, match="queue"):
        work.check()


def test_sweep_removes_only_temporary_part_files(tmp_path: Path) -> None:
    for name in (".v.mp4.ab12cd_z.part", ".other.mp4.ab12cd_z.part", "v.mp4", ".v.mp4.part", "keep.part"):
        (tmp_path / name).write_bytes(b"x")
    removed = sweep_parts(tmp_path, {"v.mp4"})
    assert [p.name for p in removed] == [".v.mp4.ab12cd_z.part"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.mp4.ab12cd_z.part",
        ".v.mp4.part",
        "keep.part",
        "v.mp4",
    ]


def test_publishing_copies_only_what_hashes_as_recorded(store: Store, tmp_path: Path) -> None:
    digest = _object(store, "a", {"v.mp4": b"good" * 1000})
    src = store.object_dir(digest) / "v.mp4"
    want = store.file_hash(digest, "v.mp4")
    out = tmp_path / "build"
    _copy_verified(src, out / "v.mp4", want)
    assert (out / "v.mp4").read_bytes() == b"good" * 1000
    src.write_bytes(b"evil" * 1000)
    (out / "v.mp4").unlink()
    with pytest.raises(DamagedObject):
        _copy_verified(src, out / "v.mp4", want)
    assert list(out.iterdir()) == []  # nothing, not even a .part file


def test_store_tmp_that_is_a_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep")
    store = Store(tmp_path / "store")
    store.root.mkdir()
    os.symlink(outside, store.tmp)
    store.clear_tmp()
    assert (outside / "precious").read_text() == "keep" and store.tmp.is_dir() and not store.tmp.is_symlink()


def test_hub_lookups_are_content_addressed_and_verified(tmp_path: Path) -> None:
    import hashlib

    from vidc.runtime.media.hub_cache import cached_snapshot

    root = tmp_path / "models--org--m"
    data = b'{"_class_name": "WanPipeline"}'
    blob = root / "blobs" / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    snap = root / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    os.symlink(os.path.relpath(blob, snap), snap / "model_index.json")
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text("abc123")
    assert cached_snapshot("org/m", "model_index.json", tmp_path) == snap
    (root / "refs" / "main").write_text("../../../../etc")
    assert cached_snapshot("org/m", "model_index.json", tmp_path) == snap  # the ref is a name, never a path
    blob.write_bytes(data.replace(b"Wan", b"Bad"))
    assert cached_snapshot("org/m", "model_index.json", tmp_path) is None
