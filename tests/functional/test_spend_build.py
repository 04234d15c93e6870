"""`vidc build --max-cost` counts every request that reached a paid API (the fake LLM and ElevenLabs
servers on 127.0.0.1): failed repair rounds, retried unreadable 200s, and what an earlier build that
did not finish sent (its ledger left behind)."""

import json
import os
import subprocess

import pytest

from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.llm_servers import FakeLLMServer, text_reply

pytest.importorskip("openai")

MATRIX = """vidc: 1
name: "kite-{{ row }}"
matrix: {file: rows.csv}
script:
  brief: "A launch video for kite {{ row }}"
  scene_count: 2
  llm: {provider: openai-compatible, model: Qwen/Qwen3-32B, base_url: BASE, max_tokens: 3000}
voice: {engine: piper}
video: {engine: animatic}
captions: {mode: off}
export: {preset: draft}
"""
PRICES = """llm:
  openai-compatible:
    Qwen/Qwen3-32B: {input_per_mtok: 10.0, output_per_mtok: 10.0}
"""


def _ledger(project):
    path = project / ".vidc" / "spend.log"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _sent(project):
    return [r for r in _ledger(project) if r["ev"] == "sent"]


def test_failed_repair_rounds_of_a_matrix_never_pass_the_ceiling(tmp_path, vidc_session_cmd):
    # Every answer is wrong and reports no usage: each request costs what was committed for it.
    with FakeLLMServer(*[text_reply("no script today", usage=(0, 0)) for _ in range(30)]) as llm:
        (tmp_path / "project.yaml").write_text(MATRIX.replace("BASE", llm.openai_base_url))
        (tmp_path / "prices.yaml").write_text(PRICES)
        (tmp_path / "rows.csv").write_text("row\na\nb\nc\n")
        env = {**os.environ, "OPENAI_API_KEY": "sk-test"}
        cmd = [*vidc_session_cmd, "build", str(tmp_path), "--max-cost", "0.10"]
        first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        assert first.returncode == 1, first.stderr
        errors = [ln for ln in first.stderr.splitlines() if ln.startswith("vidc: error:")]
        assert len(errors) == 1 and "not sent:" in errors[0] and "more than --max-cost $0.10" in errors[0], first.stderr
        sent = _sent(tmp_path)
        assert len(llm.requests) == len(sent) >= 2  # every request that reached the server is on record
        assert sum(r["micro_usd"] for r in sent) <= 100_000
        assert all(r["micro_usd"] >= 3000 * 10 for r in sent)  # committed at all of max_tokens
        # The rerun counts what the first run sent: it is refused before any request.
        second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        assert second.returncode == 2, second.stderr
        assert "requests that reached paid APIs since the last finished build cost $0.0" in second.stderr
        assert len(llm.requests) == len(sent)
    assert not any(tmp_path.glob("*.script.json"))


def test_a_ledger_left_by_a_killed_build_counts(tmp_path, vidc_session_cmd):
    """A killed build's request (journaled before it left, never answered) is counted by the next
    build, which is refused before sending anything."""
    with FakeLLMServer() as llm:
        (tmp_path / "project.yaml").write_text(MATRIX.replace("BASE", llm.openai_base_url))
        (tmp_path / "prices.yaml").write_text(PRICES)
        (tmp_path / "rows.csv").write_text("row\na\nb\nc\n")
        (tmp_path / ".vidc").mkdir()
        left = [
            {"ev": "build", "build": "b1", "max_micro_usd": 100_000},
            {
                "ev": "sent",
                "id": "r1",
                "build": "b1",
                "task": "kite-a/script",
                "provider": "openai-compatible",
                "item": "Qwen/Qwen3-32B",
                "units": {"input_tokens": 800, "output_tokens": 3000},
                "micro_usd": 95_000,
                "what": "kite-a/script answer, attempt 1",
            },
        ]
        (tmp_path / ".vidc" / "spend.log").write_text("".join(json.dumps(r) + "\n" for r in left))
        proc = subprocess.run(
            [*vidc_session_cmd, "build", str(tmp_path), "--max-cost", "0.10"],
            capture_output=True,
            text=True,
            env={**os.environ, "OPENAI_API_KEY": "sk-test"},
            timeout=300,
        )
        assert proc.returncode == 2, proc.stderr
        assert "since the last finished build cost $0.0950 (measured)" in proc.stderr
        assert llm.requests == []


VOICE = """vidc: 1
name: spoken
script:
  scenes:
    - {voiceover_text: "Meet the kite that flies without wind.", duration_seconds: 2}
voice: {engine: elevenlabs, model: eleven_turbo_v2_5}
video: {engine: animatic}
music: {tail_seconds: [2, 4]}
captions: {mode: off}
export: {preset: draft}
"""


