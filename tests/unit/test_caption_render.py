"""What libass and drawtext really draw stays where the plan put it: caption lines inside the
preset's safe area, the storyboard card's text inside the card and the card inside the frame,
for vertical and landscape presets, with long narration and long prompts (real ffmpeg)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from tests.factories import options, sources
from vidc.compiler.compile import compile_project
from vidc.compiler.layout import safe_area
from vidc.runtime.host.hardware import load_hardware
from vidc.runtime.media.captions import Cue, split_cues, to_ass
from vidc.runtime.media.fonts import font_source, metrics

from ..conftest import ROOT

FONT = metrics("DejaVu Sans") or pytest.skip("DejaVu Sans is not installed", allow_module_level=True)
HW = load_hardware(ROOT / "tests" / "golden" / "hardware-cpu.yaml")
TEXT = (
    "Meet the Aurora Lamp from Northwind Studios, a bedside light that wakes you gently at 7 a.m. with a slow "
    "sunrise glow; Dr. Ruiz tested it for 12 weeks across the U.S. and people fell asleep 20 % faster. "
    "Order yours today at northwindstudios.example and sleep better tonight, every single night."
)
PROMPT = (
    "A minimalist bedside table in a Scandinavian bedroom at dawn, the Aurora Lamp glowing warm amber, soft "
    "volumetric light through linen curtains, shallow depth of field, 35mm photograph, muted earthy palette, "
    "dust motes in the air, cinematic composition, ultra detailed, award-winning product photography, "
    "golden hour haze, gentle film grain, Kodak Portra 400 colours, symmetrical framing, negative space " * 4
)


def _plan(preset: str, style: str = "default", mode: str = "both"):
    spec = f"""vidc: 1
name: fit
script:
  scenes:
    - voiceover_text: "{TEXT}"
      visual_prompt: "{PROMPT}"
      duration_seconds: 12
