"""Disk a build will add, and whether the work folder's disk has it: the plan's estimate per task
(compiler/disk.py) for the tasks the store does not already hold."""

from __future__ import annotations

import shutil
from pathlib import Path

from vidc.compiler.disk import NOTE, plan_bytes
from vidc.schemas.plan import Plan

from .faults import StateFault
from .gc import journal_records
from .journal import Finished
from .store import DIGEST


def pending(plan: Plan, work_root: Path, only: set[str] | None = None, force: bool = False) -> set[str]:
    """Tasks a build would run: those without a finished output in the store (all with --force)."""
    tasks = {t.id: t for t in plan.tasks if only is None or t.video in only}
    if force:
        return set(tasks)
    done = Finished.from_records(journal_records(work_root / "journal.log")).objects
    objects = work_root / "store" / "objects"
    return {
        tid
        for tid, t in tasks.items()
        if not (DIGEST.match(done.get(t.fingerprint, "")) and (objects / done[t.fingerprint]).is_dir())
    }


def mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB" if n < 10 << 30 else f"{n / (1 << 30):,.1f} GB"


def free_bytes(folder: Path) -> int:
    """Free space of the disk holding folder (or its nearest existing parent)."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def summary(plan: Plan, work_root: Path) -> str:
    """One line for `vidc plan`: what the build would add, and the room there is."""
    todo = pending(plan, work_root)
    need = plan_bytes(plan, todo)
    return (
        f"disk: ~{mb(need)} to add for {len(todo)} of {len(plan.tasks)} tasks ({NOTE}); "
        f"{mb(free_bytes(work_root))} free at {work_root}"
    )


def check_room(
    plan: Plan, work_root: Path, only: set[str] | None = None, force: bool = False, free: int | None = None
) -> None:
    """StateFault (one line, exit 1) when the estimate for the tasks still to run passes the free
    space of the work folder's disk. Nothing has started then."""
    need = plan_bytes(plan, pending(plan, work_root, only, force))
    room = free_bytes(work_root) if free is None else free
    if need > room:
        raise StateFault(
            f"this build would add about {mb(need)} to {work_root} (an estimate) but its disk has "
            f"{mb(room)} free: run `vidc gc` to remove old work (or free space), then build again"
        )
