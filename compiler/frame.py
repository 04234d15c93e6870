"""The frame a video is drawn into: the export preset with the spec's overrides, the watermark's
placement, and the fonts and caption block the captions and cards are measured with."""

from __future__ import annotations

from typing import Any

from vidc.schemas.spec import VideoSpec

from .layout import caption_box, caption_style, safe_area
from .resources import presets
from .textfit import FontMetrics, FontSource, approximate_metrics


def export_settings(spec: VideoSpec, threads: int | None = None) -> dict[str, Any]:
    """The preset with the spec's overrides. `threads`: x264 threads per encode, from the hardware
    profile (cores / CPU lanes): explicit, so the same plan encodes the same bytes anywhere, and
    parallel scene encodes do not fight over the cores."""
    p = dict(presets()[spec.export.preset])
    if threads is not None:
        p["threads"] = threads
    ex = spec.export
    if ex.fps is not None:
        p["fps"] = ex.fps
    if ex.crf is not None:
        p["crf"] = ex.crf
    if ex.maxrate is not None:
        p["maxrate"] = ex.maxrate
        p["bufsize"] = _double_rate(ex.maxrate)
    return p


def _double_rate(rate: str) -> str:
    number, unit = rate[:-1], rate[-1]
    return f"{float(number) * 2:g}{unit}"


def watermark(spec: VideoSpec, p: dict[str, Any]) -> dict[str, Any] | None:
    """The logo's placement in pixels: its width, and its distance from the corner's two edges (the
    safe area's insets). A logo is assumed no taller than wide when the card makes room for it."""
    wm = spec.export.watermark
    if wm is None:
        return None
    w, h = p["width"], p["height"]
    safe = safe_area(spec.export.preset, w, h)
    left = wm.position.endswith("left")
    top = wm.position.startswith("top")
    width = max(2, int(wm.width * min(w, h)) // 2 * 2)
    return {
        "file": wm.file,
        "position": wm.position,
        "opacity": wm.opacity,
        "width": width,
        "x": safe.left if left else safe.right,
        "y": safe.top if top else safe.bottom,
    }


def caption_font(spec: VideoSpec, fonts: FontSource | None = None) -> FontMetrics:
    """The measured font of the spec's caption style (the approximate table without one)."""
    st = caption_style(spec.captions.style)
    family, bold = str(st.get("font", "DejaVu Sans")), bool(st.get("bold"))
    return (fonts(family, bold) if fonts else None) or approximate_metrics(family, bold)


def card_font(fonts: FontSource | None = None) -> FontMetrics:
    return (fonts("DejaVu Sans", False) if fonts else None) or approximate_metrics("DejaVu Sans", False)


def caption_layout(spec: VideoSpec, p: dict[str, Any], fonts: FontSource | None = None) -> dict[str, Any]:
    """The caption block for the preset's frame and safe area (see layout.caption_box)."""
    st = caption_style(spec.captions.style)
    box = caption_box(st, p["width"], p["height"], safe_area(spec.export.preset, p["width"], p["height"]))
    wm = watermark(spec, p)
    if wm is not None and wm["position"].startswith("bottom"):  # captions sit above a bottom logo
        box["margin_v"] = max(box["margin_v"], wm["y"] + wm["width"] + int(0.015 * p["height"]))
    return box