captions: {{mode: {mode}, style: {style}}}
export: {{preset: {preset}}}
"""
    plan, diags = compile_project(sources(spec, name="p.yaml"), HW, options(fonts=font_source))
    assert plan is not None, [d.format() for d in diags]
    return plan


def _gray(path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("L"), dtype=np.int32)


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


@pytest.mark.parametrize("preset, style", [("shorts", "default"), ("tiktok", "karaoke"), ("youtube-1080p", "bold")])
def test_burned_caption_lines_stay_inside_the_safe_area(tmp_path, preset, style):
    plan = _plan(preset, style)
    p = next(t for t in plan.tasks if t.kind == "scene-captions").params
    w, h = p["width"], p["height"]
    bold = p["bold"]
    fm = metrics(p["font"], bold)
    em = fm.em_for_ass(p["size"])
    cues = split_cues(p["text"], 15000, width=lambda s: fm.width(s, em), max_width=p["max_width"] * 0.97)
    assert len(cues) >= 4 and all(len(c.lines) <= 2 for c in cues)
    assert " ".join(" ".join(c.lines) for c in cues).split() == TEXT.split()
    safe = safe_area(preset, w, h)
    layout = {k: p[k] for k in ("size", "margin_l", "margin_r", "margin_v")}
    for k, c in enumerate(cues):
        ass = tmp_path / f"c{k}.ass"
        ass.write_text(to_ass([Cue(0, 5000, c.lines)], w, h, style, layout), encoding="utf-8")
        png = tmp_path / f"c{k}.png"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"color=c=0x808080:s={w}x{h}:d=1",
                "-vf",
                f"ass={ass.name}",
                "-frames:v",
                "1",
                png.name,
            ],
            cwd=tmp_path,
            check=True,
        )
        x0, y0, x1, y1 = _bbox(np.abs(_gray(png) - 128) > 24)  # glyphs, outline, shadow and box
        assert safe.left <= x0 and x1 < w - safe.right, (preset, c.lines, x0, x1)
        assert safe.top <= y0 and y1 < h - safe.bottom, (preset, c.lines, y0, y1)


@pytest.mark.parametrize("preset", ["shorts", "reels", "youtube-1080p"])
def test_storyboard_card_text_stays_inside_the_card_and_the_frame(tmp_path, preset):
    plan = _plan(preset, mode="sidecar")
    task = next(t for t in plan.tasks if t.kind == "animatic")
    card = task.params["card"]
    assert card["note_size"] < 0.04 * min(plan.videos[0].width, plan.videos[0].height)  # long: shrunk
    assert card["truncated"] == task.params["note"].endswith("…")
    (tmp_path / "label.txt").write_text(task.params["label"], encoding="utf-8")
    (tmp_path / "note.txt").write_text(task.params["note"], encoding="utf-8")
    vf = task.argv[0][task.argv[0].index("-vf") + 1]
    draw = [f.replace("@{out}/", "") for f in vf.split(",") if f.startswith(("drawbox", "drawtext"))]
    w, h = plan.videos[0].width, plan.videos[0].height
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c=black:s={w}x{h}:d=1",
            "-vf",
            ",".join(draw),
            "-frames:v",
            "1",
            "card.png",
        ],
        cwd=tmp_path,
        check=True,
    )
    img = _gray(tmp_path / "card.png")
    x, y, cw, ch = card["x"], card["y"], card["w"], card["h"]
    safe = safe_area(preset, w, h)
    assert safe.left <= x and x + cw <= w - safe.right and safe.top <= y and y + ch <= h - safe.bottom
    outside = img.copy()
    outside[y : y + ch, x : x + cw] = 0
    assert outside.max() == 0  # nothing drawn outside the card
    inner = img[y + 3 : y + ch - 3, x + 3 : x + cw - 3]
    tx0, ty0, tx1, ty1 = _bbox(inner > 100)
    assert tx0 >= card["pad"] - 6 and tx1 < cw - 6 - card["pad"] // 2, (tx0, tx1, cw)
    assert ty1 < ch - 6, (ty1, ch)  # the last line is inside the card


def test_word_by_word_style_highlights_each_spoken_word_in_place():
    cues = split_cues(
        "Meet the Aurora Lamp at 7 a.m. today.",
        3000,
        words=[
            ["Meet", 0, 300],
            ["the", 300, 450],
            ["Aurora", 450, 900],
            ["Lamp", 900, 1300],
            ["at", 1300, 1450],
            ["7", 1450, 1700],
            ["a.m.", 1700, 2300],
            ["today.", 2300, 3000],
        ],
        width=lambda s: FONT.width(s, 50),
        max_width=900,
    )
    ass = to_ass(cues, 1080, 1920, "karaoke")
    events = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == sum(len(c.words) for c in cues) == 8
    for e in events:
        text = e.split(",,", 1)[1].split(",", 4)[-1]
        assert text.count("{\\1c&H3FD2FF&}") == 1  # one word highlighted (#FFD23F as BGR)
        assert text.replace("{\\1c&H3FD2FF&}", "").replace("{\\r}", "") == "\\N".join(cues[0].lines)
    starts = [e.split(",")[1] for e in events]
    assert starts == sorted(starts) and starts[2] == "0:00:00.45"
    plain = to_ass(cues, 1080, 1920, "default")
    assert sum(line.startswith("Dialogue:") for line in plain.splitlines()) == len(cues)


@pytest.mark.parametrize("preset", ["shorts", "reels", "tiktok", "youtube-1080p", "youtube-720p", "draft-vertical"])
def test_twenty_scene_spec_fits_every_preset(preset):
    """Plan-level: every card inside the safe area, captions above the platform's UI zones."""
    scenes = "".join(
        f'    - voiceover_text: "Scene {i}: {TEXT[: 40 + 7 * i]}"\n      visual_prompt: "{PROMPT[: 60 * i]}"\n'
        f"      duration_seconds: {8 + (i % 5) * 0.77:.2f}\n"
        for i in range(1, 21)
    )
    spec = (
        f"vidc: 1\nname: twenty\nscript:\n  scenes:\n{scenes}captions: {{mode: burn}}\nexport: {{preset: {preset}}}\n"
    )
    plan, diags = compile_project(sources(spec, name="p.yaml"), HW, options(fonts=font_source))
    assert plan is not None, [d.format() for d in diags if d.severity == "error"]
    w, h = plan.videos[0].width, plan.videos[0].height
    safe = safe_area(preset, w, h)
    cards = [t.params["card"] for t in plan.tasks if t.kind == "animatic"]
    caps = [t.params for t in plan.tasks if t.kind == "scene-captions"]
    assert len(cards) == len(caps) == 20
    for card, cap in zip(cards, caps):
        assert safe.left <= card["x"] and card["x"] + card["w"] <= w - safe.right
        assert safe.top <= card["y"] and card["y"] + card["h"] <= h - cap["margin_v"] - 2 * cap["size"]
        assert cap["margin_l"] >= safe.left and cap["margin_r"] >= safe.right and cap["margin_v"] >= safe.bottom
        for _, x0, y0, x1, y1 in safe.ui:  # the caption block is clear of every UI zone
            top, bottom = h - cap["margin_v"] - 2.4 * cap["size"], h - cap["margin_v"]
            assert bottom <= y0 or top >= y1 or w - cap["margin_r"] <= x0 or cap["margin_l"] >= x1
