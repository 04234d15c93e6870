"""One clip on many GPUs, planned: the reference workload (6 scenes, 20 chunks of Wan2.1 14B at 720p,
24 fps, 8 steps, `cut`) and the latency case (one 10 s scene: 3 chunks) on 1, 2 and 8 GPUs of one
node (80 GB, speed 2.0 against the 4090), with `parallel: auto` (the planner may give a chunk a
context-parallel group when GPUs would otherwise idle) and `parallel: off` (one chunk per GPU).

Run: .venv/bin/python bench/context_parallel.py
"""

from __future__ import annotations

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.frontend import SourceFiles
from vidc.compiler.render import secs
from vidc.runtime.backends.registry import catalog
from vidc.schemas.hardware import Device, Hardware

SCENE = """    - voiceover_text: "Scene {i} says a short sentence of about fifteen words, which fits easily in its time."
      visual_prompt: "shot {i} of the reference workload"
      duration_seconds: {d}"""
SPEC = """vidc: 1
name: reference
script:
  scenes:
{scenes}
video: {{engine: wan, model: Wan-AI/Wan2.1-T2V-14B-Diffusers, resolution: 720p, fps: 24, steps: 8, offload: model,
        parallel: {parallel}{extra}}}
export: {{preset: youtube-1080p}}
"""


def plan(durations, n, parallel, extra=""):
    scenes = "\n".join(SCENE.format(i=i, d=d) for i, d in enumerate(durations, 1))
    text = SPEC.format(scenes=scenes, parallel=parallel, extra=extra)
    src = SourceFiles("project.yaml", lambda p: text, lambda p: p == "project.yaml")
    hw = Hardware(
        name=f"{n}gpu",
        devices=[Device(id=f"cuda:{i}", kind="cuda", name="H100", vram_gb=80, speed=2.0) for i in range(n)],
    )
    p, diags = compile_project(src, hw, CompileOptions(catalog=catalog()))
    assert p is not None, [d.format() for d in diags]
    return p


def main() -> None:
    print(__doc__.split("Run:")[0].strip(), "\n")
    print(f"{'workload':<28} {'GPUs':>4} {'auto':>8} {'off':>8} {'auto/off':>9}  groups (auto)")
    for label, durations, extra in (
        ("reference (20 chunks)", (8, 9, 10, 11, 12, 10), ""),
        ("one scene (3 chunks)", (10,), ""),
        ("one scene, taylorseer", (10,), ", cache: taylorseer"),
    ):
        for n in (1, 2, 8):
            auto, off = plan(durations, n, "auto", extra), plan(durations, n, "off", extra)
            groups = sorted({len(t.group) for t in auto.tasks if t.group})
            print(
                f"{label:<28} {n:>4} {secs(auto.schedule.makespan_ms):>8} {secs(off.schedule.makespan_ms):>8} "
                f"{auto.schedule.makespan_ms / off.schedule.makespan_ms:>9.2f}  "
                f"{sum(1 for t in auto.tasks if t.group)} chunks in groups of {groups or '-'}"
            )


if __name__ == "__main__":
    main()
