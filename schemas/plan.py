"""The output contract: a render plan. Plain data, canonical JSON, no clock, no absolute paths.

Values known only at run time appear as references `@{task-id:field}` inside argv strings and
params (like Terraform's "known after apply"); the runtime resolves them from measurements.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from .hardware import Hardware

PLAN_VERSION = 1


# The stages of a video, in pipeline order: the one list (the plan's task stages, progress displays).
Stage = Literal["script", "voice", "video", "music", "captions", "mix", "export"]
STAGES: tuple[str, ...] = get_args(Stage)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Requirement(_Frozen):
    kind: Literal["cpu", "device"] = Field(
        description="cpu: any CPU worker lane; device: a lane of a profile device (GPU, or a CPU declared as a device) with enough VRAM"
    )
    vram_gb: float = 0.0
    model: str | None = Field(None, description="Model a GPU lane must hold; loading it costs time once per lane")


class Cost(_Frozen):
    """Estimated money of one paid task (an API call or rented GPU time), from templates/prices.yaml
    (user-editable defaults; a prices.yaml beside the spec overrides them). Integer micro-dollars
    keep the plan byte-stable."""

    provider: str = Field(description="anthropic | openai | openai-compatible | elevenlabs | gpu")
    item: str = Field(description="The priced model, or the device whose time is rented")
    units: dict[str, int] = Field(description="input_tokens/output_tokens, characters, or gpu_ms")
    micro_usd: int = Field(description="Estimated cost in millionths of a US dollar")
    basis: str = Field("", description="How the quantities were estimated")


class Task(_Frozen):
    id: str = Field(description="Stable id, e.g. demo/voice/scene-03")
    video: str
    stage: Stage
    kind: str = Field(description="What the task does: voice, animatic, chunk, assemble, mix, export ...")
    backend: str
    backend_version: str
    params: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, str] = Field(default_factory=dict, description="role -> task id")
    argv: list[list[str]] = Field(default_factory=list, description="FFmpeg command lines, with @{...} references")
    fingerprint: str
    requires: Requirement
    lane: str = ""
    work_ms: int = Field(0, description="Estimated ms on a speed-1.0 lane, without model loads")
    est_ms: int = Field(0, description="Estimated ms on its lane, with a model load where the lane lacks the model")
    start_ms: int = 0
    finish_ms: int = 0
    rank_ms: int = Field(
        0,
        description="Estimated ms from this task's start to the end of the plan, counting the lanes "
        "(longest remaining path): free lanes take the highest first",
    )
    final: list[str] = Field(default_factory=list, description="Files this task publishes to the output folder")
    cost: Cost | None = Field(None, description="Estimated money, for a paid task only")
    group: list[str] = Field(
        default_factory=list,
        description="Lanes held together for one context-parallel chunk "
        "(the first is `lane`); empty for a one-lane task",
    )


class SceneInfo(_Frozen):
    index: int
    text: str
    visual_prompt: str
    duration_ms: int
    words: int
    speakable: bool


class VideoPlan(_Frozen):
    name: str
    output: str = Field(description="Output folder, relative to the spec")
    preset: str
    width: int
    height: int
    fps: int
    scenes: list[SceneInfo] = Field(default_factory=list, description="Empty until an LLM script is locked")
    script_known: bool = True
    tasks: list[str]
    makespan_ms: int = 0
    cost_micro_usd: int = Field(0, description="Estimated money of the video's paid tasks, millionths of a dollar")
    cost_after_script: list[Cost] = Field(
        default_factory=list,
        description="Estimated costs of tasks known only after the LLM script (stated assumptions)",
    )
    estimates: list[str] = Field(
        default_factory=list, description="What the video model and its speed options change in the estimate"
    )


class Lane(_Frozen):
    id: str
    kind: Literal["cpu", "device"]
    device: str
    speed: float
    vram_gb: float = 0.0
    busy_ms: int = 0


class Schedule(_Frozen):
    makespan_ms: int
    sequential_ms: int
    lower_bound_ms: int
    critical_path_ms: int
    gpu_work_bound_ms: int
    cpu_work_bound_ms: int = 0


class Plan(_Frozen):
    vidc_plan: int = PLAN_VERSION
    project: str
    spec: str = Field(description="Spec file name, relative to the project folder")
    spec_fingerprint: str = Field(description="Hash of the spec and every file it names; a stale plan is refused")
    compiler_version: str
    hardware: Hardware
    lanes: list[Lane]
    videos: list[VideoPlan]
    tasks: list[Task]
    schedule: Schedule
    refs: dict[str, str] = Field(default_factory=dict, description="Reference name -> what the runtime measures")
    overrides: dict[str, str] = Field(default_factory=dict, description="--set values the plan was compiled with")
    calibration: dict[str, float] = Field(
        default_factory=dict, description="Measured/estimated time per backend (vidc calibrate)"
    )
    warnings: list[str] = Field(default_factory=list)
    cost_micro_usd: int = Field(0, description="Estimated money of the whole plan, millionths of a dollar")
    inputs: dict[str, str] = Field(
        default_factory=dict,
        description="sha256 of each project file the plan was compiled "
        "from (the spec, its matrix and lock files, assets, tracks): a stale plan names the one that changed",
    )

    def task_map(self) -> dict[str, Task]:
        return {t.id: t for t in self.tasks}
