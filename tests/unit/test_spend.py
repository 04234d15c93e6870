"""Money counted per request that reached a paid API: the ledger (spend.log), the LLM script's meter
(every retry and repair round) and the ElevenLabs backend (every retry, unreadable 200s included),
against the fake vendor servers on 127.0.0.1."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.llm_servers import FakeLLMServer, make_scenes, scenes_reply, server_error, text_reply  # noqa: E402
from vidc.compiler.pricing import Prices  # noqa: E402
from vidc.compiler.resources import template_yaml  # noqa: E402
from vidc.runtime.backends.spend import LEDGER_NAME, Ledger, SpendLimit, ledger_beside_store  # noqa: E402
from vidc.runtime.engine.budget import ScriptMeter  # noqa: E402
from vidc.schemas.spec import LLM  # noqa: E402

KEY = "sk-test-0123456789"


def _send(ledger: Ledger, micro: int, task: str = "v/voice/scene-01") -> str:
    return ledger.send(
        task=task, provider="elevenlabs", item="m", units={"characters": 1}, micro_usd=micro, what=f"{task} request"
    )


# -- the ledger --------------------------------------------------------------------------------------
def test_requests_are_counted_until_a_build_finishes(tmp_path):
    ledger = Ledger(tmp_path / LEDGER_NAME)
    ledger.start(1000)
    _send(ledger, 400)
    rid = ledger.send(
        task="v/script",
        provider="openai",
        item="x",
        units={"input_tokens": 10, "output_tokens": 500},
        micro_usd=500,
        what="v/script answer",
    )
    assert ledger.spent() == 900
    with pytest.raises(SpendLimit, match=r"together more than --max-cost \$0.0010"):
        _send(ledger, 101)  # 900 + 101 > 1000: not recorded, not sent
    assert ledger.spent() == 900 and len(ledger.requests()) == 2
    ledger.bill(rid, 50, {"input_tokens": 10, "output_tokens": 40}, "usage reported by the provider")
    rows = {r["task"]: r for r in ledger.requests()}
    assert rows["v/script"]["micro_usd"] == 50 and rows["v/script"]["committed"] == 500
    assert ledger.spent() == 450
    _send(ledger, 550)  # exactly at the ceiling is allowed
    assert ledger.spent() == 1000
    ledger.close()  # a finished build: the next one starts at $0
    assert ledger.spent() == 0 and ledger.requests() == []
    assert len(Ledger.requests_of(ledger.records())) == 3  # still on record (the refused one never was)


def test_a_killed_builds_requests_count_for_the_next_build(tmp_path):
    """A journal left behind by a killed build (its last line torn) is counted by the resumed one."""
    path = tmp_path / LEDGER_NAME
    first = Ledger(path)
    first.start(1000)
    _send(first, 700)
    with open(path, "ab") as fh:
        fh.write(b'{"ev": "sent", "id": "torn')  # killed mid-write
    resumed = Ledger(path)
    resumed.start(1000)
    assert resumed.spent() == 700
    with pytest.raises(SpendLimit):
        _send(resumed, 301)
    _send(resumed, 300)


def test_each_build_is_checked_against_its_own_ceiling(tmp_path):
    path = tmp_path / LEDGER_NAME
    mine, other = Ledger(path), Ledger(path)
    mine.start(100)
    other.start(None)  # a second build of the project starts (and will find the lock taken)
    with pytest.raises(SpendLimit):
        _send(mine, 101)
    mine.price("v/voice/scene-01", "elevenlabs", "m", {"characters": 3.0})
    with pytest.raises(SpendLimit):  # a worker's request is checked against the build that priced its task
        Ledger(path).send_priced("v/voice/scene-01", {"characters": 34}, "x")
    assert Ledger(path).send_priced("v/voice/scene-01", {"characters": 33}, "x")
    assert Ledger(path).send_priced("v/voice/unpriced", {"characters": 1}, "x") is None


def test_concurrent_senders_never_pass_the_ceiling(tmp_path):
    path = tmp_path / LEDGER_NAME
    Ledger(path).start(None)
    build = Ledger(path)
    build.start(1000)
    refused: list[int] = []

    def sender(n: int) -> None:
        ledger = Ledger(path, build.build)
        for _ in range(20):
            try:
                _send(ledger, 7, f"v/voice/scene-{n:02d}")
            except SpendLimit:
                refused.append(n)

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert build.spent() == 7 * (1000 // 7) and len(refused) == 8 * 20 - 1000 // 7


def test_a_worker_finds_the_ledger_beside_the_store_only(tmp_path):
    (tmp_path / "store").mkdir()
    assert ledger_beside_store(tmp_path / "store") is None and ledger_beside_store(None) is None
    Ledger(tmp_path / LEDGER_NAME).start(None)
    assert ledger_beside_store(tmp_path / "store").path == tmp_path / LEDGER_NAME


# -- the LLM script: every retry and repair round ----------------------------------------------------
def _meter(folder: Path, ceiling: int, llm: LLM) -> tuple[Ledger, ScriptMeter]:
    folder.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(folder / LEDGER_NAME)
    ledger.start(ceiling)
    prices = Prices(
        {
            **template_yaml("prices.yaml"),
            "llm": {"openai-compatible": {"default": {"input_per_mtok": 10.0, "output_per_mtok": 10.0}}},
        }
    )
    return ledger, ScriptMeter(ledger, prices, "launch", llm)


def _generate(srv, llm, meter):
    from vidc.runtime.llm import generate_script

    return generate_script(
        "A launch video", {}, 2, (8, 12), 150, 1.0, llm, env={"OPENAI_API_KEY": KEY}, sleep=lambda _s: None, meter=meter
    )


def test_failed_repair_rounds_stop_at_the_ceiling_before_they_are_sent(tmp_path):
    """Every answer is wrong and reports no usage: each request stays at what was committed (its input
    estimate and all of max_tokens), and the round that would pass the ceiling is never sent."""
    pytest.importorskip("openai")
    from vidc.compiler.script_prompt import render_prompt

    bad = [text_reply("not json at all", usage=(0, 0)) for _ in range(3)]
    with FakeLLMServer(*bad) as srv:
        llm = LLM(provider="openai-compatible", model="m", base_url=srv.openai_base_url, max_tokens=2000)
        prompt = render_prompt("A launch video", {}, 2, (8, 12), 150, 1.0)
        scratch, probe = _meter(tmp_path / "probe", 10**9, llm)
        probe.sending(len(prompt.system) + len(prompt.user), "probe")
        first = scratch.requests()[0]["micro_usd"]
        assert first > 20000  # 2000 output tokens at $10 per million, and the prompt
        ledger, meter = _meter(tmp_path, int(first * 2.5), llm)
        with pytest.raises(SpendLimit) as err:
            _generate(srv, llm, meter)
        assert len(srv.requests) == 2  # the answer and repair round 1; round 2 was not sent
    assert "repair round 2" in str(err.value) and "--max-cost" in str(err.value)
    rows = ledger.requests()
    assert [r["what"] for r in rows] == ["launch/script answer, attempt 1", "launch/script repair round 1, attempt 1"]
    assert rows[0]["micro_usd"] == first and rows[1]["micro_usd"] > first  # the repair quotes the answer
    assert ledger.spent() == sum(r["micro_usd"] for r in rows) <= first * 2.5


def test_retried_500s_are_each_counted_and_checked(tmp_path):
    pytest.importorskip("openai")
    with FakeLLMServer(*[server_error(500)] * 4, scenes_reply(make_scenes(2))) as srv:
        llm = LLM(provider="openai-compatible", model="m", base_url=srv.openai_base_url, max_tokens=1000)
        ledger, meter = _meter(tmp_path, 10**9, llm)
        with pytest.raises(Exception, match="failed after 4 attempts"):
            _generate(srv, llm, meter)
        assert len(srv.requests) == 4
    rows = ledger.requests()
    assert len(rows) == 4 and all(r["micro_usd"] == r["committed"] > 0 for r in rows)  # no usage: committed
    assert ledger.spent() == sum(r["committed"] for r in rows)


def test_a_good_answer_is_billed_at_its_usage(tmp_path):
    pytest.importorskip("openai")
    with FakeLLMServer(scenes_reply(make_scenes(2), usage=(900, 300))) as srv:
        llm = LLM(provider="openai-compatible", model="m", base_url=srv.openai_base_url)
        ledger, meter = _meter(tmp_path, 10**9, llm)
        locked = _generate(srv, llm, meter)
    assert locked.usage.input_tokens == 900
    (row,) = ledger.requests()
    assert row["units"] == {"input_tokens": 900, "output_tokens": 300} and row["micro_usd"] == 12000


# -- ElevenLabs: every retry, unreadable 200s included --------------------------------------------------
def test_unreadable_200s_are_each_counted_and_the_ceiling_stops_the_retries(tmp_path, monkeypatch):
    pytest.importorskip("elevenlabs")
    from tests.fakes.elevenlabs_server import FakeElevenLabs
    from vidc.runtime.backends.base import BackendError, TaskContext
    from vidc.runtime.backends.elevenlabs_voice import ElevenLabsParams, ElevenLabsVoice

    text = "Meet the kite that flies without wind."
    work = tmp_path / ".vidc"
    (work / "store").mkdir(parents=True)
    ledger = Ledger(work / LEDGER_NAME)
    ledger.start(2 * 3 * len(text))  # room for two requests at 3 micro-dollars a character
    ledger.price("v/voice/scene-01", "elevenlabs", "eleven_turbo_v2_5", {"characters": 3.0})
    with FakeElevenLabs(api_key=KEY) as fake:
        fake.push({"bad_json": True}, {"bad_json": True}, {"bad_json": True})
        monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
        monkeypatch.setenv("ELEVENLABS_BASE_URL", fake.base_url)
        backend = ElevenLabsVoice()
        backend.sleep = lambda _s: None
        p = dict(text=text, min_scene_ms=1000, pause_ms=500, max_scene_ms=60000, scene=1)
        (tmp_path / "out").mkdir()
        ctx = TaskContext(
            task_id="v/voice/scene-01",
            params=p,
            inputs={},
            out=tmp_path / "out",
            project_dir=tmp_path,
            cache_dir=tmp_path / "cache",
            store_root=work / "store",
        )
        with pytest.raises(BackendError, match="^not sent: v/voice/scene-01 request 3") as err:
            backend.run(ctx, ElevenLabsParams.model_validate(p))
        assert len(fake.requests) == 2  # the third attempt was refused before it left
    assert not err.value.transient and "--max-cost" in str(err.value)
    rows = ledger.requests()
    assert len(rows) == 2 and all(
        r["units"] == {"characters": len(text)} and r["micro_usd"] == 3 * len(text) for r in rows
    )


def test_refusal_counts_earlier_spend_but_never_refuses_a_build_with_nothing_left_to_pay(tmp_path):
    from vidc.compiler.compile import CompileOptions, compile_project
    from vidc.compiler.frontend import SourceFiles
    from vidc.runtime.backends.registry import catalog
    from vidc.runtime.engine.budget import refusal
    from vidc.schemas.hardware import Hardware

    spec = (
        'vidc: 1\nname: v\nscript:\n  scenes:\n    - {voiceover_text: "Meet the kite.", duration_seconds: 3}\n'
        "voice: {engine: elevenlabs, model: eleven_turbo_v2_5}\nexport: {preset: draft}\n"
    )
    src = SourceFiles(spec_name="project.yaml", read=lambda p: spec, exists=lambda p: p == "project.yaml")
    plan, diags = compile_project(src, Hardware(cpu_workers=1), CompileOptions(catalog=catalog()))
    assert plan is not None, diags
    est = sum(t.cost.micro_usd for t in plan.tasks if t.cost)
    journal = tmp_path / "journal.log"
    assert refusal(est, plan, journal, None, False) is None
    said = refusal(est, plan, journal, None, False, 1, "requests since the last finished build")
    assert "requests since the last finished build cost $0.0000" in said and "more than --max-cost" in said
    free = plan.model_copy(update={"tasks": [t.model_copy(update={"cost": None}) for t in plan.tasks]})
    assert refusal(est, free, journal, None, False, 10 * est, "requests") is None


def test_a_damaged_or_planted_ledger_never_raises_and_never_lowers_the_spend(tmp_path):
    path = tmp_path / LEDGER_NAME
    ledger = Ledger(path)
    ledger.start(1000)
    _send(ledger, 300)
    junk = [
        b"\x00\xff garbage\n",
        b'["a list"]\n',
        b'{"ev": 5}\n',
        b'{"ev": "sent", "id": "x", "task": ["t"], "units": [1], "micro_usd": "lots"}\n',
        b'{"ev": "sent", "id": "y", "task": "v/x", "units": {"c": "1"}, "micro_usd": -500}\n',
        b'{"ev": "billed", "id": 7, "micro_usd": -300}\n',
        b'{"ev": "price", "task": "v/voice/scene-01", "per": {"characters": -1.0}}\n',
    ]
    with open(path, "ab") as fh:
        fh.write(b"".join(junk))
    assert ledger.spent() == 300 and len(ledger.requests()) == 3
    with pytest.raises(SpendLimit, match="damaged"):
        ledger.send_priced("v/voice/scene-01", {"characters": 10}, "x")
