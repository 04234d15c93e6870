"""Factories for what tests build by hand: spec texts, the compiler's sources and options, compiled plans.

spec_text("Hello there.", video={"engine": "animatic"})   a small valid spec (draft preset)
sources(text, files={"a.csv": "..."})                      SourceFiles over an in-memory project
options(overrides={"--preset": "draft"})                   CompileOptions with the built-in catalog
compile_text(text) / plan_of(text)                         (plan, diagnostics) / a plan that compiled
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.diagnostics import Diagnostic
from vidc.compiler.frontend import SourceFiles
from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Plan

from .conftest import PROJECTS

CPU = Hardware(name="t", cpu_workers=2)
DEMO = (PROJECTS / "demo" / "project.yaml").read_text()


def spec_text(
    *scenes: str | Mapping[str, Any],
    name: str = "t",
    duration: float | None = 8,
    preset: str | None = "draft",
    **sections: Any,
) -> str:
    """A spec of the given scenes (a text is a scene's voiceover_text; a mapping is the scene), each
    `duration` seconds unless it says otherwise, then one line per section given (voice=, video=, music=,
    captions=, vars=, ... as mappings, written as YAML flow mappings) and the export preset."""
    lines = ["vidc: 1", f"name: {name}", "script:", "  scenes:"]
    for scene in scenes or ("Hello there.",):
        fields = {"voiceover_text": scene} if isinstance(scene, str) else dict(scene)
        if duration is not None:
            fields.setdefault("duration_seconds", duration)
        for n, (key, value) in enumerate(fields.items()):
            lines.append(f"    {'- ' if n == 0 else '  '}{key}: {json.dumps(value, ensure_ascii=False)}")
    for key, value in sections.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    if preset is not None and "export" not in sections:
        lines.append(f"export: {{preset: {preset}}}")
    return "\n".join(lines) + "\n"


def sources(text: str, files: Mapping[str, str | bytes] | None = None, name: str = "project.yaml") -> SourceFiles:
    """An in-memory project: the spec `text` as `name`, and `files` beside it. Any other file is missing."""
    everything = {name: text, **(files or {})}

    def read(rel: str) -> str | bytes:
        if rel not in everything:
            raise FileNotFoundError(rel)
        return everything[rel]

    return SourceFiles(spec_name=name, read=read, exists=lambda rel: rel in everything)


def options(**kw: Any) -> CompileOptions:
    """CompileOptions with this installation's catalog of backends unless `catalog=` says otherwise."""
    from vidc.runtime.backends.registry import catalog

    if "catalog" not in kw:
        kw["catalog"] = catalog()
    return CompileOptions(**kw)


def compile_text(
    text: str, hw: Hardware = CPU, files: Mapping[str, str | bytes] | None = None, **opts: Any
) -> tuple[Plan | None, list[Diagnostic]]:
    return compile_project(sources(text, files), hw, options(**opts))


def plan_of(text: str, hw: Hardware = CPU, files: Mapping[str, str | bytes] | None = None, **opts: Any) -> Plan:
    """The plan of a spec that must compile (its diagnostics are the failure message)."""
    plan, diags = compile_text(text, hw, files, **opts)
    assert plan is not None, "\n".join(d.format() for d in diags)
    return plan


def codes(diags: Iterable[Diagnostic]) -> list[str]:
    return [d.code for d in diags]
