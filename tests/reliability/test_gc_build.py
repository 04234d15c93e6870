"""`vidc gc` on a real build: after a spec change it shrinks the store, the current build stays "up to
date" and byte-identical, what it removed is rendered again when needed, and a gc SIGKILLed between
its steps leaves a store that verifies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from vidc.runtime.state.gc import FAULT_ENV

from .conftest import vidc, vidc_exe

MP4 = "build/tiny.mp4"


def _objects(project: Path) -> set[str]:
    return {p.name for p in (project / ".vidc" / "store" / "objects").iterdir()}


def _store_bytes(project: Path) -> int:
    return sum(p.stat().st_size for p in (project / ".vidc" / "store" / "objects").rglob("*") if p.is_file())


def _edit(project: Path, old: str, new: str) -> None:
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace(old, new))


def test_gc_after_a_spec_change_shrinks_the_store_and_keeps_the_current_build(tiny: Path, tmp_path: Path) -> None:
    first = (tiny / MP4).read_bytes()
    _edit(tiny, "Hello there.", "Hello again.")
    assert vidc("build", str(tiny)).returncode == 0
    second = (tiny / MP4).read_bytes()
    assert second != first
    twin = tmp_path / "twin"
    shutil.copytree(tiny, twin, symlinks=True)

    before, size = _objects(tiny), _store_bytes(tiny)
    dry = vidc("gc", str(tiny), "--keep-last", "1", "--dry-run")
    assert dry.returncode == 0 and "nothing removed (dry run)" in dry.stdout and _objects(tiny) == before
    proc = vidc("gc", str(tiny))
    assert proc.returncode == 0, proc.stderr
    survivors = _objects(tiny)
    assert survivors < before and _store_bytes(tiny) < size
    again = vidc("build", str(tiny))
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr
    assert (tiny / MP4).read_bytes() == second
    assert vidc("verify", str(tiny)).returncode == 0

    _edit(tiny, "Hello again.", "Hello there.")  # back to the first script: what gc removed is rendered again
    back = vidc("build", str(tiny))
    assert back.returncode == 0 and "built 1 video: ran" in back.stdout, back.stdout
    assert (tiny / MP4).read_bytes() == first

    killed = subprocess.run(
        [vidc_exe(), "gc", str(twin)], env={**os.environ, FAULT_ENV: "2"}, capture_output=True, text=True, timeout=300
    )
    assert killed.returncode == -9
    assert vidc("verify", str(twin)).returncode == 0  # nothing half-deleted is in the store
    resumed = vidc("build", str(twin))
    assert resumed.returncode == 0 and "up to date" in resumed.stdout, resumed.stdout + resumed.stderr
    assert vidc("gc", str(twin)).returncode == 0
    assert _objects(twin) == survivors  # the same as an uninterrupted gc


def test_gc_after_a_killed_build_keeps_what_it_finished_and_the_build_resumes(tiny: Path) -> None:
    import signal
    import time

    _edit(tiny, "Hello there.", "Hello, resumed.")
    journal = tiny / ".vidc" / "journal.log"
    before = journal.read_text().count('"ev": "done"')
    proc = subprocess.Popen(
        [vidc_exe(), "build", str(tiny), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and journal.read_text().count('"ev": "done"') <= before:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # a power cut after the first new task finished
    proc.wait()
    killed = _done_fps(journal)[before:]
    assert vidc("gc", str(tiny), "--keep-last", "0").returncode == 0
    resumed = vidc("build", str(tiny), "--json")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert json.loads(resumed.stdout.splitlines()[-1])["ok"]
    redone = set(killed) & set(_done_fps(journal)[before + len(killed) :])
    assert killed and not redone  # what the killed build finished was kept by gc and not rendered again
    assert vidc("verify", str(tiny)).returncode == 0


def _done_fps(journal: Path) -> list[str]:
    out = []
    for line in journal.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("ev") == "done":
            out.append(rec["fp"])
    return out
