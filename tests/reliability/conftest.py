from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_cli
from vidc.runtime.state.journal import Journal
from vidc.schemas.journal import Done

from ..conftest import VENV_BIN

TINY = """vidc: 1
name: tiny
script:
  scenes:
    - voiceover_text: "Hello there."
      visual_prompt: "a red square"
      duration_seconds: 8
voice: {engine: piper, voice: en_US-joe-medium, speed: 1.0}
video: {engine: animatic}
music: {mood: [uplifting], bpm: [96, 124]}
captions: {mode: off}
export: {preset: draft}
"""


def vidc_exe() -> str:
    return shutil.which("vidc") or str(VENV_BIN / "vidc")


def vidc(*args: str, **kw) -> subprocess.CompletedProcess:
    """`vidc` in a process of its own, for the tests where that is the point (a time limit on a hang, a PATH
    with broken tools, faults that kill processes); everything else uses tests/cli.py's run_cli."""
    return subprocess.run([vidc_exe(), *args], capture_output=True, text=True, timeout=kw.pop("timeout", 300), **kw)


def events(stdout: str) -> list[dict]:
    return [json.loads(x) for x in stdout.splitlines() if x.startswith("{")]


def done_records(project: Path) -> list[Done]:
    return [r for r in Journal(project / ".vidc" / "journal.log").replay() if isinstance(r, Done) and r.task]


def object_of(project: Path, task: str) -> Path:
    digest = [r.object for r in done_records(project) if r.task == task][-1]
    return project / ".vidc" / "store" / "objects" / digest


def flip(path: Path, at: int = 4000, n: int = 16) -> None:
    data = bytearray(path.read_bytes())
    at = min(at, len(data) - n)
    data[at : at + n] = bytes(b ^ 0xFF for b in data[at : at + n])
    path.write_bytes(bytes(data))


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory) -> Path:
    """A one-scene project, built once (about 15 s); tests work on copies."""
    project = tmp_path_factory.mktemp("tiny") / "tiny"
    project.mkdir()
    (project / "project.yaml").write_text(TINY)
    run_cli("build", project, "--json").ok()
    return project


@pytest.fixture
def tiny(tiny_built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "tiny"
    shutil.copytree(tiny_built, dest, symlinks=True)
    return dest
