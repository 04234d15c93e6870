"""The JSON Schema files of the two contracts, generated from the pydantic models.

`vidc schema --write` regenerates them; a test fails when they drift from the models."""
from __future__ import annotations

import json
from pathlib import Path

from .plan import Plan
from .spec import Project

HERE = Path(__file__).resolve().parent
FILES = {"spec": "spec.schema.json", "plan": "plan.schema.json"}


def schema_texts() -> dict[str, str]:
    spec = Project.model_json_schema()
    spec["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    spec["title"] = "vidc project spec (v1)"
    plan = Plan.model_json_schema()
    plan["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    plan["title"] = "vidc render plan"
    return {k: json.dumps(v, indent=2, sort_keys=True, ensure_ascii=False) + "\n" for k, v in
            {"spec": spec, "plan": plan}.items()}


def write_schemas() -> list[Path]:
    out = []
    for key, text in schema_texts().items():
        path = HERE / FILES[key]
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
