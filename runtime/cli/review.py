"""`vidc review [SPEC] [-o DIR] [--open] [--serve]`: a static review site of the build, generated
from the manifests, the journal and the store (runtime/review/)."""

from __future__ import annotations

from pathlib import Path

from vidc.schemas.spec import PRESETS

from .left_out import add_skip_arg


def register(sub) -> None:
    p = sub.add_parser("review", help="write a static review site of the build: a card per video, a page per video")
    p.add_argument(
        "spec", nargs="?", default=".", help="project spec file, or a folder holding project.yaml (default: .)"
    )
    p.add_argument("--hardware", metavar="FILE", help="hardware profile the plan is compared with (default: detect)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a template variable")
    p.add_argument(
        "--preset",
        choices=PRESETS,
        metavar="PRESET",
        help="review the build made with `vidc build --preset PRESET` (in OUTPUT/PRESET/)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where the build published the videos, if `vidc build --out DIR` (default: the spec's `output`)",
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", help="where to write the site (default: <output>/review beside the videos)"
    )
    p.add_argument("--open", action="store_true", help="open the site in a browser")
    p.add_argument(
        "--serve", action="store_true", help="serve it on 127.0.0.1 (browsers load caption tracks only over http)"
    )
    p.add_argument("--port", type=int, default=8765, help="with --serve: the port (0: any free one)")
    add_skip_arg(p, exit_one=False)  # the site shows the videos of the other rows
    p.set_defaults(func=run)


def run(args) -> int:
    from vidc.compiler.frontend import load_project, parse_set

    from ..host.sources import find_spec, project_sources
    from ..review.serve import ServeError, routes, serve
    from ..review.site import Site
    from ..state.confine import no_link_out, real_folder
    from ..state.workfolder import project_work_folder
    from .common import EnvironmentFault, UsageError, hardware_of, parse_overrides, show_diagnostics
    from .left_out import compile_keeping_rows

    if args.serve and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: a port is 0 (any free one) to 65535")
    spec = find_spec(args.spec)
    overrides = parse_overrides(args.set, args.preset)
    plan, diags, root = compile_keeping_rows(args, spec, hardware_of(args), overrides)
    show_diagnostics(diags, spec)
    if plan is None:
        return 2
    project_work_folder(root)  # the checks a build runs: the journal and store are read only inside the project
    src, _ = project_sources(spec)
    values, _ = parse_set([f"{k}={v}" for k, v in sorted(overrides.items())])
    videos, _ = load_project(src, values, left_out=[] if args.skip_invalid_rows else None)
    vars_by_video = {v.spec.name: dict(v.vars) for v in videos}
    from .publish import publish_states

    for name, states in publish_states(spec, plan, videos).items():  # shown on each video's page
        vars_by_video.setdefault(name, {}).update({f"publish.{p}": s for p, s in states.items()})
    published = Path(args.out).resolve() if args.out else None
    outputs = [published] if published else sorted({(root / v.output).resolve() for v in plan.videos})
    if args.output:  # inside the project, never through a link out of it
        out = no_link_out(root, args.output, "review folder")
    else:  # the default site folder sits in the build folder: never a link planted there
        out = real_folder(outputs[0], outputs[0] / "review", "review folder")
    site = Site(plan, root, out.resolve(), vars_by_video, published)
    index = site.build()
    print(f"wrote {index} ({len(plan.videos)} video{'s' * (len(plan.videos) != 1)})")
    if args.serve:
        files, base = routes(site.served())
        try:
            serve(files, "/" + index.resolve().relative_to(base).as_posix(), args.port, args.open)
        except ServeError as exc:
            raise EnvironmentFault(str(exc)) from None
    elif args.open:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())
    return 0
