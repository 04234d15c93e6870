"""The shared test helpers do what they say: tests/factories.py builds specs, sources, options and plans;
tests/cli.py runs the command line in this process and hands back its exit code, output and events."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.cli import CliResult, run_cli
from tests.factories import CPU, codes, compile_text, options, plan_of, sources, spec_text


def test_spec_text_is_a_spec_that_compiles_with_what_it_was_given():
    text = spec_text(
        "Hello there.",
        {"voiceover_text": "Second: scene.", "duration_seconds": 9},
        name="two",
        captions={"mode": "sidecar"},
    )
    tree = yaml.safe_load(text)
    assert tree["script"]["scenes"] == [
        {"voiceover_text": "Hello there.", "duration_seconds": 8},
        {"voiceover_text": "Second: scene.", "duration_seconds": 9},
    ]
    assert tree["captions"] == {"mode": "sidecar"} and tree["export"] == {"preset": "draft"}
    plan = plan_of(text)
    assert [v.name for v in plan.videos] == ["two"] and len(plan.videos[0].scenes) == 2


def test_sources_are_the_spec_and_the_files_given_and_nothing_else():
    src = sources("vidc: 1\n", {"a.csv": "x\n1\n"}, name="p.yaml")
    assert src.spec_name == "p.yaml" and src.read("a.csv") == "x\n1\n"
    assert src.exists("p.yaml") and src.exists("a.csv") and not src.exists("b.csv")
    with pytest.raises(FileNotFoundError):
        src.read("b.csv")


def test_options_carry_the_catalog_unless_told_otherwise():
    assert options().catalog is not None and options(catalog=None).catalog is None
    assert options(overrides={"--preset": "shorts"}).overrides == {"--preset": "shorts"}


def test_compile_text_returns_the_diagnostics_of_a_bad_spec():
    plan, diags = compile_text(spec_text("Hi.", voice={"engine": "nonsuch"}), CPU)
    assert plan is None and codes(diags) == ["E_ENUM"] and (diags[0].line, diags[0].col) == (7, 19)


def test_run_cli_returns_code_output_and_restores_cwd_and_environment(tmp_path: Path):
    (tmp_path / "project.yaml").write_text(spec_text("Hello there, a short test."))
    cwd, env = Path.cwd(), dict(os.environ)
    ok = run_cli("validate", ".", cwd=tmp_path, env={"VIDC_TEST_MARK": "1"})  # "." is tmp_path
    assert isinstance(ok, CliResult) and ok.code == 0, ok.err
    assert Path.cwd() == cwd and dict(os.environ) == env
    assert run_cli("plan", tmp_path, "--format", "json").ok().out.startswith("{")
    usage = run_cli("no-such-command")
    assert usage.code == 2 and "usage: vidc" in usage.err


def test_events_are_the_json_lines_of_the_output():
    result = CliResult(0, 'plain line\n{"event": "a"}\n{"event": "b", "n": 1}\n', "")
    assert result.events == [{"event": "a"}, {"event": "b", "n": 1}]
    with pytest.raises(AssertionError, match="exited 1"):
        CliResult(1, "", "boom").ok()
