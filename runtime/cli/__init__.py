"""`vidc`: the command line. One module per command, each with `register(sub)` and `run(args)`;
the shared set-up is in common.py. Exit status 0 ok, 1 a failed build or an environment fault,
2 a bad spec or usage."""

from __future__ import annotations

import argparse
import importlib
import sys

from vidc.compiler import __version__

from ..host.hardware import HardwareError
from ..host.sources import SpecNotFound
from ..state.faults import StateFault
from .common import EnvironmentFault, UsageError

COMMANDS = (
    "plan",
    "validate",
    "build",
    "script",
    "schema",
    "music",
    "init",
    "doctor",
    "calibrate",
    "review",
    "export_timeline",
    "clean",
    "captions",
    "say",
    "verify",
    "gc",
    "stock",
    "publish",
    "nightly",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2 with one line, as argparse does, plus a pointer
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="vidc", description="Compile a video project into a render plan, and build it.")
    ap.add_argument("--version", action="version", version=f"vidc {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, SpecNotFound, HardwareError) as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 2
    except (EnvironmentFault, StateFault) as exc:
        print(f"vidc: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vidc: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
