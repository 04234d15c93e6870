"""The lane interface both executors use, and what a lane reports back.

The scheduler (executor.py) owns the running tasks, the planned queues and skipping; a lane only runs
what it is given. The local lanes are worker processes fed through queue files (local_lanes.py); the
Ray lanes are actors on a cluster (ray_executor.py). A lane is driven through five calls:

- `start(warm)`: get ready before the first task: start the Ray actor or local worker now, and load
  the models of its planned tasks' backends while it waits (Backend.warm);
- `submit(run)`: run one task descriptor (one at a time per lane);
- `poll()`: what happened since the last call, as reports (never blocks for long);
- `release()`: the lane's device joins another lane's context-parallel group: free its loaded models;
- `stop()`: no more tasks (a pool's `close()` then waits for its lanes and frees what they share).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from vidc.schemas.descriptor import TaskDescriptor
from vidc.schemas.journal import Done, Failed
from vidc.schemas.plan import Lane as PlanLane, Task


@dataclass(frozen=True)
class Run:
    """One task handed to a lane: its descriptor (also written to `desc_rel` in the work folder) and
    the name of its scratch output folder."""

    task: str
    desc: TaskDescriptor
    desc_rel: str
    out_name: str


@dataclass(frozen=True)
class Warm:
    """A backend a lane's planned tasks use, and the params of the first of them (Backend.warm)."""

    backend: str
    params: dict[str, Any]


def warm_list(queue: list[Task]) -> list[Warm]:
    """Each backend of a lane's planned queue once, with the params of its first task there."""
    first: dict[str, Warm] = {}
    for task in queue:
        first.setdefault(task.backend, Warm(task.backend, task.params))
    return [first[name] for name in sorted(first)]


@dataclass(frozen=True)
class Ended:
    """The task ran to an end: its journal record (already written)."""

    record: Done | Failed


@dataclass(frozen=True)
class Lost:
    """The lane's worker died under the task. `retry`: it may run again (the scheduler bounds how often)."""

    task: str
    why: str
    retry: bool


@dataclass(frozen=True)
class Returned:
    """A task that never started goes back to its queue; `wait`: the lane takes nothing until Ready."""

    task: str
    wait: bool = False


@dataclass(frozen=True)
class Ready:
    """A lane that waited (for room on a cluster) takes tasks again."""


@dataclass(frozen=True)
class Gone:
    """The lane can run nothing any more (no node can hold it): `what` names it, `why` says why."""

    what: str
    why: str


@dataclass(frozen=True)
class Note:
    """A line for the person watching the build."""

    text: str


Report = Ended | Lost | Returned | Ready | Gone | Note


class Lane(Protocol):
    id: str

    def start(self, warm: list[Warm]) -> None:
        """The lane has planned work: get ready (start its worker, warm these backends' models)."""
        ...

    def submit(self, run: Run) -> None: ...

    def poll(self) -> list[Report]: ...

    def release(self) -> None: ...

    def stop(self) -> None: ...


class LanePool(Protocol):
    """Makes an executor's lanes and frees what they share."""

    def open(self, lanes: dict[str, PlanLane], planned: dict[str, list[str]]) -> dict[str, Lane]:
        """The lanes that can run (a lane left out is dropped before anything runs)."""
        ...

    def adopt(self, say: Callable[[str], None]) -> None:
        """Before anything runs: keep the work that lanes of a killed build finished since."""
        ...

    def close(self) -> None: ...
