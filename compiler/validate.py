"""Validation: an expanded tree becomes a VideoSpec, and every problem a positioned Diagnostic.

Pydantic checks shapes and types; its errors are translated (unknown key, enum, missing, type,
range) and placed with the error's `loc` (pydantic_errors). The rules that need more than one field
or the file system view (scene length, words per minute, paths, assets, resolution) are checked on
the raw tree (spec_rules), so that they are reported in the same pass even when pydantic found
other problems.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from vidc.schemas.spec import VideoSpec

from .diagnostics import Diagnostic
from .pydantic_errors import annotation_at, describe, num, pydantic_diagnostics
from .source import SourceMap
from .spec_rules import MIN_SCENE_S, Exists, check_rules

__all__ = [
    "MIN_SCENE_S",
    "Exists",
    "annotation_at",
    "check_rules",
    "describe",
    "num",
    "pydantic_diagnostics",
    "validate_video",
]


def validate_video(
    tree: dict,
    smap: SourceMap,
    spec_dir: str,
    exists: Exists,
    engines: dict[str, list[str]] | None = None,
    rates: Mapping[str, int] | None = None,
) -> tuple[VideoSpec | None, list[Diagnostic]]:
    """A VideoSpec (None if pydantic rejects the tree) and every diagnostic found. Never raises.
    `rates`: the voice engines' words per minute, from the backend catalog."""
    diags = check_rules(tree, spec_dir, smap, exists, engines, rates)
    try:
        spec: VideoSpec | None = VideoSpec.model_validate(tree)
    except ValidationError as e:
        diags.extend(pydantic_diagnostics(e, tree, smap))
        spec = None
    if spec is not None:
        spec.voice.use_engine_rate((rates or {}).get(spec.voice.engine))
    return spec, diags
