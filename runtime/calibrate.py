"""`vidc calibrate SPEC`: turn the journal's measured task times into a cost profile for this
machine (`.vidc/calibration.json`: measured/estimated per backend), which later plans of the
project use. Every finished task's real duration is journaled with its lane and device."""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

from vidc.compiler.canonical import canonical_json

from .atomic import write_text
from .journal import Journal
from .sources import find_spec
from .workfolder import WorkFolder

FILE = "calibration.json"


def calibration_path(project_dir: Path) -> Path:
    return WorkFolder(project_dir / ".vidc").root / FILE


def load_calibration(project_dir: Path) -> dict[str, float]:
    path = calibration_path(project_dir)
    if not path.is_file():
        return {}
    return {k: float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).get("scale", {}).items()}


def measure(records: list[dict], previous: dict[str, float]) -> dict[str, dict]:
    """Per backend: how many runs, and the median of measured / planned (planned already included
    the previous calibration, so factors compose)."""
    ratios: dict[str, list[float]] = defaultdict(list)
    devices: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        if rec.get("ev") == "done" and rec.get("est_ms") and rec.get("ms") is not None and rec.get("backend"):
            ratios[rec["backend"]].append(rec["ms"] / rec["est_ms"])
            devices[rec["backend"]].add(f"{rec.get('lane')}:{rec.get('device')}")
    out = {}
    for backend, values in sorted(ratios.items()):
        factor = statistics.median(values) * previous.get(backend, 1.0)
        out[backend] = {"runs": len(values), "factor": round(factor, 3), "lanes": sorted(devices[backend])}
    return out


def run_calibrate(args) -> int:
    spec = find_spec(args.spec)
    root = spec.resolve().parent
    work = WorkFolder(root / ".vidc")
    if not work.journal.exists():
        print(f"vidc: error: {root} has no build journal yet: run `vidc build {args.spec}` first")
        return 2
    previous = load_calibration(root)
    found = measure(Journal(work.journal).replay(), previous)
    if not found:
        print("vidc: error: the journal has no finished tasks with estimates to learn from")
        return 2
    scale = {b: v["factor"] for b, v in found.items()}
    write_text(work.root / FILE, canonical_json({"scale": scale, "measured": found}, indent=2))
    print(f"{'backend':<14} {'runs':>5} {'measured/planned':>17}")
    for backend, v in found.items():
        print(f"{backend:<14} {v['runs']:>5} {v['factor']:>17.2f}")
    print(f"wrote {work.root / FILE}: later plans of this project use it")
    return 0
