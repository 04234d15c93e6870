"""Leaving a bad matrix row out instead of failing the compile (CompileOptions.skip_invalid_videos).

An error that belongs to one video of a matrix (its row's templating and validation, or the checks of
its lowered tasks) leaves that video out of the plan, and the compile reports it as a LeftOut with the
errors that caused it. The videos kept are lowered exactly as they would be on their own: what a
left-out video added to the compilation (tasks, warnings, files, model facts) is taken back, so the
ids, outputs and fingerprints of the others do not move.

Errors that do not belong to one video still fail the compile: the spec's shared parts (a problem
found in every row), the matrix file, the price table, the music library, a lock file, the hardware
profile, and a matrix whose every row is bad.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .diagnostics import Diagnostic, has_errors, sort_diagnostics
from .expand import Expanded, name_problem

# Codes of problems outside any one row: a video never leaves the plan because of one of these.
SHARED_CODES = frozenset(
    {
        "E_IO",
        "E_SET",
        "E_MATRIX_FILE",
        "E_DUPLICATE_NAME",
        "E_PRICES",
        "E_MUSIC_LIBRARY",
        "E_STOCK_LOCK",
        "E_SCRIPT_LOCK",
        "E_NO_DEVICE",
        "E_PARALLEL",
    }
)

T = TypeVar("T")


@dataclass(frozen=True)
class LeftOut:
    """A video left out of the plan, and why."""

    row: int  # 0-based matrix row
    label: str  # how diagnostics name the row: "row 2 (rows.csv line 3)", "matrix row 2"
    name: str  # the video's name, or `row N` when the row's name does not render
    diagnostics: tuple[Diagnostic, ...]  # the errors that left it out, sorted, each at file:line:col with its hint

    def errors(self) -> list[Diagnostic]:
        """Its errors naming the row, as the compile reports them when it fails after all."""
        return [dataclasses.replace(d, message=f"{d.message} (in {self.label})") for d in self.diagnostics]

    def warnings(self) -> list[Diagnostic]:
        """Its errors as warnings that name the row: `row 2 (rows.csv line 3) left out: ...`."""
        return [
            dataclasses.replace(d, severity="warning", message=f"{self.label} left out: {d.message}")
            for d in self.diagnostics
        ]


def _own_errors(diags: Sequence[Diagnostic]) -> tuple[Diagnostic, ...] | None:
    """The errors of one video when they are its own (None: no error, or one that is not only its own)."""
    errors = [d for d in diags if d.severity == "error"]
    if not errors or any(d.code in SHARED_CODES for d in errors):
        return None
    return tuple(sort_diagnostics(errors))


def _name(tree: dict, row: int) -> str:
    name = tree.get("name")
    if isinstance(name, str) and name_problem(name) is None:
        return name
    return f"row {row + 1}"


def split_rows(
    expanded: list[Expanded],
    specs: list[T],
    per_row: list[tuple[str, list[Diagnostic]]],
    left_out: list[LeftOut],
    placed: Callable[[list[Diagnostic]], list[Diagnostic]],
) -> tuple[list[Expanded], list[T], list[tuple[str, list[Diagnostic]]]]:
    """The rows to keep; rows whose errors are their own go to `left_out` (with `placed` applied to
    their diagnostics). Nothing is left out when a row's errors are not its own, when the spec has no
    matrix, or when every row is bad: the compile then fails with every row's problems, as without the flag."""
    bad = {i: _own_errors(placed(ds)) for i, (_, ds) in enumerate(per_row) if has_errors(ds)}
    if not bad or len(bad) == len(per_row) or any(v is None for v in bad.values()):
        return expanded, specs, per_row
    if any(row.row is None for row in expanded):
        return expanded, specs, per_row
    keep = [i for i in range(len(per_row)) if i not in bad]
    for i, errors in bad.items():
        row = expanded[i]
        assert row.row is not None and errors is not None
        left_out.append(LeftOut(row.row, row.label, _name(row.tree, row.row), errors))
    return [expanded[i] for i in keep], [specs[i] for i in keep], [per_row[i] for i in keep]


def lower_each(c: Any, lower: Callable[[Any, Any], None]) -> None:
    """Lower every video of compilation `c`; under skip_invalid_videos, a video whose checks find an
    error of its own is taken back out (its tasks, diagnostics, files and model facts) and left out."""
    if not c.opts.skip_invalid_videos or has_errors(c.diags) or any(v.row is None for v in c.videos):
        for video in c.videos:
            lower(c, video)
        return
    kept, raw, loaded = [], [], len(c.left_out)
    for video in c.videos:
        marks = (len(c.diags), len(c.drafts), len(c.video_plans), set(c.file_paths), dict(c.facts_seen))
        lower(c, video)
        mine = c.diags[marks[0] :]
        errors = _own_errors(mine)
        if errors is None:
            kept.append(video)
            continue
        del c.diags[marks[0] :], c.drafts[marks[1] :], c.video_plans[marks[2] :]
        c.file_paths, c.facts_seen = marks[3], marks[4]
        c.left_out.append(LeftOut(video.row, video.label, video.spec.name, errors))
        raw += mine
    if not kept:  # every video is bad: the compile fails with all their problems
        c.diags += raw + [d for gone in c.left_out[:loaded] for d in gone.errors()]
        c.left_out.clear()
    c.videos = kept
