"""The runtime's side of plan-time model checks: what a wan model folder can do, read from its
configs (JSON only, no torch), handed to the compiler as data (CompileOptions.model_facts)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any


def wan_model_facts(project_dir: Path) -> Callable[[str], dict[str, Any] | None]:
    from .wan_pipeline import model_facts

    @lru_cache(maxsize=64)
    def facts(model: str) -> dict[str, Any] | None:
        return model_facts(model, project_dir)

    return facts
