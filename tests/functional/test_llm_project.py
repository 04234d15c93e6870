"""An LLM-scripted project end to end through the CLI: before the script is locked the plan shows
the script task and marks the rest as known after it; `vidc script` asks a local OpenAI-compatible
server (through the real SDK), locks the scenes beside the spec; plans then use the lock."""
import json
import os
import subprocess

import pytest

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


def run(vidc_cmd, *args, env=None):
    return subprocess.run([*vidc_cmd, *args], capture_output=True, text=True, env=env)


def test_plan_before_and_after_the_script_is_locked(tmp_path, vidc_session_cmd):
    scenes = make_scenes(3, seconds=10.0, words=12)
    with FakeLLMServer(scenes_reply(scenes)) as server:
        (tmp_path / "project.yaml").write_text(SPEC.replace("BASE", server.openai_base_url))
        before = run(vidc_session_cmd, "plan", str(tmp_path))
        assert before.returncode == 0, before.stderr
        assert "known after the script" in before.stdout
        assert "launch/voice/" not in before.stdout

        env = {**os.environ, "OPENAI_API_KEY": "sk-test-secret-123"}
        locked = run(vidc_session_cmd, "script", str(tmp_path), env=env)
        assert locked.returncode == 0, locked.stderr
        assert "locked" in locked.stdout and "3 scenes" in locked.stdout
        body = server.requests[0].body
        assert body["chat_template_kwargs"]["enable_thinking"] is False  # Qwen3: thinking off

    lock = json.loads((tmp_path / "launch.script.json").read_text())
    assert [s["voiceover_text"] for s in lock["scenes"]] == [s["voiceover_text"] for s in scenes]
    assert "sk-test-secret-123" not in (tmp_path / "launch.script.json").read_text()

    after = run(vidc_session_cmd, "plan", str(tmp_path), "--format", "json")
    plan = json.loads(after.stdout)
    voices = [t for t in plan["tasks"] if t["stage"] == "voice"]
    assert [v["params"]["text"] for v in voices] == [s["voiceover_text"] for s in scenes]
    again = run(vidc_session_cmd, "plan", str(tmp_path), "--format", "json")
    assert again.stdout == after.stdout  # deterministic once locked, without the server

    up_to_date = run(vidc_session_cmd, "script", str(tmp_path))
    assert "up to date" in up_to_date.stdout
