"""Read-only data shipped in templates/ (presets, cost model, styles). Reading package data is
part of the compiler's input, like the spec: it does not touch the world."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


def template_text(name: str) -> str:
    return resources.files("vidc.templates").joinpath(name).read_text(encoding="utf-8")


@cache
def template_yaml(name: str) -> Any:
    return yaml.safe_load(template_text(name))


def presets() -> dict[str, dict[str, Any]]:
    return template_yaml("presets.yaml")


def cost_model() -> dict[str, Any]:
    return template_yaml("cost_model.yaml")


@cache
def cost_profiles() -> tuple[dict[str, Any], ...]:
    """Measured GPU cost profiles shipped in templates/cost_profiles/ (bench/wan_gpu.py writes them)."""
    folder = resources.files("vidc.templates").joinpath("cost_profiles")
    if not folder.is_dir():
        return ()
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("profile") == "measured" and not data.get("tiny"):
                out.append({**data, "file": f"cost_profiles/{entry.name}"})
    return tuple(out)
