"""`vidc gc` without rendering: a project whose store and journal the test writes itself. What is kept
(the current plan, published manifests, the last K builds), the age and size caps, the lock, links
out of the project, and a gc killed between its steps."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vidc.runtime.cli import main
from vidc.runtime.cli.common import compile_spec
from vidc.runtime.host.hardware import detect
from vidc.runtime.state.gc import FAULT_ENV, TRASH, Entry, builds, decide
from vidc.runtime.state.journal import Journal
from vidc.runtime.state.lock import WorkLock
from vidc.runtime.state.store import Store
from vidc.schemas.journal import Claimed, Done

SPEC = (
    "vidc: 1\nname: demo\nscript:\n  scenes:\n    - voiceover_text: Hello there, this is a test of a small project,"
    " long enough to fill most of its nine second scene with speech.\n"
    "      duration_seconds: 9\nexport: {preset: draft}\n"
)
MB = 1 << 20


def _object(store: Store, tag: str, size: int = 1000) -> str:
    tmp = store.new_tmp(f"t-{tag}")
    (tmp / "result.json").write_text(json.dumps({"tag": tag}))
    (tmp / "out.bin").write_bytes(tag.encode() * (size // len(tag)))
    return store.commit(tmp)


def _build(journal: Journal, pid: int, done: list[tuple[str, str]], t: float) -> None:
    """One build in the journal: a worker of lane cpu-0 with this pid claims and finishes each (fp, object)."""
    for fp, obj in done:
        journal.append(Claimed(task=fp, fp=fp, lane="cpu-0", pid=pid))
        journal.append(Done(task=fp, fp=fp, lane="cpu-0", object=obj, ms=1))
        _retime(journal.path, t)


def _retime(path: Path, t: float) -> None:
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    last["t"] = t
    lines[-1] = json.dumps(last, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def project(tmp_path: Path) -> dict:
    """Three builds: old (pid 1), middle (pid 2), last (pid 3, the current plan's objects), plus an
    object nobody recorded."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "project.yaml").write_text(SPEC)
    plan, _, _ = compile_spec(root / "project.yaml", detect(), {})
    fps = sorted(t.fingerprint for t in plan.tasks)
    store = Store(root / ".vidc" / "store")
    store.ensure()
    journal = Journal(root / ".vidc" / "journal.log")
    journal.open()
    now = time.time()
    old = [_object(store, f"old{i}", 3 * MB) for i in range(2)]
    mid = [_object(store, f"mid{i}", 2 * MB) for i in range(2)]
    cur = [_object(store, f"cur{i}") for i in range(len(fps))]
    stray = _object(store, "stray", MB)
    _build(journal, 1, [("fp-old-0", old[0]), ("fp-old-1", old[1])], now - 30 * 86400)
    _build(journal, 2, [("fp-mid-0", mid[0]), ("fp-mid-1", mid[1])], now - 2 * 86400)
    _build(journal, 3, list(zip(fps, cur)), now - 60)
    for name in old:
        os.utime(store.object_dir(name), (now - 30 * 86400, now - 30 * 86400))
        os.utime(store.object_dir(name) / "result.json", (now - 30 * 86400, now - 30 * 86400))
    for name in mid:
        os.utime(store.object_dir(name), (now - 2 * 86400, now - 2 * 86400))
        os.utime(store.object_dir(name) / "result.json", (now - 2 * 86400, now - 2 * 86400))
    return {"root": root, "store": store, "old": old, "mid": mid, "cur": cur, "stray": stray}


def _left(p: dict) -> set[str]:
    return set(p["store"].all_objects())


def test_builds_are_told_apart_by_their_workers_process_ids():
    def claimed(lane: str, pid: int) -> Claimed:
        return Claimed(task="t", fp="f", lane=lane, pid=pid)

    def done(obj: str) -> Done:
        return Done(task="t", fp="f", lane="cpu-0", object=obj)

    recs = [
        claimed("cpu-0", 1),
        claimed("cpu-1", 2),
        done("a"),
        done("b"),
        claimed("cpu-1", 2),
        done("c"),
        claimed("cpu-1", 7),
        claimed("cpu-0", 8),
        done("d"),
    ]
    assert builds(recs) == [{"a", "b", "c"}, {"d"}]


def test_caps_remove_least_recently_used_first_and_never_a_kept_object():
    entries = {
        n: Entry(n, size, used)
        for n, size, used in [("a", 100, 10.0), ("b", 100, 20.0), ("c", 100, 30.0), ("k", 500, 1.0)]
    }
    kept = {"k": "the current plan"}
    assert decide(entries, kept, now=100.0).doomed == ["a", "b", "c"]
    assert decide(entries, kept, now=100.0, max_age_s=75).doomed == ["a", "b"]
    assert decide(entries, kept, now=100.0, max_size=650).doomed == ["a", "b"]  # 800 -> 600
    assert decide(entries, kept, now=100.0, max_size=10).doomed == ["a", "b", "c"]  # k alone is over: it stays
    assert decide(entries, kept, now=100.0, max_age_s=85, max_size=700).doomed == ["a"]
    assert decide(entries, kept, now=100.0, max_age_s=85, max_size=650).doomed == ["a", "b"]


def test_gc_keeps_the_plan_and_the_last_builds_and_removes_the_rest(project, capsys):
    p = project
    before = _left(p)
    assert main(["gc", str(p["root"]), "--dry-run"]) == 0  # by default: the last build's and the plan's stay
    out = capsys.readouterr().out
    assert "would remove 5 of" in out and "freeing 11.0 MB" in out and p["stray"][:16] in out and _left(p) == before
    assert main(["gc", str(p["root"]), "--keep-last", "3"]) == 0  # the last 3 builds: all three
    assert _left(p) == before - {p["stray"]}
    assert main(["gc", str(p["root"]), "--keep-last", "1", "--max-age", "7d"]) == 0  # only what is a month old
    assert _left(p) == set(p["cur"]) | set(p["mid"])
    assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 0
    assert _left(p) == set(p["cur"])
    assert "freed 4.0 MB" in capsys.readouterr().out
    assert not [i for i in (p["store"].index).iterdir() if i.stem not in p["cur"]]  # their records went too
    assert all(p["store"].verify(n) for n in p["cur"])


def test_max_size_removes_least_recently_used_first(project, capsys):
    p = project
    assert main(["gc", str(p["root"]), "--max-size", "6M"]) == 0  # 11 MB -> old ones go first
    assert _left(p) == set(p["cur"]) | set(p["mid"]) | {p["stray"]}
    assert main(["gc", str(p["root"]), "--keep-last", "2", "--max-size", "1M"]) == 0  # the default keeps 1 build
    assert _left(p) == set(p["cur"]) | set(p["mid"])
    assert "note: what is kept holds 4.0 MB, more than --max-size 1M" in capsys.readouterr().out


def test_published_videos_are_always_kept(project):
    p = project
    out = p["root"] / "build"
    out.mkdir()
    (out / "earlier.json").write_text(json.dumps({"vidc_manifest": 1, "fingerprints": {"x/voice": "fp-old-1"}}))
    assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 0
    assert _left(p) == set(p["cur"]) | {p["old"][1]}


def test_gc_refuses_while_a_build_holds_the_lock(project, capsys):
    p = project
    lock = WorkLock(p["root"] / ".vidc" / "lock")
    lock.acquire()
    try:
        assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 1
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert "a build of this project is running" in err and len(err.strip().splitlines()) == 1
    assert p["stray"] in _left(p)


def test_a_store_linked_out_of_the_project_is_never_touched(project, tmp_path, capsys):
    p = project
    decoy = tmp_path / "decoy"
    objects = p["store"].objects
    os.rename(objects, decoy)
    objects.symlink_to(decoy, target_is_directory=True)
    before = sorted(x.name for x in decoy.iterdir())
    assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 1
    assert "should be a folder vidc keeps" in capsys.readouterr().err
    assert sorted(x.name for x in decoy.iterdir()) == before


def test_an_object_that_is_a_link_out_is_removed_as_a_link(project, tmp_path):
    p = project
    decoy = tmp_path / "precious"
    decoy.mkdir()
    (decoy / "keep.txt").write_text("mine")
    link = p["store"].objects / ("f" * 64)
    link.symlink_to(decoy, target_is_directory=True)
    assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 0
    assert not os.path.lexists(link) and (decoy / "keep.txt").read_text() == "mine"


@pytest.mark.parametrize("kill_at", [1, 2, 3, 5])
def test_a_gc_killed_between_steps_leaves_a_store_that_is_whole(project, kill_at):
    p = project
    env = {**os.environ, FAULT_ENV: str(kill_at)}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from vidc.runtime.cli import main; sys.exit(main())",
            "gc",
            str(p["root"]),
            "--keep-last",
            "0",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr
    left = _left(p)
    assert set(p["cur"]) <= left  # nothing still referenced was lost
    assert all(p["store"].verify(n) for n in left)  # and nothing half deleted is in the store
    assert len(left) == len(p["cur"]) + 5 - -(-kill_at // 3)  # each object leaves the store at its first step
    trash = p["store"].tmp / TRASH
    assert len(list(trash.iterdir())) == (kill_at % 3 != 0)  # the half-deleted one lies in the trash
    assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 0  # the next gc finishes the job
    assert _left(p) == set(p["cur"]) and not (p["store"].tmp / TRASH).exists()


def test_a_spec_that_does_not_compile_removes_nothing(project, capsys):
    p = project
    before = _left(p)
    (p["root"] / "project.yaml").write_text(SPEC.replace("voiceover_text", "voiceover_txt"))
    assert main(["gc", str(p["root"]), "--keep-last", "0"]) == 2
    assert "the spec must compile; nothing was removed" in capsys.readouterr().err and _left(p) == before


def test_a_project_never_built_has_nothing_to_collect_and_bad_caps_are_usage_errors(tmp_path, capsys):
    root = tmp_path / "fresh"
    root.mkdir()
    (root / "project.yaml").write_text(SPEC)
    assert main(["gc", str(root)]) == 0
    assert "nothing to collect" in capsys.readouterr().out and not (root / ".vidc").exists()
    assert main(["gc", str(root), "--max-age", "soon"]) == 2
    assert "--max-age 'soon'" in capsys.readouterr().err
    assert main(["gc", str(root), "--max-size", "lots"]) == 2
    assert main(["gc", str(root), "--keep-last", "-1"]) == 2
