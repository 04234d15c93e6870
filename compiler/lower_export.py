"""Lowering the export: the final MP4 joined from the segments (intro, scenes, crossfades, outro)
over the mix, and the thumbnail picked from the scenes' pictures with its measured title."""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import VideoSpec

from . import ffmpeg_args, transitions
from .costs import CostModel
from .drafts import Draft
from .layout import safe_area
from .looks import drawable
from .textfit import FontSource, approximate_metrics, fit_block

THUMBNAIL_SIZES = {"landscape": (1280, 720), "portrait": (1080, 1920), "square": (1080, 1080)}


def thumbnail_size(p: dict[str, Any]) -> tuple[int, int]:
    """YouTube's 1280x720 for landscape video; the frame size for vertical and square ones."""
    w, h = p["width"], p["height"]
    shape = "landscape" if w > h else "portrait" if h > w else "square"
    return THUMBNAIL_SIZES[shape]


def thumbnail_task(
    spec: VideoSpec, p: dict[str, Any], segment_ids: list[str], fonts: FontSource | None, costs: CostModel
) -> Draft:
    th = spec.thumbnail
    assert th is not None
    w, h = thumbnail_size(p)
    font = (fonts("DejaVu Sans", True) if fonts else None) or approximate_metrics("DejaVu Sans", True)
    safe = safe_area(spec.export.preset, w, h)
    title: dict[str, Any] = {}
    lines: tuple[str, ...] = ()
    if th.title and th.title.strip():
        base = min(w, h)
        pitch = font.glyph_height(th.title, 1.0) + 0.15
        block = fit_block(
            drawable(th.title),
            font,
            w - safe.left - safe.right,
            0.4 * (h - safe.top - safe.bottom),
            0.12 * base,
            0.06 * base,
            pitch,
            0.15,
        )
        em = int(block.em_px)
        lines = block.lines
        block_h = int(round(len(lines) * pitch * em))
        upper = int(0.6 * (h - safe.top - safe.bottom))  # centred in the upper 60 % of the safe area
        title = {
            "size": em,
            "pitch": int(round(pitch * em)),
            "x": (safe.left + w - safe.right) // 2,
            "y": safe.top + max(0, (upper - block_h) // 2),
            "h": block_h,
        }
    if th.scene == "best":
        chosen = segment_ids
    else:
        chosen = [segment_ids[min(max(int(th.scene), 1), len(segment_ids)) - 1]]
    return Draft(
        id=ids.thumbnail(spec.name),
        video=spec.name,
        stage="export",
        kind="thumbnail",
        backend="thumbnail",
        params={
            "name": spec.name,
            "width": w,
            "height": h,
            "title_lines": list(lines),
            "title": title,
            "font": font.family,
            "bold": True,
            "font_sha256": font.sha256,
            "at": th.at,
        },
        inputs={ids.role(ids.SEGMENT, segment_ids.index(s) + 1): s for s in chosen},
        est_ms=costs.get("captions_ms") * 2 + 300 * len(chosen),
        final=[f"{spec.name}.thumbnail.jpg"],
    )


def export_task(
    spec: VideoSpec,
    p: dict[str, Any],
    js: list[transitions.Join],
    segment_ids: list[str],
    ends: dict[str, Draft],
    crossfades: dict[int, str],
    total_s: float,
    costs: CostModel,
) -> Draft:
    """The MP4: the segments joined in index order (intro 0, scenes 1..n, outro n+1), with the
    crossfades between scenes, over the mix."""
    v, n = spec.name, len(segment_ids)
    return Draft(
        id=ids.export(v),
        video=v,
        stage="export",
        kind="export",
        backend="export",
        params={
            "name": v,
            "preset": spec.export.preset,
            "scenes": n,
            "fps": p["fps"],
            **(
                {"transitions": [[j.after, j.type, j.frames] for j in js if j.frames]}
                if any(j.frames for j in js)
                else {}
            ),
        },
        inputs={
            ids.MIX: ids.mix(v),
            **{ids.role(ids.SEGMENT, i): s for i, s in enumerate(segment_ids, 1)},
            **({ids.role(ids.SEGMENT, 0): ends["intro"].id} if "intro" in ends else {}),  # joined in index order
            **({ids.role(ids.SEGMENT, n + 1): ends["outro"].id} if "outro" in ends else {}),
            **{ids.role(ids.TRANSITION, after): t for after, t in crossfades.items()},
        },
        argv=[ffmpeg_args.export(p, v)],
        est_ms=costs.per_second("export_ms_per_s", total_s) + 400,
        final=[f"{v}.mp4"],
    )
