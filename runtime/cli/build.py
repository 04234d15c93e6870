"""`vidc build`: compile (or load a saved plan, refusing a stale one), then execute it."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidc.compiler.render import to_json
from vidc.compiler.textsafe import safe_text
from vidc.schemas.plan import Plan

from ..engine import budget
from ..engine.events import Reporter
from ..engine.executor import BuildFailed, Executor
from ..engine.publish import PublishError
from ..host.hardware import HardwareError
from ..host.ray_cluster import ClusterError
from ..host.sources import SpecNotFound, find_spec, is_inside
from ..state.disk import check_room
from ..state.faults import StateFault, describe_oserror, disk_full
from ..state.lock import Busy, WorkLock
from ..state.workfolder import WorkFolder
from .common import (
    EnvironmentFault,
    UsageError,
    add_spec_args,
    hardware_of,
    parse_overrides,
    require_ray,
    show_diagnostics,
)
from .left_out import RowsReporter, add_skip_arg, compile_keeping_rows, exit_status
from .ray_args import add_ray_args, check_ray_args, ray_options
from .saved_plan import Refused, _is_saved_plan, _load_saved_plan, _what_changed
from .stock import stock_first

MIN_FREE_BYTES = 256 * 1024 * 1024  # a short 1080p build needs a few hundred MB of work files


def check_environment(work_root: Path, out_dirs: list[Path]) -> None:
    """What the compiler cannot know: ffmpeg, writable work and output folders with room (one line, exit 1)."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise EnvironmentFault(
                f"{tool} is not installed (not on PATH); install it, e.g. `apt-get install ffmpeg` "
                "or scripts/install-system.sh"
            )
    for folder in [work_root, *out_dirs]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".vidc-probe-"):
                pass
        except OSError as exc:
            fix = "make it writable" if folder == work_root else "make it writable or pass --out DIR"
            raise EnvironmentFault(
                f"cannot write to {folder}: {exc.strerror or exc}; {fix}, then run `vidc build` again"
            ) from exc
    free = shutil.disk_usage(work_root).free
    if free < MIN_FREE_BYTES:
        raise EnvironmentFault(
            f"{work_root} has {free // (1024 * 1024)} MB free; a build needs at least "
            f"{MIN_FREE_BYTES // (1024 * 1024)} MB: free some space (`vidc clean` removes old work)"
        )


