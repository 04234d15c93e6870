"""Resolve a task's `@{...}` references into a self-contained descriptor a worker can run."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from vidc.compiler.refs import REF, frames_for_ms


class UnresolvedRef(Exception):
    pass


def convert(value: Any, conv: str | None) -> str:
    if conv is None:
        return str(value)
    name, _, arg = conv.partition(":")
    if name == "frames":
        return str(frames_for_ms(int(value), int(arg)))
    if name == "seconds_at":
        fps = int(arg)
        return f"{frames_for_ms(int(value), fps) / fps:.6f}"
    if name == "seconds":
        return f"{int(value) / 1000:.3f}"
    raise UnresolvedRef(f"unknown conversion `{conv}`")


def make_resolver(*, out_rel: str, input_rel: dict[str, str], results: Callable[[str], dict],
                  project_dir: Path) -> Callable[[str], str]:
    def one(match) -> str:
        body = match.group(1)
        if body == "out":
            return out_rel
        head, _, rest = body.partition(":")
        if head == "in":
            return input_rel[rest]
        if head == "project":
            return "file:" + str(project_dir / rest)
        if head == "self":
            return match.group(0)  # the backend fills these between its own commands
        field, _, conv = rest.partition("|")
        result = results(head)
        if field not in result:
            raise UnresolvedRef(f"{head} reported no `{field}`")
        return convert(result[field], conv or None)

    def resolve(text: str) -> str:
        return REF.sub(one, text)

    return resolve


def resolve_value(value: Any, resolve: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return resolve(value)
    if isinstance(value, list):
        return [resolve_value(v, resolve) for v in value]
    if isinstance(value, dict):
        return {k: resolve_value(v, resolve) for k, v in value.items()}
    return value
