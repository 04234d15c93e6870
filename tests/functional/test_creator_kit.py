"""A one-scene project built with `--preset draft-vertical`: the draft lands apart from the finals,
with a word-by-word caption track, a logo in the safe area's top-right corner (BT.709: red stays
red), and a thumbnail (the scene's picture without the card or the captions, the title set inside
the safe area)."""

import json
import subprocess

import numpy as np
from PIL import Image

from vidc.compiler.layout import safe_area

from .conftest import build

SPEC = """\
vidc: 1
name: kit
script:
  scenes:
    - voiceover_text: "Meet the Aurora Lamp: it wakes you at 7 a.m. with a slow sunrise."
      visual_prompt: "a bedside lamp glowing amber at dawn"
      duration_seconds: 8
captions: {mode: both, style: karaoke}
export: {preset: youtube-1080p, watermark: {file: logo.png, position: top-right, opacity: 1}}
thumbnail: {title: "Wake up to a sunrise"}
"""


def test_vertical_draft_with_karaoke_captions_and_a_thumbnail(tmp_path):
    (tmp_path / "project.yaml").write_text(SPEC)
    Image.new("RGBA", (200, 100), (220, 30, 40, 255)).save(tmp_path / "logo.png")
    build(tmp_path, "--preset", "draft-vertical")
    out = tmp_path / "build" / "draft-vertical"
    assert not (tmp_path / "build" / "kit.mp4").exists() and (out / "kit.mp4").is_file()
    words = json.loads((out / "kit.words.json").read_text())["words"]
    assert [w["word"] for w in words][:3] == ["Meet", "the", "Aurora"]
    thumb = Image.open(out / "kit.thumbnail.jpg").convert("L")
    assert thumb.size == (1080, 1920)
    safe = safe_area("draft-vertical", 1080, 1920)
    bright = thumb.point(lambda v: 255 if v > 235 else 0).getbbox()  # the white title
    assert bright is not None
    x0, y0, x1, y1 = bright
    assert safe.left <= x0 and x1 <= 1080 - safe.right and safe.top <= y0 and y1 <= 1920 - safe.bottom

    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            "1",
            "-i",
            str(out / "kit.mp4"),
            "-frames:v",
            "1",
            "-vf",
            "scale=in_color_matrix=bt709:in_range=tv,format=rgb24",
            "-f",
            "rawvideo",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    frame = np.frombuffer(raw, np.uint8).reshape(640, 360, 3).astype(int)
    small = safe_area("draft-vertical", 360, 640)
    logo_w = int(0.15 * 360) // 2 * 2  # export.watermark.width of the shorter side
    x1, y0 = 360 - small.right, small.top
    patch = frame[y0 + 4 : y0 + logo_w // 2 - 4, x1 - logo_w + 4 : x1 - 4]
    assert np.abs(patch - [220, 30, 40]).max() <= 12, patch.mean(axis=(0, 1))  # red, no BT.601 shift
    assert np.abs(frame[y0 + 4, x1 + 3] - [220, 30, 40]).sum() > 60  # and nothing right of it
