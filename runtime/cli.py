"""`vidc`: the command line. Exit status 0 ok, 1 a failed build, 2 a bad spec or usage."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.diagnostics import Diagnostic, format_all
from vidc.compiler.render import to_dot, to_json, to_mermaid, to_text
from vidc.schemas.hardware import Hardware

from .atomic import write_text
from .hardware_detect import HardwareError, detect, load_hardware
from .sources import SpecNotFound, find_spec, project_digest, project_sources


class UsageError(Exception):
    pass


def _hardware(args) -> Hardware:
    return load_hardware(args.hardware) if getattr(args, "hardware", None) else detect()


def _overrides(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"--set {item!r}: expected key=value")
        out[key.strip()] = value
    return out


def compile_spec(spec_path: Path, hardware: Hardware, overrides: dict[str, str], calibration: dict | None = None):
    """Compile with the project's calibration (from `vidc calibrate`) unless one is given."""
    from .calibrate import load_calibration

    src, root = project_sources(spec_path)
    scale = load_calibration(root) if calibration is None else calibration
    options = CompileOptions(overrides=overrides, digest=project_digest(root), cost_overrides={"scale": scale})
    plan, diags = compile_project(src, hardware, options)
    return plan, diags, root


def _show(diags: list[Diagnostic], spec_path: Path) -> None:
    if not diags:
        return
    prefix = spec_path.parent
    fixed = [Diagnostic(**{**d.__dict__, "file": str(prefix / d.file) if not Path(d.file).is_absolute() else d.file})
             for d in diags]
    print(format_all(fixed), file=sys.stderr)


# -- commands ----------------------------------------------------------------------------------
def _compile_args(args):
    """Compile the spec named on the command line; diagnostics go to stderr. (spec, plan | None)."""
    spec = find_spec(args.spec)
    plan, diags, _ = compile_spec(spec, _hardware(args), _overrides(args.set))
    _show(diags, spec)
    return spec, plan


def cmd_plan(args) -> int:
    _, plan = _compile_args(args)
    if plan is None:
        return 2
    render = {"text": to_text, "json": to_json, "dot": to_dot, "mermaid": to_mermaid}[args.format]
    if args.simulate:
        from .simulate import simulate_report

        text = simulate_report(plan, jitter=args.jitter, seed=args.seed)
    else:
        text = render(plan)
    if args.output:
        write_text(Path(args.output), to_json(plan) if args.output.endswith(".json") and args.format == "text" else text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_validate(args) -> int:
    spec, plan = _compile_args(args)
    if plan is None:
        return 2
    scenes = sum(len(v.scenes) for v in plan.videos)
    print(f"{spec}: ok ({len(plan.videos)} video{'s' * (len(plan.videos) != 1)}, {scenes} scenes, {len(plan.tasks)} tasks)")
    return 0


def cmd_schema(args) -> int:
    from vidc.schemas.generate import schema_texts, write_schemas

    if args.write:
        for path in write_schemas():
            print(f"wrote {path}")
        return 0
    sys.stdout.write(schema_texts()["plan" if args.plan else "spec"])
    return 0


def cmd_build(args) -> int:
    from .build import run_build

    return run_build(args)


def cmd_script(args) -> int:
    from .script_cmd import run_script

    return run_script(args)


def cmd_music(args) -> int:
    from .music_cmd import run_music

    return run_music(args)


def cmd_init(args) -> int:
    from vidc.compiler.resources import template_text

    target = Path(args.folder) / "project.yaml"
    if target.exists():
        print(f"vidc: error: {target} already exists; not overwriting it", file=sys.stderr)
        return 2
    write_text(target, template_text("scaffold/project.yaml"))
    print(f"wrote {target}: try `vidc plan {args.folder}` then `vidc build {args.folder}`")
    return 0


def cmd_doctor(args) -> int:
    from .doctor import run_doctor

    return run_doctor(args)


def cmd_calibrate(args) -> int:
    from .calibrate import run_calibrate

    return run_calibrate(args)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="vidc", description="Compile a video project into a render plan, and build it.")
    sub = ap.add_subparsers(dest="command", required=True)

    def spec_args(p, hardware=True):
        p.add_argument("spec", help="project spec file, or a folder holding project.yaml")
        if hardware:
            p.add_argument("--hardware", metavar="FILE", help="hardware profile (default: detect this machine)")
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a template variable")

    p = sub.add_parser("plan", help="show what would be rendered, where and how")
    spec_args(p)
    p.add_argument("--format", choices=("text", "json", "dot", "mermaid"), default="text")
    p.add_argument("-o", "--output", metavar="FILE", help="write the plan here (a .json name writes the canonical plan)")
    p.add_argument("--simulate", action="store_true", help="run the plan through the runtime simulator")
    p.add_argument("--jitter", type=float, default=0.2, help="with --simulate: spread of task times (0.2 = ±20%%)")
    p.add_argument("--seed", type=int, default=0, help="with --simulate: random seed of the jitter")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("validate", help="check a spec and report every problem")
    spec_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build", help="render the videos (resumes an interrupted build)")
    spec_args(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default: the spec's `output`)")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="build only this video (repeatable)")
    p.add_argument("--force", action="store_true", help="render everything again, ignoring finished work")
    p.add_argument("--json", action="store_true", help="print one JSON event per line")
    p.add_argument("--project", metavar="DIR", help="with a plan.json: the project folder (default: the plan's folder)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("script", help="generate the LLM script and lock it beside the spec")
    spec_args(p, hardware=False)
    p.add_argument("--refresh", action="store_true", help="generate again even if a current lock exists")
    p.set_defaults(func=cmd_script)

    p = sub.add_parser("schema", help="print the JSON Schema of the spec (or the plan)")
    p.add_argument("--plan", action="store_true", help="the plan's schema instead of the spec's")
    p.add_argument("--write", action="store_true", help="regenerate the files in schemas/")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("music", help="music libraries")
    msub = p.add_subparsers(dest="music_command", required=True)
    q = msub.add_parser("list", help="show a catalog (default: the built-in library)")
    q.add_argument("folder", nargs="?", help="a folder indexed with `vidc music index`")
    q.set_defaults(func=cmd_music)
    q = msub.add_parser("index", help="build a catalog for a folder of tracks")
    q.add_argument("folder")
    q.set_defaults(func=cmd_music)

    p = sub.add_parser("init", help="start a new project in a folder")
    p.add_argument("folder", nargs="?", default=".")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("doctor", help="which backends can run here, and how to fix those that cannot")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("calibrate", help="turn measured task times into a cost profile for this machine")
    spec_args(p)
    p.set_defaults(func=cmd_calibrate)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, SpecNotFound, HardwareError) as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vidc: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
