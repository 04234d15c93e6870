"""The lowering's intermediate form: a draft task (what the plan's Task becomes once ordered,
fingerprinted and placed), and which asset files are stills and start images (by extension)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STILL_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")


START_IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp")  # what a wan chunk may start from


def is_still(path: str) -> bool:
    """An asset shown as a still picture (by its extension); anything else is a clip."""
    return path.lower().rsplit(".", 1)[-1] in STILL_EXTENSIONS


def is_start_image(path: str) -> bool:
    """A scene asset a generated scene starts its first chunk from (by its extension)."""
    return path.lower().rsplit(".", 1)[-1] in START_IMAGE_EXTENSIONS


@dataclass
class Draft:
    id: str
    video: str
    stage: str
    kind: str
    backend: str
    params: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)
    argv: list[list[str]] = field(default_factory=list)
    requires: dict[str, Any] = field(default_factory=lambda: {"kind": "cpu"})
    est_ms: int = 0
    final: list[str] = field(default_factory=list)
    # Where each param came from in the spec (param -> spec path; "" for the rest): a backend's
    # check() names a param, the compiler points at the line that set it.
    where: dict[str, tuple] = field(default_factory=dict)
    load_ms: int = 0  # wan: loading its model on a lane (with compile/calibration); 0 = the cost model's figure
    cp_heads: int = 0  # wan: attention heads; > 0 lets placement give the chunk a context-parallel group
    cp_degree: str | int = "off"  # wan: video.parallel (auto | off | N)
    cp_tokens: int = 0  # wan: the transformer's sequence length, which a Ulysses degree must divide
