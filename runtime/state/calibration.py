"""The project's calibration (`.vidc/calibration.json`): per backend, measured time / the cost
model's uncalibrated estimate, learnt from the journal by `vidc calibrate` and used by later plans."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

from vidc.schemas.journal import Done, Record

from .confine import Refused, confined_file, read_json

FILE = "calibration.json"


def calibration_path(project_dir: Path) -> Path:
    return project_dir / ".vidc" / FILE


def load_calibration(project_dir: Path) -> dict[str, float]:
    try:  # read only inside the project (a .vidc linked elsewhere is not read), a regular file, capped
        path = confined_file(project_dir, calibration_path(project_dir).relative_to(project_dir), "calibration")
        data = read_json(path, 1 << 20, "calibration")
        return {str(k): float(v) for k, v in data.get("scale", {}).items() if 0 < float(v) < 1e6}
    except (OSError, ValueError, AttributeError, TypeError, Refused):
        return {}  # no calibration (or a damaged one): the plan says its estimates are uncalibrated


def measure(records: list[Record]) -> dict[str, dict]:
    """Per backend: how many runs, and the median of measured / uncalibrated estimate. Each done
    record carries the estimate it ran with and the calibration factor inside it (`scale`), so the
    factor is always against the cost model itself: running calibrate twice gives the same answer."""
    ratios: dict[str, list[float]] = defaultdict(list)
    devices: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        if not isinstance(rec, Done) or rec.est_ms <= 0 or not rec.backend:
            continue
        scale = float(rec.scale) if rec.scale > 0 else 1.0
        ratios[rec.backend].append(rec.ms / (rec.est_ms / scale))
        devices[rec.backend].add(f"{rec.lane}:{rec.device}")
    out = {}
    for backend, values in sorted(ratios.items()):
        out[backend] = {
            "runs": len(values),
            "factor": round(statistics.median(values), 3),
            "lanes": sorted(devices[backend]),
        }
    return out
