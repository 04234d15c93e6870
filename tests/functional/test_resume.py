"""Crash safety: SIGKILL at several points, edits rebuild only what they touch, one build at a time,
and a write failure that loses nothing."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from .conftest import build, draft_demo, journal

NAME = "vidc-demo"


def done_count(project):
    path = project / ".vidc" / "journal.log"
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if '"ev": "done"' in line)


def kill_after(vidc_cmd, project, n_done: int, timeout: float = 240) -> None:
    """Start a build in its own session and SIGKILL the whole group (like a power cut) after n done."""
    start = done_count(project)
    proc = subprocess.Popen(
        [*vidc_cmd, "build", str(project), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while done_count(project) < start + n_done and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_sigkill_at_several_points_then_resume_is_byte_identical(built_demo, tmp_path, vidc_session_cmd):
    reference = (built_demo[0] / "build" / f"{NAME}.mp4").read_bytes()
    project = draft_demo(tmp_path)
    for n in (2, 7, 5):  # during voices, during scene encodes, around the mix
        kill_after(vidc_session_cmd, project, n)
    out = project / "build" / f"{NAME}.mp4"
    # a killed build never leaves a partly written file under the final name: none, or the finished one
    assert not out.exists() or out.read_bytes() == reference
    proc = build(project)
    final = proc.events[-1]
    assert final["ok"] and final["cached"] > 0  # finished work was not redone
    assert (project / "build" / f"{NAME}.mp4").read_bytes() == reference
    runs = [r.task for r in journal(project) if r.ev == "done"]
    assert len(runs) == len(set(runs)), "a finished task ran twice"


def test_editing_one_scene_rebuilds_only_that_scene_and_the_finals(built_demo, tmp_path):
    project = tmp_path / "demo"
    shutil.copytree(built_demo[0], project)
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("nothing is lost", "nothing at all is lost"))
    before = len(journal(project))
    build(project)
    ran = {r.task for r in journal(project)[before:] if r.ev == "done"}
    v = NAME
    assert ran == {
        f"{v}/script",
        f"{v}/voice/scene-05",
        f"{v}/captions/scene-05",
        f"{v}/video/scene-05",
        f"{v}/music",
        f"{v}/mix",
        f"{v}/captions",
        f"{v}/export",
    }


def test_second_concurrent_build_reports_the_first_and_touches_nothing(built_demo, tmp_path, vidc_session_cmd):
    project = tmp_path / "demo"
    shutil.copytree(built_demo[0], project)
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("fifty videos by morning", "fifty videos before breakfast"))
    first = subprocess.Popen(
        [*vidc_session_cmd, "build", str(project), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lock = project / ".vidc" / "lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.01)
    snapshot = {p: p.stat().st_mtime_ns for p in (project / "build").iterdir()}
    journal_size = (project / ".vidc" / "journal.log").stat().st_size
    second = subprocess.run([*vidc_session_cmd, "build", str(project)], capture_output=True, text=True)
    still_running = first.poll() is None
    assert second.returncode == 1
    assert f"pid {first.pid}" in second.stderr
    assert {p: p.stat().st_mtime_ns for p in (project / "build").iterdir()} == snapshot or not still_running
    assert (project / ".vidc" / "journal.log").stat().st_size >= journal_size
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err


def _make_readonly(folder):
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)]).returncode == 0:
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    pytest.skip("running as root on a file system without `chattr +i`: cannot make a folder read-only")


def test_read_only_output_folder_is_a_clear_error_and_loses_nothing(built_demo, tmp_path):
    project = tmp_path / "demo"
    shutil.copytree(built_demo[0], project)
    shutil.rmtree(project / "build")
    (project / "build").mkdir()
    restore = _make_readonly(project / "build")
    try:
        proc = build(project, check=False)
    finally:
        restore()
    assert proc.code == 1
    assert "cannot write" in proc.err and "run `vidc build` again" in proc.err
    assert "Traceback" not in proc.err
    proc = build(project)  # publishes only: nothing is rendered again
    assert proc.events[-1]["ran"] == 0
    assert (project / "build" / f"{NAME}.mp4").read_bytes() == (built_demo[0] / "build" / f"{NAME}.mp4").read_bytes()
