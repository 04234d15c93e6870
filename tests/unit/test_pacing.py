"""Pacing from measurements: the engine's measured rate, `duration_seconds: auto`, W_SPARSE."""
from __future__ import annotations

import json

from vidc.runtime.cli import main
from vidc.schemas.spec import ENGINE_WPM, Voice

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
    assert Voice().wpm == ENGINE_WPM["piper"] == 190
    assert Voice(engine="kokoro").wpm == 150 and Voice(words_per_minute=120).wpm == 120


def test_auto_scene_and_sparse_warning(tmp_path, capsys):
    (tmp_path / "project.yaml").write_text(SPEC, encoding="utf-8")
    assert main(["plan", str(tmp_path / "project.yaml"), "-o", str(tmp_path / "plan.json")]) == 0
    err = capsys.readouterr().err
    assert "project.yaml:6:25: warning[W_SPARSE]: scene 1's speech lasts about 0.3 s at 190 words per minute, 3 % of its 10 s" in err
    assert err.count("W_SPARSE") == 1  # scene 2 is auto, scene 3 is full
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    voice = {t["id"]: t["params"] for t in plan["tasks"] if "/voice/" in t["id"]}
    assert voice["pace/voice/scene-01"]["min_scene_ms"] == 10000
    assert voice["pace/voice/scene-02"]["min_scene_ms"] == 0  # auto: the measured speech plus the pause
    scene2 = plan["videos"][0]["scenes"][1]
    # 15 spoken words at 190 wpm = 4.7 s, plus the 0.5 s pause
    assert scene2["duration_ms"] == 15 * 60000 // 190 + 500