def register(sub) -> None:
    p = sub.add_parser("build", help="render the videos (resumes an interrupted build)")
    add_spec_args(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's `output`)")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="build only this video (repeatable)")
    p.add_argument("--force", action="store_true", help="render everything again, ignoring finished work")
    p.add_argument("--json", action="store_true", help="print one JSON event per line")
    p.add_argument("--project", metavar="DIR", help="with a plan.json: the project folder (default: the plan's folder)")
    p.add_argument(
        "--max-cost",
        metavar="USD",
        help="refuse the build if its estimated cost passes this many US dollars, "
        "and stop dispatching paid tasks when the measured spend would",
    )
    p.add_argument(
        "--executor",
        choices=("local", "ray"),
        default="local",
        help="run the lanes as processes on this machine (local) or as actors on a Ray cluster (ray)",
    )
    add_ray_args(p)
    add_skip_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Build; with --json the last line is always a `build_finished` event, whatever happened."""
    reporter = RowsReporter("json" if args.json else "auto")
    finished: list[bool] = []
    code = 1
    try:
        code = exit_status(args, _run(args, reporter, finished))
        return code
    except (Refused, StateFault, OSError) as exc:
        line = describe_oserror(exc) if isinstance(exc, OSError) and not isinstance(exc, StateFault) else str(exc)
        code = 2 if isinstance(exc, Refused) else 1
        print(f"vidc: error: {safe_text(line)}", file=sys.stderr)
        if args.json and not finished:
            reporter.message(f"vidc: error: {line}")
        return code
    except BaseException as exc:
        usage = (
            isinstance(exc, (UsageError, SpecNotFound, HardwareError)) or isinstance(exc, SystemExit) and exc.code == 2
        )
        code = 130 if isinstance(exc, KeyboardInterrupt) else 2 if usage else 1
        raise
    finally:
        if args.json and not finished:
            reporter.build_finished(ok=False, exit=code)


def _run(args, reporter: RowsReporter, finished: list[bool]) -> int:
    check_ray_args(args)
    compiled = _compile(args)
    if isinstance(compiled, int):
        return compiled
    plan, spec, root, again = compiled
    reporter.leave_out(getattr(args, "left_out", []))
    ceiling = _max_cost(args)
    journal_path = root / ".vidc" / "journal.log"
    ledger = _ledger(root)  # every paid request, journaled before it leaves (failed ones too)
    earlier = ledger.spent()  # requests of builds that did not finish (killed, failed) count
    only = set(args.only) or None
    if ceiling is not None and (
        refused := budget.refusal(ceiling, plan, journal_path, only, args.force, earlier, SPENT_WHAT, ledger)
    ):
        print(refused, file=sys.stderr)  # before any script, voice or GPU task is paid for
        return 2
    ledger.start(ceiling)
    guard = budget.ScriptGuard(ceiling, budget.project_prices(spec), ledger)
    if any(not v.script_known for v in plan.videos):
        scripted = _scripts_first(args, spec, again, reporter, guard, ceiling, journal_path)
        if isinstance(scripted, int):
            return scripted
        plan, root = scripted
    plan, root = stock_first(plan, spec, root, again, reporter)  # stock footage searched and locked
    names = {v.name for v in plan.videos}
    if only and only - names:
        print(
            f"vidc: error: no video named {', '.join(sorted(only - names))}; this project has: "
            f"{', '.join(sorted(names))}",
            file=sys.stderr,
        )
        return 2
    out_dirs, work, root = _folders(args, plan, root)
    check_environment(work.root, list(out_dirs.values()))
    check_room(plan, work.root, only, args.force)  # the estimated disk the build adds must fit: else `vidc gc`
    return _execute(args, plan, spec, root, out_dirs, work, reporter, finished, ceiling, ledger, again.overrides)


def _compile(args):
    """The plan to build (from the spec, or a saved plan that must still match it), or an exit code."""
    target = Path(args.spec)
    saved: Plan | None = None
    if _is_saved_plan(target):
        saved, spec = _load_saved_plan(target, args.project)
        hardware, overrides, calibration = saved.hardware, dict(saved.overrides), dict(saved.calibration)
    else:
        spec = find_spec(target)
        address = args.ray_address or os.environ.get("RAY_ADDRESS")
        if args.executor == "ray" and not args.hardware and address:  # plan for the cluster the build runs on
            args.hardware = "ray:" + address
        hardware, overrides, calibration = hardware_of(args), parse_overrides(args.set, args.preset), None
    plan, diags, root = compile_keeping_rows(args, spec, hardware, overrides, calibration)
    show_diagnostics(diags, spec)
    if plan is None:
        return 2
    if saved is not None and to_json(plan) != to_json(saved):
        print(
            f"vidc: error: {target} is stale: {_what_changed(saved, plan, spec)}; "
            f"run `vidc plan {spec} -o {target}` again",
            file=sys.stderr,
        )
        return 2
    return plan, spec, root, _Inputs(hardware, overrides, calibration, args.skip_invalid_rows)


@dataclass(frozen=True)
class _Inputs:
    """What the plan was compiled from besides the spec (to compile it again after the scripts)."""

    hardware: Any
    overrides: dict
    calibration: dict | None
    skip_invalid: bool = False  # --skip-invalid-rows


def _scripts_first(args, spec: Path, again: _Inputs, reporter: Reporter, guard, ceiling, journal_path: Path):
    """Write the scripts an LLM still owes, then compile again; the new plan and root, or an exit code."""
    from .script import generate_missing

    code = generate_missing(spec, again.overrides, reporter, guard, again.skip_invalid)
    if code:
        return code
    plan, diags, root = compile_keeping_rows(args, spec, again.hardware, again.overrides, again.calibration)
    if plan is None:
        show_diagnostics(diags, spec)
        return 2
    if ceiling is not None and (
        refused := budget.refusal(
            ceiling, plan, journal_path, set(args.only) or None, args.force, guard.spent, SPENT_WHAT
        )
    ):
        print(refused, file=sys.stderr)
        return 2
    return plan, root


def _folders(args, plan: Plan, root: Path) -> tuple[dict[str, Path], WorkFolder, Path]:
    """Each video's output folder and the work folder, both inside the project (never through a link)."""
    out_dirs = {v.name: (Path(args.out) if args.out else root / v.output) for v in plan.videos}
    root = root.resolve()
    if not args.out:  # the spec's `output:` (an --out DIR on the command line is the user's own choice)
        for v in plan.videos:
            if not is_inside(out_dirs[v.name].resolve(), root):
                raise Refused(
                    f"the output folder {out_dirs[v.name]} resolves to {out_dirs[v.name].resolve()}, outside "
                    f"the project {root}; remove the symlink or pass --out DIR"
                )
    work = WorkFolder(root / ".vidc")
    if not is_inside(work.root.resolve(), root):
        raise Refused(
            f"the work folder {work.root} resolves to {work.root.resolve()}, outside the project {root}; "
            f"remove the symlink (vidc never writes outside the project)"
        )
    return out_dirs, work, root


def _execute(
    args,
    plan: Plan,
    spec: Path,
    root: Path,
    out_dirs: dict[str, Path],
    work: WorkFolder,
    reporter: Reporter,
    finished: list[bool],
    ceiling,
    ledger,
    overrides: dict,
) -> int:
    """Run the plan under the work folder's lock; the exit code."""
    only = set(args.only) or None
    lock = WorkLock(work.lock)
    try:
        lock.acquire()
    except Busy as busy:
        print(
            f"vidc: another build of this project is running (pid {busy.pid}); wait for it to finish "
            f"(its lock is {work.lock})",
            file=sys.stderr,
        )
        return 1
    try:
        prices = budget.project_prices(spec)
        costbook = budget.CostBook.from_journal(
            prices, work.journal, budget.script_spend(spec, overrides, only), ledger
        )
        spend = budget.Budget(ceiling, prices, plan, ledger=ledger)
        executor = _executor(args, plan, root, out_dirs, work, reporter, only, budget=spend, costbook=costbook)
        try:
            outcome = executor.run()
        except (BuildFailed, ClusterError, PublishError) as exc:
            reporter.message(f"vidc: error: {exc}")
            print(f"vidc: error: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:  # the disk filled up or went read-only under us: one line, not a traceback
            raise EnvironmentFault(
                f"{exc.filename or work.root}: {exc.strerror or exc}; free space or fix the "
                "folder's permissions, then run the build again to resume"
            ) from exc
        if outcome.ok:  # what this and earlier unfinished builds sent is settled: the next build starts at $0
            ledger.close()
    finally:
        lock.release()
    not_sent = [tid for tid, error in outcome.failed.items() if error.startswith("not sent:")]
    if ceiling is not None and (spend.stopped or not_sent):
        print(
            f"vidc: error: stopped at --max-cost {budget.usd(ceiling)}: spent {budget.usd(spend.spent)} "
            f"({SPENT_WHAT}); {len(spend.stopped) + len(not_sent)} paid task(s) stopped "
            f"({', '.join((spend.stopped + not_sent)[:4])})",
            file=sys.stderr,
        )
    return _summary(outcome, plan, only, reporter, args.json, finished)


SPENT_WHAT = "requests that reached paid APIs since the last finished build"


def _ledger(root: Path):
    """The work folder's spend ledger; the work folder must stay inside the project (it is written
    before the build's own checks, when scripts are generated)."""
    work_root = root / ".vidc"
    if not is_inside(work_root.resolve(), root.resolve()):
        raise Refused(
            f"the work folder {work_root} resolves to {work_root.resolve()}, outside the project "
            f"{root.resolve()}; remove the symlink (vidc never writes outside the project)"
        )
    work_root.mkdir(exist_ok=True)
    return budget.ledger_of(work_root)


def _max_cost(args) -> int | None:
    text = getattr(args, "max_cost", None)
    if text is None:
        return None
    try:
        return budget.parse_money(text)
    except ValueError:
        raise UsageError(f"--max-cost {text!r}: expected an amount of US dollars, like 5.00") from None


def _paths(outcome) -> None:
    """The build ends with the paths it wrote: the video first, then captions and the rest."""
    if outcome.published:
        print("wrote:")
        for path in sorted(outcome.published, key=lambda p: (not p.endswith(".mp4"), p)):
            print(f"  {path}")


def _executor(args, plan, root, out_dirs, work, reporter, only, **extra) -> Executor:
    if args.executor == "ray":  # imported only here: a local build never imports Ray
        require_ray()
        from ..engine.ray_executor import RayExecutor

        return RayExecutor(
            plan, root, out_dirs, work, reporter, only=only, force=args.force, **ray_options(args), **extra
        )
    return Executor(plan, root, out_dirs, work, reporter, only=only, force=args.force, **extra)


def _summary(outcome, plan: Plan, only, reporter: Reporter, as_json: bool, finished: list[bool]) -> int:
    videos = [v.name for v in plan.videos if only is None or v.name in only]
    if as_json:
        finished.append(True)
        reporter.build_finished(
            ok=outcome.ok,
            exit=0 if outcome.ok else 1,
            ran=len(outcome.ran),
            cached=len(outcome.cached),
            failed=outcome.failed,
            skipped=sorted(outcome.skipped),
            published=outcome.published,
            unpublished=outcome.unpublished,
        )
    if full := disk_full([*outcome.unpublished, *outcome.failed.values()]):  # one line: the folder and the fix
        print(f"vidc: error: {safe_text(full)}", file=sys.stderr)
        return 1
    if outcome.unpublished:
        for line in outcome.unpublished:
            print(f"vidc: error: {safe_text(line)}", file=sys.stderr)
        print(
            f"build rendered everything ({len(outcome.ran)} ran, {len(outcome.cached)} reused) but could not publish; "
            f"run `vidc build` again once that is fixed: it will only publish",
            file=sys.stderr,
        )
        return 1
    if not outcome.ran and not outcome.failed and not outcome.skipped:
        if not as_json:
            what = "republished " + ", ".join(outcome.published) if outcome.published else "nothing to do"
            print(
                f"up to date: {len(videos)} video{'s' * (len(videos) != 1)}, {len(outcome.cached)} tasks already "
                f"built; {what}"
            )
            _paths(outcome)
        return 0
    if outcome.ok:
        if not as_json:
            print(
                f"built {len(videos)} video{'s' * (len(videos) != 1)}: ran {len(outcome.ran)} tasks, reused "
                f"{len(outcome.cached)}"
            )
            _paths(outcome)
        return 0
    print(
        f"build failed: {len(outcome.failed)} task(s) failed, {len(outcome.skipped)} skipped because of them; "
        f"{len(outcome.ran)} ran and are kept (run again to resume)",
        file=sys.stderr,
    )
    for tid, error in sorted(outcome.failed.items()):
        print(f"  {tid}:\n    " + safe_text(error, multiline=True, limit=2000).replace("\n", "\n    "), file=sys.stderr)
    return 1
