"""An LLM-scripted project end to end through the CLI: before the script is locked the plan shows
the script task and marks the rest as known after it; `vidc script` asks a local OpenAI-compatible
server (through the real SDK), locks the scenes beside the spec; plans then use the lock."""

import json

import pytest

from tests.cli import run_cli
from tests.fakes.llm_servers import FakeLLMServer, make_scenes, scenes_reply

pytest.importorskip("openai")

SPEC = """vidc: 1
name: launch
vars: {product: Nimbus Kite}
script:
  brief: "A friendly 30-second launch video for {{ product }}"
  scene_count: 3
  llm: {provider: openai-compatible, model: Qwen/Qwen3-32B, base_url: BASE}
video: {engine: animatic}
export: {preset: draft}
"""


def test_plan_before_and_after_the_script_is_locked(tmp_path):
    scenes = make_scenes(3, seconds=10.0, words=12)
    with FakeLLMServer(scenes_reply(scenes)) as server:
        (tmp_path / "project.yaml").write_text(SPEC.replace("BASE", server.openai_base_url))
        before = run_cli("plan", str(tmp_path))
        assert before.code == 0, before.err
        assert "known after the script" in before.out
        assert "launch/voice/" not in before.out

        env = {"OPENAI_API_KEY": "sk-test-secret-123"}
        locked = run_cli("script", str(tmp_path), env=env)
        assert locked.code == 0, locked.err
        assert "locked" in locked.out and "3 scenes" in locked.out
        body = server.requests[0].body
        assert body["chat_template_kwargs"]["enable_thinking"] is False  # Qwen3: thinking off

    lock = json.loads((tmp_path / "launch.script.json").read_text())
    assert [s["voiceover_text"] for s in lock["scenes"]] == [s["voiceover_text"] for s in scenes]
    assert "sk-test-secret-123" not in (tmp_path / "launch.script.json").read_text()

    after = run_cli("plan", str(tmp_path), "--format", "json")
    plan = json.loads(after.out)
    voices = [t for t in plan["tasks"] if t["stage"] == "voice"]
    assert [v["params"]["text"] for v in voices] == [s["voiceover_text"] for s in scenes]
    again = run_cli("plan", str(tmp_path), "--format", "json")
    assert again.out == after.out  # deterministic once locked, without the server

    up_to_date = run_cli("script", str(tmp_path))
    assert "up to date" in up_to_date.out
