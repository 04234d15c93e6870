"""The creator's kit in the compiler: silent scenes, scenes shorter than 8 s, intro/outro segments
(an asset or a measured title card), a short clip's hold/loop/stretch mode, and the crop warning."""

from __future__ import annotations

import pytest

from tests import factories
from vidc.compiler.layout import safe_area, title_layout
from vidc.compiler.lower import export_settings
from vidc.compiler.textfit import approximate_metrics
from vidc.compiler.video_checks import crop_loss
from vidc.schemas.hardware import Hardware
from vidc.schemas.spec import PRESETS, VideoSpec

CPU = Hardware(name="t", cpu_workers=2)

KIT = """\
vidc: 1
name: kit
vars: {product: Aurora Lamp}
intro: {title: "{{ product }}", subtitle: "Light that follows the sun", seconds: 2, background: "#102040"}
outro: {asset: end.png, seconds: 1.5}
script:
  scenes:
    - voiceover_text: "Meet the {{ product }}."
      duration_seconds: 3
    - duration_seconds: 2
      visual_prompt: the lamp alone
    - voiceover_text: "Three seconds."
      duration_seconds: 3
export: {preset: draft-vertical}
"""


def compile_text(text: str, files=None, asset_size=None):
    return factories.compile_text(
        text, CPU, {"end.png": "", "a.png": "", "clip.mp4": "", **(files or {})}, asset_size=asset_size
    )


def plan_of(text: str, **kw):
    plan, diags = compile_text(text, **kw)
    assert plan is not None, "\n".join(d.format() for d in diags)
    return plan, diags


def test_silent_scene_calls_no_voice_engine_and_has_no_cues():
    plan, diags = plan_of(KIT)
    t = plan.task_map()
    silent = t["kit/voice/scene-02"]
    assert silent.backend == "silence" and silent.params == {"scene": 2, "scene_ms": 2000}
    assert t["kit/voice/scene-01"].backend == "piper"
    assert "kit/captions/scene-02" not in t and "kit/captions/scene-01" in t
    assert "captions" not in t["kit/video/scene-02"].inputs  # nothing burned
    assert "captions" in t["kit/video/scene-01"].inputs
    # the merge numbers cues by scene: scene 3's cues are cues-03, not cues-02
    assert set(t["kit/captions"].inputs) == {"cues-01", "cues-03", "voice-01", "voice-02", "voice-03"}
    assert [s.words for s in plan.videos[0].scenes] == [4, 0, 2]
    assert not any("W_SPARSE" in w and "scene 2" in w for w in plan.warnings)


def test_intro_and_outro_are_fixed_segments_before_and_after_the_scenes():
    plan, _ = plan_of(KIT)
    t = plan.task_map()
    intro, outro = t["kit/video/intro"], t["kit/video/outro"]
    assert intro.backend == "title-card" and intro.params["frames"] == 60
    assert intro.params["lines"] == ["Aurora Lamp", "Light that follows the sun"]  # templated
    assert outro.backend == "assets" and outro.params["frames"] == 45 and outro.params["asset"] == "end.png"
    assert "-frames:v" in intro.argv[0] and intro.argv[0][intro.argv[0].index("-frames:v") + 1] == "60"
    export = t["kit/export"]
    assert export.inputs["segment-00"] == "kit/video/intro" and export.inputs["segment-04"] == "kit/video/outro"
    assert t["kit/mix"].params["lead_frames"] == 60 and t["kit/mix"].params["tail_frames"] == 45
    assert t["kit/captions"].params["offset_frames"] == 60
    assert t["kit/music"].params["extra_frames"] == 105
    assert t["kit/music"].params["min_video_ms"] == 8000 + 3500


def test_plans_without_the_kit_carry_none_of_its_params():
    plain = KIT.replace("    - duration_seconds: 2\n      visual_prompt: the lamp alone\n", "")
    plain = "\n".join(ln for ln in plain.splitlines() if not ln.startswith(("intro:", "outro:"))) + "\n"
    plan, _ = plan_of(plain)
    t = plan.task_map()
    assert "lead_frames" not in t["kit/mix"].params and "offset_frames" not in t["kit/captions"].params
    assert "extra_frames" not in t["kit/music"].params
    assert all("clip_mode" not in s for s in t["kit/script"].params["scenes"])


def test_scenes_from_one_second_up_to_the_maximum():
    _, diags = compile_text(KIT.replace("duration_seconds: 3\n", "duration_seconds: 1\n", 1))
    assert not [d for d in diags if d.severity == "error"]
    _, diags = compile_text(KIT.replace("duration_seconds: 3\n", "duration_seconds: 0.9\n", 1))
    assert [(d.code, d.message) for d in diags if d.severity == "error"] == [
        ("E_SCENE_DURATION", "scene 1 lasts 0.9 s; a scene lasts at least 1 s")
    ]
    _, diags = compile_text(KIT.replace("duration_seconds: 3\n", "duration_seconds: 13\n", 1))
    assert [d.code for d in diags if d.severity == "error"] == ["E_SCENE_DURATION"]


def test_a_silent_scene_needs_a_number_of_seconds():
    _, diags = compile_text(KIT.replace("    - duration_seconds: 2\n", "    - duration_seconds: auto\n"))
    errors = [d for d in diags if d.severity == "error"]
    assert [d.code for d in errors] == ["E_EMPTY_VOICEOVER"] and "duration_seconds: 3" in errors[0].hint


def test_bookend_is_an_asset_or_a_title():
    with pytest.raises(ValueError):
        VideoSpec.model_validate(
            {
                "vidc": 1,
                "name": "x",
                "script": {"scenes": [{"voiceover_text": "hi", "duration_seconds": 3}]},
                "outro": {"seconds": 2},
            }
        )


