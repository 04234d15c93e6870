"""Canonical JSON and fingerprints: the one serialisation every hash and plan file goes through."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any, *, indent: int | None = None) -> str:
    """Sorted keys, fixed separators, UTF-8 kept as is: byte-stable across runs and machines."""
    if indent is None:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False, allow_nan=False) + "\n"


def fingerprint(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def short(fp: str) -> str:
    return fp[:12]
