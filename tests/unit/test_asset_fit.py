"""An asset's fit mode, rendered by the real ffmpeg command of the plan: a landscape picture in a
vertical frame is cropped (cover), padded with a colour (contain) or with a blurred copy (blur)."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from PIL import Image

from tests.factories import options, sources
from vidc.compiler.compile import compile_project
from vidc.runtime.host.hardware import load_hardware

from ..conftest import ROOT

HW = load_hardware(ROOT / "tests" / "golden" / "hardware-cpu.yaml")


def _frame(tmp_path, fit: str) -> np.ndarray:
    spec = f"""vidc: 1
name: fit
script:
  scenes:
    - voiceover_text: "A wide picture in a tall frame."
      duration_seconds: 8
      asset: wide.png
video: {{engine: assets, fit: {fit}, pad: "#204080"}}
captions: {{mode: sidecar}}
export: {{preset: draft-vertical}}
"""
    plan, diags = compile_project(sources(spec, {"wide.png": ""}, name="p.yaml"), HW, options())
    assert plan is not None, [d.format() for d in diags]
    argv = next(t for t in plan.tasks if t.kind == "assets").argv[0]

    def resolve(m: re.Match) -> str:
        ref = m.group(1)
        if ref.startswith("project:"):
            return str(tmp_path / ref.split(":", 1)[1])
        if ref == "out":
            return str(tmp_path)
        return "8" if "seconds_at" in ref else "3"

    argv = [re.sub(r"@\{([^}]*)\}", resolve, a) for a in argv]
    subprocess.run(argv, check=True, capture_output=True)
    raw = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(tmp_path / "segment.mp4"),
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
    return np.frombuffer(raw, np.uint8).reshape(640, 360, 3).astype(int)


@pytest.fixture
def wide(tmp_path):
    img = Image.new("RGB", (640, 360), (230, 230, 230))
    img.paste((200, 30, 30), (0, 0, 320, 360))  # left half red, right half light grey
    img.save(tmp_path / "wide.png")
    return tmp_path


def test_cover_fills_the_frame_with_a_crop(wide):
    f = _frame(wide, "cover")  # a still pans from its left edge: the first frame is all red, no pad
    assert np.abs(f[[5, 320, 634]][:, [5, 180, 354]] - [200, 30, 30]).max() <= 12


def test_contain_pads_with_the_colour(wide):
    f = _frame(wide, "contain")
    assert np.abs(f[40, 180] - [0x20, 0x40, 0x80]).max() <= 8  # the pad above the picture
    assert np.abs(f[320, 40] - [200, 30, 30]).max() <= 12 and np.abs(f[320, 320] - [230, 230, 230]).max() <= 12


def test_blur_pads_with_a_blurred_copy(wide):
    f = _frame(wide, "blur")
    top = f[:200]  # above the picture: neither black nor the pad colour, the picture's colours blurred
    assert top.mean() > 60 and top[:, :, 0].mean() > top[:, :, 2].mean()
    assert np.abs(f[320, 40] - [200, 30, 30]).max() <= 12  # the picture itself, whole


def test_plan_time_asset_probe_reads_images_and_clips_and_names_broken_files(tmp_path):
    """The runtime's probe behind W_CROP and E_ASSET_UNREADABLE: an image's header, a clip's video
    stream (ffprobe), a sentence for a file neither can read, None for a missing file."""
    import subprocess

    from PIL import Image

    from vidc.runtime.host.sources import project_asset_size

    Image.new("RGB", (48, 20)).save(tmp_path / "wide.png")
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=red:s=64x112:r=10:d=0.2",
            "-pix_fmt",
            "yuv420p",
            str(tmp_path / "tall.mp4"),
        ],
        check=True,
    )
    (tmp_path / "fake.mp4").write_text("not a clip")
    (tmp_path / "fake.jpg").write_text("not a picture")
    size = project_asset_size(tmp_path)
    assert size("wide.png") == (48, 20) and size("tall.mp4") == (64, 112)
    assert "ffmpeg can decode" in size("fake.mp4") and "fake.mp4" in size("fake.mp4")
    assert str(tmp_path) not in size("fake.jpg") and "image" in size("fake.jpg")
    assert size("missing.png") is None and size("../outside.png") is None
