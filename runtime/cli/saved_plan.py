"""A saved plan (`vidc plan -o plan.json`, then `vidc build plan.json`): read it, find its project and
spec (inside the folder it names, never through a link out), and say what changed since it was saved."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from vidc.schemas.plan import Plan

from ..host.sources import is_inside
from ..state import confine
from .common import UsageError


class Refused(Exception):
    """A saved plan or a project path vidc will not use: one line, exit 2."""


PLAN_LIMIT = 1 << 30  # bytes: a saved plan is read whole (a 2,000-video matrix is tens of MB)


def _load_saved_plan(path: Path, project: str | None) -> tuple[Plan, Path]:
    """The saved plan and its spec. The spec is a relative path that must resolve (symlinks
    followed) inside the folder it is found in, and be a regular file; otherwise it is refused
    without being opened. A plan that does not parse is one line, exit 2."""
    try:
        plan = Plan.model_validate_json(confine.read_text(path, PLAN_LIMIT, "plan"))
    except (ValidationError, ValueError, OSError, confine.Refused) as exc:
        raise Refused(
            f"{path}: not a valid vidc plan ({_first_problem(exc)}); make it again with `vidc plan SPEC -o {path.name}`"
        ) from None
    rel = Path(plan.spec) if isinstance(plan.spec, str) and plan.spec else None
    if rel is None or rel.is_absolute() or ".." in rel.parts:
        raise Refused(
            f"{path}: the plan's spec {plan.spec!r} is not a path inside a project; refusing to read it "
            f"(make the plan again with `vidc plan`)"
        )
    if project:
        spec = _confined(Path(project), plan.spec)
        if spec is None:
            raise UsageError(f"the plan was made from {plan.spec}, which is not a file in {project}")
        return plan, spec
    spec = find_project(plan, path)
    if spec is None:
        raise UsageError(
            f"the plan was made from {plan.spec}, which is neither beside {path} nor in the current "
            f"folder; pass --project DIR (the folder holding {plan.spec})"
        )
    return plan, spec


def _confined(base: Path, rel: str) -> Path | None:
    """base/rel if it resolves inside base and is a regular file (a FIFO is never opened)."""
    try:
        root = base.resolve()
        spec = (root / rel).resolve()
    except (OSError, RuntimeError):
        return None
    if not is_inside(spec, root) or not spec.is_file():
        return None
    return root / rel


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errs = exc.errors()
        if errs:
            e = errs[0]
            where = ".".join(str(x) for x in e.get("loc", ())) or "plan"
            more = f" and {len(errs) - 1} more" if len(errs) > 1 else ""
            return f"{where}: {e.get('msg', 'invalid')}{more}"[:300]
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def find_project(plan: Plan, path: Path) -> Path | None:
    """The spec a saved plan was made from: beside the plan, in the current folder, or in a folder
    just below either; the one whose content the plan recorded wins, else the first found. A
    candidate that resolves outside its folder (a symlink to /etc/passwd) is never read."""
    bases = list(dict.fromkeys([path.parent.resolve(), Path.cwd().resolve()]))
    found: list[Path] = []
    for base in bases:
        for folder in [base] + sorted(_subfolders(base)):
            spec = _confined(folder, plan.spec)
            if spec is not None:
                found.append(spec)
    want = plan.inputs.get(plan.spec)
    for spec in found:
        if want and hashlib.sha256(spec.read_bytes()).hexdigest() == want:
            return spec
    return found[0] if found else None


def _subfolders(base: Path) -> list[Path]:
    try:
        return [d for d in base.iterdir() if d.is_dir() and not d.name.startswith(".")][:200]
    except OSError:
        return []


def _what_changed(saved: Plan, now: Plan, spec: Path) -> str:
    """Name the project files whose content changed since the plan was saved (per-file digests)."""
    old, new = saved.inputs, now.inputs
    changed = sorted(p for p in old.keys() & new.keys() if old[p] != new[p])
    gone, added = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
    parts = (
        [f"{p} changed" for p in changed] + [f"{p} is no longer read" for p in gone] + [f"{p} is new" for p in added]
    )
    if parts:
        return "; ".join(parts) + " since the plan was made"
    if saved.compiler_version != now.compiler_version:
        return f"it was made by vidc {saved.compiler_version}, this is {now.compiler_version}"
    if not old:
        return f"{spec} (or a file it names) changed since the plan was made"
    return "the backends, the machine's facts or the calibration changed since the plan was made"


def _is_saved_plan(path: Path) -> bool:
    if not (path.is_file() and path.suffix == ".json"):
        return False
    try:
        data = json.loads(confine.read_text(path, PLAN_LIMIT, "plan"))
    except (ValueError, RecursionError, OSError, confine.Refused):
        return False  # a JSON spec with a syntax error: the compiler reports it
    return isinstance(data, dict) and "vidc_plan" in data
