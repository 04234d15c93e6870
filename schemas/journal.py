"""The journal's records: one JSON object per line, one model per kind (`ev`), versioned (`v`).

Workers and the coordinator write them (runtime/state/journal.py adds the time `t`); recovery,
`vidc calibrate`, the review site and the cost book read them back through `parse_record`. A record
written before records carried a version reads as version 1. A record that does not match its
kind's model (a damaged line, a wrong type) is not used.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

Number = int | float  # kept as written: an int stays an int on disk


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")

    v: Literal[1] = Field(1, description="the record format's version (absent in old journals: 1)")
    t: Number = Field(0, description="when it was written (seconds since the epoch)")
    task: str = Field("", description="the task id")
    fp: str = Field("", description="the task's fingerprint")
    lane: str = ""


class Claimed(_Record):
    """A lane took a task (written before it runs)."""

    ev: Literal["claimed"] = "claimed"
    pid: int = Field(0, description="the process that claimed it (the driver, for Ray lanes)")


class Done(_Record):
    """A task finished: its output is the store object `object`."""

    ev: Literal["done"] = "done"
    fp: str = Field(min_length=1)
    object: str = Field(min_length=1, description="the output's store object (its hash)")
    device: str = ""
    ms: Number = Field(0, description="measured run time")
    backend: str = ""
    est_ms: Number = Field(0, description="the plan's estimate it ran with")
    scale: Number = Field(1.0, description="the calibration factor inside that estimate")
    node: str | None = Field(None, description="the Ray node that ran it")
    seal: str = Field(
        "",
        description="binds the record to its task: seal_of(task, fp, object), set when it is written; "
        "a record whose seal does not match (records swapped or edited) is not used",
    )

    def sealed(self) -> Done:
        """This record with its seal set."""
        return self.model_copy(update={"seal": seal_of(self.task, self.fp, self.object)})

    @property
    def seal_matches(self) -> bool:
        return self.seal == seal_of(self.task, self.fp, self.object)


class Failed(_Record):
    """A task failed; `error` says why."""

    ev: Literal["failed"] = "failed"
    error: str = ""


class Lost(_Record):
    """A Ray lane's worker or node died under a task (it runs again, a bounded number of times)."""

    ev: Literal["lost"] = "lost"
    error: str = ""


class Stolen(_Record):
    """A lane took a task planned for another lane."""

    ev: Literal["stolen"] = "stolen"
    planned: str = Field("", description="the lane it was planned on")


Record = Annotated[Claimed | Done | Failed | Lost | Stolen, Field(discriminator="ev")]
RECORD = TypeAdapter(Record)


def seal_of(task: str, fp: str, obj: str) -> str:
    """The digest a `done` record carries over its task id, fingerprint and output object: two records
    that point at each other's objects (or a record edited to point elsewhere) no longer match it."""
    return hashlib.sha256(f"vidc-done-1\0{task}\0{fp}\0{obj}".encode()).hexdigest()[:32]


def parse_record(obj: Any) -> Claimed | Done | Failed | Lost | Stolen | None:
    """The record a decoded journal line holds, or None when it is not a valid record."""
    if not isinstance(obj, dict):
        return None
    try:
        return RECORD.validate_python(obj)
    except ValidationError:
        return None


def record_json(record: Claimed | Done | Failed | Lost | Stolen) -> dict[str, Any]:
    """The record as the JSON object written to the journal (unset optional fields left out)."""
    return record.model_dump(mode="json", exclude_none=True)
