"""`--skip-invalid-rows` on the commands that only compile (validate, plan, a saved plan), and how the
nightly review shows a row left out. The builds themselves are in tests/functional/test_nightly.py."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import run_cli
from vidc.runtime.cli.left_out import failures
from vidc.runtime.review.nightly import review

SPEC = """vidc: 1
name: "row-{{ n }}"
matrix: {file: rows.csv}
script:
  scene_seconds: [1, 6]
  scenes:
    - {voiceover_text: "Row {{ n }}.", visual_prompt: "", duration_seconds: 1}
voice: {engine: piper, voice: "{{ voice }}"}
video: {engine: animatic}
captions: {mode: off}
export: {preset: draft}
"""
GOOD, BAD = "en_US-joe-medium", "en_US-nobody-medium"
HARDWARE = Path(__file__).parents[1] / "golden" / "hardware-cpu.yaml"


def _project(tmp_path: Path, *voices: str) -> Path:
    (tmp_path / "project.yaml").write_text(SPEC)
    (tmp_path / "rows.csv").write_text("n,voice\n" + "".join(f"{n},{v}\n" for n, v in zip("abc", voices)))
    return tmp_path


def test_validate_leaves_the_bad_row_out_with_a_warning_that_names_it_and_exits_1(tmp_path: Path) -> None:
    project = _project(tmp_path, GOOD, BAD, GOOD)
    plain = run_cli("validate", project)
    assert plain.code == 2 and "error[E_NOT_INSTALLED]" in plain.err and "left out" not in plain.err
    skipped = run_cli("validate", project, "--skip-invalid-rows")
    assert skipped.code == 1 and "ok (2 videos" in skipped.out, skipped.err
    assert "project.yaml:8:31: warning[E_NOT_INSTALLED]: row 2 (rows.csv line 3) left out: piper voice" in skipped.err
    assert "hint: use an installed voice" in skipped.err and "error[" not in skipped.err
    assert "1 video(s) left out of the plan (row 2 (rows.csv line 3): row-b)" in skipped.err


def test_with_no_bad_row_the_flag_changes_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path, GOOD, GOOD, GOOD)
    plain = run_cli("plan", project, "--hardware", HARDWARE, "--format", "json")
    flagged = run_cli("plan", project, "--hardware", HARDWARE, "--format", "json", "--skip-invalid-rows")
    assert plain.code == flagged.code == 0 and plain.out == flagged.out and plain.err == flagged.err


def test_every_row_bad_is_still_a_spec_error(tmp_path: Path) -> None:
    proc = run_cli("validate", _project(tmp_path, BAD, BAD, BAD), "--skip-invalid-rows")
    assert proc.code == 2 and "error[E_NOT_INSTALLED]" in proc.err and "left out" not in proc.err


def test_a_plan_saved_with_the_flag_holds_the_good_rows_and_builds_only_with_it(tmp_path: Path) -> None:
    project = _project(tmp_path, GOOD, BAD, GOOD)
    saved = project / "plan.json"
    made = run_cli("plan", project, "--hardware", HARDWARE, "-o", saved, "--skip-invalid-rows")
    assert made.code == 1 and "row 2 (rows.csv line 3) left out" in made.err
    assert [v["name"] for v in json.loads(saved.read_text())["videos"]] == ["row-a", "row-c"]
    refused = run_cli("build", saved)  # without the flag the spec has an error: nothing is built
    assert refused.code == 2 and "error[E_NOT_INSTALLED]" in refused.err and not (project / "build").exists()


def test_the_review_page_shows_the_row_where_and_the_fix() -> None:
    from vidc.compiler.diagnostics import Diagnostic
    from vidc.compiler.left_out import LeftOut

    error = Diagnostic("project.yaml", 8, 31, "E_NOT_INSTALLED", "piper voice `x` is not installed", "install it")
    listed = failures([LeftOut(1, "row 2 (rows.csv line 3)", "row-b", (error,))])
    assert listed["row-b"]["where"] == "project.yaml:8:31" and listed["row-b"]["row"] == 2
    summary = {
        "videos": 3,
        "built": [{"name": "row-a", "mp4": "build/row-a.mp4"}],
        "failed": listed,
        "started": "2026-12-07T01:00:00+00:00",
        "seconds": 10.0,
        "attempts": [{"exit": 1, "seconds": 10.0, "errors": []}],
        "tasks_ran": 6,
        "tasks_cached": 0,
        "redone": {
            "redone_seconds": 0.0,
            "task_seconds": 1.0,
            "redone_fraction": 0.0,
            "attempts_lost": 0,
            "failed_seconds": 0.0,
        },
        "cost_usd": {"measured": 0.0, "estimated": 0.0},
        "retried": [],
    }
    page = review(summary)
    assert (
        "- **row-b**: piper voice `x` is not installed: row 2 (rows.csv line 3) left out of the plan, "
        "error[E_NOT_INSTALLED] at `project.yaml:8:31`; fix: install it" in page
    )
