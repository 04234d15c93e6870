"""`--skip-invalid-rows` (vidc build, plan, validate; vidc nightly always): a matrix row whose errors
are its own is left out of the plan instead of failing it. Its errors are shown on standard error as
warnings that name the row (`row 2 (rows.csv line 3) left out: ...`), the other videos are planned and
built as usual, and the command exits 1 (not 0) so that a CI job notices; `vidc build --json` emits a
`video_left_out` event for each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vidc.compiler.left_out import LeftOut
from vidc.compiler.textsafe import safe_text
from vidc.schemas.events import Problem, VideoLeftOut

from ..engine.events import Reporter
from .common import EXIT_FAILED, EXIT_OK, compile_spec_rows, show_diagnostics

FLAG_HELP = (
    "leave a matrix row with errors of its own out of the plan (its errors become warnings naming the row) "
    "and go on with the others"
)


def add_skip_arg(p: argparse.ArgumentParser, exit_one: bool = True) -> None:
    more = "; exit 1 when a row was left out" if exit_one else ""
    p.add_argument("--skip-invalid-rows", action="store_true", help=FLAG_HELP + more)


def problems(gone: LeftOut) -> list[Problem]:
    """The errors that left a video out, as plain data (code, file:line:col, message, fix)."""
    return [
        Problem(code=d.code, where=f"{d.file}:{d.line}:{d.col}", message=d.message, fix=d.hint)
        for d in gone.diagnostics
    ]


def show_left_out(left_out: list[LeftOut], spec: Path) -> None:
    """Each left-out video's errors as warnings naming its row, then one line saying what was left out."""
    if not left_out:
        return
    show_diagnostics([w for gone in left_out for w in gone.warnings()], spec)
    rows = ", ".join(f"{gone.label}: {gone.name}" for gone in left_out)
    print(f"vidc: {len(left_out)} video(s) left out of the plan ({safe_text(rows)}); the others go on", file=sys.stderr)


def compile_keeping_rows(args, spec: Path, hardware, overrides: dict[str, str], calibration: dict | None = None):
    """compile_spec for a command with --skip-invalid-rows: (plan | None, diagnostics, project folder).
    The videos left out are shown once and kept in `args.left_out` (a later compile of the same build,
    after its scripts or stock footage are locked, replaces the list)."""
    skip = bool(getattr(args, "skip_invalid_rows", False))
    plan, diags, root, _, left_out = compile_spec_rows(spec, hardware, overrides, calibration, skip)
    if plan is not None:
        shown = {gone.label for gone in getattr(args, "left_out", [])}
        show_left_out([gone for gone in left_out if gone.label not in shown], spec)
        args.left_out = left_out
    return plan, diags, root


def exit_status(args, code: int) -> int:
    """A command that would exit 0 exits 1 when a video was left out."""
    return EXIT_FAILED if code == EXIT_OK and getattr(args, "left_out", None) else code


class RowsReporter(Reporter):
    """The build's reporter, which also says which videos were left out (`video_left_out` events with
    --json) and makes `build_finished` say exit 1 (ok false) when one was."""

    def __init__(self, mode: str = "auto", stream=None):
        super().__init__(mode, stream)
        self.left_out: list[LeftOut] = []

    def leave_out(self, left_out: list[LeftOut]) -> None:
        self.left_out = list(left_out)
        for gone in self.left_out:
            self.emit(VideoLeftOut(video=gone.name, row=gone.row + 1, label=gone.label, problems=problems(gone)))

    def build_finished(self, *, ok: bool, exit: int, **rest) -> None:  # type: ignore[override]
        if self.left_out and exit == EXIT_OK:
            ok, exit = False, EXIT_FAILED
        super().build_finished(ok=ok, exit=exit, **rest)


def failures(left_out: list[LeftOut]) -> dict[str, dict]:
    """`vidc nightly`'s `failed` entries of the videos left out: why (the first error's message), where
    (file:line:col), its fix and code, the row, and every error of the row (`problems`)."""
    out = {}
    for gone in left_out:
        listed = [p.model_dump() for p in problems(gone)]
        first = listed[0]
        out[gone.name] = {
            "task": "",
            "why": first["message"],
            "where": first["where"],
            "fix": first["fix"],
            "code": first["code"],
            "row": gone.row + 1,
            "label": gone.label,
            "problems": listed,
        }
    return out
