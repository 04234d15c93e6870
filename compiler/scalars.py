"""Checks and repairs of single values read from a spec: lone surrogates, unusable numbers, long texts
shortened for messages. Pure."""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def join_surrogates(s: str) -> str:
    """Join UTF-16 surrogate pairs written as two \\u escapes into one character, as json.loads does."""
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def has_lone_surrogate(s: str) -> bool:
    return bool(_SURROGATE.search(s))


def scrub_surrogates(tree: Any) -> Any:
    """The tree with every lone surrogate (not a character; unencodable as UTF-8) replaced by U+FFFD."""
    if isinstance(tree, str):
        return _SURROGATE.sub("\ufffd", tree) if _SURROGATE.search(tree) else tree
    if isinstance(tree, list):
        return [scrub_surrogates(v) for v in tree]
    if isinstance(tree, dict):
        return {scrub_surrogates(k): scrub_surrogates(v) for k, v in tree.items()}
    return tree


_EXP_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+$")
MAX_INT = 2**63  # larger integers are not numbers any setting can use (and may not fit a seed)
MAX_FLOAT = 1e15


def number_problem(v: Any) -> str | None:
    """Why a number of a spec cannot be used (not finite, or huge), or None. `1e999` is text to
    YAML 1.1 and a number to JSON: a text that reads as such a number is refused too."""
    if isinstance(v, str):
        if not _EXP_FLOAT.match(v):
            return None
        v = float(v)
    if isinstance(v, bool):
        return None
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return "is not a finite number"
    if isinstance(v, float) and abs(v) >= MAX_FLOAT:
        return "is too large"
    if isinstance(v, int) and abs(v) >= MAX_INT:
        return "is too large"
    return None


def short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else f"{text[: n - 3]}... ({len(text)} characters)"
