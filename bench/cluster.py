"""The Ray executor's cost: the same plan (the demo at the draft preset: CPU tasks of a fraction of a
second to a few seconds each: voices, captions, music, mix, scene encodes, export) built by the local
executor and by the Ray executor on a local Ray cluster that is already running (as a real cluster
is), alternating, RUNS times. Prints per run the build's wall time, the time from the first task
started to the last finished, and the overhead per task (from a task's start event to its done
event, minus the time the task itself measured); then the median and range over the runs.
Target: Ray adds under 5% to the build.

Then the two-node reference workload (bench/schedule.py's 20 Wan chunks at 720p) planned for the
profile a 4090 + 5090 cluster reports (`--hardware ray:auto`) and simulated, without and with the
measured Ray overhead added to every task.

Run: .venv/bin/python bench/cluster.py [RUNS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import VIDC, fresh_project, machine

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
HARDWARE = "name: bench\ncpu_workers: 2\ncpu_cores: 2\ndevices: []\n"


def draft_demo(tag: str) -> Path:
    project = fresh_project("demo", tag)
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("preset: youtube-1080p", "preset: draft"))
    (project / "hardware.yaml").write_text(HARDWARE)
    return project


def build(project: Path, *extra: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [VIDC, "build", str(project), "--json", "--hardware", str(project / "hardware.yaml"), *extra],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    evs = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    started = {e["task"]: e["t"] for e in evs if e["event"] == "task_started"}
    done = [e for e in evs if e["event"] == "task_done"]
    overhead = [e["t"] - started[e["task"]] - e["ms"] / 1000 for e in done]
    span = max(e["t"] for e in done) - min(started.values())
    return {
        "wall": wall,
        "span": span,
        "tasks": len(done),
        "task_s": sum(e["ms"] for e in done) / 1000,
        "per_task_ms": 1000 * statistics.mean(overhead),
        "mp4": (project / "build" / "vidc-demo.mp4").read_bytes(),
    }


def summary(label: str, values: list[float], unit: str) -> str:
    return (
        f"{label}: median {statistics.median(values):.2f}{unit} "
        f"(range {min(values):.2f}{unit} .. {max(values):.2f}{unit})"
    )


def reference_makespans(extra_ms: float) -> tuple[int, int]:
    sys.path.insert(0, str(Path(__file__).parent))
    from schedule import plan_for

    from vidc.runtime.engine.simulate import simulate
    from vidc.runtime.host.ray_cluster import profile_from_nodes

    nodes = [  # what ray.nodes() reports for the reference design's two boxes
        {"NodeManagerAddress": "10.0.0.1", "Alive": True, "Resources": {"CPU": 2.0, "GPU": 1.0, "gpu_rtx_4090": 1.0}},
        {"NodeManagerAddress": "10.0.0.2", "Alive": True, "Resources": {"CPU": 2.0, "GPU": 1.0, "gpu_rtx_5090": 1.0}},
    ]
    hw = profile_from_nodes(nodes).model_copy(update={"cpu_workers": 2, "cpu_cores": 2})  # as bench/schedule.py
    plan = plan_for("cut", hw)
    base = simulate(plan, jitter=0.0).makespan_ms
    slower = plan.model_copy(
        update={"tasks": [t.model_copy(update={"work_ms": t.work_ms + round(extra_ms)}) for t in plan.tasks]}
    )
    return base, simulate(slower, jitter=0.0).makespan_ms


def main() -> None:
    from ray.cluster_utils import Cluster

    print(__doc__.split("Run:")[0].strip())
    print(f"\nmachine: {machine()}; load average at start {os.getloadavg()[0]:.1f}\n")
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 2, "object_store_memory": 200 * 2**20, "include_dashboard": False},
    )
    rows = []
    try:
        cluster.wait_for_nodes()
        for run in range(1, RUNS + 1):
            local = build(draft_demo("cluster-local"))
            ray = build(draft_demo("cluster-ray"), "--executor", "ray", "--ray-address", cluster.address)
            same = local.pop("mp4") == ray.pop("mp4")
            rows.append((local, ray))
            print(
                f"run {run}: {local['tasks']} tasks, {local['task_s']:.1f} s of task time (local) / "
                f"{ray['task_s']:.1f} s (ray); identical MP4: {same}"
            )
            for name, r in (("local", local), ("ray  ", ray)):
                print(
                    f"  {name} wall {r['wall']:6.2f} s   first start -> last done {r['span']:6.2f} s   "
                    f"overhead per task {r['per_task_ms']:6.1f} ms"
                )
            print(
                f"  ray adds {ray['wall'] / local['wall'] - 1:+.1%} to the wall time, "
                f"{ray['span'] / local['span'] - 1:+.1%} to the span"
            )
    finally:
        cluster.shutdown()
    print()
    print(summary("ray / local wall time - 1", [100 * (r["wall"] / lo["wall"] - 1) for lo, r in rows], " %"))
    print(
        summary(
            "ray / local first start -> last done - 1", [100 * (r["span"] / lo["span"] - 1) for lo, r in rows], " %"
        )
    )
    print(summary("overhead per task, local", [lo["per_task_ms"] for lo, _ in rows], " ms"))
    print(summary("overhead per task, ray  ", [r["per_task_ms"] for _, r in rows], " ms"))
    extra = statistics.median(r["per_task_ms"] - lo["per_task_ms"] for lo, r in rows)
    base, slower = reference_makespans(max(0.0, extra))
    print("target: Ray adds < 5 %")
    print()
    print(
        f"two-node reference workload (20 Wan chunks, 4090 + 5090 from the cluster's resources), simulated: "
        f"{base / 1000:.1f} s; with {max(0.0, extra):.0f} ms of Ray overhead on every task: {slower / 1000:.1f} s "
        f"({slower / base - 1:+.2%})"
    )


if __name__ == "__main__":
    main()
