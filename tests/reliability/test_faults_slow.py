"""The long part of the reliability suite (`make test-slow`): random SIGKILLs with byte-identical
resume, concurrent builds, and full or read-only disks (a small tmpfs, when running as root)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import done_records, events, vidc, vidc_exe

pytestmark = pytest.mark.slow
MP4 = "build/tiny.mp4"


def _fresh(tiny: Path) -> Path:
    for name in (".vidc", "build"):
        shutil.rmtree(tiny / name, ignore_errors=True)
    return tiny


def test_random_sigkills_then_resume_is_byte_identical_and_nothing_is_redone(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    _fresh(tiny)
    rng = random.Random(9)
    for _ in range(5):
        proc = subprocess.Popen(
            [vidc_exe(), "build", str(tiny), "--json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.5, 6.0))
        os.killpg(proc.pid, signal.SIGKILL)  # a power cut: the build and its workers at once
        proc.wait()
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 0, proc.stderr
    assert (tiny / MP4).read_bytes() == reference
    fps = [r.fp for r in done_records(tiny)]
    assert len(fps) == len(set(fps)), "a finished task ran twice"
    assert not [p for p in (tiny / "build").iterdir() if p.name.endswith(".part")]
    assert vidc("verify", str(tiny)).returncode == 0


def test_two_builds_at_once_one_waits_out_and_the_result_is_right(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    _fresh(tiny)
    procs = [
        subprocess.Popen(
            [vidc_exe(), "build", str(tiny), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 1], results
    loser = next(r for r in results if r[0] == 1)
    assert "another build of this project is running" in loser[2]
    assert events(loser[1])[-1]["event"] == "build_finished"
    assert (tiny / MP4).read_bytes() == reference


def _root_mount(target: Path, options: str) -> None:
    target.mkdir(exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")


def _umount(target: Path) -> None:
    subprocess.run(["umount", str(target)], check=False)


needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="a full or read-only disk needs a tmpfs mount (root only); chmod does not stop root"
)


def _start_and_wait_for_first_done(tiny: Path) -> subprocess.Popen:
    """Start a build and return once it has finished its first task (the up-front checks passed)."""
    proc = subprocess.Popen(
        [vidc_exe(), "build", str(tiny), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    journal = tiny / ".vidc" / "journal.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and '"ev": "done"' in journal.read_text(errors="replace"):
            break
        time.sleep(0.05)
    return proc


def _fill(folder: Path) -> None:
    """Write zeros into folder until its file system is full."""
    chunk = b"\0" * (1 << 20)
    with open(folder / "fill", "wb") as fh:
        try:
            while True:
                fh.write(chunk)
                fh.flush()
        except OSError:
            pass


@needs_root
def test_a_disk_that_fills_up_mid_build_is_one_line_and_the_next_build_resumes(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    _fresh(tiny)
    work = tiny / ".vidc"
    _root_mount(work, "size=300m")  # room for the up-front check (256 MB free), then filled under the build
    try:
        proc = _start_and_wait_for_first_done(tiny)
        _fill(work)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, err[-2000:]
        assert "Traceback" not in err and "Traceback" not in out
        errors = [ln for ln in err.splitlines() if ln.strip() and "warning[" not in ln and not ln.startswith("  hint:")]
        assert len(errors) == 1, err  # one line: the folder and the fix, not a list of failed tasks
        assert errors[0].startswith(f"vidc: error: no space left on the device holding {work.resolve()}:")
        assert "`vidc gc`" in errors[0]
        assert events(out)[-1]["event"] == "build_finished"
        gc = vidc("gc", str(tiny))  # the fix the line names runs on the full disk
        assert gc.returncode == 0 and "Traceback" not in gc.stderr, gc.stderr
        (work / "fill").unlink()
        again = vidc("build", str(tiny), "--json")
        assert again.returncode == 0, again.stderr[-2000:]
        assert events(again.stdout)[-1]["cached"] >= 1  # finished work was kept
        assert (tiny / MP4).read_bytes() == reference
    finally:
        _umount(work)


@needs_root
def test_a_read_only_work_folder_is_one_line(tiny: Path) -> None:
    _fresh(tiny)
    work = tiny / ".vidc"
    _root_mount(work, "size=10m")
    try:
        subprocess.run(["mount", "-o", "remount,ro", str(work)], check=True)
        proc = vidc("build", str(tiny), "--json")
        assert proc.returncode == 1
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.startswith("vidc: error")]  # after any warnings
        assert len(lines) == 1 and "read-only" in lines[0].lower() and str(work) in lines[0], proc.stderr
        assert "Traceback" not in proc.stderr
        assert events(proc.stdout)[-1]["event"] == "build_finished"
    finally:
        _umount(work)


@needs_root
def test_an_output_folder_that_turns_read_only_loses_nothing_and_the_next_build_only_publishes(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    _fresh(tiny)
    out_dir = tiny / "build"
    _root_mount(out_dir, "size=50m")
    try:
        proc = _start_and_wait_for_first_done(tiny)
        subprocess.run(["mount", "-o", "remount,ro", str(out_dir)], check=True)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 1 and "Traceback" not in err
        fin = events(out)[-1]
        assert fin["event"] == "build_finished" and not fin["ok"] and fin["ran"] == 6 and fin["unpublished"]
        assert "only publish" in err
    finally:
        _umount(out_dir)
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 0
    fin = events(proc.stdout)[-1]
    assert fin["ran"] == 0 and fin["cached"] == 6 and len(fin["published"]) == 2
    assert (tiny / MP4).read_bytes() == reference
