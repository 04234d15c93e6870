"""`vidc nightly`: the unattended job. It builds every video of the spec (a matrix) with `vidc build`,
in a process of its own that it starts again when it dies (a killed driver, an out-of-memory kill),
keeps going past a failed video (a failed task skips only what needs it) and past a matrix row with
errors of its own (left out of the plan, as `--skip-invalid-rows` does), and writes a summary in the
output folder: `nightly.json` (built, failed with why, work redone, time, cost) and `nightly.md`, a
one-page review. Run it again the next night: what was built is up to date, so only what failed (and
what changed) is rendered again; the summary lists what it retried.

Exit status: 0 when every video was built, 1 when one or more failed or were left out (the summary says
which, a left-out row with its diagnostic: where and the fix), 2 for a spec problem that is not one
row's own (its diagnostics; nothing is built).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from vidc.compiler.textsafe import safe_text

from ..host.sources import find_spec
from ..review.nightly import REVIEW, SUMMARY, previous_failed, redone as redone_work, review, summarise
from ..state.atomic import write_text
from ..state.journal import Journal
from ..state.workfolder import project_work_folder
from .common import EXIT_FAILED, EXIT_OK, UsageError, add_spec_args, hardware_of, parse_overrides, show_diagnostics
from .left_out import compile_keeping_rows, failures
from .ray_args import add_ray_args

EXIT_SPEC = 2
BUILD = "import sys; from vidc.runtime.cli import main; sys.exit(main())"  # `vidc` in a process of its own


def register(sub) -> None:
    p = sub.add_parser(
        "nightly",
        help="build every video unattended, keep going past failures, write a summary and a review; "
        "the next run retries what failed",
    )
    add_spec_args(p)
    p.add_argument("--executor", choices=("local", "ray"), default="local", help="as for `vidc build`")
    add_ray_args(p)
    p.add_argument(
        "--restarts",
        type=int,
        default=2,
        metavar="N",
        help="start the build again up to N times when its process dies (default 2)",
    )
    p.add_argument(
        "--publish",
        choices=("youtube", "tiktok"),
        metavar="PLATFORM",
        help="then run `vidc publish --platform PLATFORM` for what was built (youtube or tiktok)",
    )
    p.set_defaults(func=run)


def publish_available() -> bool:
    """Whether this installation has `vidc publish` (it arrives in its own change)."""
    return importlib.util.find_spec("vidc.runtime.cli.publish") is not None


def _build_argv(args, spec: Path, command: str = "build") -> list[str]:
    argv = [sys.executable, "-c", BUILD, command, str(spec), "--skip-invalid-rows"]
    argv += ["--json"] if command == "build" else []
    for flag, value in (("--hardware", args.hardware), ("--preset", args.preset)):
        if value:
            argv += [flag, value]
    for item in args.set:
        argv += ["--set", item]
    if args.executor == "ray" and command == "build":
        argv += ["--executor", "ray"]
        for flag, value in (("--ray-address", args.ray_address), ("--ray-cache-max", args.ray_cache_max)):
            if value:
                argv += [flag, value]
    return argv


def _attempt(argv: list[str]) -> tuple[int, float, dict, list[str]]:
    """Run one build; (exit status, seconds, its build_finished event or {}, its last error lines)."""
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    final: dict = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("event") == "build_finished":
                final = event
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("vidc: error")][-3:]
    return proc.returncode, time.monotonic() - started, final, errors


def run(args) -> int:
    if args.restarts < 0:
        raise UsageError("--restarts must be 0 or more")
    if args.publish and not publish_available():
        raise UsageError("--publish runs `vidc publish`, which this version of vidc does not have")
    spec = find_spec(args.spec)
    args.skip_invalid_rows = True  # a bad row never blocks the others: it is listed failed, with its diagnostic
    plan, diags, root = compile_keeping_rows(args, spec, hardware_of(args), parse_overrides(args.set, args.preset))
    show_diagnostics(diags, spec)
    if plan is None:
        print("vidc: error: the spec has errors (above); nothing was built", file=sys.stderr)
        return EXIT_SPEC
    out_dir = root / plan.videos[0].output if plan.videos else root / "build"
    retry = previous_failed(out_dir)
    started_at, started = datetime.now(UTC), time.monotonic()
    since = time.time()
    attempts: list[dict] = []
    final: dict = {}
    argv = _build_argv(args, spec)
    for _ in range(args.restarts + 1):
        code, seconds, final, errors = _attempt(argv)
        attempts.append({"exit": code, "seconds": round(seconds, 3), "errors": errors})
        if code >= 0 and final:  # it ran to its end (built, or some videos failed): nothing to restart
            break
        print(f"vidc nightly: the build process ended with {code} before it finished; starting it again", flush=True)
    summary = summarise(plan, root, final, attempts)
    summary["failed"].update(failures(args.left_out))
    summary["videos"] += len(args.left_out)
    journal = Journal(project_work_folder(root).journal)
    summary.update(
        started=started_at.isoformat(timespec="seconds"),
        seconds=round(time.monotonic() - started, 3),
        retried=retry,
        redone=redone_work(journal.replay() if journal.path.is_file() else [], since),
    )
    if args.publish and summary["built"]:
        argv = _build_argv(args, spec, "publish") + ["--platform", args.publish]
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("vidc: error")][-3:]
        summary["publish"] = {"platform": args.publish, "exit": proc.returncode, "errors": errors}
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / SUMMARY, json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    write_text(out_dir / REVIEW, review(summary))
    _say(summary, out_dir)
    published = summary.get("publish", {}).get("exit", 0) == 0
    return EXIT_OK if not summary["failed"] and published else EXIT_FAILED


def _say(summary: dict, out_dir: Path) -> None:
    print(f"nightly: built {len(summary['built'])} of {summary['videos']} videos in {summary['seconds']:.0f}s")
    for name, failed in summary["failed"].items():
        where = f" ({failed['label']}, {failed['where']})" if failed.get("where") else ""
        print(f"  failed {name}: {safe_text(failed['why'])}{safe_text(where)}")
    print(f"summary: {out_dir / SUMMARY}\nreview:  {out_dir / REVIEW}")
