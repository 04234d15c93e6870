"""`vidc plan --frame SCENE`: one frame's layout drawn from the plan, before anything is rendered.

The picture shows the frame at the preset's size: the storyboard card (its text set with the real
font at the plan's sizes), the scene's first caption cue broken as the captions backend will break
it, the safe area (green) and the platform's UI zones (red). Drawn with Pillow; the fonts are the
ones fontconfig gives libass and drawtext.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidc.compiler.layout import safe_area
from vidc.compiler.textfit import approximate_metrics
from vidc.schemas import ids
from vidc.schemas.plan import Plan

from .fonts import font_file, metrics


class PreviewError(Exception):
    pass


def _rgb(hex0x: str) -> tuple[int, int, int]:
    v = int(str(hex0x).replace("#", "0x"), 16)
    return (v >> 16) & 255, (v >> 8) & 255, v & 255


def _font(family: str, bold: bool, px: float):
    from PIL import ImageFont

    path = font_file(family, bold)
    if path is None:
        return ImageFont.load_default(size=max(8, int(px)))
    return ImageFont.truetype(str(path), max(8, int(round(px))), layout_engine=ImageFont.Layout.BASIC)


def render_frame(plan: Plan, scene: int, out: Path, video: str | None = None) -> Path:
    from PIL import Image, ImageDraw

    vp = next((v for v in plan.videos if video in (None, v.name)), None)
    if vp is None:
        raise PreviewError(f"no video named {video!r} in the plan")
    if not 1 <= scene <= len(vp.scenes):
        raise PreviewError(f"--frame {scene}: the video `{vp.name}` has scenes 1..{len(vp.scenes)}")
    tasks = plan.task_map()
    w, h = vp.width, vp.height
    video_task = tasks.get(ids.clip(vp.name, scene))
    look = video_task.params.get("look") if video_task is not None else None
    img = Image.new("RGB", (w, h), _rgb(look["c1"]) if look else (60, 60, 60))
    if look:  # a plain vertical gradient standing in for the animatic's moving one
        top, bottom = _rgb(look["c0"]), _rgb(look["c2"])
        px = img.load()
        assert px is not None  # a new RGB image always has pixel access
        for y in range(h):
            t = y / max(1, h - 1)
            c = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom))
            for x in range(w):
                px[x, y] = c
    draw = ImageDraw.Draw(img, "RGBA")
    if video_task is not None and "card" in video_task.params:
        _card(draw, video_task.params)
    cap_id = ids.scene_captions(vp.name, scene)
    cap = tasks.get(cap_id)
    if cap is not None and "size" in cap.params and any(c == cap_id for t in tasks.values() for c in t.inputs.values()):
        _caption(draw, cap.params, vp.scenes[scene - 1].duration_ms, w, h)
    safe = safe_area(vp.preset, w, h)
    line = max(2, w // 400)
    for label, x0, y0, x1, y1 in safe.ui:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=(255, 40, 40, 60), outline=(255, 60, 60, 220), width=line)
        draw.text(
            (x0 + 3 * line, y0 + 3 * line),
            label,
            fill=(255, 200, 200, 255),
            font=_font("DejaVu Sans", False, h * 0.018),
        )
    draw.rectangle(
        (safe.left, safe.top, w - safe.right - 1, h - safe.bottom - 1), outline=(40, 255, 90, 255), width=line
    )
    draw.text(
        (safe.left + 3 * line, h - safe.bottom + 3 * line),
        f"safe area · {vp.preset} {w}x{h} · scene {scene}",
        fill=(120, 255, 150, 255),
        font=_font("DejaVu Sans", False, h * 0.016),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    img.save(tmp, format="PNG")
    tmp.replace(out)
    return out


def _card(draw: Any, params: dict[str, Any]) -> None:
    c = params["card"]
    draw.rectangle(
        (c["x"], c["y"], c["x"] + c["w"] - 1, c["y"] + c["h"] - 1),
        fill=(0, 0, 0, 97),
        outline=(255, 255, 255, 64),
        width=2,
    )
    x = c["x"] + c["pad"]
    for text, size, spacing, y, alpha in (
        (params["label"], c["label_size"], c["label_spacing"], c["label_y"], 178),
        (params["note"], c["note_size"], c["note_spacing"], c["note_y"], 255),
    ):
        font = _font("DejaVu Sans", False, size)
        # drawtext's pitch: the tallest glyph extent of the text plus line_spacing
        m = metrics("DejaVu Sans", False) or approximate_metrics()
        pitch = m.glyph_height(text, size) + spacing
        top = max((m.extent(ch)[0] for ch in text if not ch.isspace()), default=0) * size / m.em if m.extent else size
        for k, line in enumerate(text.split("\n")):
            draw.text((x, y + k * pitch + top), line, fill=(255, 255, 255, alpha), font=font, anchor="ls")


def _caption(draw: Any, p: dict[str, Any], voice_ms: int, w: int, h: int) -> None:
    from .captions import get_style, split_cues

    fm = metrics(p["font"], bool(p["bold"])) or approximate_metrics(p["font"], bool(p["bold"]))
    em = fm.em_for_ass(float(p["size"]))
    cues = split_cues(
        p["text"],
        voice_ms,
        width=lambda s: fm.width(s, em),
        max_width=float(p["max_width"]) * 0.97,
        max_lines=int(p.get("max_lines", 2)),
    )
    if not cues:
        return
    st = get_style(p["style"])
    font = _font(p["font"], bool(p["bold"]), em)
    stroke = max(1, int(round(float(st.get("outline", 0.003)) * h)))
    lines = cues[0].lines
    line_h = float(p["size"])
    bottom = h - int(p["margin_v"])
    left, right = int(p["margin_l"]), w - int(p["margin_r"])
    for k, line in enumerate(lines):
        y = bottom - (len(lines) - 1 - k) * line_h - fm.descent * em / fm.em
        x = (left + right) / 2
        if st.get("box"):
            x0, y0, x1, y1 = draw.textbbox((x, y), line, font=font, anchor="ms")
            pad = int(float(p["size"]) * 0.18)
            draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=(0, 0, 0, 180))
        draw.text(
            (x, y),
            line,
            font=font,
            anchor="ms",
            fill=(255, 255, 255, 255),
            stroke_width=0 if st.get("box") else stroke,
            stroke_fill=(0, 0, 0, 255),
        )
    draw.line((left, bottom, right, bottom), fill=(255, 210, 60, 160), width=1)
