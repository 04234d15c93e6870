"""End to end, offline defaults: `vidc build projects/demo` (60 s, 1920x1080, 30 fps) against one
bare x264 encode of 60 s of 1080p30 at the same settings, measured side by side in this run.
Target: the whole build within 1.5x of that one unavoidable encode.

Run: .venv/bin/python bench/e2e_default.py
"""
from __future__ import annotations

from collections import defaultdict

from _common import VIDC, WORK, fresh_project, journal, machine, timed

from vidc.compiler.ffmpeg_args import x264_args
from vidc.compiler.resources import presets


def bare_encode_seconds() -> float:
    p = presets()["youtube-1080p"]
    out = WORK / "bare.mp4"
    return timed(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                  f"testsrc2=s={p['width']}x{p['height']}:r={p['fps']}", "-t", "60", *x264_args(p), "-an", str(out)])


def main() -> None:
    WORK.mkdir(exist_ok=True)
    bare = bare_encode_seconds()
    project = fresh_project("demo", "e2e")
    build = timed([VIDC, "build", str(project), "--json"])
    warm_project = project
    per_stage: dict[str, float] = defaultdict(float)
    for rec in journal(project):
        if rec["ev"] == "done":
            stage = rec["task"].split("/")[1]
            per_stage[stage] += rec["ms"] / 1000
    print(f"machine: {machine()}")
    print(f"bare x264 encode, 60 s 1080p30 (testsrc2, youtube-1080p settings): {bare:6.1f} s")
    print(f"vidc build projects/demo, cold (new work folder, music synthesised): {build:6.1f} s")
    print(f"ratio: {build / bare:.2f}x   target: <= 1.5x")
    print("task time per stage (summed over both CPU lanes, so it exceeds wall time):")
    for stage, secs in sorted(per_stage.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<10} {secs:6.1f} s")
    again = timed([VIDC, "build", str(warm_project)])
    print(f"second build (nothing to do): {again:.2f} s")


if __name__ == "__main__":
    main()
