"""Lowering the intro and the outro: a fixed number of frames showing an asset or a measured title
card (black text on a light background, white on a dark one)."""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import VideoSpec

from . import ffmpeg_args
from .costs import CostModel
from .drafts import Draft, is_still
from .frame import card_font, watermark
from .layout import safe_area, title_layout
from .looks import drawable
from .pacing import bookend_frames
from .textfit import FontSource


def light_colour(colour: str) -> bool:
    """Is a background light enough that its text should be black? #RRGGBB by luma, names by a list."""
    if colour.startswith("#") and len(colour) == 7:
        r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b > 150
    return colour in (
        "white",
        "ivory",
        "snow",
        "beige",
        "linen",
        "wheat",
        "yellow",
        "lightyellow",
        "cyan",
        "lightcyan",
        "pink",
        "lightpink",
        "silver",
        "lightgray",
        "lightgrey",
        "gainsboro",
        "khaki",
        "lavender",
        "mintcream",
        "honeydew",
        "azure",
        "aliceblue",
        "ghostwhite",
        "seashell",
        "oldlace",
        "cornsilk",
        "lemonchiffon",
        "whitesmoke",
        "floralwhite",
        "lime",
        "aqua",
    )


def title_card_layout(spec: VideoSpec, end: str, p: dict[str, Any], fonts: FontSource | None) -> dict[str, Any]:
    be = getattr(spec, end)
    w, h = p["width"], p["height"]
    return title_layout(
        drawable(be.title or ""),
        drawable(be.subtitle) if be.subtitle else None,
        w,
        h,
        safe_area(spec.export.preset, w, h),
        card_font(fonts),
    )


def bookend_task(spec: VideoSpec, end: str, p: dict[str, Any], costs: CostModel, fonts: FontSource | None) -> Draft:
    """The intro or outro segment: a fixed number of frames (no voice decides its length), showing
    an asset (fit like the scenes' assets) or a measured title card."""
    be = getattr(spec, end)
    v, tid = spec.name, (ids.intro(spec.name) if end == "intro" else ids.outro(spec.name))
    n = bookend_frames(be.seconds, p["fps"])
    wm = watermark(spec, p)
    est = costs.encode_ms(n / p["fps"], p["width"], p["height"], p["x264_preset"], "draw_fixed_ms")
    common = {"role": end, "frames": n}
    if be.asset is not None:
        return _asset_bookend(spec, end, p, tid, common, wm, est)
    card = title_card_layout(spec, end, p, fonts)
    bg = be.background.replace("#", "0x")
    colour = "black" if light_colour(be.background) else "white"
    return Draft(
        id=tid,
        video=v,
        stage="video",
        kind="title-card",
        backend="title-card",
        params={
            "lines": [ln["text"] for ln in card["lines"]],
            "background": be.background,
            "colour": colour,
            "font_sha256": card_font(fonts).sha256,
            **common,
        },
        where={"lines": (end, "title"), "": (end,)},
        argv=[ffmpeg_args.title_card(p, card, bg, colour, str(n), wm)],
        est_ms=est,
    )


def _asset_bookend(
    spec: VideoSpec, end: str, p: dict[str, Any], tid: str, common: dict[str, Any], wm: dict[str, Any] | None, est: int
) -> Draft:
    """The intro or outro showing its asset for common["frames"] frames, fit like the scenes' assets."""
    be, n = getattr(spec, end), common["frames"]
    still = is_still(be.asset)
    params = {
        "asset": be.asset,
        "still": still,
        **common,
        **({} if still else {"clip_mode": spec.video.clip_mode, "scene_s": f"{n / p['fps']:.6f}"}),
    }
    return Draft(
        id=tid,
        video=spec.name,
        stage="video",
        kind="assets",
        backend="assets",
        params=params,
        where={"asset": (end, "asset"), "": (end,)},
        argv=[
            ffmpeg_args.assets(
                p,
                be.asset,
                still,
                str(n),
                False,
                None,
                wm,
                spec.video.fit,
                spec.video.pad.replace("#", "0x"),
                spec.video.clip_mode,
            )
        ],
        est_ms=est,
    )
