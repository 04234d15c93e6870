"""Disk a build adds: the plan's estimate (compiler/disk.py), `vidc plan`'s line, and `vidc build`
refusing before it starts when the estimate passes the free space of the work folder's disk."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from vidc.compiler.disk import plan_bytes, task_bytes
from vidc.runtime.cli import main
from vidc.runtime.cli.common import compile_spec
from vidc.runtime.host.hardware import load_hardware
from vidc.runtime.state.disk import check_room, pending
from vidc.runtime.state.faults import StateFault
from vidc.runtime.state.journal import Journal
from vidc.runtime.state.store import Store
from vidc.schemas.journal import Done

from ..conftest import ROOT

HW = ROOT / "tests" / "golden" / "hardware-cpu.yaml"


def _spec(scenes: int, seconds: int, preset: str) -> str:
    body = "".join(
        f"    - voiceover_text: Scene {i} says a few words here.\n      duration_seconds: {seconds}\n"
        for i in range(scenes)
    )
    return f"vidc: 1\nname: big\nscript:\n  scenes:\n{body}export: {{preset: {preset}}}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "project.yaml").write_text(_spec(2, 9, "draft"))
    return root


def _plan(root: Path):
    plan, diags, _ = compile_spec(root / "project.yaml", load_hardware(HW), {})
    assert plan is not None, [d.format() for d in diags]
    return plan


def test_the_estimate_grows_with_resolution_and_length(tmp_path):
    sizes = {}
    for name, (scenes, secs, preset) in {
        "small": (2, 9, "draft"),
        "long": (6, 9, "draft"),
        "hd": (2, 9, "youtube-1080p"),
    }.items():
        root = tmp_path / name
        root.mkdir()
        (root / "project.yaml").write_text(_spec(scenes, secs, preset))
        sizes[name] = plan_bytes(_plan(root))
    assert sizes["small"] < sizes["long"] and sizes["small"] < sizes["hd"]
    assert 10 << 20 < sizes["small"] < 100 << 20  # a draft of 18 s: tens of MB (the music track stored whole)
    plan = _plan(tmp_path / "hd")
    video = plan.videos[0]
    export = next(t for t in plan.tasks if t.kind == "export")
    assert task_bytes(export, video) == 2 * (1920 * 1080 * 30 * 18 // 80 + 384_000 * 18 // 8)  # store + published


def test_finished_tasks_add_nothing(project):
    plan = _plan(project)
    work = project / ".vidc"
    assert pending(plan, work) == {t.id for t in plan.tasks}
    store = Store(work / "store")
    store.ensure()
    tmp = store.new_tmp("x")
    (tmp / "result.json").write_text("{}")
    digest = store.commit(tmp)
    journal = Journal(work / "journal.log")
    journal.open()
    music = next(t for t in plan.tasks if t.kind == "music-select")
    journal.append(Done(task=music.id, fp=music.fingerprint, lane="cpu-0", object=digest, ms=1))
    assert pending(plan, work) == {t.id for t in plan.tasks} - {music.id}
    assert pending(plan, work, force=True) == {t.id for t in plan.tasks}
    assert plan_bytes(plan, pending(plan, work)) < plan_bytes(plan)


def test_check_room_is_one_line_naming_the_folder_and_gc(project):
    plan = _plan(project)
    check_room(plan, project / ".vidc", free=10 << 30)
    with pytest.raises(StateFault) as err:
        check_room(plan, project / ".vidc", free=1 << 20)
    line = str(err.value)
    assert "\n" not in line and str(project / ".vidc") in line and "`vidc gc`" in line and "estimate" in line


def test_plan_says_what_the_build_adds(project, capsys):
    assert main(["plan", str(project), "--hardware", str(HW)]) == 0
    out = capsys.readouterr().out
    line = out.strip().splitlines()[-1]
    assert line.startswith("disk: ~") and "an estimate" in line and f"of {len(_plan(project).tasks)} tasks" in line
    assert main(["plan", str(project), "--hardware", str(HW), "-o", str(project / "plan.json")]) == 0
    assert "disk:" not in (project / "plan.json").read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="a small disk needs a tmpfs mount (root only)")
def test_build_refuses_a_build_that_will_not_fit_before_it_starts(tmp_path, vidc_cmd):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "project.yaml").write_text(_spec(12, 12, "youtube-1080p"))  # ~2.5 minutes of 1080p: over 300 MB
    work = root / ".vidc"
    work.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300m", "tmpfs", str(work)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        proc = subprocess.run(
            [*vidc_cmd, "build", str(root), "--hardware", str(HW), "--json"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        errors = [x for x in proc.stderr.splitlines() if x.startswith("vidc: error:")]
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert len(errors) == 1 and "`vidc gc`" in errors[0] and str(work) in errors[0], proc.stderr[-2000:]
        assert json.loads(proc.stdout.splitlines()[-1])["ran"] == 0
        assert not (work / "journal.log").exists() or "claimed" not in (work / "journal.log").read_text()
    finally:
        subprocess.run(["umount", str(work)], check=False)


def test_a_full_disk_names_the_work_folder_and_gc(tmp_path):
    import errno

    from vidc.runtime.state.faults import describe_oserror

    work = tmp_path / "proj" / ".vidc"
    line = describe_oserror(OSError(errno.ENOSPC, "No space left on device", str(work / "store" / "tmp" / "x-1")))
    assert line.startswith(f"no space left on the device holding {work}:") and "`vidc gc`" in line
    elsewhere = describe_oserror(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "a.mp4")))
    assert f"holding {tmp_path / 'out' / 'a.mp4'}:" in elsewhere
