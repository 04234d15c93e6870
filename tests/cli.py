"""One in-process runner for the `vidc` command line: run_cli(...) -> CliResult(code, out, err, events).

It calls vidc.runtime.cli.main in this process (no interpreter start, no console-script lookup), with its
standard output and error captured, in `cwd` and with `env` added to the environment for the call only.
A usage error (argparse's exit) is exit code 2, as on the command line. Use a subprocess where the
process itself is the point (signals, a crash, the environment a real shell gives, several processes)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    @property
    def events(self) -> list[dict[str, Any]]:
        """The `--json` event stream: every line of standard output that is a JSON object."""
        return [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]

    def ok(self) -> CliResult:
        """The result, after checking the command exited 0 (its output is the failure message)."""
        assert self.code == 0, f"vidc exited {self.code}:\n{self.out[-3000:]}\n{self.err[-3000:]}"
        return self


def run_cli(
    *args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> CliResult:
    from vidc.runtime.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    try:
        os.environ.update(env or {})
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([os.fspath(a) for a in args])
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return CliResult(code, out.getvalue(), err.getvalue())
