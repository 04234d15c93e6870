"""`vidc gc`: garbage-collect the store (`.vidc/store/objects`).

Kept always: what the current plan uses, what every published video's manifest names, and what the
last K builds rendered (`--keep-last`). Everything else goes, unless a cap narrows it: `--max-age`
removes only what was not used for that long, `--max-size` removes least recently used first until
the store is under the size. `--dry-run` prints what would go and the space it frees. A build in
progress holds the work folder's lock: gc refuses (exit 1) rather than pull objects from under it."""

from __future__ import annotations

import re
import sys
import time

from vidc.compiler.capacity import parse_duration_ms

from ..host.sources import find_spec
from ..state.gc import journal_records, keep_reasons, published_fingerprints, run_gc
from ..state.lock import Busy, WorkLock
from ..state.orphans import wait_for_orphans
from ..state.workfolder import project_work_folder
from .clean import _human
from .common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_spec_args,
    compile_spec,
    hardware_of,
    parse_overrides,
    show_diagnostics,
)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'500M', '1.5G', '2GB', '10GiB', '4096' -> bytes (K, M, G, T are powers of 1024)."""
    m = _SIZE.match(text or "")
    if not m:
        raise UsageError(f"--max-size {text!r}: expected a size like 500M, 20G or 1T")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " "))


def register(sub) -> None:
    p = sub.add_parser(
        "gc", help="remove store objects that neither the current plan, a published video nor a recent build uses"
    )
    add_spec_args(p)
    p.add_argument(
        "--keep-last",
        type=int,
        default=1,
        metavar="K",
        help="also keep what the last K builds rendered (default: 1; 0 keeps only the current plan's and "
        "the published videos' objects)",
    )
    p.add_argument(
        "--max-age", metavar="AGE", help="remove only objects nothing keeps that were not used for AGE (e.g. 14d, 12h)"
    )
    p.add_argument(
        "--max-size",
        metavar="SIZE",
        help="remove objects nothing keeps, least recently used first, until the store is under SIZE (e.g. 50G)",
    )
    p.add_argument("--dry-run", action="store_true", help="print what would be removed and the space it frees")
    p.set_defaults(func=run)


def _caps(args) -> tuple[float | None, int | None]:
    if args.keep_last < 0:
        raise UsageError("--keep-last must be 0 or more")
    age = None
    if args.max_age is not None:
        try:
            age = parse_duration_ms(args.max_age) / 1000
        except ValueError as exc:
            raise UsageError(f"--max-age {args.max_age!r}: {exc}") from None
    return age, parse_size(args.max_size) if args.max_size is not None else None


def run(args) -> int:
    max_age_s, max_size = _caps(args)
    spec = find_spec(args.spec)
    plan, diags, root = compile_spec(spec, hardware_of(args), parse_overrides(args.set, args.preset))
    show_diagnostics(diags, spec)
    if plan is None:
        print(
            "vidc: error: gc keeps what the current plan uses, so the spec must compile; nothing was removed",
            file=sys.stderr,
        )
        return 2
    work = project_work_folder(root)  # a symlinked .vidc or store folder: refused, nothing touched
    if not (work.root / "store" / "objects").is_dir():
        print(f"nothing to collect: {work.root / 'store' / 'objects'} does not exist")
        return EXIT_OK
    lock = WorkLock(work.lock)
    try:
        lock.acquire()
    except Busy as busy:
        print(
            f"vidc: error: a build of this project is running (pid {busy.pid}); run `vidc gc` after it finishes",
            file=sys.stderr,
        )
        return EXIT_FAILED
    try:
        wait_for_orphans(work.root, print)  # a killed build's workers commit and journal their last task first
        records = journal_records(work.journal)
        folders = {(root / v.output).resolve() for v in plan.videos}
        kept = keep_reasons(
            records, {t.fingerprint for t in plan.tasks}, published_fingerprints(sorted(folders)), args.keep_last
        )
        decision = run_gc(
            work.root, work.store, kept, records, dry_run=args.dry_run, max_age_s=max_age_s, max_size=max_size
        )
    finally:
        lock.release()
    _report(decision, args)
    return EXIT_OK


def _report(decision, args) -> None:
    verb = "would remove" if args.dry_run else "removed"
    for name in decision.doomed:
        e = decision.entries[name]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.used))
        print(f"{verb} {name[:16]}  {_human(e.size):>9}  last used {when}")
    present = [n for n in decision.kept if n in decision.entries]
    why: dict[str, int] = {}
    for name in present:
        why[decision.kept[name]] = why.get(decision.kept[name], 0) + 1
    reasons = ", ".join(f"{n} for {w}" for w, n in sorted(why.items())) or "none"
    left = len(decision.entries) - len(decision.doomed)
    if args.max_size is not None and decision.total - decision.freed > parse_size(args.max_size):
        print(
            f"note: what is kept holds {_human(decision.total - decision.freed)}, more than --max-size "
            f"{args.max_size}; kept objects are never removed (lower --keep-last, or build fewer presets)"
        )
    print(
        f"{verb} {len(decision.doomed)} of {len(decision.entries)} objects, "
        f"{'freeing' if args.dry_run else 'freed'} {_human(decision.freed)} of {_human(decision.total)}; "
        f"{left} left ({_human(decision.total - decision.freed)}), kept: {reasons}"
        + ("; nothing removed (dry run)" if args.dry_run else "")
    )
