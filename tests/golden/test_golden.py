"""Golden plans: the canonical plan.json and the text view of every example project.

Regenerate after an intended change with `pytest tests/golden --snapshot-update` and review the diff."""

from pathlib import Path

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from tests.factories import options
from vidc.compiler.compile import compile_project
from vidc.compiler.render import to_json, to_text
from vidc.runtime.host.hardware import load_hardware
from vidc.runtime.host.sources import find_spec, project_sources

from ..conftest import PROJECTS

HERE = Path(__file__).parent
CASES = {
    "demo": HERE / "hardware-cpu.yaml",
    "catalog": HERE / "hardware-cpu.yaml",
    "beatsync-promo": PROJECTS / "beatsync-promo" / "hardware.yaml",
}


class JSONFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "json"


class TextFile(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "txt"


def compiled(name: str):
    src, _ = project_sources(find_spec(PROJECTS / name))
    plan, diags = compile_project(src, load_hardware(CASES[name]), options())
    assert plan is not None, [d.format() for d in diags]
    return plan


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_json(name, snapshot):
    assert to_json(compiled(name)) == snapshot(extension_class=JSONFile)


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_text(name, snapshot):
    assert to_text(compiled(name)) == snapshot(extension_class=TextFile)
