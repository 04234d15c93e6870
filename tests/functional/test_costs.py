"""Money before spending: `vidc plan` prices the paid tasks, `vidc build --max-cost` refuses an
over-budget build before any request reaches the (local, fake) LLM and ElevenLabs servers, and a
build within the ceiling records estimated and measured costs in its manifest."""

import json
import os
import subprocess

import pytest

from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.llm_servers import FakeLLMServer, make_scenes, scenes_reply

pytest.importorskip("openai")
pytest.importorskip("elevenlabs")

SPEC = """vidc: 1
name: launch
vars: {product: Nimbus Kite}
script:
  brief: "A friendly launch video for {{ product }}"
  scene_count: 2
  llm: {provider: openai-compatible, model: Qwen/Qwen3-32B, base_url: BASE}
voice: {engine: elevenlabs, model: eleven_turbo_v2_5}
video: {engine: animatic}
music: {tail_seconds: [2, 4]}
captions: {mode: sidecar}
export: {preset: draft}
"""
# The local server is priced like a hosted model, so that the script has a cost to estimate and measure.
PRICES = """llm:
  openai-compatible:
    Qwen/Qwen3-32B: {input_per_mtok: 1.0, output_per_mtok: 4.0}
"""


def _project(tmp_path, llm):
    (tmp_path / "project.yaml").write_text(SPEC.replace("BASE", llm.openai_base_url))
    (tmp_path / "prices.yaml").write_text(PRICES)
    return tmp_path


def _env(eleven):
    return {
        **os.environ,
        "OPENAI_API_KEY": "sk-test",
        "ELEVENLABS_API_KEY": "el-test",
        "ELEVENLABS_BASE_URL": eleven.base_url,
    }


def test_max_cost_refuses_before_any_request(tmp_path, vidc_session_cmd):
    with FakeLLMServer(scenes_reply(make_scenes(2, words=12))) as llm, FakeElevenLabs(api_key="el-test") as eleven:
        project = _project(tmp_path, llm)
        plan = subprocess.run([*vidc_session_cmd, "plan", str(project)], capture_output=True, text=True)
        assert plan.returncode == 0, plan.stderr
        assert "cost ~$" in plan.stdout and "elevenlabs eleven_turbo_v2_5" in plan.stdout
        assert "input tokens" in plan.stdout
        proc = subprocess.run(
            [*vidc_session_cmd, "build", str(project), "--max-cost", "0.0001"],
            capture_output=True,
            text=True,
            env=_env(eleven),
            timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert "more than --max-cost $0.0001" in proc.stderr and "nothing was spent" in proc.stderr
        assert "launch/script" in proc.stderr
        assert llm.requests == [] and eleven.requests == []
    assert not (project / "launch.script.json").exists()
    assert not (project / "build").exists()


def test_build_within_the_ceiling_records_costs(tmp_path, vidc_session_cmd):
    scenes = make_scenes(2, seconds=8.0, words=10)
    with FakeLLMServer(scenes_reply(scenes, usage=(900, 300))) as llm, FakeElevenLabs(api_key="el-test") as eleven:
        project = _project(tmp_path, llm)
        plan = json.loads(
            subprocess.run(
                [*vidc_session_cmd, "plan", str(project), "--format", "json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        estimate = plan["cost_micro_usd"]
        assert estimate > 0 and plan["videos"][0]["cost_after_script"]
        proc = subprocess.run(
            [*vidc_session_cmd, "build", str(project), "--max-cost", "1.00", "--json"],
            capture_output=True,
            text=True,
            env=_env(eleven),
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert len(llm.requests) == 1 and len(eleven.requests) == 2
    manifest = json.loads((project / "build" / "launch.json").read_text())
    cost = manifest["cost"]
    rows = {r["task"]: r for r in cost["tasks"]}
    script = rows["launch/script"]["measured"]
    assert script["units"] == {"input_tokens": 900, "output_tokens": 300}
    assert script["micro_usd"] == 900 * 1 + 300 * 4  # from the project's prices.yaml
    for i, scene in enumerate(scenes, start=1):
        voice = rows[f"launch/voice/scene-{i:02d}"]
        chars = len(scene["voiceover_text"])
        assert voice["estimated"]["units"] == voice["measured"]["units"] == {"characters": chars}
        assert voice["measured"]["micro_usd"] == round(chars * 0.003 * 1000)
    assert cost["measured_micro_usd"] == sum(r["measured"]["micro_usd"] for r in rows.values())
    assert cost["measured_usd"] < 1.00


VOICE_ONLY = """vidc: 1
name: spend
script:
  scenes:
    - {voiceover_text: "First scene, same length.", duration_seconds: 8}
    - {voiceover_text: "Other scene, same length.", duration_seconds: 8}
    - {voiceover_text: "Third scene, same length.", duration_seconds: 8}
voice: {engine: elevenlabs, model: eleven_turbo_v2_5}
captions: {mode: off}
export: {preset: draft}
"""


def test_executor_stops_dispatching_paid_tasks_at_the_ceiling(tmp_path, monkeypatch):
    """The run-time guard on its own (the up-front refusal would stop this build earlier): with room
    for one voice, the first is dispatched and the other two are not, while in flight or after."""
    import io

    from vidc.runtime.cli.common import compile_spec
    from vidc.runtime.engine.budget import Budget, CostBook, project_prices
    from vidc.runtime.engine.events import Reporter
    from vidc.runtime.engine.executor import Executor
    from vidc.runtime.state.workfolder import WorkFolder
    from vidc.schemas.hardware import Hardware

    (tmp_path / "project.yaml").write_text(VOICE_ONLY)
    plan, diags, root = compile_spec(tmp_path / "project.yaml", Hardware(cpu_workers=2), {})
    assert plan is not None, diags
    voices = [t for t in plan.tasks if t.stage == "voice"]
    one = voices[0].cost.micro_usd
    assert one > 0 and all(t.cost.micro_usd == one for t in voices)
    prices = project_prices(tmp_path / "project.yaml")
    budget = Budget(2 * one - 1, prices, plan)
    with FakeElevenLabs(api_key="el-test") as eleven:
        monkeypatch.setenv("ELEVENLABS_API_KEY", "el-test")
        monkeypatch.setenv("ELEVENLABS_BASE_URL", eleven.base_url)
        work = WorkFolder(root / ".vidc")
        outcome = Executor(
            plan,
            root,
            {"spend": root / "build"},
            work,
            Reporter("plain", io.StringIO()),
            budget=budget,
            costbook=CostBook(prices),
        ).run()
        assert len(eleven.requests) == 1
    ran = [t.id for t in voices if t.id in outcome.ran]
    assert not outcome.ok and len(ran) == 1 and sorted(ran + budget.stopped) == sorted(t.id for t in voices)
    assert budget.spent == one  # measured: the characters sent
    assert all("would pass --max-cost" in outcome.skipped[t] for t in budget.stopped)
    assert "spend/export" in outcome.skipped and not (root / "build" / "spend.mp4").exists()
