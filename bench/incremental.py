"""Incremental rebuild: full build of the demo, then one scene's text edited and rebuilt.
Target: the rebuild under 25% of the full build.

Run: .venv/bin/python bench/incremental.py
"""
from __future__ import annotations

from _common import VIDC, fresh_project, journal, machine, timed


def main() -> None:
    project = fresh_project("demo", "incremental")
    full = timed([VIDC, "build", str(project), "--json"])
    before = len(journal(project))
    spec = project / "project.yaml"
    spec.write_text(spec.read_text().replace("nothing is lost", "nothing at all is lost"))
    edit = timed([VIDC, "build", str(project), "--json"])
    ran = sorted(r["task"] for r in journal(project)[before:] if r["ev"] == "done")
    print(f"machine: {machine()}")
    print(f"full build: {full:6.1f} s")
    print(f"one scene edited, rebuild: {edit:6.1f} s  ({len(ran)} tasks: {', '.join(t.split('/', 1)[1] for t in ran)})")
    print(f"ratio: {edit / full:.1%}   target: < 25%")


if __name__ == "__main__":
    main()
