"""`vidc init DIR`: a starter project to edit, with a .gitignore for what builds leave."""

from __future__ import annotations

import sys
from pathlib import Path

from vidc.compiler.resources import template_text

from ..state.atomic import write_text

GITIGNORE = "# vidc: the work folder (journal, store, caches) and the rendered videos\n.vidc/\nbuild/\n"


def register(sub) -> None:
    p = sub.add_parser("init", help="start a new project in a folder")
    p.add_argument("folder", nargs="?", default=".")
    p.set_defaults(func=run)


def run(args) -> int:
    folder = Path(args.folder)
    target = folder / "project.yaml"
    if target.exists():
        print(f"vidc: error: {target} already exists; not overwriting it", file=sys.stderr)
        return 2
    write_text(target, template_text("scaffold/project.yaml"))
    ignore = folder / ".gitignore"
    if not ignore.exists():
        write_text(ignore, GITIGNORE)
    print(f"wrote {target}: try `vidc plan {args.folder}` then `vidc build {args.folder}`")
    return 0
