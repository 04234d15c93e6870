"""The LLM script stage: prompts, validation, the lock file, and each provider end to end through
its real SDK against a fake vendor server on 127.0.0.1 (tests/fakes/llm_servers.py)."""

from __future__ import annotations

import json
import logging
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.fakes` when pytest runs without the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from tests.fakes.llm_servers import (  # noqa: E402
    FakeLLMServer,
    bad_body,
    make_scenes,
    rate_limited,
    scenes_reply,
    server_error,
    status_reply,
    text_reply,
)
from vidc.compiler.script_prompt import (  # noqa: E402
    GeneratedScript,
    LockedScript,
    Usage,
    count_words,
    lock_is_current,
    lock_text,
    max_words,
    prompt_for_spec,
    read_lock,
    render_prompt,
    render_repair,
    validate_script,
)
from vidc.runtime.backends.base import BackendError  # noqa: E402
from vidc.runtime.llm import generate_script, parse_answer, write_lock  # noqa: E402
from vidc.schemas.spec import LLM, VideoSpec  # noqa: E402

KEY = "sk-test-SECRET-0123456789abcdef"
PROVIDERS = ["anthropic", "openai", "openai-compatible"]
BRIEF = "A 60 second ad for BeatSync, the metronome that listens back."
VARS = {"brand": "BeatSync", "price": 9.99}
ENV_VAR = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY"}
MODELS = {"anthropic": "claude-sonnet-4-6", "openai": "gpt-4.1-mini", "openai-compatible": "Qwen/Qwen3-32B"}


# --------------------------------------------------------------------------- helpers


def make_llm(provider: str, srv: FakeLLMServer | None, **kw) -> LLM:
    base = None
    if srv is not None:
        base = srv.anthropic_base_url if provider == "anthropic" else srv.openai_base_url
    return LLM(provider=provider, model=kw.pop("model", MODELS[provider]), base_url=kw.pop("base_url", base), **kw)


class Recorder:
    """Injected sleep + log: fast tests that can still assert the waits."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.logs: list[str] = []

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)

    def log(self, msg: str) -> None:
        self.logs.append(msg)


def gen(provider: str, srv: FakeLLMServer | None, rec: Recorder | None = None, *, env=None, llm=None, **kw):
    pytest.importorskip("anthropic")  # the `llm` extra; the pure tests above run without it
    pytest.importorskip("openai")
    rec = rec or Recorder()
    return generate_script(
        BRIEF,
        VARS,
        kw.pop("scene_count", 6),
        (8, 12),
        150,
        1.0,
        llm or make_llm(provider, srv),
        env={ENV_VAR[provider]: KEY} if env is None else env,
        sleep=rec.sleep,
        log=rec.log,
        **kw,
    )


def assert_no_key(*texts: str) -> None:
    for t in texts:
        assert KEY not in t


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("anthropic", "openai", "httpx", "httpx2", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


# --------------------------------------------------------------------------- prompts (pure)


def test_prompt_is_deterministic_and_fingerprinted():
    a = render_prompt(BRIEF, VARS, 6, (8, 12), 150, 1.0)
    b = render_prompt(BRIEF, dict(reversed(list(VARS.items()))), 6, (8.0, 12.0), 150, 1.0)
    assert a == b
    assert len(a.fingerprint) == 64 and int(a.fingerprint, 16) >= 0
    assert render_prompt(BRIEF + " Bold.", VARS, 6, (8, 12), 150, 1.0).fingerprint != a.fingerprint
    assert render_prompt(BRIEF, VARS, 5, (8, 12), 150, 1.0).fingerprint != a.fingerprint
    assert render_prompt(BRIEF, {**VARS, "brand": "Other"}, 6, (8, 12), 150, 1.0).fingerprint != a.fingerprint


def test_prompt_states_brief_vars_count_range_and_word_budget():
    p = render_prompt(BRIEF, VARS, 6, (8, 12), 150, 1.0)
    assert BRIEF in p.user
    assert "- brand: BeatSync" in p.user and "- price: 9.99" in p.user
    assert "exactly 6" in p.user and "between 8 and 12 seconds" in p.user
    assert "10 s scene: at most 25 words" in p.user  # 150 wpm: 2.5 words/s
    assert "8 s scene: at most 20 words" in p.user and "12 s scene: at most 30 words" in p.user
    assert "about 82-120 words" in p.user  # the reference: 80-120 words in 60 s
    assert "150 words per minute" in p.system and '"scenes"' in p.system
    fast = render_prompt(BRIEF, VARS, 6, (8, 12), 150, 1.2)  # speed scales the budget
    assert "10 s scene: at most 30 words" in fast.user and fast.fingerprint != p.fingerprint


def test_prompt_does_not_evaluate_the_brief_as_a_template():
    p = render_prompt("Say {{ 7*7 }} and {% if true %}x{% endif %}", {"v": "{{ brand }}"}, 2, (8, 12), 150, 1.0)
    assert "{{ 7*7 }}" in p.user and "{% if true %}" in p.user and "- v: {{ brand }}" in p.user
    assert "49" not in p.user


def test_prompt_for_spec_uses_voice_wpm_and_speed():
    spec = VideoSpec.model_validate(
        {
            "vidc": 1,
            "name": "v",
            "vars": VARS,
            "script": {"brief": BRIEF, "scene_count": 6, "llm": {"provider": "anthropic", "model": "m"}},
            "voice": {"words_per_minute": 120, "speed": 1.0},
        }
    )
    assert prompt_for_spec(spec) == render_prompt(BRIEF, VARS, 6, (8, 12), 120, 1.0)
    assert "10 s scene: at most 20 words" in prompt_for_spec(spec).user


def test_repair_prompt_quotes_the_errors():
    text = render_repair(["scene 2: duration_seconds is 14, must be between 8 and 12 seconds"], 6, (8, 12), 150, 1.0)
    assert "- scene 2: duration_seconds is 14, must be between 8 and 12 seconds" in text
    assert "all 6 scenes" in text


# --------------------------------------------------------------------------- validation (pure)


def script_of(scenes) -> GeneratedScript:
    return GeneratedScript.model_validate({"scenes": scenes})


def test_word_budget_arithmetic():
    assert max_words(10, 150, 1.0) == 25 and max_words(8, 150, 1.0) == 20 and max_words(12, 150, 1.0) == 30
    assert max_words(10, 150, 1.2) == 30 and max_words(9, 150, 1.0) == 22
    assert count_words("Meet BeatSync — the metronome that listens back.") == 7


def test_validate_accepts_a_good_script():
    assert validate_script(script_of(make_scenes(6)), 6, (8, 12), 150, 1.0) == []
    assert validate_script(script_of(make_scenes(6, seconds=12, words=30)), 6, (8, 12), 150, 1.0) == []
    edge = make_scenes(6)
    edge[0]["duration_seconds"] = 12.0000001  # just out of range, and not shown rounded into it
    assert validate_script(script_of(edge), 6, (8, 12), 150, 1.0) == [
        "scene 1: duration_seconds is 12.0000001, must be between 8 and 12 seconds"
    ]


def test_validate_reports_exact_errors():
    scenes = make_scenes(5)
    scenes[1]["duration_seconds"] = 14
    scenes[2]["voiceover_text"] = " ".join(["word"] * 26)
    scenes[3]["voiceover_text"] = "   "
    scenes[4]["scene_index"] = 7
    scenes[0]["visual_prompt"] = ""
    assert validate_script(script_of(scenes), 6, (8, 12), 150, 1.0) == [
        "expected exactly 6 scenes, got 5",
        "scene 1: visual_prompt is empty",
        "scene 2: duration_seconds is 14, must be between 8 and 12 seconds",
        "scene 3: voiceover_text has 26 words, but a 10 s scene holds at most 25 words "
        "(at 150 words per minute); shorten the text or lengthen the scene (at most 12 s)",
        "scene 4: voiceover_text is empty",
        "scene 5: scene_index is 7, expected 5 (scene_index counts 1 to 5 in order)",
    ]


def test_output_schema_is_exactly_the_four_fields():
    schema = GeneratedScript.model_json_schema()
    assert list(schema["properties"]) == ["scenes"] and schema["additionalProperties"] is False
    scene = schema["$defs"]["GeneratedScene"]
    assert sorted(scene["properties"]) == ["duration_seconds", "scene_index", "visual_prompt", "voiceover_text"]
    assert scene["additionalProperties"] is False
    with pytest.raises(ValueError):
        script_of([{**make_scenes(1)[0], "mood": "happy"}])


def test_parse_answer_is_lenient_about_wrapping_only():
    good = json.dumps({"scenes": make_scenes(2)})
    for wrapped in (
        good,
        f"```json\n{good}\n```",
        f"<think>let me count words</think>\n{good}",
        f"Here is the script:\n{good}\nEnjoy!",
        json.dumps(make_scenes(2)),
    ):
        parsed, problems = parse_answer(wrapped)
        assert problems == [] and parsed is not None and len(parsed.scenes) == 2, wrapped
    parsed, problems = parse_answer('{"scenes": [')
    assert parsed is None and problems[0].startswith("the answer is not valid JSON")
    parsed, problems = parse_answer('{"scenes": [{"scene_index": 1}]}')
    assert parsed is None and any("scenes[0].voiceover_text: Field required" in p for p in problems)


# --------------------------------------------------------------------------- lock file


def sample_lock(**kw) -> LockedScript:
    base = dict(
        provider="anthropic",
        model="claude-sonnet-4-6",
        prompt_fingerprint="ab" * 32,
        usage=Usage(input_tokens=10, output_tokens=20),
        repair_rounds=1,
        scenes=script_of(make_scenes(2)).scenes,
    )
    return LockedScript(**{**base, **kw})


def test_lock_round_trip_and_canonical_text(tmp_path):
    lock = sample_lock()
    text = lock_text(lock)
    assert (
        text.endswith("}\n")
        and text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )
    assert read_lock(text) == lock
    data = json.loads(text)
    assert (
        data["vidc_script"] == 1
        and data["base_url"] is None
        and data["usage"] == {"input_tokens": 10, "output_tokens": 20}
    )
    path = write_lock(tmp_path / "sub" / "demo.script.json", lock)
    assert path.read_text(encoding="utf-8") == text
    write_lock(path, sample_lock(model="other"))  # overwrite in place
    assert read_lock(path.read_text(encoding="utf-8")).model == "other"
    assert sorted(p.name for p in path.parent.iterdir()) == ["demo.script.json"]  # no temp files left
    assert [s.duration_seconds for s in lock.spec_scenes()] == [10.0, 10.0]


def test_read_lock_errors_are_messages():
    assert read_lock("{nope").startswith("the script lock file is not valid JSON")
    assert "vidc_script" in read_lock('{"vidc_script": 2}')
    bad = json.loads(lock_text(sample_lock()))
    del bad["scenes"]
    assert read_lock(json.dumps(bad)) == "the script lock file is malformed: scenes: Field required"


def test_lock_is_current():
    lock = sample_lock()
    assert lock_is_current(lock, "ab" * 32, "anthropic", "claude-sonnet-4-6")
    assert not lock_is_current(lock, "cd" * 32, "anthropic", "claude-sonnet-4-6")
    assert not lock_is_current(lock, "ab" * 32, "openai", "claude-sonnet-4-6")
    assert not lock_is_current(lock, "ab" * 32, "anthropic", "claude-opus-4-1")


# --------------------------------------------------------------------------- providers end to end


@pytest.mark.parametrize("provider", PROVIDERS)
def test_success_sends_the_schema_and_locks_the_scenes(provider, tmp_path, debug_logs):
    rec = Recorder()
    with FakeLLMServer(scenes_reply(make_scenes(6), usage=(321, 123)), api_key=KEY) as srv:
        locked = gen(provider, srv, rec)
    assert len(srv.requests) == 1 and rec.sleeps == []
    assert [s.scene_index for s in locked.scenes] == [1, 2, 3, 4, 5, 6]
    assert locked.usage == Usage(input_tokens=321, output_tokens=123) and locked.repair_rounds == 0
    assert locked.provider == provider and locked.model == MODELS[provider]
    assert locked.base_url == make_llm(provider, srv).base_url
    assert locked.prompt_fingerprint == render_prompt(BRIEF, VARS, 6, (8, 12), 150, 1.0).fingerprint
    req = srv.requests[0]
    body = req.body
    if provider == "anthropic":
        assert req.path == "/v1/messages"
        fmt = body["output_config"]["format"]
        assert fmt["type"] == "json_schema" and "scenes" in fmt["schema"]["properties"]
        assert body["system"] == render_prompt(BRIEF, VARS, 6, (8, 12), 150, 1.0).system
        assert body["max_tokens"] == 4096 and "temperature" not in body
    else:
        assert req.path == "/v1/chat/completions"
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "GeneratedScript"
        assert fmt["json_schema"]["strict"] is True
        assert body["messages"][0]["role"] == "system"
        if provider == "openai":
            assert body["max_completion_tokens"] == 4096 and "temperature" not in body
        else:
            assert body["max_tokens"] == 4096 and body["temperature"] == 0.7
    assert "10 s scene: at most 25 words" in req.text()
    path = write_lock(tmp_path / "v.script.json", locked)
    assert read_lock(path.read_text()) == locked
    assert debug_logs.records  # the SDKs did log at DEBUG: the scan below is not vacuous
    assert_no_key(path.read_text(), debug_logs.text, *rec.logs)


def test_explicit_temperature_is_sent_to_hosted_vendors():
    for provider in ("anthropic", "openai"):
        with FakeLLMServer(scenes_reply(make_scenes(6)), api_key=KEY) as srv:
            gen(provider, srv, llm=make_llm(provider, srv, temperature=0.2))
        assert srv.requests[0].body["temperature"] == 0.2


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_then_success_honours_retry_after(provider):
    rec = Recorder()
    with FakeLLMServer(rate_limited("0"), rate_limited("7"), scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        locked = gen(provider, srv, rec)
    assert len(srv.requests) == 3 and rec.sleeps == [0.0, 7.0]
    assert locked.repair_rounds == 0
    assert any("HTTP 429" in m and "retrying in 7 s (attempt 3 of 4)" in m for m in rec.logs)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_repeated_500_gives_a_clear_error_after_four_attempts(provider):
    rec = Recorder()
    with FakeLLMServer(*[server_error(500)] * 4, scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        with pytest.raises(BackendError) as err:
            gen(provider, srv, rec)
        assert srv.pending == 1  # the fifth reply was never asked for
    msg = str(err.value)
    assert "failed after 4 attempts" in msg and "HTTP 500" in msg and provider in msg
    assert err.value.transient is True
    assert len(rec.sleeps) == 3 and rec.sleeps[0] < rec.sleeps[1] < rec.sleeps[2] <= 30  # exponential backoff
    assert err.value.__context__ is None and err.value.__cause__ is None


def test_backoff_jitter_is_deterministic():
    runs = []
    for _ in range(2):
        rec = Recorder()
        with FakeLLMServer(server_error(503), server_error(502), scenes_reply(make_scenes(6)), api_key=KEY) as srv:
            gen("openai", srv, rec)
        runs.append(rec.sleeps)
    assert runs[0] == runs[1] and len(runs[0]) == 2 and 0.5 <= runs[0][0] <= 1.0 and 1.0 <= runs[0][1] <= 2.0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_bad_json_answer_is_repaired(provider):
    with FakeLLMServer(
        text_reply('{"scenes": [{"scene_index": 1, "voiceover_text": "Meet'), scenes_reply(make_scenes(6)), api_key=KEY
    ) as srv:
        locked = gen(provider, srv)
    assert locked.repair_rounds == 1 and len(srv.requests) == 2
    second = srv.requests[1]
    assert "the answer is not valid JSON" in second.text()
    assert locked.usage.input_tokens == 240  # summed over both answers


@pytest.mark.parametrize("provider", PROVIDERS)
def test_non_json_http_body_is_a_clear_error_without_retries(provider):
    rec = Recorder()
    with FakeLLMServer(bad_body(), scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        with pytest.raises(BackendError) as err:
            gen(provider, srv, rec)
    assert len(srv.requests) == 1 and rec.sleeps == []
    msg = str(err.value)
    assert provider in msg and ("not JSON" in msg or "could not be read" in msg), msg
    assert err.value.transient is False


@pytest.mark.parametrize("provider", PROVIDERS)
def test_out_of_range_duration_is_fixed_by_a_repair_round(provider):
    bad = make_scenes(6)
    bad[1]["duration_seconds"] = 14
    with FakeLLMServer(scenes_reply(bad), scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        locked = gen(provider, srv)
    assert locked.repair_rounds == 1 and [s.duration_seconds for s in locked.scenes] == [10.0] * 6
    second = srv.requests[1]
    assert "- scene 2: duration_seconds is 14, must be between 8 and 12 seconds" in second.text()
    roles = [m["role"] for m in second.messages]
    assert roles[-3:] == ["user", "assistant", "user"]
    assert json.loads(second.messages[-2]["content"]) == {"scenes": bad}  # its previous answer, verbatim


@pytest.mark.parametrize("provider", PROVIDERS)
def test_still_wrong_after_two_repairs_shows_errors_and_answer(provider):
    wordy = make_scenes(6)
    wordy[2]["voiceover_text"] = "ZEBRA " + " ".join(["word"] * 40)
    with FakeLLMServer(*[scenes_reply(wordy)] * 3, scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        with pytest.raises(BackendError) as err:
            gen(provider, srv)
    assert len(srv.requests) == 3
    msg = str(err.value)
    assert "still invalid after 2 repair round(s)" in msg
    assert "scene 3: voiceover_text has 41 words, but a 10 s scene holds at most 25 words" in msg
    assert "ZEBRA word word" in msg  # what the model returned
    assert "scene 3: voiceover_text has 41 words" in srv.requests[2].text()  # the second repair quoted it too


def test_a_long_bad_answer_is_truncated_in_the_error():
    scenes = make_scenes(6, words=600)
    with FakeLLMServer(*[scenes_reply(scenes)] * 3, api_key=KEY) as srv:
        with pytest.raises(BackendError) as err:
            gen("openai", srv, repair_rounds=2)
    assert "more characters]" in str(err.value) and len(str(err.value)) < 6000


@pytest.mark.parametrize("provider", PROVIDERS)
def test_bad_key_fails_at_once_naming_the_variable(provider, debug_logs):
    rec = Recorder()
    wrong = "sk-wrong-" + KEY[::-1]
    with FakeLLMServer(scenes_reply(make_scenes(6)), api_key=KEY) as srv:  # the fake echoes the key it got
        with pytest.raises(BackendError) as err:
            gen(provider, srv, rec, env={ENV_VAR[provider]: wrong})
    msg = str(err.value)
    assert f"set {ENV_VAR[provider]}" in msg and "HTTP 401" in msg
    assert wrong not in msg and wrong not in repr(err.value) and wrong not in debug_logs.text
    assert len(srv.requests) == 1 and rec.sleeps == [] and err.value.transient is False
    assert err.value.__context__ is None


def test_403_is_an_auth_error_too():
    with FakeLLMServer(status_reply(403, "forbidden")) as srv:
        with pytest.raises(BackendError, match="rejected the API key \\(HTTP 403\\): set ANTHROPIC_API_KEY"):
            gen("anthropic", srv)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_missing_key_fails_before_any_request(provider):
    with FakeLLMServer(scenes_reply(make_scenes(6))) as srv:
        with pytest.raises(BackendError, match=f"{ENV_VAR[provider]} is not set"):
            gen(provider, srv, env={"ANTHROPIC_API_KEY" if provider == "openai" else "OPENAI_API_KEY": KEY})
    assert srv.requests == []


def test_openai_compatible_works_without_a_key_and_needs_base_url():
    with FakeLLMServer(scenes_reply(make_scenes(6))) as srv:
        gen("openai-compatible", srv, env={})
    assert srv.requests[0].headers["authorization"] == "Bearer not-needed"
    with pytest.raises(BackendError, match="needs `base_url`"):
        gen("openai-compatible", None, env={})


def test_qwen3_thinking_is_disabled_and_think_blocks_are_parsed():
    good = json.dumps({"scenes": make_scenes(6)})
    answer = f"<think>\nSix scenes, count the words...\n</think>\n```json\n{good}\n```"
    with FakeLLMServer(text_reply(answer), api_key=KEY) as srv:
        locked = gen("openai-compatible", srv)
    assert locked.repair_rounds == 0 and len(locked.scenes) == 6
    assert srv.requests[0].body["chat_template_kwargs"] == {"enable_thinking": False}
    for model in ("Qwen/Qwen3-235B-A22B-Instruct-2507", "meta-llama/Llama-3.3-70B-Instruct"):
        with FakeLLMServer(scenes_reply(make_scenes(6)), api_key=KEY) as srv:
            gen("openai-compatible", srv, llm=make_llm("openai-compatible", srv, model=model))
        assert "chat_template_kwargs" not in srv.requests[0].body
    with FakeLLMServer(scenes_reply(make_scenes(6)), api_key=KEY) as srv:  # hosted OpenAI: never
        gen("openai", srv, llm=make_llm("openai", srv, model="qwen3-lookalike"))
    assert "chat_template_kwargs" not in srv.requests[0].body


def test_server_error_text_is_scrubbed_of_the_key(debug_logs):
    rec = Recorder()
    with FakeLLMServer(status_reply(400, f"model not found for key {KEY}"), api_key=KEY) as srv:
        with pytest.raises(BackendError) as err:
            gen("openai", srv, rec)
    msg = str(err.value)
    assert "HTTP 400" in msg and "[redacted]" in msg and rec.sleeps == []
    assert_no_key(msg, repr(err.value), debug_logs.text, *rec.logs)


def test_key_never_appears_anywhere_across_retries_and_repairs(tmp_path, debug_logs):
    bad = make_scenes(6)
    bad[0]["duration_seconds"] = 30
    for provider in ("anthropic", "openai"):
        rec = Recorder()
        with FakeLLMServer(
            rate_limited("0"),
            server_error(503),
            scenes_reply(bad),
            text_reply("oops"),
            scenes_reply(make_scenes(6)),
            api_key=KEY,
        ) as srv:
            locked = gen(provider, srv, rec)
        assert locked.repair_rounds == 2 and len(srv.requests) == 5
        lock_file = write_lock(tmp_path / f"{provider}.script.json", locked)
        assert_no_key(lock_file.read_text(), debug_logs.text, *rec.logs, repr(locked))
        assert all(KEY not in json.dumps(r.body) for r in srv.requests)  # not even in the prompts


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_timeouts_and_refused_connections_are_retried(provider):
    rec = Recorder()
    with FakeLLMServer(scenes_reply(make_scenes(6), delay=1.5), scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        locked = gen(provider, srv, rec, timeout=0.3)
    assert len(locked.scenes) == 6 and len(rec.sleeps) == 1 and "timed out" in rec.logs[0]
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}" + ("" if provider == "anthropic" else "/v1")
    rec = Recorder()
    with pytest.raises(BackendError, match="failed after 4 attempts; last error: could not connect"):
        gen(provider, None, rec, llm=make_llm(provider, None, base_url=url))
    assert len(rec.sleeps) == 3


def test_refusal_is_a_clear_error():
    for provider in ("anthropic", "openai"):
        with FakeLLMServer(text_reply("I can't write that.", finish="refusal"), api_key=KEY) as srv:
            with pytest.raises(BackendError, match="refused"):
                gen(provider, srv)
        assert len(srv.requests) == 1


def test_cut_off_answer_asks_for_a_repair_then_hints_max_tokens():
    half = json.dumps({"scenes": make_scenes(6)})[:200]
    with FakeLLMServer(*[text_reply(half, finish="length")] * 3, api_key=KEY) as srv:
        with pytest.raises(BackendError) as err:
            gen("anthropic", srv)
    assert "max_tokens=4096" in srv.requests[1].text()
    assert "raise script.llm.max_tokens" in str(err.value)


def test_anthropic_tool_use_fallback_when_the_sdk_has_no_parse():
    anthropic = pytest.importorskip("anthropic")

    class NoParse:
        def __init__(self, messages):
            self.create = messages.create

    class Client:
        def __init__(self, real):
            self.real, self.messages = real, NoParse(real.messages)

        def close(self):
            self.real.close()

    def factory(provider, api_key, base_url, timeout):
        return Client(anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout))

    bad = make_scenes(6)
    bad[5]["scene_index"] = 9
    with FakeLLMServer(scenes_reply(bad), scenes_reply(make_scenes(6)), api_key=KEY) as srv:
        locked = gen("anthropic", srv, client_factory=factory)
    body = srv.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": "emit_script"}
    assert "scenes" in body["tools"][0]["input_schema"]["properties"] and "output_config" not in body
    assert locked.repair_rounds == 1 and "scene 6: scene_index is 9, expected 6" in srv.requests[1].text()


def test_missing_sdk_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "anthropic", None)  # as if the `llm` extra were not installed
    llm = LLM(provider="anthropic", model="claude-sonnet-4-6", base_url="http://127.0.0.1:9")
    with pytest.raises(BackendError, match=r"the `anthropic` SDK is not installed: pip install 'vidc\[llm\]'"):
        generate_script(BRIEF, VARS, 6, (8, 12), 150, 1.0, llm, env={"ANTHROPIC_API_KEY": KEY}, sleep=lambda s: None)
