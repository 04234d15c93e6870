"""One lane rule (schemas/lanes.py) for placement and dispatch, and one device lookup (Hardware.device)."""

from __future__ import annotations

import pytest

from vidc.compiler.lower import Draft
from vidc.compiler.place import eligible, make_lanes
from vidc.runtime.engine.dispatch import lane_can_run
from vidc.schemas.hardware import Device, Hardware
from vidc.schemas.lanes import lane_fits
from vidc.schemas.plan import Requirement, Task

HW = Hardware(
    name="two",
    cpu_workers=2,
    devices=[
        Device(id="cuda:0", kind="cuda", vram_gb=24),
        Device(id="cuda:1", kind="cuda", vram_gb=8),
        Device(id="cpu:slow", kind="cpu"),
    ],
)


def test_device_lookup_by_id():
    assert HW.device("cuda:1").vram_gb == 8 and HW.device("cpu:slow").kind == "cpu"
    with pytest.raises(KeyError, match="no device `cuda:9`"):
        HW.device("cuda:9")


@pytest.mark.parametrize(
    "kind,vram,expected",
    [
        ("cpu", 0.0, ["cpu-0", "cpu-1"]),
        ("device", 8.0, ["cpu:slow", "cuda:0", "cuda:1"]),
        ("device", 20.0, ["cpu:slow", "cuda:0"]),  # a CPU declared as a device has no VRAM limit
        ("device", 40.0, ["cpu:slow"]),
    ],
)
def test_placement_and_dispatch_agree_on_which_lane_runs_what(kind, vram, expected):
    lanes = make_lanes(HW)
    assert sorted(ln.id for ln in lanes if lane_fits(ln, HW, kind, vram)) == expected
    draft = Draft(
        id="v/t",
        video="v",
        stage="video",
        kind="chunk",
        backend="wan",
        params={},
        requires={"kind": kind, "vram_gb": vram},
    )
    assert sorted(ln.id for ln in eligible(draft, lanes, HW)) == expected
    task = Task(
        id="v/t",
        video="v",
        stage="video",
        kind="chunk",
        backend="wan",
        backend_version="1",
        params={},
        inputs={},
        argv=[],
        fingerprint="f",
        requires=Requirement(kind=kind, vram_gb=vram),
        lane="cpu-0",
        work_ms=1,
        est_ms=1,
        start_ms=0,
        finish_ms=1,
        rank_ms=1,
    )
    assert sorted(ln.id for ln in lanes if lane_can_run(task, ln, HW)) == expected
