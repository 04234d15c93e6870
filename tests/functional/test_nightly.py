"""`vidc nightly`: a matrix where one video fails at run time. The others are built, the summary and the
review say which failed and why, and the next run retries only that one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli import run_cli

from .test_build_more import _damaged_png

SPEC = """vidc: 1
name: "night-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 6]
  scenes:
    - {voiceover_text: "Picture {{ n }}.", visual_prompt: "", duration_seconds: 2, asset: "media/{{ n }}.png"}
video: {engine: assets}
music: {mood: [calm]}
captions: {mode: off}
export: {preset: draft}
"""


def _png(path: Path, colour: str) -> None:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c={colour}:s=320x240",
            "-frames:v",
            "1",
            str(path),
        ],
        check=True,
    )


def test_a_failed_video_does_not_block_the_others_and_the_next_night_retries_only_it(tmp_path: Path) -> None:
    project = tmp_path / "night"
    (project / "media").mkdir(parents=True)
    (project / "project.yaml").write_text(SPEC)
    (project / "rows.csv").write_text("n\na\nb\nc\n")
    _png(project / "media" / "a.png", "red")
    _damaged_png(project / "media" / "b.png")  # its header plans fine; decoding it fails at build time
    _png(project / "media" / "c.png", "blue")

    first = run_cli("nightly", project)
    assert first.code == 1, first.out + first.err
    assert "built 2 of 3 videos" in first.out and "failed night-b" in first.out
    summary = json.loads((project / "build" / "nightly.json").read_text())
    assert [b["name"] for b in summary["built"]] == ["night-a", "night-c"]
    assert list(summary["failed"]) == ["night-b"]
    assert summary["failed"]["night-b"]["task"].startswith("night-b/"), summary["failed"]
    assert summary["failed"]["night-b"]["why"].strip(": ")
    assert summary["retried"] == [] and summary["tasks_ran"] > 0 and len(summary["attempts"]) == 1
    assert (project / "build" / "night-a.mp4").is_file() and not (project / "build" / "night-b.mp4").exists()
    page = (project / "build" / "nightly.md").read_text()
    assert "2 of 3 videos built" in page and "**night-b**" in page and summary["failed"]["night-b"]["task"] in page

    a_mp4 = (project / "build" / "night-a.mp4").read_bytes()
    _png(project / "media" / "b.png", "green")  # the operator fixes the picture during the day
    second = run_cli("nightly", project)
    assert second.code == 0, second.out + second.err
    summary = json.loads((project / "build" / "nightly.json").read_text())
    assert summary["retried"] == ["night-b"] and summary["failed"] == {}
    assert [b["name"] for b in summary["built"]] == ["night-a", "night-b", "night-c"]
    ran = summary["tasks_ran"]
    assert 0 < ran <= 6 and summary["tasks_cached"] >= 10, summary  # night-b's work (and the shared script)
    assert (project / "build" / "night-a.mp4").read_bytes() == a_mp4
    assert "3 of 3 videos built" in (project / "build" / "nightly.md").read_text()


def test_a_spec_error_is_its_diagnostics_and_builds_nothing(tmp_path: Path) -> None:
    (tmp_path / "project.yaml").write_text(SPEC.replace("voiceover_text", "voiceover_txt"))
    (tmp_path / "rows.csv").write_text("n\na\n")
    proc = run_cli("nightly", tmp_path)
    assert proc.code == 2 and "E_UNKNOWN_KEY" in proc.err
    assert not (tmp_path / "build").exists()


def test_publish_without_the_publish_command_is_a_usage_error(tmp_path: Path, monkeypatch) -> None:
    from vidc.runtime.cli import nightly

    monkeypatch.setattr(nightly, "publish_available", lambda: False)
    (tmp_path / "project.yaml").write_text(SPEC)
    (tmp_path / "rows.csv").write_text("n\na\n")
    proc = run_cli("nightly", tmp_path, "--publish", "youtube")
    assert proc.code == 2 and "--publish runs `vidc publish`" in proc.err
    assert not (tmp_path / "build").exists()


ROWS_SPEC = """vidc: 1
name: "row-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 6]
  scenes:
    - {voiceover_text: "Row {{ n }}.", visual_prompt: "", duration_seconds: 1}
