"""Pacing from measurements: the engine's measured rate, `duration_seconds: auto`, W_SPARSE."""

from __future__ import annotations

import json

from vidc.runtime.cli import main
from vidc.schemas.spec import COMMON_WPM, Voice

SPEC = """vidc: 1
name: pace
script:
  scenes:
    - voiceover_text: "Short."
      duration_seconds: 10
    - voiceover_text: "Sized to its speech, whatever it says, with $12.5 million in it."
      duration_seconds: auto
    - voiceover_text: "This scene has just about enough words in it to fill most of its ten seconds of screen time, as it should."
      duration_seconds: 10
"""


def test_engine_rates_and_override():
    from vidc.runtime.backends.registry import catalog

    rates = catalog().voice_rates()  # each voice backend declares its rate
    assert rates["piper"] == 190 and rates["kokoro"] == rates["elevenlabs"] == 150
    piper = Voice()
    assert piper.wpm == COMMON_WPM == 150  # a rate nobody declared: the common one
    piper.use_engine_rate(rates["piper"])
    assert piper.wpm == 190 and Voice(words_per_minute=120).wpm == 120
    fast = Voice(words_per_minute=120)
    fast.use_engine_rate(190)
    assert fast.wpm == 120  # the spec's own rate wins


def test_auto_scene_and_sparse_warning(tmp_path, capsys):
    (tmp_path / "project.yaml").write_text(SPEC, encoding="utf-8")
    assert main(["plan", str(tmp_path / "project.yaml"), "-o", str(tmp_path / "plan.json")]) == 0
    err = capsys.readouterr().err
    assert (
        "project.yaml:6:25: warning[W_SPARSE]: scene 1's speech lasts about 0.3 s at 190 words per minute, 3 % of its 10 s"
        in err
    )
    assert err.count("W_SPARSE") == 1  # scene 2 is auto, scene 3 is full
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    voice = {t["id"]: t["params"] for t in plan["tasks"] if "/voice/" in t["id"]}
    assert voice["pace/voice/scene-01"]["min_scene_ms"] == 10000
    assert voice["pace/voice/scene-02"]["min_scene_ms"] == 0  # auto: the measured speech plus the pause
    scene2 = plan["videos"][0]["scenes"][1]
    # 15 spoken words at 190 wpm = 4.7 s, plus the 0.5 s pause
    assert scene2["duration_ms"] == 15 * 60000 // 190 + 500
