"""Run-time references inside argv strings and params: `@{...}` tokens the runtime resolves.

@{out}                     the task's (temporary) output folder
@{in:ROLE}                 the output folder of the input task bound to ROLE
@{project:PATH}            a file of the project folder (an asset, a music track)
@{TASK-ID:FIELD}           a measurement another task reported (result.json), e.g. scene_ms
@{TASK-ID:FIELD|frames:30} ... converted: frames at 30 fps (rounded up), or |seconds
@{TASK-ID:FIELD|frames:30:-7}  ... frames at 30 fps less 7 (|seconds_at:30:-7.5: their time, in seconds)
@{self:FIELD}              a value the task measures itself between its own commands
"""

from __future__ import annotations

import re

from .units import frames_for_ms  # noqa: F401 - the scene-length rounding, where references are filled

REF = re.compile(r"@\{([^{}]+)\}")

OUT = "@{out}"


def inp(role: str) -> str:
    return "@{in:" + role + "}"


def project(path: str) -> str:
    return "@{project:" + path + "}"


def measured(task_id: str, field: str, conv: str | None = None) -> str:
    return "@{" + task_id + ":" + field + ("|" + conv if conv else "") + "}"


def shifted(frames: str, k: float) -> str:
    """A `|frames:FPS` or `|seconds_at:FPS` reference moved by k frames (negative: earlier)."""
    assert frames.endswith("}") and ("|frames:" in frames or "|seconds_at:" in frames)
    return f"{frames[:-1]}:{k:g}}}"


def self_ref(field: str) -> str:
    return "@{self:" + field + "}"


def fill_self(argv: list[str], values: dict[str, str]) -> list[str]:
    """A task's own `@{self:FIELD}` references filled with the values it measured between its commands
    (the runtime's other references are resolved by vidc.runtime.engine.resolve, with the same REF)."""

    def one(match: re.Match) -> str:
        head, _, field = match.group(1).partition(":")
        return values[field] if head == "self" and field in values else match.group(0)

    return [REF.sub(one, arg) for arg in argv]
