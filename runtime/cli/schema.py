"""`vidc schema`: print (or regenerate) the JSON Schema of the spec or the plan."""
from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the spec (or the plan)")
    p.add_argument("--plan", action="store_true", help="the plan's schema instead of the spec's")
    p.add_argument("--write", action="store_true", help="regenerate the files in schemas/")
    p.set_defaults(func=run)


def run(args) -> int:
    from vidc.schemas.generate import schema_texts, write_schemas

    if args.write:
        for path in write_schemas():
            print(f"wrote {path}")
        return 0
    sys.stdout.write(schema_texts()["plan" if args.plan else "spec"])
    return 0