def test_the_manifest_lists_every_request_and_a_finished_build_settles_them(tmp_path, vidc_session_cmd):
    pytest.importorskip("elevenlabs")
    text = "Meet the kite that flies without wind."
    with FakeElevenLabs(api_key="el-test") as eleven:
        eleven.push({"bad_json": True})  # an unreadable 200: billed, retried
        (tmp_path / "project.yaml").write_text(VOICE)
        env = {**os.environ, "ELEVENLABS_API_KEY": "el-test", "ELEVENLABS_BASE_URL": eleven.base_url}
        proc = subprocess.run(
            [*vidc_session_cmd, "build", str(tmp_path), "--max-cost", "1.00"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert len(eleven.requests) == 2
    cost = json.loads((tmp_path / "build" / "spoken.json").read_text())["cost"]
    rows = cost["requests"]
    assert [r["what"] for r in rows] == ["spoken/voice/scene-01 request 1", "spoken/voice/scene-01 request 2"]
    assert all(r["units"] == {"characters": len(text)} and r["micro_usd"] == 3 * len(text) for r in rows)
    assert cost["spent_micro_usd"] == 2 * 3 * len(text) > cost["measured_micro_usd"] == 3 * len(text)
    assert _ledger(tmp_path)[-1] == {"ev": "closed"}  # the next build starts at $0


VOICES = """vidc: 1
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


def test_the_executor_counts_retries_of_its_workers(tmp_path, monkeypatch):
    """A worker's retry is spent too: with room for two requests, the first voice's unreadable 200
    and its retry use it up, and no other voice is dispatched (the dispatch check reads the ledger)."""
    pytest.importorskip("elevenlabs")
    import io

    from vidc.runtime.cli.common import compile_spec
    from vidc.runtime.engine.budget import Budget, CostBook, ledger_of, project_prices
    from vidc.runtime.engine.events import Reporter
    from vidc.runtime.engine.executor import Executor
    from vidc.runtime.state.workfolder import WorkFolder
    from vidc.schemas.hardware import Hardware

    (tmp_path / "project.yaml").write_text(VOICES)
    plan, diags, root = compile_spec(tmp_path / "project.yaml", Hardware(cpu_workers=1), {})
    assert plan is not None, diags
    voices = [t for t in plan.tasks if t.stage == "voice"]
    one = voices[0].cost.micro_usd
    prices = project_prices(tmp_path / "project.yaml")
    work = WorkFolder(root / ".vidc")
    work.root.mkdir()
    ledger = ledger_of(work.root)
    ledger.start(2 * one)
    budget = Budget(2 * one, prices, plan, ledger=ledger)
    with FakeElevenLabs(api_key="el-test") as eleven:
        eleven.push({"bad_json": True})
        monkeypatch.setenv("ELEVENLABS_API_KEY", "el-test")
        monkeypatch.setenv("ELEVENLABS_BASE_URL", eleven.base_url)
        outcome = Executor(
            plan,
            root,
            {"spend": root / "build"},
            work,
            Reporter("plain", io.StringIO()),
            budget=budget,
            costbook=CostBook(prices, ledger=ledger),
        ).run()
        assert len(eleven.requests) == 2
    assert not outcome.ok and budget.spent == ledger.spent() == 2 * one
    assert [r["task"] for r in ledger.requests()] == [voices[0].id, voices[0].id]  # the request and its retry
    assert voices[0].id in outcome.ran and budget.stopped == [voices[1].id]
    assert all(t.id in outcome.skipped for t in voices[1:])


def test_ray_lanes_journal_their_requests_in_the_drivers_ledger(tmp_path, vidc_session_cmd, monkeypatch):
    """On a Ray cluster the lanes reach the driver's ledger through an actor on the driver's machine:
    every request, unreadable 200s included, is counted there, and the ceiling stops the next one."""
    pytest.importorskip("ray")
    pytest.importorskip("elevenlabs")
    from ray.cluster_utils import Cluster

    one = 3 * len("First scene, same length.")
    (tmp_path / "project.yaml").write_text(VOICES)
    with FakeElevenLabs(api_key="el-test") as eleven:
        eleven.push(*[{"bad_json": True}] * 6)
        monkeypatch.setenv("ELEVENLABS_API_KEY", "el-test")  # the cluster's workers inherit it
        monkeypatch.setenv("ELEVENLABS_BASE_URL", eleven.base_url)
        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 2, "object_store_memory": 80 * 2**20, "include_dashboard": False},
        )
        try:
            proc = subprocess.run(
                [
                    *vidc_session_cmd,
                    "build",
                    str(tmp_path),
                    "--executor",
                    "ray",
                    "--ray-address",
                    cluster.address,
                    "--max-cost",
                    f"{(3 * one + 1) / 1e6:.6f}",
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
        finally:
            cluster.shutdown()
        reached = len(eleven.requests)
    assert proc.returncode == 1, proc.stderr[-3000:]
    sent = _sent(tmp_path)
    assert reached == len(sent) == 3 and sum(r["micro_usd"] for r in sent) == 3 * one  # never past the ceiling
    assert "not sent:" in proc.stdout + proc.stderr and "stopped at --max-cost" in proc.stderr
