"""The JSON Schema files of vidc's contracts, generated from the pydantic models: the spec (in), the
plan (out), and the run-time ones: the `--json` build events, the journal's records and the task
descriptor a lane worker runs.

`vidc schema --write` regenerates them; a test fails when they drift from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from .descriptor import TaskDescriptor
from .events import EVENT
from .journal import RECORD
from .plan import Plan
from .spec import Project

HERE = Path(__file__).resolve().parent
FILES = {
    "spec": "spec.schema.json",
    "plan": "plan.schema.json",
    "events": "events.schema.json",
    "journal": "journal.schema.json",
    "descriptor": "descriptor.schema.json",
}
TITLES = {
    "spec": "vidc project spec (v1)",
    "plan": "vidc render plan",
    "events": "vidc build --json events (one per line)",
    "journal": "vidc journal record (one per line)",
    "descriptor": "vidc task descriptor",
}


def _schemas() -> dict[str, dict[str, Any]]:
    adapters: dict[str, TypeAdapter] = {"events": EVENT, "journal": RECORD}
    out = {
        "spec": Project.model_json_schema(),
        "plan": Plan.model_json_schema(),
        "descriptor": TaskDescriptor.model_json_schema(),
    }
    out.update({key: adapter.json_schema() for key, adapter in adapters.items()})
    return out


def schema_texts() -> dict[str, str]:
    texts = {}
    for key, schema in _schemas().items():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = TITLES[key]
        texts[key] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return texts


def write_schemas() -> list[Path]:
    out = []
    for key, text in schema_texts().items():
        path = HERE / FILES[key]
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
