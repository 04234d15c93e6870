"""Script stage backends: the scenes written in the spec, or the locked LLM script.

Generation itself happens before planning (`vidc script`, or the first step of `vidc build`), so
that the plan is deterministic; this task records the scenes the plan was made from."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from .base import Backend, BackendError, TaskContext


class ScriptParams(BaseModel):
    """The scenes as written in the spec (after templating)."""

    model_config = ConfigDict(extra="forbid")
    scenes: list[Any] | None = Field(
        None,
        description="The scenes as the spec has them (scene_index, voiceover_text, "
        "...); none until an LLM script is locked",
    )


class LLMScriptParams(ScriptParams):
    """A script an LLM writes from a brief, locked before planning (`vidc script`)."""

    brief: str
    scene_count: int | None = Field(None, ge=1)
    provider: str
    model: str
    locked: bool = False


class InlineScript(Backend):
    name = "inline-script"
    stage = "script"
    version = "1"
    Params: ClassVar[type[ScriptParams]] = ScriptParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        scenes = self.Params.model_validate(params).scenes
        if scenes is None:
            raise BackendError(
                "the script is not generated yet: run `vidc script SPEC` (or `vidc build`, which does it)"
            )
        (ctx.out / "script.json").write_text(
            json.dumps({"scenes": scenes}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return {"scenes": len(scenes)}


class LockedLLMScript(InlineScript):
    name = "llm-script"
    Params = LLMScriptParams
    price_keys = ("llm",)  # tokens in and out, before the script is locked
    version = "1"