@pytest.mark.parametrize("preset", PRESETS)
def test_title_card_stays_inside_the_safe_area(preset):
    spec = VideoSpec.model_validate(
        {
            "vidc": 1,
            "name": "x",
            "export": {"preset": preset},
            "script": {"scenes": [{"voiceover_text": "hi", "duration_seconds": 3}]},
        }
    )
    p = export_settings(spec)
    w, h = p["width"], p["height"]
    safe = safe_area(preset, w, h)
    font = approximate_metrics("DejaVu Sans", False)
    card = title_layout(
        "The Aurora Lamp from Northwind Lighting Company", "Wakes you at 7 a.m. with a sunrise", w, h, safe, font
    )
    assert not card["truncated"]
    for line in card["lines"]:
        assert line["w"] <= card["box_w"], (preset, line)
        assert safe.top <= line["y"] and line["y"] + 1.3 * line["size"] <= h - safe.bottom, (preset, line)
    sizes = [ln["size"] for ln in card["lines"]]
    assert sizes[0] > sizes[-1]  # the subtitle is smaller than the title


def test_clip_modes_hold_loop_stretch_with_a_per_scene_override():
    text = """\
vidc: 1
name: clips
video: {engine: assets, clip_mode: loop}
script:
  scenes:
    - {voiceover_text: "One.", duration_seconds: 3, asset: clip.mp4}
    - {voiceover_text: "Two.", duration_seconds: 3, asset: clip.mp4, clip_mode: stretch}
    - {voiceover_text: "Three.", duration_seconds: 3, asset: clip.mp4, clip_mode: hold}
    - {voiceover_text: "Four.", duration_seconds: 3, asset: a.png}
export: {preset: draft}
"""
    plan, _ = plan_of(text)
    t = plan.task_map()
    loop, stretch, hold, still = (t[f"clips/video/scene-0{i}"] for i in (1, 2, 3, 4))
    assert loop.argv[0][loop.argv[0].index("-i") - 2 : loop.argv[0].index("-i")] == ["-stream_loop", "-1"]
    assert loop.params["clip_mode"] == "loop"
    vf = stretch.argv[0][stretch.argv[0].index("-vf") + 1]
    assert vf.startswith("setpts=(PTS-STARTPTS)*@{self:stretch},fps=30")
    assert stretch.params["scene_s"] == "@{clips/voice/scene-02:scene_ms|seconds_at:30}"
    assert "-stream_loop" not in hold.argv[0] and "setpts=(PTS" not in " ".join(hold.argv[0])
    assert "clip_mode" not in hold.params and "clip_mode" not in still.params  # hold: today's params
    assert "tpad=stop_mode=clone" in " ".join(hold.argv[0])
    assert [s.get("clip_mode") for s in t["clips/script"].params["scenes"]] == [None, "stretch", "hold", None]


def test_crop_loss():
    assert crop_loss((1920, 1080), 1080, 1920) == pytest.approx((1 - 1080 / 3413.33, "width"), abs=1e-3)
    assert crop_loss((1080, 1920), 1080, 1920)[0] == pytest.approx(0.0)
    assert crop_loss((1000, 1000), 1080, 1920)[0] == pytest.approx(0.4375)


def test_cover_crop_warning_names_the_scene_and_asset():
    text = """\
vidc: 1
name: crops
video: {engine: assets}
outro: {asset: end.png, seconds: 2}
script:
  scenes:
    - {voiceover_text: "One.", duration_seconds: 3, asset: a.png}
    - {voiceover_text: "Two.", duration_seconds: 3, asset: clip.mp4}
export: {preset: shorts}
"""
    sizes = {"a.png": (1920, 1080), "end.png": (1080, 1350)}
    plan, diags = plan_of(text, asset_size=sizes.get)
    crops = [d for d in diags if d.code == "W_CROP"]
    assert len(crops) == 1 and crops[0].severity == "warning"
    assert crops[0].message.startswith("scene 1: `a.png` (1920x1080) loses 68 % of its width")
    assert crops[0].line == 7 and "fit: contain" in crops[0].hint
    _, diags = compile_text(text.replace("engine: assets", "engine: assets, fit: blur"), asset_size=sizes.get)
    assert not [d for d in diags if d.code == "W_CROP"]
    _, diags = compile_text(text, asset_size=lambda a: (1080, 4000) if a == "end.png" else None)
    assert [d.message.split(":")[0] for d in diags if d.code == "W_CROP"] == ["the outro"]


def test_an_empty_title_is_one_diagnostic_at_its_line():
    plan, diags = compile_text(KIT.replace('title: "{{ product }}"', 'title: "  "'))
    assert plan is None
    assert [(d.code, d.line, d.message) for d in diags if d.severity == "error"] == [
        ("E_INVALID", 4, "the intro's title is empty")
    ]


def test_an_intro_clip_is_stretched_to_its_seconds():
    plan, _ = plan_of(
        KIT.replace("intro: {title", "intro: {asset: clip.mp4, ti")
        .replace('ti: "{{ product }}", subtitle: "Light that follows the sun", ', "")
        .replace("export: {preset: draft-vertical}", "export: {preset: draft-vertical}\nvideo: {clip_mode: stretch}")
    )
    intro = plan.task_map()["kit/video/intro"]
    assert intro.params["clip_mode"] == "stretch" and intro.params["scene_s"] == "2.000000"
    assert intro.argv[0][intro.argv[0].index("-frames:v") + 1] == "60"
