"""`vidc plan`: show what would be rendered, where, when and how."""
from __future__ import annotations

import sys
from pathlib import Path

from vidc.compiler.render import to_dot, to_json, to_mermaid, to_text
from vidc.compiler.textsafe import safe_text

from ..state.atomic import write_text
from ..state.confine import no_link_out
from .common import UsageError, add_spec_args, compile_args

RENDER = {"text": to_text, "json": to_json, "dot": to_dot, "mermaid": to_mermaid}
EXTENSIONS = {".json": "json", ".txt": "text", ".text": "text", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid",
              ".mermaid": "mermaid"}


def output_format(fmt: str | None, output: str | None) -> str:
    """The format to write: --format, else the -o file's extension, else text. A --format that
    contradicts the extension is a usage error (plan.json holding text would not load in `vidc build`)."""
    implied = EXTENSIONS.get(Path(output).suffix.lower()) if output else None
    if fmt and implied and fmt != implied:
        raise UsageError(f"--format {fmt} does not match -o {output} (a {Path(output).suffix} file holds {implied}); "
                         f"drop --format, or name the file {Path(output).stem}"
                         f"{next(e for e, f in EXTENSIONS.items() if f == fmt)}")
    return fmt or implied or "text"


def register(sub) -> None:
    p = sub.add_parser("plan", help="show what would be rendered, where and how")
    add_spec_args(p)
    p.add_argument("--format", choices=tuple(RENDER), default=None,
                   help="text (default), json (the canonical plan `vidc build` takes), dot or mermaid; "
                        "with -o, the file's extension decides when --format is not given")
    p.add_argument("-o", "--output", metavar="FILE", help="write the plan here (.json: the canonical plan)")
    p.add_argument("--simulate", action="store_true", help="run the plan through the runtime simulator")
    p.add_argument("--jitter", type=float, default=0.2, help="with --simulate: spread of task times (0.2 = ±20%%)")
    p.add_argument("--seed", type=int, default=0, help="with --simulate: random seed of the jitter")
    p.add_argument("--frame", type=int, metavar="SCENE",
                   help="draw one scene's frame layout (card, captions, safe areas) as a PNG (-o FILE.png)")
    p.set_defaults(func=run)


def run(args) -> int:
    fmt = output_format(args.format, args.output)
    spec, plan = compile_args(args)
    if plan is None:
        return 2
    if args.output:  # inside the project, never through a link out of it
        no_link_out(spec.resolve().parent, args.output, "plan output")
    if args.frame is not None:
        return _frame(plan, args)
    if args.simulate:
        from ..engine.simulate import simulate_report

        text = simulate_report(plan, jitter=args.jitter, seed=args.seed)
    else:
        text = RENDER[fmt](plan)
    if args.output:
        write_text(Path(args.output), text)
        print(f"wrote {args.output} ({'simulation report' if args.simulate else fmt})", file=sys.stderr)
    else:  # JSON escapes control characters itself; every other view is for a terminal
        sys.stdout.write(text if fmt == "json" else safe_text(text, multiline=True))
    return 0


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
