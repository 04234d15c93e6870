"""The real font behind a family name: found with fontconfig (as libass and drawtext find it),
measured with Pillow/FreeType, handed to the compiler as data (vidc.compiler.textfit.FontMetrics)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from functools import cache
from pathlib import Path

from vidc.compiler.textfit import FontMetrics, approximate_metrics

MEASURE_SIZE = 1000  # advances are measured at a 1000-pixel em


@cache
def font_file(family: str, bold: bool = False) -> Path | None:
    """The file fontconfig picks for the family (None when fontconfig or the font is missing)."""
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    return path if path is not None and path.is_file() else None


@cache
def metrics(family: str, bold: bool = False) -> FontMetrics | None:
    """Measured metrics of the installed font, or None when it cannot be found or read."""
    path = font_file(family, bold)
    if path is None:
        return None
    try:
        from PIL import ImageFont

        face = ImageFont.truetype(str(path), MEASURE_SIZE, layout_engine=ImageFont.Layout.BASIC)
    except (ImportError, OSError):
        return None
    ascent, descent = face.getmetrics()
    cache: dict[str, float] = {}

    def advance(ch: str) -> float:
        got = cache.get(ch)
        if got is None:
            got = cache[ch] = float(face.getlength(ch))
        return got

    boxes: dict[str, tuple[float, float]] = {}

    def extent(ch: str) -> tuple[float, float]:
        got = boxes.get(ch)
        if got is None:
            _, top, _, bottom = face.getbbox(ch, anchor="ls")  # relative to the baseline, y down
            got = boxes[ch] = (float(-top), float(max(bottom, 0)))
        return got

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return FontMetrics(family, bold, sha, float(MEASURE_SIZE), float(ascent), float(descent), advance, extent)


def metrics_or_estimate(family: str, bold: bool = False) -> FontMetrics:
    """The measured metrics, or the compiler's approximate table (which errs wide) without the font."""
    return metrics(family, bold) or approximate_metrics(family, bold)


def font_source(family: str, bold: bool) -> FontMetrics | None:
    """The `fonts` callable of CompileOptions."""
    return metrics(family, bold)
