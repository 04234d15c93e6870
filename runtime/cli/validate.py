"""`vidc validate`: check a spec and report every problem; exit 2 if there is one."""

from __future__ import annotations

from .common import add_spec_args, compile_args
from .left_out import add_skip_arg, exit_status, show_left_out


def register(sub) -> None:
    p = sub.add_parser("validate", help="check a spec and report every problem")
    add_spec_args(p)
    add_skip_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    spec, plan = compile_args(args)
    if plan is None:
        return 2
    show_left_out(args.left_out, spec)
    scenes = sum(len(v.scenes) for v in plan.videos)
    print(
        f"{spec}: ok ({len(plan.videos)} video{'s' * (len(plan.videos) != 1)}, {scenes} scenes, {len(plan.tasks)} tasks)"
    )
    return exit_status(args, 0)
