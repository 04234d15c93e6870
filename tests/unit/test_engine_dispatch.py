"""engine/dispatch.py as it behaves today: a lane's own queue first, then stealing from the busiest."""

from __future__ import annotations

from vidc.runtime.engine.dispatch import lane_can_run, pick, planned_queues
from vidc.schemas.plan import Lane

from .engine_plans import GPU_HW, HW, task

CPU0 = Lane(id="cpu-0", kind="cpu", device="cpu", speed=1.0)
CPU1 = Lane(id="cpu-1", kind="cpu", device="cpu", speed=1.0)


def test_planned_queues_follow_the_planned_start_times():
    ts = {
        t.id: t for t in [task("b", "cpu-0", 50), task("a", "cpu-0", 50), task("c", "cpu-1", 0), task("d", "cpu-0", 0)]
    }
    assert planned_queues(list(ts), ts, ["cpu-0", "cpu-1"]) == {"cpu-0": ["d", "a", "b"], "cpu-1": ["c"]}


def test_own_ready_task_first_in_planned_order():
    ts = {t.id: t for t in [task("x"), task("y"), task("z", "cpu-1")]}
    planned = {"cpu-0": ["x", "y"], "cpu-1": ["z"]}
    assert pick(CPU0, planned, ts, lambda t: True, HW) == ("x", None)
    assert pick(CPU0, planned, ts, lambda t: t != "x", HW) == ("y", None)  # x waits for its inputs: y goes first


def test_idle_lane_steals_from_the_busiest_lane():
    ts = {t.id: t for t in [task("a", "cpu-1", est=100), task("b", "cpu-2", est=500), task("c", "cpu-2", est=500)]}
    planned = {"cpu-0": [], "cpu-1": ["a"], "cpu-2": ["b", "c"]}
    assert pick(CPU0, planned, ts, lambda t: True, HW) == ("b", "cpu-2")
    assert pick(CPU0, planned, ts, lambda t: t != "b", HW) == ("c", "cpu-2")
    assert pick(CPU0, planned, ts, lambda t: t == "a", HW) == ("a", "cpu-1")
    assert pick(CPU0, planned, ts, lambda t: True, HW, steal=False) is None
    assert pick(CPU0, planned, ts, lambda t: False, HW) is None


def test_stealing_respects_what_a_lane_can_run():
    big = task("big", "cuda:1", kind="device", vram=20)
    small = task("small", "cuda:1", kind="device", vram=6)
    ts = {"big": big, "small": small}
    gpu0 = Lane(id="cuda:0", kind="device", device="cuda:0", speed=1.0, vram_gb=8)
    cpu = Lane(id="cpu-0", kind="cpu", device="cpu", speed=1.0)
    planned = {"cuda:0": [], "cuda:1": ["big", "small"], "cpu-0": []}
    assert pick(gpu0, planned, ts, lambda t: True, GPU_HW) == ("small", "cuda:1")  # 20 GB does not fit in 8
    assert pick(cpu, planned, ts, lambda t: True, GPU_HW) is None  # a CPU lane never takes device work
    assert not lane_can_run(task("c"), gpu0, GPU_HW) and lane_can_run(task("c"), cpu, GPU_HW)
    assert lane_can_run(big, Lane(id="cuda:1", kind="device", device="cuda:1", speed=1, vram_gb=24), GPU_HW)
