"""Script stage backends: the scenes written in the spec, or the locked LLM script.

Generation itself happens before planning (`vidc script`, or the first step of `vidc build`), so
that the plan is deterministic; this task records the scenes the plan was made from."""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel


from .base import Backend, BackendError, NoParams, TaskContext


class InlineScript(Backend):
    name = "inline-script"
    stage = "script"
    version = "1"
    Params = NoParams

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        scenes = ctx.params.get("scenes")
        if scenes is None:
            raise BackendError("the script is not generated yet: run `vidc script SPEC` (or `vidc build`, which does it)")
        (ctx.out / "script.json").write_text(json.dumps({"scenes": scenes}, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
        return {"scenes": len(scenes)}


class LockedLLMScript(InlineScript):
    name = "llm-script"
    price_keys = ("llm",)  # tokens in and out, before the script is locked
    version = "1"
