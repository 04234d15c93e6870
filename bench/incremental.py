"""Incremental rebuild: full build of the demo, then one scene's text edited and rebuilt.
Target: the rebuild at most 15% of the full build.

CPU seconds of each build (vidc and every process it waited for) are printed beside the wall
times: on a shared machine they move much less with the load.

Run: .venv/bin/python bench/incremental.py
"""

from __future__ import annotations

import resource

from _common import VIDC, fresh_project, journal, machine, timed


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    project = fresh_project("demo", "incremental")
    c0 = children_cpu()
    full = timed([VIDC, "build", str(project), "--json"])
    c1 = children_cpu()
    before = len(journal(project))
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("nothing is lost", "nothing at all is lost"))
    edit = timed([VIDC, "build", str(project), "--json"])
    c2 = children_cpu()
    ran = sorted(r.task for r in journal(project)[before:] if r.ev == "done")
    print(f"machine: {machine()}")
    print(f"full build: {full:6.1f} s  ({c1 - c0:.1f} s CPU)")
    print(
        f"one scene edited, rebuild: {edit:6.1f} s  ({c2 - c1:.1f} s CPU; {len(ran)} tasks: "
        f"{', '.join(t.split('/', 1)[1] for t in ran)})"
    )
    print(f"ratio: {edit / full:.1%}   target: <= 15%   (CPU time: {(c2 - c1) / (c1 - c0):.1%})")


if __name__ == "__main__":
    main()
