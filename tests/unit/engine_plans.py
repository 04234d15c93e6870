"""Tiny hand-made plans for the engine's unit tests: inline-script tasks (a real backend that only
writes its params' scenes), on CPU lanes, with dependencies as inputs."""

from __future__ import annotations

from vidc.schemas.hardware import Device, Hardware
from vidc.schemas.plan import Lane, Plan, Requirement, Schedule, Task, VideoPlan

HW = Hardware(name="test", cpu_workers=2, devices=[])


def task(
    tid: str,
    lane: str = "cpu-0",
    start: int = 0,
    inputs: dict | None = None,
    est: int = 100,
    scenes: list | None = None,
    final: list | None = None,
    kind: str = "cpu",
    vram: float = 0.0,
    video: str = "v",
) -> Task:
    return Task(
        id=tid,
        video=video,
        stage="script",
        kind="script",
        backend="inline-script",
        backend_version="1",
        params={"scenes": [{"voiceover_text": tid}] if scenes is None else scenes},
        inputs=inputs or {},
        fingerprint=("fp-" + tid).replace("/", "_"),
        requires=Requirement(kind=kind, vram_gb=vram),
        lane=lane,
        start_ms=start,
        est_ms=est,
        finish_ms=start + est,
        final=final or [],
    )


def plan(tasks: list[Task], hw: Hardware = HW, lanes: list[Lane] | None = None) -> Plan:
    lanes = lanes or [Lane(id=f"cpu-{i}", kind="cpu", device="cpu", speed=1.0) for i in range(hw.cpu_workers)]
    videos = sorted({t.video for t in tasks})
    return Plan(
        project="p",
        spec="project.yaml",
        spec_fingerprint="x",
        compiler_version="0",
        hardware=hw,
        lanes=lanes,
        videos=[
            VideoPlan(
                name=v,
                output="build/",
                preset="draft",
                width=16,
                height=16,
                fps=16,
                # a task that never runs keeps the manifest (real builds test it) out of these tests
                tasks=sorted(t.id for t in tasks if t.video == v) + [f"{v}/not-planned"],
            )
            for v in videos
        ],
        tasks=tasks,
        schedule=Schedule(makespan_ms=0, sequential_ms=0, lower_bound_ms=0, critical_path_ms=0, gpu_work_bound_ms=0),
    )


GPU_HW = Hardware(
    name="gpu",
    cpu_workers=1,
    devices=[Device(id="cuda:0", kind="cuda", vram_gb=8), Device(id="cuda:1", kind="cuda", vram_gb=24)],
)
