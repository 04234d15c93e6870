"""The backend contract: a small class registered by name that turns one task into files.

A backend receives a TaskContext (its validated params, the folders of its inputs, an empty
output folder) and returns a dict of measurements (durations, word timings) that the runtime stores
beside the outputs as `result.json`; later tasks read them through `@{task-id:field}` references.
A backend keeps no state between tasks except what it can rebuild (a loaded model).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas.catalog import Facts, Needs, Problem

from ..media.tools import FFMPEG_TIMEOUT_S, BackendError, run_ffmpeg, run_tool  # noqa: F401 - the backends' toolkit
from ..state.confine import remove as remove_inside  # noqa: F401 - deleting scratch never follows a link


class NoParams(BaseModel):
    model_config = ConfigDict(extra="allow")


class VoiceParams(BaseModel):
    """What the compiler gives every voice engine (one contract, three engines)."""

    model_config = ConfigDict(extra="forbid")
    text: str
    voice: str | None = None
    speed: float = Field(1.0, gt=0.25, le=4.0)
    language: str = "en-us"
    model: str | None = None
    min_scene_ms: int = Field(ge=0)
    pause_ms: int = Field(ge=0)
    max_scene_ms: int = Field(ge=1)
    scene: int = Field(ge=0)
    spoken: str | None = None  # the text as it is to be said (compiler/speech.py); `text` stays the written form
    spoken_counts: list[int] | None = None  # spoken words per written word, to time the written words

    @property
    def say(self) -> str:
        return self.spoken if self.spoken is not None else self.text


@dataclass
class TaskContext:
    task_id: str
    params: dict[
        str, Any
    ]  # the params as the plan wrote them (references resolved); a backend reads the validated model run() gets
    inputs: dict[str, Path]  # role -> folder holding that input task's outputs (and result.json)
    out: Path  # empty folder for this task's outputs
    project_dir: Path  # the spec's folder: read-only source of assets, music folders, model folders
    cache_dir: Path  # the work folder's cache for derived, rebuildable data (e.g. the built-in music)
    argv: list[list[str]] = field(default_factory=list)  # ffmpeg commands, references resolved
    device: str = "cpu"  # "cpu" or "cuda:N" as seen by this worker
    store_root: Path | None = None  # cwd for ffmpeg: @{in:..} and @{out} resolve relative to it
    log: Callable[[str], None] = lambda _msg: None
    group: list[str] = field(default_factory=list)  # devices of a context-parallel group ("cuda:3", "cpu"), lead first

    def input_result(self, role: str) -> dict[str, Any]:
        import json

        return json.loads((self.inputs[role] / "result.json").read_text(encoding="utf-8"))


class Backend(ABC):
    """A backend declares its catalog entry as class attributes: `name`, `stage`, `version` (bump it
    when its output for the same params changes: every task that used it is rebuilt), `Params` (the
    task params it accepts, validated at plan time and again by the worker), `needs`, `selectable`
    (users pick it as voice.engine / video.engine), `default_voice`, `file_params` (params that name
    a project file: the compiler digests them into the fingerprint), `words_per_minute` (a voice's
    speaking rate), `encodes` (an ffmpeg video encode), `price_keys` (the price table's sections
    its tasks are priced from), and a pure `check()`."""

    name: ClassVar[str]
    stage: ClassVar[str]
    version: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams
    needs: ClassVar[Needs] = Needs()
    selectable: ClassVar[bool] = False
    default_voice: ClassVar[str | None] = None
    file_params: ClassVar[tuple[str, ...]] = ()
    words_per_minute: ClassVar[int | None] = None
    encodes: ClassVar[bool] = False
    price_keys: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        """Problems with these (already validated) params on a machine with these facts. Pure: no I/O."""
        return []

    def setup(self, device: str) -> None:  # noqa: B027 - optional hook
        """Load what every task of this worker shares (a model). Called once, lazily."""

    def warm(self, params: dict[str, Any], project_dir: Path) -> None:  # noqa: B027 - optional hook
        """Load, after setup(), what the first task would otherwise load (a model, its session): a lane
        calls it while it waits for its first task, with that task's params (`@{project:...}` resolved;
        references to other tasks' outputs are not, since those may not exist yet), so that task (and a
        fault during it) is short. It must not write anything the task's output depends on."""

    @abstractmethod
    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        """Write outputs into ctx.out and return measurements."""
