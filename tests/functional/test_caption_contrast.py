"""White captions over `fit: blur` in a vertical frame stay readable: a white landscape picture at
draft-vertical puts the captions over the blurred copy, which must be dark enough behind the text
(measured on the rendered frame)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from .conftest import build

SPEC = """vidc: 1
name: blur
script:
  scenes:
    - voiceover_text: "A white picture, and captions that stay readable."
      duration_seconds: 4
      asset: white.png
voice: {engine: piper}
video: {engine: assets, fit: blur}
captions: {mode: burn}
export: {preset: draft-vertical}
"""


def _luma(mp4: Path, at: float) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(mp4), "-frames:v", "1", "-f", "rawvideo"]
        + ["-pix_fmt", "gray", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(640, 360).astype(float)


def test_white_picture_with_fit_blur_keeps_dark_behind_the_captions(tmp_path):
    project = tmp_path / "blur"
    project.mkdir()
    Image.new("RGB", (1280, 720), (255, 255, 255)).save(project / "white.png")
    (project / "project.yaml").write_text(SPEC, encoding="utf-8")
    build(project)
    y = _luma(project / "build" / "blur.mp4", 2.0)
    picture = y[320, 180]  # the picture itself, whole, in the middle: white
    assert picture > 220
    # the captions: white text (the brightest pixels) in the lower part, below the picture
    rows = np.arange(640)[:, None] * np.ones((1, 360))
    text = (y > 225) & (rows > 430)
    assert text.sum() > 200, "no caption text found under the picture"
    r, c = np.nonzero(text)
    box = y[max(0, r.min() - 4) : r.max() + 5, max(0, c.min() - 4) : c.max() + 5]
    behind = float(np.median(box))  # the text covers well under half its box: the median is the background
    assert behind <= 130, f"luma {behind:.0f} behind white captions"
    assert float(np.median(y[560:620, 20:340])) <= 130  # the blurred copy elsewhere, too
