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
