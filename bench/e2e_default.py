"""End to end, offline defaults: `vidc build projects/demo` (60 s, 1920x1080, 30 fps) against one
bare x264 encode of 60 s of 1080p30 at the same settings, measured side by side in this run.
Target: the whole build within 1.3x of that one unavoidable encode.

The unavoidable encode is of the video's own pictures: the demo's storyboard background (the
same lavfi source and scaling the plan's first scene uses, without text or captions, repeated to
30 fps as the plan does) for 60 s, with the plan's own x264 options.
A 60 s encode of ffmpeg's `testsrc2` pattern is printed too, for reference: its flat colour
blocks are cheaper for x264 than full-frame gradients, at the same settings.

CPU seconds (the process and everything it waited for) are printed beside the wall times: on a
shared machine they move much less with the load.

Run: .venv/bin/python bench/e2e_default.py [--skip-reference]   (without the testsrc2 encode)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections import defaultdict

from _common import ROOT, VIDC, WORK, fresh_project, journal, machine, timed

from vidc.compiler.ffmpeg_args import x264_args
from vidc.compiler.resources import presets
from vidc.schemas import ids


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bare_encode_seconds(source: list[str], encoder: list[str] | None = None) -> float:
    p = presets()["youtube-1080p"]  # no "threads": the one bare encode gets every core, as ffmpeg chooses
    out = WORK / "bare.mp4"
    return timed(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-y",
            "-loglevel",
            "error",
            *source,
            "-t",
            "60",
            *(encoder or x264_args(p)),
            "-an",
            str(out),
        ]
    )


def demo_background() -> tuple[list[str], list[str]]:
    """The first animatic command of the demo's plan, up to its drawing of text; and its encoder
    options exactly as the plan gives them (less the per-lane thread count)."""
    plan = json.loads(
        subprocess.run(
            [VIDC, "plan", str(ROOT / "projects" / "demo"), "--format", "json"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    )
    argv = next(t["argv"][0] for t in plan["tasks"] if t["backend"] == "animatic")
    src = argv[argv.index("-i") + 1]
    chain = argv[argv.index("-vf") + 1].split(",drawbox")[0] + ",fps=30"  # repeated to 30 fps, as the plan does
    encoder = argv[argv.index("-c:v") : argv.index("-an")]
    if "-threads" in encoder:
        del encoder[encoder.index("-threads") : encoder.index("-threads") + 2]
    return ["-f", "lavfi", "-i", src, "-vf", chain], encoder


def main() -> None:
    WORK.mkdir(exist_ok=True)
    background, encoder = demo_background()
    c0 = children_cpu()
    bare = bare_encode_seconds(background, encoder)
    c1 = children_cpu()
    testsrc = (
        None
        if "--skip-reference" in sys.argv
        else bare_encode_seconds(["-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30"], encoder)
    )
    project = fresh_project("demo", "e2e")
    c2 = children_cpu()
    build = timed([VIDC, "build", str(project), "--json"])
    c3 = children_cpu()
    warm_project = project
    per_stage: dict[str, float] = defaultdict(float)
    per_backend: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # measured, planned (ms)
    for rec in journal(project):
        if rec.ev == "done":
            stage = ids.step_of(rec.task)
            per_stage[stage] += rec.ms / 1000
            per_backend[rec.backend][0] += rec.ms
            per_backend[rec.backend][1] += rec.est_ms
    print(f"machine: {machine()}")
    print(
        f"bare x264 encode of the demo's background, 60 s 1080p30, youtube-1080p settings: {bare:6.1f} s  "
        f"({c1 - c0:.1f} s CPU)"
    )
    if testsrc is not None:
        print(f"bare x264 encode of testsrc2 (reference), same settings:                       {testsrc:6.1f} s")
    print(
        f"vidc build projects/demo, cold (new work folder, music synthesised):           {build:6.1f} s  "
        f"({c3 - c2:.1f} s CPU)"
    )
    print(
        f"ratio: {build / bare:.2f}x the encode of its own pictures (target <= 1.3x)"
        + (f"; {build / testsrc:.2f}x testsrc2" if testsrc is not None else "")
        + f"   (CPU time: {(c3 - c2) / (c1 - c0):.2f}x)"
    )
    print("task time per stage (summed over both CPU lanes, so it exceeds wall time):")
    for stage, secs in sorted(per_stage.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<10} {secs:6.1f} s")
    print("the plan's estimates (templates/cost_model.yaml) against this build's task times, per backend:")
    for backend, (ms, est) in sorted(per_backend.items(), key=lambda kv: -kv[1][0]):
        print(
            f"  {backend:<14} measured {ms / 1000:6.1f} s   planned {est / 1000:6.1f} s   ({est / ms - 1:+.0%})"
            if ms
            else f"  {backend:<14} planned {est / 1000:6.1f} s"
        )
    again = timed([VIDC, "build", str(warm_project)])
    print(f"second build (nothing to do): {again:.2f} s")


if __name__ == "__main__":
    main()
