"""A build never publishes a wrong file: damaged store objects, journals, queues, output and work
folders, saved plans and broken tools, each against a real (tiny) build."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.cli import run_cli

from .conftest import done_records, flip, object_of, vidc

MP4 = "build/tiny.mp4"


def _finished(proc) -> dict:
    evs = proc.events
    assert evs and evs[-1]["event"] == "build_finished", proc.out[-2000:]
    return evs[-1]


def test_a_damaged_export_object_is_rendered_again_and_the_good_file_published(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    flip(object_of(tiny, "tiny/export") / "tiny.mp4")
    (tiny / MP4).unlink()
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 0, proc.err
    fin = _finished(proc)
    assert fin["ran"] == 1 and fin["ok"]
    assert (tiny / MP4).read_bytes() == reference
    assert run_cli("verify", str(tiny)).code == 0


@pytest.mark.slow
def test_force_replaces_a_damaged_object(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    flip(object_of(tiny, "tiny/export") / "tiny.mp4")
    flip(tiny / MP4)
    proc = run_cli("build", str(tiny), "--json", "--force")
    assert proc.code == 0, proc.err
    assert (tiny / MP4).read_bytes() == reference
    assert run_cli("verify", str(tiny)).code == 0


def test_a_damaged_voice_and_an_edited_result_are_never_reused(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    voice = object_of(tiny, "tiny/voice/scene-01")
    flip(next(p for p in voice.iterdir() if p.suffix == ".wav"))
    result = object_of(tiny, "tiny/music") / "result.json"
    result.write_text(result.read_text().replace("{", '{"edited": 1, ', 1))
    check = run_cli("verify", str(tiny), "--json")
    assert check.code == 1 and len(json.loads(check.out)["damaged"]) == 2
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 0, proc.err
    ran = {r.task for r in done_records(tiny)[-2:]}
    assert ran == {"tiny/voice/scene-01", "tiny/music"}
    assert (tiny / MP4).read_bytes() == reference


def test_malformed_journal_records_are_skipped_with_a_warning(tiny: Path) -> None:
    with open(tiny / ".vidc" / "journal.log", "a") as fh:
        fh.write('{"ev": "done"}\n{"ev": "failed"}\n[1]\n{"ev": "done", "task": 1, "fp": 2, "object": 3}\n')
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 0 and "Traceback" not in proc.err
    assert any("malformed record" in e.get("text", "") for e in proc.events)
    assert _finished(proc)["ran"] == 0


def test_a_queue_that_is_a_folder_is_one_clear_line(tiny: Path) -> None:
    (tiny / "project.yaml").write_text((tiny / "project.yaml").read_text().replace("Hello there.", "Hello again."))
    for q in (tiny / ".vidc" / "queues").glob("*.queue"):
        q.unlink()
        q.mkdir()
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 1 and "Traceback" not in proc.err
    assert "queue" in proc.err and "move it away" in proc.err
    assert _finished(proc)["ok"] is False


def test_leftover_part_files_are_swept_and_a_fresh_build_publishes(tiny: Path) -> None:
    (tiny / "build" / ".tiny.mp4.abcd1234.part").write_bytes(b"half")
    (tiny / "build" / ".tiny.json.zz_9yy8x.part").write_bytes(b"half")
    (tiny / "build" / "notes.part").write_bytes(b"mine")
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 0
    assert sorted(p.name for p in (tiny / "build").iterdir()) == ["notes.part", "tiny.json", "tiny.mp4"]


def test_a_saved_plan_naming_a_file_outside_is_refused_unread(tiny: Path) -> None:
    plan = tiny / "plan.json"
    assert run_cli("plan", str(tiny), "-o", str(plan)).code == 0
    data = json.loads(plan.read_text())
    for spec in ("/etc/passwd", "../../../../../../etc/passwd"):
        data["spec"] = spec
        plan.write_text(json.dumps(data))
        proc = run_cli("build", str(plan), "--json")
        assert proc.code == 2, proc.err
        assert "root:" not in proc.err + proc.out and "Traceback" not in proc.err
        assert _finished(proc)["ok"] is False
    plan.write_text('{"vidc_plan": 1, "spec": 3}')
    proc = run_cli("build", str(plan))
    assert proc.code == 2 and "not a valid vidc plan" in proc.err and "Traceback" not in proc.err
    assert len(proc.err.strip().splitlines()) == 1


def test_output_or_work_folder_symlinked_outside_is_refused(tiny: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tiny / "project.yaml").write_text((tiny / "project.yaml").read_text() + "output: out\n")
    os.symlink(outside, tiny / "out")
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 2 and "outside" in proc.err
    assert list(outside.iterdir()) == []
    os.unlink(tiny / "out")
    os.rename(tiny / ".vidc", tmp_path / "work")
    os.symlink(tmp_path / "work", tiny / ".vidc")
    before = sorted(p.name for p in (tmp_path / "work").rglob("*"))
    proc = run_cli("build", str(tiny), "--json")
    assert proc.code == 2 and "work folder" in proc.err
    assert sorted(p.name for p in (tmp_path / "work").rglob("*")) == before
    assert list(outside.iterdir()) == []


def test_a_fifo_matrix_does_not_hang_validate(tiny: Path) -> None:
    os.mkfifo(tiny / "rows.csv")
    (tiny / "project.yaml").write_text((tiny / "project.yaml").read_text() + "matrix: {file: rows.csv}\n")
    proc = vidc("validate", str(tiny), timeout=60)
    assert proc.returncode == 2 and "E_MATRIX_FILE" in proc.stderr
    assert stat.S_ISFIFO(os.stat(tiny / "rows.csv").st_mode)


def test_an_ffmpeg_that_writes_nothing_is_one_clear_error_and_the_next_build_resumes(
    tiny: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ffmpeg").write_text("#!/bin/sh\nexit 0\n")
    (fake / "ffmpeg").chmod(0o755)
    reference = (tiny / MP4).read_bytes()
    flip(object_of(tiny, "tiny/export") / "tiny.mp4")
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    proc = vidc("build", str(tiny), env=env)
    assert proc.returncode == 1
    assert "wrote nothing" in proc.stderr and "Traceback" not in proc.stderr
    assert (tiny / MP4).read_bytes() == reference  # the published file was left alone
    proc = run_cli("build", str(tiny))
    assert proc.code == 0 and (tiny / MP4).read_bytes() == reference
