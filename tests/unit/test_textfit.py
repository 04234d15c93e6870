"""Measured text layout: break rules, balanced lines, blocks that shrink into their box, and the
plan-time caption checks (E_CAPTION_FIT, sizes from the frame)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tests.factories import options, sources
from vidc.compiler.compile import compile_project
from vidc.compiler.layout import caption_box, caption_style, safe_area
from vidc.compiler.textfit import approximate_metrics, balanced_lines, binds, break_cost, fit_block, groups
from vidc.runtime.host.hardware import load_hardware
from vidc.runtime.media.fonts import font_source, metrics

from ..conftest import ROOT

FONT = metrics("DejaVu Sans") or pytest.skip("DejaVu Sans is not installed", allow_module_level=True)
HW = load_hardware(ROOT / "tests" / "golden" / "hardware-cpu.yaml")


def test_measured_advances_match_pillow_rendering():
    from PIL import ImageFont

    from vidc.runtime.media.fonts import font_file

    face = ImageFont.truetype(str(font_file("DejaVu Sans")), 100, layout_engine=ImageFont.Layout.BASIC)
    text = "Meet the Aurora Lamp, 7 a.m. WAVY"
    assert FONT.width(text, 100) == pytest.approx(face.getlength(text), rel=0.01)
    assert FONT.em_for_ass(116.5) == pytest.approx(100, rel=0.01)  # libass: ascent + descent = size


@pytest.mark.parametrize(
    "prev, word, glued",
    [
        ("5", "kg", True),
        ("7", "a.m.", True),
        ("20", "%", True),
        ("Dr.", "Ruiz", True),
        ("12", "weeks", True),
        ("3.5", "GHz", True),
        ("the", "lamp", False),
        ("U.S.", "and", False),
        ("5", "apples", False),
    ],
)
def test_binds(prev, word, glued):
    assert binds(prev, word) is glued
    assert (break_cost(prev, word) == float("inf")) is glued


def test_abbreviations_are_not_sentence_ends():
    assert break_cost("U.S.", "and") > break_cost("glow.", "Then")
    assert groups("Meet Dr. Ruiz at 7 a.m. in the U.S.".split()) == [
        "Meet",
        "Dr. Ruiz",
        "at",
        "7 a.m.",
        "in",
        "the",
        "U.S.",
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from("the Aurora lamp 7 a.m. 12 kg Dr. Ruiz northwindstudios sunrise U.S. a".split()),
        min_size=1,
        max_size=40,
    ),
    st.integers(200, 900),
)
def test_balanced_lines_fit_and_keep_every_word(words, max_width):
    def width(s):
        return FONT.width(s, 40)

    lines = balanced_lines(words, width, max_width)
    if lines is None:
        assert any(width(g) > max_width for g in groups(words))
        return
    assert " ".join(lines).split() == words
    assert all(width(x) <= max_width for x in lines)
    for line in lines[:-1]:  # never a number left at a line end without its unit
        assert not binds(line.split()[-1], words[len(" ".join(lines[: lines.index(line) + 1]).split())])


def test_balanced_lines_are_balanced():
    def width(s):
        return FONT.width(s, 40)

    text = "A sleep researcher in a white coat reviewing charts on a tablet in a softly lit laboratory"
    lines = balanced_lines(text.split(), width, 1600)
    assert len(lines) == 2 and abs(width(lines[0]) - width(lines[1])) < 0.25 * 1600


@settings(max_examples=40, deadline=None)
@given(
    st.text(st.sampled_from("abcdefghij klmnopqrstuvwxyzW,."), min_size=1, max_size=900),
    st.integers(300, 1700),
    st.integers(60, 700),
)
def test_fit_block_never_leaves_its_box(text, box_w, box_h):
    block = fit_block(text, FONT, box_w, box_h, 43, 24, 1.3, 0.12)
    assert all(FONT.width(line, block.em_px) <= box_w for line in block.lines)
    em = int(block.em_px)
    n = len(block.lines)
    assert n == 1 or n * 1.18 * em + (n - 1) * 0.12 * em <= box_h + n


def test_fit_block_shrinks_then_cuts_with_an_ellipsis():
    text = "volumetric light through linen curtains " * 40
    block = fit_block(text, FONT, 800, 300, 43, 24, 1.3, 0.12)
    assert block.truncated and block.em_px == 24 and block.lines[-1].endswith("…")
    short = fit_block("a lamp", FONT, 800, 300, 43, 24, 1.3, 0.12)
    assert short == type(short)(("a lamp",), 43, False)


def test_caption_size_follows_the_frame():
    st_ = caption_style("default")
    land = caption_box(st_, 1920, 1080, safe_area("youtube-1080p", 1920, 1080))
    tall = caption_box(st_, 1080, 1920, safe_area("shorts", 1080, 1920))
    assert land["size"] == round(0.048 * 1080) and tall["size"] == round(0.06 * 1080)
    # vertical captions sit above the Shorts title/channel zone and left of the action column
    assert tall["margin_v"] >= round(0.25 * 1920) and tall["margin_r"] >= round(0.14 * 1080)
    assert tall["max_width"] < 1080 - tall["margin_l"] - tall["margin_r"]


SPEC = """\
vidc: 1
name: fit
script:
  scenes:
    - voiceover_text: "Meet the Aurora Lamp."
      duration_seconds: 9
    - voiceover_text: "It is supercalifragilisticexpialidocious."
      duration_seconds: 9
    - voiceover_text: "Say pneumonoultramicroscopicsilicovolcanoconiosisandmore twice."
      duration_seconds: 9
