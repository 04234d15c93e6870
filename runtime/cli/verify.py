"""`vidc verify`: re-hash every object of the project's store and report (or repair) damage.

A build already re-hashes what it reuses; this checks the whole store (and the journal) at once,
for example after a disk error. `--repair` removes damaged objects, so the next build renders them
again; nothing else is touched."""

from __future__ import annotations

import json
import sys

from ..host.sources import find_spec
from ..state.journal import Journal
from ..state.lock import Busy, WorkLock
from ..state.store import DIGEST
from ..state.workfolder import project_work_folder
from .common import EnvironmentFault


def register(sub) -> None:
    p = sub.add_parser("verify", help="re-hash the work folder's store; report or repair damaged objects")
    p.add_argument(
        "spec", nargs="?", default=".", help="project spec file, or a folder holding project.yaml (default: .)"
    )
    p.add_argument("--repair", action="store_true", help="remove damaged objects (the next build renders them again)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    root = find_spec(args.spec).resolve().parent
    work = project_work_folder(root)  # the checks a build runs: no .vidc or store/objects symlinked out
    store = work.store
    if not store.objects.is_dir():
        report = {"objects": 0, "ok": 0, "damaged": [], "repaired": [], "journal_skipped": 0}
        return _show(report, args.json, root)
    lock = WorkLock(work.lock)
    try:
        lock.acquire()  # a build running now would be committing: wait for it to finish
    except Busy as busy:
        raise EnvironmentFault(
            f"a build of this project is running (pid {busy.pid}); verify after it finishes"
        ) from None
    except OSError:
        lock = None  # a read-only work folder can still be checked, not repaired
    try:
        names = store.all_objects()
        damaged = [n for n in names if not DIGEST.match(n) or not store.verify(n, full=True)]
        repaired = []
        if args.repair:
            for name in damaged:
                store.remove(name)
                repaired.append(name)
        journal = Journal(work.journal)
        journal.replay()
        report = {
            "objects": len(names),
            "ok": len(names) - len(damaged),
            "damaged": damaged,
            "repaired": repaired,
            "journal_skipped": journal.skipped,
        }
    finally:
        if lock is not None:
            lock.release()
    return _show(report, args.json, root)


def _show(report: dict, as_json: bool, root) -> int:
    bad = [n for n in report["damaged"] if n not in report["repaired"]]
    if as_json:
        print(json.dumps(report, sort_keys=True))
    else:
        print(f"{root}: {report['ok']} of {report['objects']} stored objects verify")
        for name in report["damaged"]:
            what = "removed; the next build renders it again" if name in report["repaired"] else "DAMAGED"
            print(f"  {name[:80]}: {what}")
        if report["journal_skipped"]:
            print(f"  journal: {report['journal_skipped']} malformed record(s) skipped (their tasks run again)")
        if bad:
            print(
                "run `vidc verify --repair` (or just `vidc build`: it never reuses a damaged object)", file=sys.stderr
            )
    return 1 if bad else 0
