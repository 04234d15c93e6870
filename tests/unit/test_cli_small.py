"""Small things a user hits: plan -o formats, stale plans name the file, saved plans find their
project, environment faults are one line (exit 1), clean, doctor --licences, the unused --set warning."""

from __future__ import annotations

import os

import pytest

from vidc.runtime.cli import build as build_cmd, main, saved_plan
from vidc.schemas.plan import Plan

SPEC = (
    "vidc: 1\nname: demo\nscript:\n  scenes:\n    - voiceover_text: Hello there, this is a test of a small project,"
    " long enough to fill most of its nine second scene with speech.\n"
    "      duration_seconds: 9\nexport: {preset: draft}\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "project.yaml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    return folder


def test_plan_output_format_follows_the_extension_or_refuses_a_contradiction(project, capsys):
    assert main(["plan", str(project), "--format", "text", "-o", str(project / "plan.json")]) == 2
    assert "--format text does not match -o" in capsys.readouterr().err
    assert not (project / "plan.json").exists()
    assert main(["plan", str(project), "-o", str(project / "plan.json")]) == 0
    Plan.model_validate_json((project / "plan.json").read_text())  # what it says: the canonical plan
    assert main(["plan", str(project), "-o", str(project / "plan.txt")]) == 0
    text = (project / "plan.txt").read_text()
    assert text.startswith("plan for project.yaml") and "estimates: uncalibrated" in text


def test_stale_plan_names_the_changed_file(project, capsys):
    assert main(["plan", str(project), "-o", str(project / "plan.json")]) == 0
    (project / "project.yaml").write_text(SPEC.replace("Hello there", "Hello again"))
    assert main(["build", str(project / "plan.json")]) == 2
    err = capsys.readouterr().err
    assert "is stale: project.yaml changed since the plan was made" in err


def test_saved_plan_finds_its_project_from_elsewhere(project, tmp_path, capsys):
    assert main(["plan", str(project), "-o", str(tmp_path / "plan.json")]) == 0
    plan = Plan.model_validate_json((tmp_path / "plan.json").read_text())
    assert saved_plan.find_project(plan, tmp_path / "plan.json") == (project / "project.yaml").resolve()
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    os.chdir(tmp_path / "a")  # neither the plan's folder, the current folder nor one below them holds the spec
    (tmp_path / "plan.json").rename(elsewhere / "plan.json")
    with pytest.raises(build_cmd.UsageError, match="--project DIR"):
        build_cmd._load_saved_plan(elsewhere / "plan.json", None)
    assert build_cmd._load_saved_plan(elsewhere / "plan.json", str(project))[1] == project / "project.yaml"


def test_environment_faults_are_one_line_and_exit_1(project, capsys, monkeypatch):
    monkeypatch.setattr(build_cmd.shutil, "which", lambda name: None)
    assert main(["build", str(project)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("vidc: error: ffmpeg is not installed")
    monkeypatch.undo()

    def refuse(*a, **k):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(build_cmd.tempfile, "NamedTemporaryFile", refuse)
    assert main(["build", str(project)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "cannot write to" in err and "Read-only file system" in err
    monkeypatch.undo()
    monkeypatch.setattr(build_cmd, "MIN_FREE_BYTES", 1 << 62)
    assert main(["build", str(project)]) == 1
    assert "free some space" in capsys.readouterr().err


def test_clean_dry_run_then_clean_keeps_calibration(project, capsys):
    work = project / ".vidc"
    (work / "store" / "objects" / "ab").mkdir(parents=True)
    (work / "store" / "objects" / "ab" / "f").write_bytes(b"x" * 2048)
    (work / "journal.log").write_text("{}\n")
    (work / "calibration.json").write_text('{"scale": {}}')
    assert main(["clean", str(project), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would remove" in out and "nothing removed" in out and (work / "store").exists()
    assert main(["clean", str(project)]) == 0
    assert sorted(p.name for p in work.iterdir()) == ["calibration.json", "lock"]
    assert main(["clean", str(project), "--all"]) == 0
    assert not (work / "calibration.json").exists()


def test_doctor_lists_licences(capsys):
    assert main(["doctor", "--licences"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "GPL-3.0-or-later" in rows["vidc"]
    assert "piper-tts" in rows and "GPL" in rows["piper-tts"]
    assert "pydantic" in rows


def test_unused_set_is_a_warning_and_dotted_set_sets_a_spec_key(project, capsys):
    assert main(["validate", str(project), "--set", "product=X"]) == 0
    assert (
        "--set:1:1: warning[W_UNUSED_SET]: --set product: no template of the spec uses `product`"
        in capsys.readouterr().err
    )
    assert main(["plan", str(project), "--set", "export.preset=shorts", "-o", str(project / "p.json")]) == 0
    assert Plan.model_validate_json((project / "p.json").read_text()).videos[0].preset == "shorts"
    assert main(["validate", str(project), "--set", "export.preset=shortz"]) == 2
    assert "--set:1:15: error[E_ENUM]: `shortz` is not a valid export.preset" in capsys.readouterr().err
