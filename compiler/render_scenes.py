"""`vidc plan`'s line under a scene whose pictures are generated (`video.engine: image`): the
engine, how many pictures, their estimated time and money, and the motion task's time."""

from __future__ import annotations

from vidc.schemas import ids
from vidc.schemas.plan import Task

from .pricing import usd


def _secs(ms: int) -> str:
    return f"{ms / 1000:.1f}s"


def generated_line(video: str, scene: int, tasks: list[Task]) -> str | None:
    """ "pictures: image x3 (fake-image-1, server), ~24.0s, $0.0300; motion ~2.0s", or None for a
    scene of another engine (its plan text stays as it was)."""
    mine = [t for t in tasks if (p := ids.parse(t.id)) is not None and p.video == video and p.scene == scene]
    pics = [t for t in mine if t.kind == "picture"]
    if not pics:
        return None
    where = "server" if pics[0].params.get("base_url") else "local"
    money = sum(t.cost.micro_usd for t in pics if t.cost is not None)
    motion = sum(t.est_ms for t in mine if t.kind == "motion")
    return (
        f"{pics[0].backend} x{len(pics)} ({pics[0].params.get('model', '')}, {where}), "
        f"~{_secs(sum(t.est_ms for t in pics))}, {usd(money)}; motion ~{_secs(motion)}"
    )
