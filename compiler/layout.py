"""Where text goes in the frame, measured: the preset's safe area, the caption block (size, margins,
line width) and the storyboard card (its prompt and label wrapped and shrunk to fit). Pure: the
font's metrics come in as data (textfit.FontMetrics)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .resources import template_yaml
from .textfit import Block, FontMetrics, fit_block, groups


def caption_styles() -> dict[str, dict[str, Any]]:
    data = template_yaml("caption_styles.yaml") or {}
    return {str(k): dict(v or {}) for k, v in data.items()}


def caption_style(name: str) -> dict[str, Any]:
    styles = caption_styles()
    return {**styles.get("default", {}), **styles.get(name, {})}


@dataclass(frozen=True)
class Safe:
    """Insets in pixels from each edge, and the platform UI zones as pixel rectangles."""

    left: int
    top: int
    right: int
    bottom: int
    ui: tuple[tuple[str, int, int, int, int], ...] = ()


def safe_area(preset: str, width: int, height: int) -> Safe:
    areas = template_yaml("safe_areas.yaml") or {}
    a = areas.get(preset) or {"top": 0.05, "bottom": 0.07, "left": 0.05, "right": 0.05, "ui": []}
    ui = tuple(
        (str(z[0]), round(z[1] * width), round(z[2] * height), round(z[3] * width), round(z[4] * height))
        for z in a.get("ui") or []
    )
    return Safe(
        round(a["left"] * width), round(a["top"] * height), round(a["right"] * width), round(a["bottom"] * height), ui
    )


# --- captions ----------------------------------------------------------------------------------


def caption_box(style: dict[str, Any], width: int, height: int, safe: Safe) -> dict[str, Any]:
    """The caption block of a frame: ASS font size, margins (px) and the widest line allowed."""
    portrait = height > width
    size = (
        float(style["size_portrait"]) * width
        if portrait and "size_portrait" in style
        else float(style["size"]) * height
    )
    size = max(int(round(size)), 8)
    outline = float(style.get("outline", 0.003)) * height
    if style.get("box"):
        outline = max(size * 0.18, outline)
    shadow = float(style.get("shadow", 0.0)) * height
    margin_l = max(int(round(float(style.get("margin_h", 0.06)) * width)), safe.left)
    margin_r = max(int(round(float(style.get("margin_h", 0.06)) * width)), safe.right)
    margin_v = max(int(round(float(style.get("margin_v", 0.06)) * height)), safe.bottom + int(round(0.012 * height)))
    # the outline (or the box's padding) and the shadow are drawn outside the glyphs' advances
    max_width = width - margin_l - margin_r - 2 * outline - shadow
    return {
        "size": size,
        "min_size": max(8, int(size * float(style.get("min_scale", 0.75)))),
        "margin_l": margin_l,
        "margin_r": margin_r,
        "margin_v": margin_v,
        "max_width": int(max_width),
    }


def caption_fit(text: str, box: dict[str, Any], font: FontMetrics) -> tuple[int, str | None]:
    """The largest size (down to the box's min_size) at which every unbreakable group of the text
    fits one line; (min_size, the widest group) when even that is too wide."""
    gs = groups(text.split())
    if not gs:
        return box["size"], None
    widest = max(gs, key=lambda g: font.width(g, 1.0))
    unit = font.width(widest, font.em_for_ass(1.0))  # width per pixel of ASS size
    # 0.97: libass draws within 0.3 % of the advances; the rest is headroom for hinting
    fits = int(box["max_width"] * 0.97 / unit) if unit > 0 else box["size"]
    if fits >= box["size"]:
        return box["size"], None
    if fits >= box["min_size"]:
        return fits, None
    return box["min_size"], widest


# --- the storyboard card -------------------------------------------------------------------------


def card_layout(
    prompt: str, label: str, width: int, height: int, safe: Safe, caption_top: int, font: FontMetrics
) -> dict[str, Any]:
    """The card: full safe width, from the safe top down to at most just above the captions; the
    label (shrunk, then wrapped) on top, the prompt below, both shrunk until they fit, the card as
    tall as its text. Pixel values for drawbox/drawtext."""
    base = min(width, height)
    x, y = safe.left, safe.top + int(0.01 * height)
    w = width - safe.left - safe.right
    bottom_limit = min(caption_top - int(0.03 * height), y + int(0.45 * height))
    pad = int(round(0.022 * base))
    inner_w = w - 2 * pad
    spacing = 0.12  # line_spacing, in ems
    # drawtext's line pitch: the tallest glyph extent of its text, plus line_spacing
    label_pitch = font.glyph_height(label, 1.0) + spacing
    note_pitch = font.glyph_height(prompt, 1.0) + spacing
    label_b = fit_block(label, font, inner_w, 2 * label_pitch * 0.030 * base, 0.030 * base, 0.018 * base, label_pitch)
    label_h = _block_h(label_b, label_pitch, spacing)
    gap = int(round(0.018 * base))
    note_box_h = bottom_limit - y - 2 * pad - label_h - gap
    note_b = fit_block(prompt, font, inner_w, note_box_h, 0.040 * base, 0.022 * base, note_pitch)
    h = 2 * pad + label_h + gap + _block_h(note_b, note_pitch, spacing)
    return {
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "pad": pad,
        "label": "\n".join(label_b.lines),
        "label_size": int(label_b.em_px),
        "label_spacing": int(round(spacing * int(label_b.em_px))),
        "label_y": y + pad,
        "note": "\n".join(note_b.lines),
        "note_size": int(note_b.em_px),
        "note_spacing": int(round(spacing * int(note_b.em_px))),
        "note_y": y + pad + label_h + gap,
        "truncated": note_b.truncated,
    }


def _block_h(b: Block, pitch: float, spacing: float) -> int:
    """Height drawtext gives the block: lines at `pitch` ems (whole pixels), no spacing after the last."""
    em = int(b.em_px)
    n = len(b.lines)
    return int(round(n * (pitch - spacing) * em + (n - 1) * round(spacing * em))) + n  # +1 px a line: rounding


# --- intro/outro title cards -----------------------------------------------------------------------


def title_layout(
    title: str, subtitle: str | None, width: int, height: int, safe: Safe, font: FontMetrics
) -> dict[str, Any]:
    """A title card: the title (large, shrunk and wrapped by measured width) and an optional subtitle
    under it, each line centred in the safe area, the block centred vertically in it. `lines` are
    (text, size px, y px) for one drawtext each; `truncated` when even the smallest size cut text."""
    base = min(width, height)
    box_w = width - safe.left - safe.right
    box_h = height - safe.top - safe.bottom
    spacing = 0.2
    blocks = []
    for text, share, big, small in ((title, 0.5, 0.10, 0.045), (subtitle, 0.25, 0.05, 0.028)):
        if not text or not text.strip():
            continue
        pitch = font.glyph_height(text, 1.0) + spacing
        b = fit_block(text, font, box_w * 0.98, share * box_h, big * base, small * base, pitch, spacing)
        blocks.append((b, int(round(pitch * int(b.em_px)))))
    gap = int(round(0.035 * base))
    total = sum(len(b.lines) * step for b, step in blocks) + gap * (len(blocks) - 1)
    y = safe.top + max(0, (box_h - total) // 2)
    lines = []
    for b, step in blocks:
        for line in b.lines:
            lines.append({"text": line, "size": int(b.em_px), "y": y, "w": int(round(font.width(line, int(b.em_px))))})
            y += step
        y += gap
    return {
        "lines": lines,
        "left": safe.left,
        "box_w": box_w,
        "top": safe.top,
        "box_h": box_h,
        "truncated": any(b.truncated for b, _ in blocks),
    }
