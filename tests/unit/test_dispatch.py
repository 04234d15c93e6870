"""The dispatch rule shared by the executor and the simulator: CPU lanes take the ready task with
the longest remaining path (the plan's lane-aware rank); device lanes keep their planned order."""

from tests.factories import DEMO, plan_of
from vidc.compiler.place import remaining_rank
from vidc.runtime.engine.dispatch import pick, planned_queues
from vidc.runtime.engine.simulate import simulate
from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Lane

CPU_LANES = [Lane(id=f"cpu-{i}", kind="cpu", device="cpu", speed=1.0) for i in range(2)]


def test_remaining_rank_is_the_upward_rank_when_lanes_are_plentiful():
    # a -> b -> d, a -> c -> d: upward ranks d 1, b 11, c 3, a 13
    order = ["a", "b", "c", "d"]
    work = {"a": 2.0, "b": 10.0, "c": 2.0, "d": 1.0}
    preds = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}
    succs = {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}
    rank = remaining_rank(order, work, preds, succs, dict.fromkeys(order, "cpu"), CPU_LANES)
    assert rank == {"a": 13, "b": 11, "c": 3, "d": 1}


def test_a_short_chain_beside_a_bag_of_encodes_ranks_first():
    """Two lanes; four 10 s encodes and a 3 s + 3 s chain all feed one join. By upward rank the
    encodes (11) outrank the chain (7) and the chain would run alone at the end; counting the
    lanes, the chain must start first."""
    order = ["e1", "e2", "e3", "e4", "m1", "m2", "x"]
    work = {"e1": 10.0, "e2": 10.0, "e3": 10.0, "e4": 10.0, "m1": 3.0, "m2": 3.0, "x": 1.0}
    preds = {**{e: [] for e in order[:4]}, "m1": [], "m2": ["m1"], "x": ["e1", "e2", "e3", "e4", "m2"]}
    succs = {**{e: ["x"] for e in order[:4]}, "m1": ["m2"], "m2": ["x"], "x": []}
    rank = remaining_rank(order, work, preds, succs, dict.fromkeys(order, "cpu"), CPU_LANES)
    assert rank["m1"] > rank["m2"] > max(rank[e] for e in order[:4])


def test_plan_ranks_decrease_along_every_edge():
    plan = plan_of(DEMO)
    tasks = plan.task_map()
    for t in plan.tasks:
        for dep in t.inputs.values():
            assert tasks[dep].rank_ms >= t.rank_ms + tasks[dep].work_ms - 1, (dep, t.id)


def test_demo_music_and_mix_start_once_the_voices_exist():
    plan = plan_of(DEMO)
    runs = {tid: (lane, start, end) for tid, lane, start, end in simulate(plan).runs}
    voices_done = max(end for tid, (_, _, end) in runs.items() if "/voice/" in tid)
    encodes = sorted(start for tid, (_, start, _) in runs.items() if "/video/" in tid)
    assert voices_done <= runs["vidc-demo/music"][1] <= encodes[1]  # taken once the voices (and captions) are done
    # With the measured costs (templates/cost_model.yaml: a 2.6 s mix beside 3.8 s encodes) the mix
    # fits beside the last encodes: never after all of them, alone at the end
    last_encode_end = max(end for tid, (_, _, end) in runs.items() if "/video/" in tid)
    assert runs["vidc-demo/mix"][1] < last_encode_end
    assert runs["vidc-demo/mix"][2] <= last_encode_end + 500


def test_cpu_lane_takes_the_best_ready_task_from_any_cpu_queue():
    plan = plan_of(DEMO)
    tasks = plan.task_map()
    queues = planned_queues(list(tasks), tasks, [ln.id for ln in plan.lanes], {ln.id: ln.kind for ln in plan.lanes})
    done = {t for t in tasks if "/voice/" in t or t.endswith("/script")}

    def ready(t):
        return t not in done and all(d in done for d in tasks[t].inputs.values())

    best = max((t for t in tasks if ready(t)), key=lambda t: tasks[t].rank_ms)
    for lane in plan.lanes:
        tid, taken_from = pick(lane, queues, tasks, ready, plan.hardware)
        assert tid == best
        assert taken_from == (None if tasks[best].lane == lane.id else tasks[best].lane)
        # without stealing a lane keeps to its own queue, best first
        own = pick(lane, queues, tasks, ready, plan.hardware, steal=False)
        mine = [t for t in queues[lane.id] if ready(t)]
        assert own == ((max(mine, key=lambda t: tasks[t].rank_ms), None) if mine else None)


def test_device_lanes_keep_their_planned_order():
    spec = DEMO.replace("video: {engine: animatic}", "video: {engine: wan, model: Wan-AI/Wan2.1-T2V-1.3B-Diffusers}")
    hw = Hardware(name="g", cpu_workers=2, devices=[{"id": "cuda:0", "kind": "cuda", "name": "g", "vram_gb": 24}])
    plan = plan_of(spec, hw)
    tasks = plan.task_map()
    queues = planned_queues(list(tasks), tasks, [ln.id for ln in plan.lanes], {ln.id: ln.kind for ln in plan.lanes})
    gpu = queues["cuda:0"]
    assert gpu == sorted(gpu, key=lambda t: (tasks[t].start_ms, t))
    assert all(tasks[t].requires.kind == "device" for t in gpu)
