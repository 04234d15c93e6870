"""Read-only data shipped in templates/ (presets, cost model, styles). Reading package data is
part of the compiler's input, like the spec: it does not touch the world."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


def template_text(name: str) -> str:
    return resources.files("vidc.templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def template_yaml(name: str) -> Any:
    return yaml.safe_load(template_text(name))


def presets() -> dict[str, dict[str, Any]]:
    return template_yaml("presets.yaml")


def cost_model() -> dict[str, Any]:
    return template_yaml("cost_model.yaml")
