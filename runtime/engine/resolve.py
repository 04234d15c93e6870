"""Resolve a task's `@{...}` references, in one place, in two steps.

The coordinator resolves what only it knows (measurements of finished tasks, store-relative
input and output folders) into a portable task descriptor: no absolute path, so the same
descriptor runs on any machine that has the store. The worker then resolves what only it knows:
where the project folder is on its machine (`@{project:PATH}`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidc.compiler.refs import REF, frames_for_ms
from vidc.schemas.descriptor import TaskDescriptor


class UnresolvedRef(Exception):
    pass


def convert(value: Any, conv: str | None) -> str:
    if conv is None:
        return str(value)
    name, _, arg = conv.partition(":")
    arg, _, shift = arg.partition(":")  # frames:FPS:K and seconds_at:FPS:K add K frames (K < 0: fewer)
    if name == "frames":
        return str(frames_for_ms(int(value), int(arg)) + (int(shift) if shift else 0))
    if name == "seconds_at":
        fps = int(arg)
        return f"{(frames_for_ms(int(value), fps) + (float(shift) if shift else 0)) / fps:.6f}"
    if name == "seconds":
        return f"{int(value) / 1000:.3f}"
    raise UnresolvedRef(f"unknown conversion `{conv}`")


def make_resolver(*, out_rel: str, input_rel: dict[str, str], results: Callable[[str], dict]) -> Callable[[str], str]:
    """The coordinator's step: everything but `@{project:...}` and `@{self:...}`."""

    def one(match) -> str:
        body = match.group(1)
        if body == "out":
            return out_rel
        head, _, rest = body.partition(":")
        if head == "in":
            return input_rel[rest]
        if head in ("project", "self"):
            return match.group(0)  # the worker fills project paths; the backend fills `self` values
        field, _, conv = rest.partition("|")
        result = results(head)
        if field not in result:
            raise UnresolvedRef(f"{head} reported no `{field}`")
        return convert(result[field], conv or None)

    def resolve(text: str) -> str:
        return REF.sub(one, text)

    return resolve


def project_resolver(project_dir: Path) -> Callable[[str], str]:
    """The worker's step: `@{project:PATH}` -> a file of the project folder on this machine."""

    def one(match) -> str:
        head, _, rest = match.group(1).partition(":")
        return "file:" + str(project_dir / rest) if head == "project" else match.group(0)

    return lambda text: REF.sub(one, text)


def task_descriptor(
    task,
    resolve: Callable[[str], str],
    input_rel: dict[str, str],
    *,
    scale: float = 1.0,
    group: list[str] | None = None,
) -> TaskDescriptor:
    """What a worker needs to run one task, anywhere: backend, resolved params and ffmpeg argv, input
    objects by store-relative path, the estimate (and the calibration inside it) for `vidc calibrate`."""
    return TaskDescriptor(
        id=task.id,
        fingerprint=task.fingerprint,
        backend=task.backend,
        est_ms=task.est_ms,
        scale=scale,
        params=resolve_value(task.params, resolve),
        argv=resolve_value(task.argv, resolve),
        inputs=dict(sorted(input_rel.items())),
        group=group,
    )


def resolve_value(value: Any, resolve: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return resolve(value)
    if isinstance(value, list):
        return [resolve_value(v, resolve) for v in value]
    if isinstance(value, dict):
        return {k: resolve_value(v, resolve) for k, v in value.items()}
    return value
