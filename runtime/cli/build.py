"""`vidc build`: compile (or load a saved plan, refusing a stale one), then execute it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from vidc.compiler.render import to_json
from vidc.schemas.plan import Plan

from ..engine import budget
from ..engine.executor import Executor
from ..state.lock import Busy, WorkLock
from ..engine.events import Reporter
from ..engine.publish import PublishError
from ..host.sources import find_spec
from ..state.workfolder import WorkFolder
from .common import UsageError, add_spec_args, compile_spec, hardware_of, parse_overrides, show_diagnostics


def _load_saved_plan(path: Path, project: str | None) -> tuple[Plan, Path]:
    plan = Plan.model_validate_json(path.read_text(encoding="utf-8"))
    root = Path(project) if project else path.parent
    spec = root / plan.spec
    if not spec.is_file():
        raise SystemExit(f"vidc: error: the plan was made from {plan.spec}, which is not in {root}; pass --project DIR")
    return plan, spec


def _is_saved_plan(path: Path) -> bool:
    if not (path.is_file() and path.suffix == ".json"):
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return False  # a JSON spec with a syntax error: the compiler reports it
    return isinstance(data, dict) and "vidc_plan" in data


def register(sub) -> None:
    p = sub.add_parser("build", help="render the videos (resumes an interrupted build)")
    add_spec_args(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's `output`)")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="build only this video (repeatable)")
    p.add_argument("--force", action="store_true", help="render everything again, ignoring finished work")
    p.add_argument("--json", action="store_true", help="print one JSON event per line")
    p.add_argument("--project", metavar="DIR", help="with a plan.json: the project folder (default: the plan's folder)")
    p.add_argument("--max-cost", metavar="USD", help="refuse the build if its estimated cost passes this many US dollars, "
                   "and stop dispatching paid tasks when the measured spend would")
    p.set_defaults(func=run)


def run(args) -> int:
    target = Path(args.spec)
    saved: Plan | None = None
    if _is_saved_plan(target):
        saved, spec = _load_saved_plan(target, args.project)
        hardware, overrides, calibration = saved.hardware, dict(saved.overrides), dict(saved.calibration)
    else:
        spec = find_spec(target)
        hardware, overrides, calibration = hardware_of(args), parse_overrides(args.set), None

    reporter = Reporter("json" if args.json else "auto")
    plan, diags, root = compile_spec(spec, hardware, overrides, calibration)
    show_diagnostics(diags, spec)
    if plan is None:
        return 2
    if saved is not None and to_json(plan) != to_json(saved):
        print(f"vidc: error: {target} is stale: {spec} (or a file it names) changed since the plan was made; "
              f"run `vidc plan {spec} -o {target}` again", file=sys.stderr)
        return 2
    ceiling = _max_cost(args)
    journal_path = root / ".vidc" / "journal.log"
    if ceiling is not None and (refused := budget.refusal(ceiling, plan, journal_path, set(args.only) or None, args.force)):
        print(refused, file=sys.stderr)  # before any script, voice or GPU task is paid for
        return 2
    guard = budget.ScriptGuard(ceiling, budget.project_prices(spec)) if ceiling is not None else None
    if any(not v.script_known for v in plan.videos):
        from .script import generate_missing

        code = generate_missing(spec, overrides, reporter, guard)
        if code:
            return code
        plan, diags, root = compile_spec(spec, hardware, overrides, calibration)
        if plan is None:
            show_diagnostics(diags, spec)
            return 2
        if guard is not None and (refused := budget.refusal(ceiling, plan, journal_path, set(args.only) or None,
                                                             args.force, guard.spent, "the scripts")):
            print(refused, file=sys.stderr)
            return 2

    names = {v.name for v in plan.videos}
    only = set(args.only) or None
    if only and only - names:
        print(f"vidc: error: no video named {', '.join(sorted(only - names))}; this project has: "
              f"{', '.join(sorted(names))}", file=sys.stderr)
        return 2
    out_dirs = {v.name: (Path(args.out) if args.out else root / v.output) for v in plan.videos}
    work = WorkFolder(root / ".vidc")
    lock = WorkLock(work.lock)
    try:
        lock.acquire()
    except Busy as busy:
        print(f"vidc: another build of this project is running (pid {busy.pid}); wait for it to finish "
              f"(its lock is {work.lock})", file=sys.stderr)
        return 1
    try:
        prices = budget.project_prices(spec)
        costbook = budget.CostBook.from_journal(prices, work.journal, budget.script_spend(spec, overrides, only))
        spend = budget.Budget(ceiling, prices, plan, guard.spent) if guard is not None else None
        executor = Executor(plan, root, out_dirs, work, reporter, only=only, force=args.force, budget=spend,
                            costbook=costbook)
        try:
            outcome = executor.run()
        except PublishError as exc:
            reporter.message(f"vidc: error: {exc}")
            print(f"vidc: error: {exc}", file=sys.stderr)
            return 1
    finally:
        lock.release()
    if spend is not None and spend.stopped:
        print(f"vidc: stopped at --max-cost {budget.usd(ceiling)}: measured spend {budget.usd(spend.spent)}; "
              f"{len(spend.stopped)} paid task(s) not dispatched ({', '.join(spend.stopped[:4])})", file=sys.stderr)
    return _summary(outcome, plan, only, reporter, args.json)


def _max_cost(args) -> int | None:
    text = getattr(args, "max_cost", None)
    if text is None:
        return None
    try:
        return budget.parse_money(text)
    except ValueError:
        raise UsageError(f"--max-cost {text!r}: expected an amount of US dollars, like 5.00") from None


def _summary(outcome, plan: Plan, only, reporter: Reporter, as_json: bool) -> int:
    videos = [v.name for v in plan.videos if only is None or v.name in only]
    if as_json:
        print(json.dumps({"event": "build_finished", "ok": outcome.ok, "ran": len(outcome.ran),
                          "cached": len(outcome.cached), "failed": outcome.failed, "skipped": sorted(outcome.skipped),
                          "published": outcome.published}, ensure_ascii=False), flush=True)
    if not outcome.ran and not outcome.failed and not outcome.skipped:
        if not as_json:
            what = "republished " + ", ".join(outcome.published) if outcome.published else "nothing to do"
            print(f"up to date: {len(videos)} video{'s' * (len(videos) != 1)}, {len(outcome.cached)} tasks already "
                  f"built; {what}")
        return 0
    if outcome.ok:
        if not as_json:
            print(f"built {len(videos)} video{'s' * (len(videos) != 1)}: ran {len(outcome.ran)} tasks, reused "
                  f"{len(outcome.cached)}")
            for path in outcome.published:
                if path.endswith(".mp4"):
                    print(f"  {path}")
        return 0
    print(f"build failed: {len(outcome.failed)} task(s) failed, {len(outcome.skipped)} skipped because of them; "
          f"{len(outcome.ran)} ran and are kept (run again to resume)", file=sys.stderr)
    for tid, error in sorted(outcome.failed.items()):
        print(f"  {tid}:\n    " + error.replace("\n", "\n    "), file=sys.stderr)
    return 1
