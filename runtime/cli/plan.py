"""`vidc plan`: show what would be rendered, where, when and how."""
from __future__ import annotations

import sys
from pathlib import Path

from vidc.compiler.render import to_dot, to_json, to_mermaid, to_text

from ..state.atomic import write_text
from .common import add_spec_args, compile_args

RENDER = {"text": to_text, "json": to_json, "dot": to_dot, "mermaid": to_mermaid}


def register(sub) -> None:
    p = sub.add_parser("plan", help="show what would be rendered, where and how")
    add_spec_args(p)
    p.add_argument("--format", choices=tuple(RENDER), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the plan here (a .json name writes the canonical plan)")
    p.add_argument("--simulate", action="store_true", help="run the plan through the runtime simulator")
    p.add_argument("--jitter", type=float, default=0.2, help="with --simulate: spread of task times (0.2 = ±20%%)")
    p.add_argument("--seed", type=int, default=0, help="with --simulate: random seed of the jitter")
    p.set_defaults(func=run)


def run(args) -> int:
    _, plan = compile_args(args)
    if plan is None:
        return 2
    if args.simulate:
        from ..engine.simulate import simulate_report

        text = simulate_report(plan, jitter=args.jitter, seed=args.seed)
    else:
        text = RENDER[args.format](plan)
    if args.output:
        write_text(Path(args.output), to_json(plan) if args.output.endswith(".json") and args.format == "text" else text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
