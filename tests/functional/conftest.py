import json
from pathlib import Path

import pytest

from tests.cli import CliResult, run_cli
from vidc.runtime.state.journal import Journal
from vidc.schemas.journal import Record

from ..conftest import copy_project


def build(project: Path, *extra: str, check: bool = True) -> CliResult:
    """`vidc build PROJECT --json ...` in this process (tests/cli.py); check: it must exit 0."""
    result = run_cli("build", project, "--json", *extra)
    return result.ok() if check else result


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def journal(project: Path) -> list[Record]:
    return Journal(project / ".vidc" / "journal.log").replay()


def draft_demo(tmp: Path) -> Path:
    """The demo at the draft preset: the same pipeline, a fraction of the encode time."""
    project = copy_project("demo", tmp)
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("preset: youtube-1080p", "preset: draft"))
    return project


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory):
    project = draft_demo(tmp_path_factory.mktemp("demo"))
    proc = build(project)
    return project, proc


@pytest.fixture(scope="session")
def vidc_session_cmd():
    import shutil

    from ..conftest import VENV_BIN

    return [shutil.which("vidc") or str(VENV_BIN / "vidc")]
