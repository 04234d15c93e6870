"""Every diagnostic code the code uses is registered in compiler/diagnostics.py, and every
registered code is used (both ways, by scanning the source)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.diagnostics import CODES
from vidc.compiler.frontend import SourceFiles
from vidc.runtime.backends.registry import catalog
from vidc.schemas.catalog import Facts
from vidc.schemas.hardware import Hardware

CODE = re.compile(r"\b[EW]_[A-Z][A-Z0-9_]*\b")


def _used() -> dict[str, list[str]]:
    import vidc.compiler
    import vidc.runtime
    import vidc.schemas

    used: dict[str, list[str]] = {}
    for pkg in (vidc.compiler, vidc.runtime, vidc.schemas):
        base = Path(pkg.__file__).resolve().parent
        for f in sorted(base.rglob("*.py")):
            if f.name == "diagnostics.py" and base.name == "compiler":
                continue  # the register itself
            for code in CODE.findall(f.read_text(encoding="utf-8")):
                used.setdefault(code, []).append(f"{base.name}/{f.relative_to(base)}")
    return used


def test_every_code_used_is_registered_and_every_registered_code_is_used():
    used = _used()
    assert {c: used[c] for c in sorted(set(used) - set(CODES))} == {}
    assert sorted(set(CODES) - set(used)) == []
    assert all(code.startswith(("E_", "W_")) for code in CODES)
    assert all(meaning.startswith("warning: ") == code.startswith("W_") for code, meaning in CODES.items())


SPEC = """vidc: 1
name: llm
script:
  brief: A short film about lighthouses.
  scene_count: 2
  llm: {provider: anthropic, model: claude-x}
"""


def _compile(lock: str):
    files = {"p.yaml": SPEC, "llm.script.json": lock}
    src = SourceFiles("p.yaml", files.__getitem__, files.__contains__)
    return compile_project(src, Hardware(), CompileOptions(catalog=catalog(), facts=Facts()))


def test_a_broken_script_lock_and_a_stale_one():
    plan, diags = _compile("{not json")
    assert plan is None and [(d.code, d.file) for d in diags] == [("E_SCRIPT_LOCK", "llm.script.json")]
    scenes = [
        {
            "scene_index": i,
            "voiceover_text": "Light over the water.",
            "visual_prompt": "a lighthouse",
            "duration_seconds": 9,
        }
        for i in (1, 2)
    ]
    stale = {
        "vidc_script": 1,
        "provider": "anthropic",
        "model": "claude-x",
        "prompt_fingerprint": "an-older-prompt",
        "scenes": scenes,
    }
    plan, diags = _compile(json.dumps(stale))
    assert plan is not None and len(plan.videos[0].scenes) == 2  # planned from the lock as locked
    assert [(d.code, d.severity) for d in diags if d.code.endswith("STALE")] == [("W_SCRIPT_STALE", "warning")]
