"""The `vidc build --json` event stream: one JSON object per line, one model per kind (`event`),
versioned (`v`). `vidc schema --events` prints its JSON Schema; the last line of every build is a
`build_finished` event, whatever happened."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = Field(1, description="the event format's version")
    t: float = Field(0.0, description="seconds since the build started")


class BuildStarted(_Event):
    event: Literal["build_started"] = "build_started"
    tasks: int = Field(description="tasks to run")
    cached: int = Field(description="tasks already built (reused)")
    lanes: list[str]


class TaskStarted(_Event):
    event: Literal["task_started"] = "task_started"
    task: str
    stage: str
    lane: str
    stolen_from: str | None = Field(None, description="the lane it was planned on, when another lane took it")


class TaskDone(_Event):
    event: Literal["task_done"] = "task_done"
    task: str
    stage: str
    lane: str
    ms: int | float = Field(description="measured run time")


class TaskFailed(_Event):
    event: Literal["task_failed"] = "task_failed"
    task: str
    stage: str
    lane: str
    error: str


class TaskSkipped(_Event):
    event: Literal["task_skipped"] = "task_skipped"
    task: str
    stage: str
    because: str = Field(description="the failed task it needs, or why it was not dispatched")


class Published(_Event):
    event: Literal["published"] = "published"
    path: str


class Message(_Event):
    event: Literal["message"] = "message"
    text: str


class BuildFinished(_Event):
    event: Literal["build_finished"] = "build_finished"
    ok: bool
    exit: int = Field(description="the exit status of `vidc build`")
    ran: int
    cached: int
    failed: dict[str, str] = Field(default_factory=dict, description="task id -> error")
    skipped: list[str] = Field(default_factory=list)
    published: list[str] = Field(default_factory=list)
    unpublished: list[str] = Field(default_factory=list, description="why a rendered file could not be published")


Event = Annotated[
    BuildStarted | TaskStarted | TaskDone | TaskFailed | TaskSkipped | Published | Message | BuildFinished,
    Field(discriminator="event"),
]
EVENT = TypeAdapter(Event)
