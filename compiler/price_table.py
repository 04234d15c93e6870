"""The shape and values of a price table (templates/prices.yaml, or a project's prices.yaml). Pure.

Every price is a finite number >= 0 (a negative price would defeat `--max-cost`; NaN, inf or text
would break the arithmetic), at the depth its section gives it:

    llm:          provider -> model -> {input_per_mtok, output_per_mtok}
    tts:          provider -> model -> price per 1,000 characters
    gpu:          device name -> {usd_per_hour}
    video:        provider -> model -> {usd_per_second}
    image:        model -> {usd_per_image}
    llm_estimate: {chars_per_token (> 0), tokens_per_word, tokens_per_scene_extra, schema_tokens}
    chars_per_word: a number

Each problem is one E_PRICES diagnostic at the value's line and column.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from .diagnostics import Diagnostic, suggest

# section -> (levels of free names before the leaf mapping, keys the leaf mapping must use or None)
SHAPE: dict[str, tuple[int, tuple[str, ...] | None]] = {
    "llm": (2, ("input_per_mtok", "output_per_mtok")),
    "tts": (2, None),
    "gpu": (1, ("usd_per_hour",)),
    "video": (2, ("usd_per_second",)),
    "image": (1, ("usd_per_image",)),
    "llm_estimate": (0, ("chars_per_token", "tokens_per_word", "tokens_per_scene_extra", "schema_tokens")),
    "chars_per_word": (0, None),
}
MAX_PRICE = 1_000_000  # dollars per unit: more is a typo, and would make integers of hundreds of digits
POSITIVE = frozenset({"chars_per_token", "chars_per_word"})  # divisors and multipliers that may not be 0


class _Check:
    def __init__(self, name: str, text: str):
        self.name, self.lines = name, text.splitlines()
        self.diags: list[Diagnostic] = []

    def error(self, node: yaml.Node, message: str, hint: str = "") -> None:
        mark = node.start_mark
        line = self.lines[mark.line] if mark.line < len(self.lines) else ""
        length = max(1, node.end_mark.index - mark.index) if node.end_mark.line == mark.line else 1
        self.diags.append(
            Diagnostic(
                file=self.name,
                line=mark.line + 1,
                col=mark.column + 1,
                code="E_PRICES",
                message=message,
                hint=hint or "see templates/prices.yaml for its shape",
                source_line=line,
                length=length,
            )
        )

    def mapping(self, node: yaml.Node, where: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{where} must be a mapping")
            return []
        out = []
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                self.error(k, f"a key of {where} must be a name")
                continue
            out.append((str(k.value), k, v))
        return out

    def number(self, node: yaml.Node, where: str, key: str) -> None:
        value: Any = None
        if isinstance(node, yaml.ScalarNode):
            try:
                value = yaml.SafeLoader("").construct_object(node)
            except (yaml.YAMLError, ValueError):
                value = None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            shown = node.value if isinstance(node, yaml.ScalarNode) else "a " + type(node).__name__[:-4].lower()
            self.error(node, f"the price {where} is `{shown}`, not a number", "write a number of US dollars, like 0.40")
        elif not math.isfinite(value):
            self.error(node, f"the price {where} is {value}, not a finite number", "write a number, like 0.40")
        elif value > MAX_PRICE:
            self.error(node, f"the price {where} is {value:g}, more than {MAX_PRICE:,}", "write a number, like 0.40")
        elif value < 0 or (value == 0 and key in POSITIVE):
            least = "more than 0" if key in POSITIVE else "at least 0"
            self.error(
                node,
                f"the price {where} is {value}: it must be {least}",
                "a negative price would let a build spend past --max-cost",
            )

    def walk(self, node: yaml.Node, levels: int, keys: tuple[str, ...] | None, where: str, last: str) -> None:
        if levels > 0:
            for name, _k, value in self.mapping(node, where):
                self.walk(value, levels - 1, keys, f"{where}.{name}", name)
            return
        if keys is None:
            self.number(node, where, last)
            return
        for name, k, value in self.mapping(node, where):
            if name not in keys:
                self.error(k, f"unknown key `{name}` in {where}", suggest(name, keys))
                continue
            self.number(value, f"{where}.{name}", name)


def check_price_table(name: str, text: str) -> list[Diagnostic]:
    """Diagnostics for a price table's text (one that parses as YAML; a syntax error is the caller's)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # reported by the caller's own parse
    check = _Check(name, text)
    if node is None:
        return []
    for section, key, value in check.mapping(node, "the price table"):
        if section not in SHAPE:
            check.error(key, f"unknown price section `{section}`", suggest(section, list(SHAPE)))
            continue
        levels, keys = SHAPE[section]
        check.walk(value, levels, keys, section, section)
    return check.diags
