"""The task descriptor: what a lane worker needs to run one task, anywhere.

The coordinator writes one per run (`tasks/NAME.json`, canonical JSON) from a plan task, with its
run-time references resolved except `@{project:...}` (the worker's own project folder) and
`@{self:...}` (the backend's own values). It is portable: inputs are store-relative paths, never
absolute ones, so the local workers and the Ray lanes run the very same descriptor.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TaskDescriptor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = Field(1, description="the descriptor format's version (absent in old descriptors: 1)")
    id: str = Field(description="the task id")
    fingerprint: str
    backend: str
    est_ms: int = Field(0, description="the plan's estimate (calibration included)")
    scale: float = Field(1.0, description="the calibration factor inside est_ms")
    params: dict[str, Any] = Field(default_factory=dict, description="the backend's params, references resolved")
    argv: list[list[str]] = Field(default_factory=list, description="ffmpeg command lines, references resolved")
    inputs: dict[str, str] = Field(default_factory=dict, description="input role -> store-relative object folder")
    group: list[str] | None = Field(None, description="a context-parallel task's devices (cuda:N), its own first")

    def to_json_dict(self) -> dict[str, Any]:
        """The descriptor as written (no `group` unless it has one)."""
        return self.model_dump(mode="json", exclude_none=True)