voice: {engine: piper, voice: "{{ voice }}"}
video: {engine: animatic}
music: {mood: [calm]}
captions: {mode: off}
export: {preset: draft}
"""
GOOD_VOICE = "en_US-joe-medium"  # the voice the test environment installs


def test_a_row_with_a_spec_error_is_left_out_and_built_the_night_after_it_is_fixed(tmp_path: Path) -> None:
    """Row 2 names a voice that is not installed: `vidc build --skip-invalid-rows` builds rows 1 and 3
    and exits 1; `vidc nightly` lists row 2 failed with the diagnostic (where, fix) and, once the row is
    fixed, builds it the next night and lists it retried."""
    project = tmp_path / "rows"
    project.mkdir()
    (project / "project.yaml").write_text(ROWS_SPEC)
    rows = project / "rows.csv"
    rows.write_text(f"n,voice\na,{GOOD_VOICE}\nb,en_US-nobody-medium\nc,{GOOD_VOICE}\n")

    refused = run_cli("build", project)  # without the flag: a spec error, nothing is built
    assert refused.code == 2 and "E_NOT_INSTALLED" in refused.err and not (project / "build").exists()

    built = run_cli("build", project, "--skip-invalid-rows", "--json")
    assert built.code == 1, built.out + built.err
    [gone] = [e for e in built.events if e["event"] == "video_left_out"]
    assert (gone["video"], gone["row"], gone["label"]) == ("row-b", 2, "row 2 (rows.csv line 3)")
    assert gone["problems"][0]["code"] == "E_NOT_INSTALLED" and gone["problems"][0]["where"] == "project.yaml:8:31"
    assert built.events[-1]["event"] == "build_finished" and built.events[-1]["exit"] == 1
    assert "row 2 (rows.csv line 3) left out: piper voice `en_US-nobody-medium`" in built.err
    assert "warning[E_NOT_INSTALLED]" in built.err and "hint: use an installed voice" in built.err
    assert sorted(p.name for p in (project / "build").glob("*.mp4")) == ["row-a.mp4", "row-c.mp4"]

    first = run_cli("nightly", project)  # rows 1 and 3 are up to date: nothing renders again
    assert first.code == 1, first.out + first.err
    assert "built 2 of 3 videos" in first.out and "failed row-b" in first.out and "project.yaml:8:31" in first.out
    summary = json.loads((project / "build" / "nightly.json").read_text())
    assert [b["name"] for b in summary["built"]] == ["row-a", "row-c"] and summary["tasks_ran"] == 0
    failed = summary["failed"]["row-b"]
    assert failed["where"] == "project.yaml:8:31" and failed["row"] == 2 and failed["code"] == "E_NOT_INSTALLED"
    assert "en_US-nobody-medium" in failed["why"] and failed["fix"].startswith("use an installed voice")
    page = (project / "build" / "nightly.md").read_text()
    assert "**row-b**" in page and "row 2 (rows.csv line 3) left out of the plan" in page
    assert "`project.yaml:8:31`" in page and "fix: use an installed voice" in page

    rows.write_text(f"n,voice\na,{GOOD_VOICE}\nb,{GOOD_VOICE}\nc,{GOOD_VOICE}\n")  # fixed during the day
    second = run_cli("nightly", project)
    assert second.code == 0, second.out + second.err
    summary = json.loads((project / "build" / "nightly.json").read_text())
    assert summary["retried"] == ["row-b"] and summary["failed"] == {}
    assert [b["name"] for b in summary["built"]] == ["row-a", "row-b", "row-c"]
    assert (project / "build" / "row-b.mp4").is_file()
