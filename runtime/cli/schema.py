"""`vidc schema`: print (or regenerate) the JSON Schema of the spec, the plan or a run-time contract."""

from __future__ import annotations

import sys

WHICH = {
    "plan": "the plan's schema instead of the spec's",
    "events": "the schema of `vidc build --json`'s events (one per line)",
    "journal": "the schema of the journal's records (.vidc/journal.log, one per line)",
    "descriptor": "the schema of a task descriptor (.vidc/tasks/*.json)",
}


def register(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the spec (or the plan, the events ...)")
    which = p.add_mutually_exclusive_group()
    for key, text in WHICH.items():
        which.add_argument(f"--{key}", action="store_true", help=text)
    p.add_argument("--write", action="store_true", help="regenerate the files in schemas/")
    p.set_defaults(func=run)


def run(args) -> int:
    from vidc.schemas.generate import schema_texts, write_schemas

    if args.write:
        for path in write_schemas():
            print(f"wrote {path}")
        return 0
    key = next((k for k in WHICH if getattr(args, k, False)), "spec")
    sys.stdout.write(schema_texts()[key])
    return 0
