import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "projects"
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"


@pytest.fixture
def vidc_cmd() -> list[str]:
    exe = shutil.which("vidc") or str(VENV_BIN / "vidc")
    return [exe]


def copy_project(name: str, dest: Path) -> Path:
    """A private copy of an example project (builds write into the project folder)."""
    target = dest / name
    shutil.copytree(PROJECTS / name, target, ignore=shutil.ignore_patterns(".vidc", "build"))
    return target
