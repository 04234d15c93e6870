"""Every command that takes a spec defaults to the current folder: after `vidc init x && cd x`,
a bare `vidc validate`, `vidc plan` and `vidc build` find `project.yaml` there."""

from __future__ import annotations

import pytest

from vidc.runtime.cli import build_parser, main

SPEC_COMMANDS = ("plan", "validate", "build", "script", "calibrate", "verify", "clean", "review")


@pytest.mark.parametrize("command", SPEC_COMMANDS)
def test_a_bare_command_means_the_current_folder(command):
    assert build_parser().parse_args([command]).spec == "."


@pytest.mark.parametrize("command", SPEC_COMMANDS)
def test_a_spec_given_is_kept(command):
    assert build_parser().parse_args([command, "elsewhere/project.yaml"]).spec == "elsewhere/project.yaml"


def test_init_then_bare_validate_and_plan_use_the_new_project(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "x"]) == 0
    monkeypatch.chdir(tmp_path / "x")
    capsys.readouterr()
    assert main(["validate"]) == 0
    assert "project.yaml: ok (1 video" in capsys.readouterr().out
    assert main(["plan"]) == 0
    assert capsys.readouterr().out.startswith("plan for project.yaml")


def test_a_bare_command_in_a_folder_without_a_spec_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    assert "vidc: error:" in capsys.readouterr().err
