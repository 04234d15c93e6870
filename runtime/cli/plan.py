"""`vidc plan`: show what would be rendered, where, when and how."""

from __future__ import annotations

import sys
from pathlib import Path

from vidc.compiler.render import to_dot, to_json, to_mermaid, to_text
from vidc.compiler.textsafe import safe_text

from ..state.atomic import write_text
from ..state.confine import no_link_out
from .common import UsageError, add_spec_args, compile_args_videos
from .left_out import add_skip_arg, exit_status, show_left_out
from .stock import plan_summary

RENDER = {"text": to_text, "json": to_json, "dot": to_dot, "mermaid": to_mermaid}
EXTENSIONS = {
    ".json": "json",
    ".txt": "text",
    ".text": "text",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
}


def output_format(fmt: str | None, output: str | None) -> str:
    """The format to write: --format, else the -o file's extension, else text. A --format that
    contradicts the extension is a usage error (plan.json holding text would not load in `vidc build`)."""
    implied = EXTENSIONS.get(Path(output).suffix.lower()) if output else None
    if fmt and implied and fmt != implied:
        raise UsageError(
            f"--format {fmt} does not match -o {output} (a {Path(output).suffix} file holds {implied}); "
            f"drop --format, or name the file {Path(output).stem}"
            f"{next(e for e, f in EXTENSIONS.items() if f == fmt)}"
        )
    return fmt or implied or "text"


def register(sub) -> None:
    p = sub.add_parser("plan", help="show what would be rendered, where and how")
    add_spec_args(p)
    p.add_argument(
        "--format",
        choices=tuple(RENDER),
        default=None,
        help="text (default), json (the canonical plan `vidc build` takes), dot or mermaid; "
        "with -o, the file's extension decides when --format is not given",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write the plan here (.json: the canonical plan)")
    p.add_argument("--simulate", action="store_true", help="run the plan through the runtime simulator")
    p.add_argument("--jitter", type=float, default=0.2, help="with --simulate: spread of task times (0.2 = ±20%%)")
    p.add_argument("--seed", type=int, default=0, help="with --simulate: random seed of the jitter")
    p.add_argument(
        "--capacity",
        metavar="DURATION",
        help="how many videos of this spec (or matrix) finish in DURATION (e.g. 8h, 1d) on the hardware "
        "profile, and the bottleneck lane; an estimate from the cost model and the simulator",
    )
    p.add_argument(
        "--frame",
        type=int,
        metavar="SCENE",
        help="draw one scene's frame layout (card, captions, safe areas) as a PNG (-o FILE.png)",
    )
    add_skip_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    fmt = output_format(args.format, args.output)
    spec, plan, videos = compile_args_videos(args)
    if plan is None:
        return 2
    show_left_out(args.left_out, spec)
    if args.output:  # inside the project, never through a link out of it
        no_link_out(spec.resolve().parent, args.output, "plan output")
    if args.frame is not None:
        return _frame(plan, args)
    if args.capacity:
        text = _capacity(plan, args.capacity)
    elif args.simulate:
        from ..engine.simulate import simulate_report

        text = simulate_report(plan, jitter=args.jitter, seed=args.seed)
    else:
        text = RENDER[fmt](plan)
    disk = _disk_line(plan, args) if fmt == "text" and not args.simulate and not args.capacity else ""
    if args.output:
        write_text(Path(args.output), text)
        what = "capacity report" if args.capacity else "simulation report" if args.simulate else fmt
        print(f"wrote {args.output} ({what})", file=sys.stderr)
    else:  # JSON escapes control characters itself; every other view is for a terminal
        sys.stdout.write(text if fmt == "json" else safe_text(text, multiline=True))
    if disk:  # what the build would add depends on this machine's store: never in a saved plan
        print(safe_text(disk), file=sys.stderr if args.output else sys.stdout)
    if fmt == "text" and not args.simulate and not args.capacity and (stock := plan_summary(plan)):
        print(safe_text(stock, multiline=True), file=sys.stderr if args.output else sys.stdout)
    if fmt == "text" and not args.simulate and not args.capacity:  # the platforms' state: never in a saved plan
        from .publish import publish_lines

        for line in publish_lines(spec, plan, videos):
            print(safe_text(line), file=sys.stderr if args.output else sys.stdout)
    return exit_status(args, 0)


def _disk_line(plan, args) -> str:
    from ..host.sources import find_spec
    from ..state.disk import summary
    from ..state.faults import StateFault
    from ..state.workfolder import project_work_folder

    try:  # a work folder that is not what vidc keeps (a link out of the project): no line, plan goes on
        return summary(plan, project_work_folder(find_spec(args.spec).resolve().parent).root)
    except (StateFault, OSError):
        return ""


def _capacity(plan, window: str) -> str:
    """`--capacity DURATION`: one run of the plan through the simulator (no jitter), then the pure answer."""
    from vidc.compiler.capacity import capacity, capacity_text, parse_duration_ms

    from ..engine.simulate import simulate

    try:
        window_ms = parse_duration_ms(window)
    except ValueError as exc:
        raise UsageError(f"--capacity {window!r}: {exc}") from None
    names = {d.id: d.name or d.kind for d in plan.hardware.devices}
    devices = {ln.id: names.get(ln.device, "CPU worker" if ln.kind == "cpu" else ln.device) for ln in plan.lanes}
    run = simulate(plan, jitter=0.0)
    answer = capacity(
        window_ms, len(plan.videos), run.makespan_ms, run.busy_ms, devices, [v.makespan_ms for v in plan.videos]
    )
    return capacity_text(answer, spec=plan.spec, hardware=plan.hardware.name, calibrated=bool(plan.calibration))


def _frame(plan, args) -> int:
    from ..media.frame_preview import PreviewError, render_frame

    vp = plan.videos[0]
    out = Path(args.output) if args.output else Path(f"{vp.name}.scene-{args.frame:02d}.layout.png")
    try:
        render_frame(plan, args.frame, out, vp.name)
    except PreviewError as exc:
        raise UsageError(str(exc)) from exc
    print(f"wrote {out}", file=sys.stderr)
    return 0
