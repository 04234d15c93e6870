"""`vidc clean`: remove the project's work folder (`.vidc/`: store, queues, journal, caches).

The calibration learnt by `vidc calibrate` is kept unless `--all`; rendered videos (the output
folder) are never touched. `--dry-run` lists what would go and how much space it holds. A build in
progress holds the work folder's lock: clean refuses rather than pull files from under it."""

from __future__ import annotations

from pathlib import Path

from ..host.sources import find_spec
from ..state.calibration import FILE as CALIBRATION
from ..state.confine import remove
from ..state.lock import Busy, WorkLock
from ..state.workfolder import project_work_folder
from .common import EXIT_FAILED, EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("clean", help="remove the work folder (.vidc/) of a project")
    p.add_argument("spec", nargs="?", default=".", help="project spec file, or its folder (default: .)")
    p.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    p.add_argument("--all", action="store_true", help="also remove the calibration (.vidc/calibration.json)")
    p.set_defaults(func=run)


def _size(path: Path) -> int:
    if path.is_symlink() or path.is_file():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def run(args) -> int:
    root = find_spec(args.spec).resolve().parent
    work = project_work_folder(root)  # a .vidc that is a symlink out of the project: refused, nothing read
    if not work.root.is_dir():
        print(f"nothing to clean: {work.root} does not exist")
        return EXIT_OK
    keep = {"lock"} | (set() if args.all else {CALIBRATION})
    doomed = sorted(p for p in work.root.iterdir() if p.name not in keep)
    total = sum(_size(p) for p in doomed)
    verb = "would remove" if args.dry_run else "removing"
    for p in doomed:
        print(f"{verb} {p} ({_human(_size(p))})")
    if args.dry_run:
        print(f"{_human(total)} in {len(doomed)} entries; nothing removed (dry run)")
        return EXIT_OK
    lock = WorkLock(work.lock)
    try:
        lock.acquire()
    except Busy as busy:
        print(f"vidc: a build of this project is running (pid {busy.pid}); clean after it finishes")
        return EXIT_FAILED
    try:
        for p in doomed:
            remove(work.root, p)
    finally:
        lock.release()
    print(
        f"freed {_human(total)}"
        + ("" if args.all else f" (kept {CALIBRATION})" if (work.root / CALIBRATION).exists() else "")
    )
    return EXIT_OK
