import json
import subprocess
from pathlib import Path

import pytest

from vidc.runtime.state.journal import Journal
from vidc.schemas.journal import Record

from ..conftest import copy_project


def build(vidc_cmd, project: Path, *extra: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([*vidc_cmd, "build", str(project), "--json", *extra], capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"vidc build failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


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
def built_demo(tmp_path_factory, vidc_session_cmd):
    project = draft_demo(tmp_path_factory.mktemp("demo"))
    proc = build(vidc_session_cmd, project)
    return project, proc


@pytest.fixture(scope="session")
def vidc_session_cmd():
    import shutil

    from ..conftest import VENV_BIN

    return [shutil.which("vidc") or str(VENV_BIN / "vidc")]