export: {preset: PRESET}
"""


def _compile(text: str, fonts=font_source):
    return compile_project(sources(text, name="p.yaml"), HW, options(fonts=fonts))


def test_a_word_too_wide_is_a_diagnostic_naming_scene_and_word():
    plan, diags = _compile(SPEC.replace("PRESET", "shorts"))
    assert plan is None
    (d,) = [d for d in diags if d.code == "E_CAPTION_FIT"]
    assert (d.line, d.col) == (9, 28) and "scene 3" in d.message
    assert "pneumonoultramicroscopicsilicovolcanoconiosisandmore" in d.message
    assert d.source_line[d.col - 1 :].startswith("pneumono")


def test_a_long_word_shrinks_its_scene_only():
    plan, diags = _compile(
        SPEC.replace("PRESET", "youtube-1080p").replace(
            "pneumonoultramicroscopicsilicovolcanoconiosisandmore", "pneumono ultra microscopic"
        )
    )
    assert plan is not None, [d.format() for d in diags]
    sizes = [t.params["size"] for t in plan.tasks if t.kind == "scene-captions"]
    assert sizes[0] == sizes[2] == 52 and sizes[1] == 52  # 1920 wide: everything fits
    plan, _ = _compile(
        SPEC.replace("PRESET", "shorts").replace(
            "pneumonoultramicroscopicsilicovolcanoconiosisandmore", "pneumono ultra microscopic"
        )
    )
    sizes = [t.params["size"] for t in plan.tasks if t.kind == "scene-captions"]
    assert sizes[0] == 65 and 49 <= sizes[1] < 65  # shrunk for "supercalifragilisticexpialidocious."
    assert all(t.params["font_sha256"] == FONT.sha256 for t in plan.tasks if t.kind == "scene-captions")


def test_without_measured_fonts_the_plan_uses_the_approximate_table():
    plan, _ = _compile(
        SPEC.replace("PRESET", "youtube-1080p").replace(
            "pneumonoultramicroscopicsilicovolcanoconiosisandmore", "pneumono ultra microscopic"
        ),
        fonts=None,
    )
    assert {t.params["font_sha256"] for t in plan.tasks if t.kind == "scene-captions"} == {"approximate"}
    text = "The Aurora Lamp, 7 a.m. — ÀÉÎ WAVY mmm"
    assert approximate_metrics().width(text, 10) > FONT.width(text, 10)  # errs wide


def test_preset_override_renders_elsewhere_and_is_recorded():
    spec = SPEC.replace("PRESET", "youtube-1080p").replace("pneumonoultramicroscopicsilicovolcanoconiosisandmore", "x")
    src = sources(spec, name="p.yaml")
    plan, diags = compile_project(src, HW, options(overrides={"--preset": "draft-vertical"}))
    assert plan is not None, [d.format() for d in diags]
    (vp,) = plan.videos
    assert (vp.preset, vp.width, vp.height, vp.output) == ("draft-vertical", 360, 640, "build/draft-vertical/")
    assert plan.overrides == {"--preset": "draft-vertical"}
    final, _ = compile_project(src, HW, options())
    assert final.spec_fingerprint != plan.spec_fingerprint and final.videos[0].output == "build/"
    _, bad = compile_project(src, HW, options(overrides={"--preset": "shortz"}))
    assert [d.code for d in bad] == ["E_ENUM"] and "shorts" in bad[0].hint
