"""state/store.py as it behaves today: content addressing, commit by rename, damaged objects."""

from __future__ import annotations

import os

from vidc.runtime.state.store import Store, file_sha256, tree_hash


def _store(tmp_path) -> Store:
    s = Store(tmp_path / "store")
    s.ensure()
    return s


def _fill(folder, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)


def test_commit_names_the_object_by_its_content(tmp_path):
    s = _store(tmp_path)
    out = s.new_tmp("task-a")
    _fill(out, {"voice.wav": b"RIFF", "result.json": b"{}", "sub/x.txt": b"x"})
    expected = tree_hash(out)
    digest = s.commit(out)
    assert digest == expected and not out.exists()
    assert (s.object_dir(digest) / "sub" / "x.txt").read_bytes() == b"x"
    assert s.verify(digest)
    assert s.rel(s.object_dir(digest)) == f"objects/{digest}"


def test_identical_outputs_are_stored_once(tmp_path):
    s = _store(tmp_path)
    a, b = s.new_tmp("a"), s.new_tmp("b")
    _fill(a, {"f": b"same"})
    _fill(b, {"f": b"same"})
    assert s.commit(a) == s.commit(b)
    assert len(list(s.objects.iterdir())) == 1 and not b.exists()


def test_tree_hash_depends_on_names_and_bytes(tmp_path):
    one, two, three = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    _fill(one, {"a": b"x"})
    _fill(two, {"b": b"x"})
    _fill(three, {"a": b"y"})
    assert len({tree_hash(one), tree_hash(two), tree_hash(three)}) == 3


def test_damaged_or_missing_object_fails_verification(tmp_path):
    s = _store(tmp_path)
    out = s.new_tmp("t")
    _fill(out, {"clip.mp4": b"\x00" * 1000})
    digest = s.commit(out)
    clip = s.object_dir(digest) / "clip.mp4"
    os.chmod(clip, 0o644)
    clip.write_bytes(b"\x00" * 999 + b"\x01")  # one flipped byte
    assert not s.verify(digest)
    clip.unlink()
    assert not s.verify(digest)
    assert not s.verify("0" * 64)


def test_new_tmp_starts_empty_and_clear_tmp_drops_leftovers(tmp_path):
    s = _store(tmp_path)
    t = s.new_tmp("t")
    _fill(t, {"half-written": b"..."})
    assert list(s.new_tmp("t").iterdir()) == []  # a retried task never sees its earlier partial output
    _fill(s.new_tmp("u"), {"x": b"1"})
    s.clear_tmp()
    assert s.tmp.is_dir() and list(s.tmp.iterdir()) == []


def test_file_sha256_matches_hashlib(tmp_path):
    import hashlib

    p = tmp_path / "f"
    p.write_bytes(b"abc" * 500_000)
    assert file_sha256(p) == hashlib.sha256(b"abc" * 500_000).hexdigest()
