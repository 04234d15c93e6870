"""The Ray nodes' caches under $TMPDIR/vidc-ray/ (runtime/state/node_cache.py): a size cap, least
recently used first, never a folder a running task holds, and a hold that notices an eviction."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from vidc.runtime.state import node_cache
from vidc.runtime.state.node_cache import Holds, entries, prune


def _object(root: Path, name: str, size: int, age_s: float, key: str = "k1") -> Path:
    folder = root / key / "store" / "objects" / name
    folder.mkdir(parents=True)
    (folder / "data.bin").write_bytes(b"x" * size)
    when = time.time() - age_s
    os.utime(folder, (when, when))
    return folder


def test_least_recently_used_go_first_until_under_the_cap(tmp_path: Path) -> None:
    a = _object(tmp_path, "a" * 64, 100, 300)
    b = _object(tmp_path, "b" * 64, 100, 200, key="k2")  # another build's cache on the same node counts too
    c = _object(tmp_path, "c" * 64, 100, 100)
    assert [e.path for e in entries(tmp_path)] == [a, b, c]
    assert prune(tmp_path, 250) == (1, 100)
    assert not a.exists() and b.exists() and c.exists()
    assert prune(tmp_path, 250) == (0, 0)
    assert prune(tmp_path, 0) == (2, 200)
    assert not b.exists() and not c.exists()
    assert not (tmp_path / node_cache.TRASH).exists() or not any((tmp_path / node_cache.TRASH).iterdir())


def test_a_use_makes_an_object_recent(tmp_path: Path) -> None:
    a = _object(tmp_path, "a" * 64, 100, 300)
    b = _object(tmp_path, "b" * 64, 100, 200)
    holds = Holds()
    assert holds.take(a)  # a task used it just now
    holds.release()
    prune(tmp_path, 150)
    assert a.exists() and not b.exists()


def test_a_held_object_is_never_evicted_even_by_another_process(tmp_path: Path) -> None:
    a = _object(tmp_path, "a" * 64, 100, 300)
    b = _object(tmp_path, "b" * 64, 100, 200)
    c = _object(tmp_path, "c" * 64, 100, 100)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from vidc.runtime.state.node_cache import Holds; "
            "h = Holds(); assert h.take(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)",
            str(a),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        removed, _ = prune(tmp_path, 0)
        assert removed == 2 and a.exists() and not b.exists() and not c.exists()
    finally:
        holder.kill()
        holder.wait()
    assert prune(tmp_path, 0) == (1, 100)  # let go: now it may go
    assert not a.exists()


def test_a_hold_on_an_evicted_object_fails_so_the_driver_sends_it_again(tmp_path: Path) -> None:
    a = _object(tmp_path, "a" * 64, 100, 300)
    prune(tmp_path, 0)
    assert not Holds().take(a)
    a.mkdir(parents=True)  # a fresh copy arrives under the same name: held fine
    holds = Holds()
    assert holds.take(a)
    holds.release()


def test_project_copies_count_and_stale_scratch_goes(tmp_path: Path) -> None:
    project = tmp_path / "k1" / "project-0123456789abcdef"
    project.mkdir(parents=True)
    (project / "model.bin").write_bytes(b"m" * 500)
    os.utime(project, (time.time() - 1000,) * 2)
    obj = _object(tmp_path, "a" * 64, 100, 10)
    stale = tmp_path / "k1" / "store" / "tmp" / "in-dead-lane"
    fresh = tmp_path / "k1" / "store" / "tmp" / "out-running"
    stale.mkdir(parents=True)
    fresh.mkdir(parents=True)
    os.utime(stale, (time.time() - node_cache.STALE_TMP_S - 10,) * 2)
    assert prune(tmp_path, 300) == (1, 500)
    assert not project.exists() and obj.exists()
    assert not stale.exists() and fresh.exists()


def test_a_symlink_in_the_cache_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_bytes(b"p" * 1000)
    root = tmp_path / "vidc-ray"
    (root / "k1" / "store" / "objects").mkdir(parents=True)
    (root / "k1" / "store" / "objects" / ("a" * 64)).symlink_to(outside, target_is_directory=True)
    prune(root, 0)
    assert (outside / "precious").exists()


def test_the_cap_on_the_command_line_and_in_the_environment(tmp_path: Path) -> None:
    from tests.cli import run_cli

    (tmp_path / "project.yaml").write_text(
        "vidc: 1\nname: cap\nscript:\n  scenes:\n    - {voiceover_text: Hi., visual_prompt: x, duration_seconds: 8}\n"
    )
    local = run_cli("build", tmp_path, "--ray-cache-max", "1G")
    assert local.code == 2 and "--ray-cache-max goes with --executor ray" in local.err
    typo = run_cli("build", tmp_path, "--executor", "ray", "--ray-cache-max", "12Q")
    assert typo.code == 2 and "--ray-cache-max '12Q': expected a size" in typo.err
    env = run_cli("build", tmp_path, "--executor", "ray", env={node_cache.CACHE_MAX_ENV: "lots"})
    lines = [ln for ln in env.err.splitlines() if ln.strip()]
    assert env.code == 1 and len(lines) == 1 and "VIDC_RAY_CACHE_MAX='lots' is not a size" in lines[0], env.err
    assert not (tmp_path / ".vidc").exists()  # refused before anything started


def test_the_cap_reaches_the_ray_executor(monkeypatch) -> None:
    import argparse

    from vidc.runtime.cli.ray_args import ray_options

    args = argparse.Namespace(ray_address="auto", ray_cache_max="500M", executor="ray")
    assert ray_options(args)["cache_max"] == 500 << 20
    monkeypatch.delenv(node_cache.CACHE_MAX_ENV, raising=False)
    args.ray_cache_max = None
    assert ray_options(args)["cache_max"] == node_cache.DEFAULT_MAX
