"""`vidc stock show SPEC` lists the locked picks; `vidc stock repick SPEC --scene N | --all` searches
again for those scenes (of every video of the spec) and locks the new picks. `vidc build` calls
`pick_for_build` for the scenes the lock does not cover yet, before it runs the plan."""

from __future__ import annotations

import sys
from pathlib import Path

from vidc.compiler.stock_query import lock_path
from vidc.schemas.stock import PROVIDERS, RATE_LIMIT, StockLock, lock_text, parse_lock

from ..engine.stock_pick import pick_missing, unpicked
from ..host.sources import find_spec
from ..media.stock_api import Searcher, StockError
from ..state.atomic import write_text
from ..state.faults import StateFault
from .common import add_spec_args, compile_spec, hardware_of, parse_overrides, show_diagnostics


def lock_file(spec: Path) -> Path:
    return spec.parent / Path(lock_path(spec.name)).name


def read_lock_file(path: Path) -> StockLock:
    """The lock beside the spec, or an empty one when there is none (or it cannot be read: rewritten)."""
    try:
        return parse_lock(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return StockLock()


def stock_dirs(root: Path) -> tuple[Path, Path]:
    """(the search cache, the content-addressed files) in the work folder."""
    base = root / ".vidc" / "cache" / "stock"
    return base / "search", base / "objects"


def pick_for_build(plan, spec: Path, root: Path, say=print, avoid: frozenset[str] = frozenset()) -> int:
    """Search and lock what the plan still has to search; 0, or 1 after one line naming the scene.
    `avoid`: the clips a repick replaces (taken again only when nothing else fits)."""
    try:
        _pick(plan, spec, root, say, avoid)
    except StockError as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _pick(plan, spec: Path, root: Path, say, avoid: frozenset[str] = frozenset()) -> None:
    search_dir, store = stock_dirs(root)
    searcher = Searcher(cache=search_dir)
    lock = read_lock_file(lock_file(spec))
    report = pick_missing(plan, lock, lock_file(spec), searcher, store, scorer_for(plan, root), avoid)
    asked = ", ".join(f"{n} to {p}" for p, n in sorted(searcher.requests.items())) or "none (all cached)"
    say(f"stock: {len(report.picked)} scene(s) picked, locked in {lock_file(spec).name}; search requests: {asked}")
    for line in report.relevance:
        say(f"stock: {line}")
    for line in report.fallbacks:
        say(f"warning: {line}")


def scorer_for(plan, root: Path):
    """The relevance scorer the plan's stock scenes ask for (None: the providers' order)."""
    wanted = {t.params["relevance"]["model"] for t in unpicked(plan) if t.params.get("relevance")}
    if not wanted:
        return None
    from ..media.relevance import ClipScorer

    return ClipScorer(sorted(wanted)[0], root)  # one model per spec: `video.relevance` is the video's


def stock_first(plan, spec: Path, root: Path, again, reporter):
    """For `vidc build`: search and lock the stock footage the lock does not cover yet, then compile
    again (the plan that runs names every file by its hash); the plan and root. A search that fails
    is a StateFault: one line naming the scene, exit 1."""
    if not unpicked(plan):
        return plan, root
    try:
        _pick(plan, spec, root, reporter.message)
    except StockError as exc:
        raise StateFault(str(exc)) from None
    skip = getattr(again, "skip_invalid", False)  # --skip-invalid-rows
    again_plan, diags, root = compile_spec(spec, again.hardware, again.overrides, again.calibration, skip)
    if again_plan is None:  # the lock was just written by vidc: a failure here is vidc's own
        raise StateFault(
            f"the stock lock written for {spec.name} does not compile: {diags[0].message if diags else ''}"
        )
    return again_plan, root


def plan_summary(plan) -> str:
    """For `vidc plan`: each stock scene's query (and its pick, once locked), and the search requests
    the build will make against the providers' limits (answers cached within 24 h are not asked again)."""
    fetches = [t for t in plan.tasks if t.backend == "stock-fetch"]
    if not fetches:
        return ""
    lines, todo, most = [], 0, dict.fromkeys(PROVIDERS, 0)
    for t in fetches:
        p = t.params
        if p.get("sha256"):
            lines.append(f"  {t.id}  {p['query']!r}: locked, {p.get('provider')} {p.get('media')} {p.get('id')}")
            continue
        todo += 1
        for provider in p.get("providers", []):
            most[provider] += 2  # videos, then photos when no video fits
        need = f"{p['orientation']} >= {p['min_width']}x{p['min_height']}, >= {p['min_ms'] / 1000:.1f} s"
        lines.append(f"  {t.id}  {p['query']!r}: to search ({need})")
    limits = "; ".join(
        f"{pr}: at most {n} of {RATE_LIMIT[pr][0]} per {'hour' if RATE_LIMIT[pr][1] == 3600 else 'minute'}"
        for pr, n in most.items()
        if n
    )
    head = f"stock: {len(fetches) - todo} of {len(fetches)} scene(s) locked"
    if todo:
        head += f"; the build searches {todo}: {todo} to {sum(most.values())} requests ({limits})"
    return "\n".join([head, *lines])


def register(sub) -> None:
    p = sub.add_parser("stock", help="show or pick again the stock footage locked beside the spec")
    verbs = p.add_subparsers(dest="verb", required=True)
    show = verbs.add_parser("show", help="list each scene's locked pick")
    show.add_argument("spec", nargs="?", default=".", help="the project spec (default: the one in this folder)")
    show.set_defaults(func=run_show)
    repick = verbs.add_parser("repick", help="search again for some scenes and lock the new picks")
    add_spec_args(repick)
    which = repick.add_mutually_exclusive_group(required=True)
    which.add_argument("--scene", type=int, action="append", metavar="N", help="this scene (repeatable)")
    which.add_argument("--all", action="store_true", help="every stock scene")
    repick.set_defaults(func=run_repick)


def run_show(args) -> int:
    spec = find_spec(Path(args.spec))
    path = lock_file(spec)
    if not path.exists():
        print(f"{spec.name}: no stock lock yet ({path.name} is written by the first `vidc build`)")
        return 0
    try:
        lock = parse_lock(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"vidc: error: {path} cannot be read: {exc}; run `vidc stock repick {spec} --all`", file=sys.stderr)
        return 1
    for video, scenes in sorted(lock.videos.items()):
        print(f"video {video}")
        for n, pick in sorted(scenes.items(), key=lambda kv: int(kv[0])):
            if pick.fallback:
                print(f"  {int(n):02d}  {pick.query!r}: nothing fitted (storyboard card)")
                continue
            score = f"  score {pick.score:.3f}" if pick.score is not None else ""
            print(
                f"  {int(n):02d}  {pick.query!r}: {pick.provider} {pick.media} {pick.id} "
                f"{pick.width}x{pick.height} by {pick.author}{score}  {pick.page}"
            )
    return 0


def run_repick(args) -> int:
    spec = find_spec(Path(args.spec))
    path = lock_file(spec)
    lock = read_lock_file(path)
    old = set()
    for video, scenes in lock.videos.items():
        for n in list(scenes):
            if args.all or int(n) in (args.scene or []):
                old.add(f"{video}/{n}/{scenes[n].provider}:{scenes[n].id}")
                del scenes[n]
    write_text(path, lock_text(lock))
    plan, diags, root = compile_spec(spec, hardware_of(args), parse_overrides(args.set, args.preset))
    show_diagnostics(diags, spec)
    if plan is None:
        return 2
    if not unpicked(plan):
        print(f"{spec.name}: no stock scene to pick")
        return 0
    return pick_for_build(plan, spec, root, avoid=frozenset(old))
