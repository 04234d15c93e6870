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


class Problem(BaseModel):
    """One error of a spec, as a diagnostic reports it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="the diagnostic's stable code, e.g. E_FILE_NOT_FOUND")
    where: str = Field(description="file:line:col in the spec (relative to the project)")
    message: str
    fix: str = Field("", description="the diagnostic's hint, when it has one")


class VideoLeftOut(_Event):
    event: Literal["video_left_out"] = "video_left_out"
    video: str = Field(description="the video's name (`row N` when the row's name does not render)")
    row: int = Field(description="its matrix row, counted from 1")
    label: str = Field(description="how diagnostics name the row, e.g. `row 2 (rows.csv line 3)`")
    problems: list[Problem] = Field(description="the errors of its row that left it out of the plan")


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
    BuildStarted
    | TaskStarted
    | TaskDone
    | TaskFailed
    | TaskSkipped
    | Published
    | Message
    | VideoLeftOut
    | BuildFinished,
    Field(discriminator="event"),
]
EVENT = TypeAdapter(Event)
