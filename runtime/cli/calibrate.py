"""`vidc calibrate SPEC`: turn the journal's measured task times into a cost profile for this
machine (`.vidc/calibration.json`: measured / estimated per backend), which later plans of the
project use. Idempotent: the factors are against the cost model, never compounded."""

from __future__ import annotations

from vidc.compiler.canonical import canonical_json

from ..host.sources import find_spec
from ..state.atomic import write_text
from ..state.calibration import calibration_path, measure
from ..state.journal import Journal
from ..state.workfolder import project_work_folder
from .common import add_spec_args


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="turn measured task times into a cost profile for this machine")
    add_spec_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    spec = find_spec(args.spec)
    root = spec.resolve().parent
    work = project_work_folder(root)  # never writes through a .vidc symlinked out of the project
    if not work.journal.exists():
        print(f"vidc: error: {root} has no build journal yet: run `vidc build {args.spec}` first")
        return 2
    found = measure(Journal(work.journal).replay())
    if not found:
        print("vidc: error: the journal has no finished tasks with estimates to learn from")
        return 2
    scale = {b: v["factor"] for b, v in found.items()}
    target = calibration_path(root)
    write_text(target, canonical_json({"scale": scale, "measured": found}, indent=2))
    print(f"{'backend':<14} {'runs':>5} {'measured/planned':>17}")
    for backend, v in found.items():
        print(f"{backend:<14} {v['runs']:>5} {v['factor']:>17.2f}")
    print(f"wrote {target}: later plans of this project use it")
    return 0
