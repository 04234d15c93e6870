"""`vidc plan --frame SCENE` draws the frame's layout; `vidc captions styles` lists the styles."""

from __future__ import annotations

import numpy as np
from PIL import Image

from vidc.compiler.layout import safe_area
from vidc.runtime.cli import main

SPEC = """\
vidc: 1
name: frame
script:
  scenes:
    - voiceover_text: "Meet the Aurora Lamp from Northwind Studios, a bedside light that wakes you at 7 a.m."
      visual_prompt: "a bedside lamp glowing amber at dawn in a Scandinavian bedroom, linen curtains, film grain"
      duration_seconds: 9
captions: {mode: burn}
export: {preset: shorts}
"""


def test_plan_frame_draws_the_safe_area_card_and_captions(tmp_path, capsys):
    (tmp_path / "project.yaml").write_text(SPEC)
    out = tmp_path / "f.png"
    assert (
        main(["plan", str(tmp_path), "--hardware", "tests/golden/hardware-cpu.yaml", "--frame", "1", "-o", str(out)])
        == 0
    )
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    assert img.shape == (1920, 1080, 3)
    safe = safe_area("shorts", 1080, 1920)
    edge = img[safe.top + 400, safe.left]  # the safe area's left edge is drawn green
    assert edge[1] > 200 and edge[0] < 120 and edge[2] < 160
    assert (img[safe.top : 1920 - safe.bottom, safe.left : 1080 - safe.right].min(axis=2) > 240).sum() > 2000  # text
    assert (
        main(["plan", str(tmp_path), "--hardware", "tests/golden/hardware-cpu.yaml", "--frame", "4", "-o", str(out)])
        == 2
    )
    assert "scenes 1..1" in capsys.readouterr().err


def test_captions_styles_lists_every_style(capsys):
    assert main(["captions", "styles"]) == 0
    text = capsys.readouterr().out
    for name in ("default", "bold", "minimal", "karaoke"):
        assert f"\n{name} " in text
    assert "word by word" in text
