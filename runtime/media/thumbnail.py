"""Thumbnails: a video's best (or chosen) frame, cover-scaled to the platform's thumbnail size,
with its title set large inside the safe area. Frames are scored by detail (edge energy) and
contrast; the title's lines come from the plan (measured with the same font)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .tools import run_tool


def frame_at(video: Path, seconds: float) -> bytes:
    """One decoded frame as PNG bytes (BT.709 to RGB, as players show it)."""
    out = run_tool(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-ss",
            f"{seconds:.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-vf",
            "scale=in_color_matrix=bt709:in_range=tv",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ],
        what="ffmpeg (thumbnail frame)",
    )
    return out.stdout


def score(png: bytes) -> float:
    """Detail and contrast of a frame: mean edge energy plus the luminance spread."""
    from PIL import Image, ImageFilter, ImageStat

    img = Image.open(io.BytesIO(png)).convert("L").resize((320, 180))
    edges = ImageStat.Stat(img.filter(ImageFilter.FIND_EDGES)).mean[0]
    spread = ImageStat.Stat(img).stddev[0]
    return float(edges * 2.0 + spread)


def compose(
    png: bytes,
    size: tuple[int, int],
    title_lines: Sequence[str],
    title: dict[str, Any],
    font_path: str | None,
    out: Path,
) -> Path:
    """The frame cover-scaled to `size`, a dark band behind the title, the title with an outline."""
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    w, h = size
    img = ImageOps.fit(Image.open(io.BytesIO(png)).convert("RGB"), (w, h), method=Image.Resampling.LANCZOS)
    if title_lines:
        em = int(title["size"])
        font = (
            ImageFont.truetype(font_path, em, layout_engine=ImageFont.Layout.BASIC)
            if font_path
            else ImageFont.load_default(size=em)
        )
        band = Image.new("L", (1, h))
        y0, y1 = int(title["y"]) - em // 2, int(title["y"]) + int(title["h"]) + em // 2
        for y in range(h):  # a soft dark band behind the title
            inside = 1.0 if y0 <= y <= y1 else max(0.0, 1.0 - min(abs(y - y0), abs(y - y1)) / (0.6 * em))
            band.putpixel((0, y), int(170 * inside))
        shade = Image.new("RGB", (w, h), (0, 0, 0))
        img = Image.composite(shade, img, band.resize((w, h)))
        draw = ImageDraw.Draw(img)
        pitch = int(title["pitch"])
        for k, line in enumerate(title_lines):
            draw.text(
                (int(title["x"]), int(title["y"]) + k * pitch),
                line,
                font=font,
                fill=(255, 255, 255),
                anchor="ma",
                stroke_width=max(2, em // 14),
                stroke_fill=(0, 0, 0),
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, format="JPEG", quality=90, optimize=True)
    return out
