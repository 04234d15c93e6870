"""The generated pictures of a scene (`video.engine: image`) as the manifest records them: each
picture's task, model (and a local model's revision), seed, prompt, size, where it came from, and a
server's tries and price. A scene of another engine records nothing here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vidc.schemas import ids
from vidc.schemas.plan import Task

KEPT = ("model", "model_revision", "seed", "prompt", "width", "height", "source", "tries", "cost_usd")


def scene_pictures(tasks: dict[str, Task], video: str, scene: int, result: Callable[[str], dict]) -> dict[str, Any]:
    """{"pictures": [...]} for a scene with generated pictures, else {}."""
    pics = []
    for tid in sorted(tasks):
        t, parsed = tasks[tid], ids.parse(tid)
        if t.kind != "picture" or parsed is None or parsed.video != video or parsed.scene != scene:
            continue
        got = result(tid)
        pics.append({"task": tid, **{k: got[k] for k in KEPT if k in got}})
    return {"pictures": pics} if pics else {}
