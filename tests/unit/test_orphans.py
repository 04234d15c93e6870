"""Workers that outlive a killed build (runtime/state/orphans.py): the next build (or gc) waits while
they finish their task, and gives up with one line when they take too long."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from vidc.runtime.state.faults import StateFault
from vidc.runtime.state.orphans import WORKERS_LOCK, hold_as_worker, wait_for_orphans

HOLDER = (
    "import sys, time; from pathlib import Path; from vidc.runtime.state.orphans import hold_as_worker; "
    "hold_as_worker(Path(sys.argv[1])); print('held', flush=True); time.sleep(float(sys.argv[2]))"
)


def _orphan(work: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(work), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_no_orphan_no_wait(tmp_path: Path) -> None:
    said: list[str] = []
    assert wait_for_orphans(tmp_path, said.append) < 1.0
    assert said == [] and (tmp_path / WORKERS_LOCK).is_file()
    assert hold_as_worker(tmp_path) is not None  # a live build's own worker takes it after


def test_the_next_build_waits_for_a_worker_of_a_killed_build(tmp_path: Path) -> None:
    proc = _orphan(tmp_path, 1.5)
    said: list[str] = []
    started = time.monotonic()
    waited = wait_for_orphans(tmp_path, said.append)
    proc.wait()
    assert waited >= 0.5 and time.monotonic() - started >= 0.5
    assert said == ["waiting for the workers of a build that was killed to finish their tasks (kept, not rerun)"]


def test_a_worker_that_never_ends_is_one_line_after_the_limit(tmp_path: Path) -> None:
    proc = _orphan(tmp_path, 60)
    try:
        with pytest.raises(StateFault) as err:
            wait_for_orphans(tmp_path, lambda msg: None, timeout=0.3)
        assert "\n" not in str(err.value) and str(tmp_path / WORKERS_LOCK) in str(err.value)
    finally:
        proc.kill()
        proc.wait()
