"""What transitions cost: the demo (6 scenes of 10 s, 1080p30) built from scratch three times, with
`video.transition` cut, fade and crossfade (0.5 s). Prints per build the wall and CPU time, and
the time the journal gives each kind of task (scene encodes, crossfades, the export), plus whether
the mix (the sound) is the same object in all three.

Run: .venv/bin/python bench/transitions.py
"""

from __future__ import annotations

import json
import resource

from _common import VIDC, fresh_project, journal, machine, timed


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    print(f"machine: {machine()}")
    rows, mixes = [], set()
    for kind in ("cut", "fade", "crossfade"):
        project = fresh_project("demo", f"transitions-{kind}")
        c0 = children_cpu()
        wall = timed([VIDC, "build", str(project), "--json", "--set", f"video.transition={kind}"])
        cpu = children_cpu() - c0
        done = [r for r in journal(project) if r.ev == "done"]
        by = {"animatic": 0, "transition": 0, "export": 0}
        for r in done:
            if r.backend in by:
                by[r.backend] += r.ms
        mixes |= {r.object for r in done if r.task.endswith("/mix")}
        frames = json.loads((project / "build" / "vidc-demo.json").read_text())["frames"]
        rows.append((kind, wall, cpu, by, frames))
    base = rows[0]
    for kind, wall, cpu, by, frames in rows:
        print(
            f"{kind:10s} build {wall:6.1f} s wall, {cpu:6.1f} s CPU ({cpu / base[2] - 1:+.1%} CPU vs cut)   "
            f"scene encodes {by['animatic'] / 1000:5.1f} s   crossfades {by['transition'] / 1000:4.1f} s   "
            f"export {by['export'] / 1000:4.1f} s   frames {frames}"
        )
    print(f"the same mix (sound) in all three: {len(mixes) == 1}")


if __name__ == "__main__":
    main()
