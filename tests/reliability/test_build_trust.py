"""A build never publishes a wrong file: damaged store objects, journals, queues, output and work
folders, saved plans and broken tools, each against a real (tiny) build."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from .conftest import done_records, events, flip, object_of, vidc

MP4 = "build/tiny.mp4"


def _finished(proc) -> dict:
    evs = events(proc.stdout)
    assert evs and evs[-1]["event"] == "build_finished", proc.stdout[-2000:]
    return evs[-1]


def test_a_damaged_export_object_is_rendered_again_and_the_good_file_published(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    flip(object_of(tiny, "tiny/export") / "tiny.mp4")
    (tiny / MP4).unlink()
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 0, proc.stderr
    fin = _finished(proc)
    assert fin["ran"] == 1 and fin["ok"]
    assert (tiny / MP4).read_bytes() == reference
    assert vidc("verify", str(tiny)).returncode == 0


@pytest.mark.slow
def test_force_replaces_a_damaged_object(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    flip(object_of(tiny, "tiny/export") / "tiny.mp4")
    flip(tiny / MP4)
    proc = vidc("build", str(tiny), "--json", "--force")
    assert proc.returncode == 0, proc.stderr
    assert (tiny / MP4).read_bytes() == reference
    assert vidc("verify", str(tiny)).returncode == 0


def test_a_damaged_voice_and_an_edited_result_are_never_reused(tiny: Path) -> None:
    reference = (tiny / MP4).read_bytes()
    voice = object_of(tiny, "tiny/voice/scene-01")
    flip(next(p for p in voice.iterdir() if p.suffix == ".wav"))
    result = object_of(tiny, "tiny/music") / "result.json"
    result.write_text(result.read_text().replace("{", '{"edited": 1, ', 1))
    check = vidc("verify", str(tiny), "--json")
    assert check.returncode == 1 and len(json.loads(check.stdout)["damaged"]) == 2
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 0, proc.stderr
    ran = {r.task for r in done_records(tiny)[-2:]}
    assert ran == {"tiny/voice/scene-01", "tiny/music"}
    assert (tiny / MP4).read_bytes() == reference


def test_malformed_journal_records_are_skipped_with_a_warning(tiny: Path) -> None:
    with open(tiny / ".vidc" / "journal.log", "a") as fh:
        fh.write('{"ev": "done"}\n{"ev": "failed"}\n[1]\n{"ev": "done", "task": 1, "fp": 2, "object": 3}\n')
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert any("malformed record" in e.get("text", "") for e in events(proc.stdout))
    assert _finished(proc)["ran"] == 0


def test_a_queue_that_is_a_folder_is_one_clear_line(tiny: Path) -> None:
    (tiny / "project.yaml").write_text((tiny / "project.yaml").read_text().replace("Hello there.", "Hello again."))
    for q in (tiny / ".vidc" / "queues").glob("*.queue"):
        q.unlink()
        q.mkdir()
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "queue" in proc.stderr and "move it away" in proc.stderr
    assert _finished(proc)["ok"] is False


def test_leftover_part_files_are_swept_and_a_fresh_build_publishes(tiny: Path) -> None:
    (tiny / "build" / ".tiny.mp4.abcd1234.part").write_bytes(b"half")
    (tiny / "build" / ".tiny.json.zz_9yy8x.part").write_bytes(b"half")
    (tiny / "build" / "notes.part").write_bytes(b"mine")
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 0
    assert sorted(p.name for p in (tiny / "build").iterdir()) == ["notes.part", "tiny.json", "tiny.mp4"]


def test_a_saved_plan_naming_a_file_outside_is_refused_unread(tiny: Path) -> None:
    plan = tiny / "plan.json"
    assert vidc("plan", str(tiny), "-o", str(plan)).returncode == 0
    data = json.loads(plan.read_text())
    for spec in ("/etc/passwd", "../../../../../../etc/passwd"):
        data["spec"] = spec
        plan.write_text(json.dumps(data))
        proc = vidc("build", str(plan), "--json")
        assert proc.returncode == 2, proc.stderr
        assert "root:" not in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
        assert _finished(proc)["ok"] is False
    plan.write_text('{"vidc_plan": 1, "spec": 3}')
    proc = vidc("build", str(plan))
    assert proc.returncode == 2 and "not a valid vidc plan" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_output_or_work_folder_symlinked_outside_is_refused(tiny: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tiny / "project.yaml").write_text((tiny / "project.yaml").read_text() + "output: out\n")
    os.symlink(outside, tiny / "out")
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 2 and "outside" in proc.stderr
    assert list(outside.iterdir()) == []
    os.unlink(tiny / "out")
    os.rename(tiny / ".vidc", tmp_path / "work")
    os.symlink(tmp_path / "work", tiny / ".vidc")
    before = sorted(p.name for p in (tmp_path / "work").rglob("*"))
    proc = vidc("build", str(tiny), "--json")
    assert proc.returncode == 2 and "work folder" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "work").rglob("*")) == before
    assert list(outside.iterdir()) == []


def test_a_fifo_matrix_does_not_hang_validate(tiny: Path) -> None:
    os.mkfifo(tiny / "rows.csv")
    (tiny / "project.yaml").write_text((tiny / "project.yaml").read_text() + "matrix: {file: rows.csv}\n")
    proc = vidc("validate", str(tiny), timeout=60)
    assert proc.returncode == 2 and "E_MATRIX_FILE" in proc.stderr
    assert stat.S_ISFIFO(os.stat(tiny / "rows.csv").st_mode)


def test_an_ffmpeg_that_writes_nothing_is_one_clear_error_and_the_next_build_resumes(tiny: Path,
                                                                                   tmp_path: Path) -> None:
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
    proc = vidc("build", str(tiny))
    assert proc.returncode == 0 and (tiny / MP4).read_bytes() == reference
