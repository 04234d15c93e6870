"""The `elevenlabs` backend through the real SDK against a local fake of the API (127.0.0.1 only)."""

from __future__ import annotations

import logging
import math
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

pytest.importorskip("elevenlabs")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.*` when pytest runs without the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from tests.fakes.elevenlabs_server import FakeElevenLabs  # noqa: E402
from vidc.runtime.backends.base import BackendError, TaskContext  # noqa: E402
from vidc.runtime.backends.elevenlabs_voice import ElevenLabsParams, ElevenLabsVoice  # noqa: E402

KEY = "sk_test_5ecret_never_print_me_0123456789"
TEXT = "Meet BeatSync, the metronome that listens back."


@pytest.fixture
def fake(monkeypatch):
    with FakeElevenLabs(api_key=KEY, ms_per_char=40) as server:
        monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
        monkeypatch.setenv("ELEVENLABS_BASE_URL", server.base_url)
        yield server


@pytest.fixture
def backend():
    b = ElevenLabsVoice()
    b.backoff_s = 0.05  # keep exponential backoff short in tests; Retry-After is honoured as sent
    b.timeout_s = 1.0
    b.setup("cpu")
    return b


def params(**over):
    p = dict(text=TEXT, voice="voice123", speed=1.0, language="en-us", model=None,
             min_scene_ms=1000, pause_ms=500, max_scene_ms=60000, scene=2)  # fmt: skip
    p.update(over)
    return p


def run(backend, tmp_path, p, name="s2"):
    out = tmp_path / name
    out.mkdir()
    logs: list[str] = []
    ctx = TaskContext(task_id=f"v/voice/{name}", params=p, inputs={}, out=out, project_dir=tmp_path,
                      cache_dir=tmp_path / "cache", log=logs.append)  # fmt: skip
    try:
        result = backend.run(ctx, ElevenLabsParams.model_validate(p))
    except BackendError as exc:
        exc.logs = logs  # type: ignore[attr-defined]
        raise
    return out, result, logs


def test_speech_and_word_timings_through_the_sdk(fake, backend, tmp_path):
    out, r, logs = run(backend, tmp_path, params())
    req = fake.requests[-1]
    assert req["path"] == "/v1/text-to-speech/voice123/with-timestamps"
    assert req["query"]["output_format"] == "mp3_44100_128"
    assert req["headers"]["xi-api-key"] == KEY
    assert req["json"]["text"] == TEXT and req["json"]["model_id"] == "eleven_turbo_v2_5"
    assert req["json"]["language_code"] == "en" and "voice_settings" not in req["json"]
    with wave.open(str(out / "voice.wav"), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (44100, 1, 2)
        n = w.getnframes()
    expected_ms = len(TEXT) * 40
    assert r["samples"] == n and r["sample_rate"] == 44100
    assert abs(r["duration_ms"] - expected_ms) <= 2, "MP3 decoded without encoder delay or padding"
    assert r["duration_ms"] == round(n * 1000 / 44100) and r["scene_ms"] == r["duration_ms"] + 500
    words = r["words"]
    assert [w[0] for w in words] == TEXT.split()
    assert words[0][1] == 0 and words[1][0] == "BeatSync," and words[-1][2] == round(len(TEXT) * 40)
    assert all(a[2] <= b[1] for a, b in zip(words, words[1:]))
    assert logs == []


def test_speed_model_and_defaults_are_sent(fake, backend, tmp_path):
    _, fast, _ = run(backend, tmp_path, params(speed=1.2, model="eleven_multilingual_v2", voice=None), "a")
    req = fake.requests[-1]
    assert req["voice_id"] == ElevenLabsVoice.default_voice
    assert req["json"]["voice_settings"]["speed"] == 1.2 and req["json"]["model_id"] == "eleven_multilingual_v2"
    assert "language_code" not in req["json"]  # only the v2.5 models take it
    assert fast["duration_ms"] < len(TEXT) * 40 / 1.1
    # 0.7-1.2 is the backend's Params range: the compiler reports 2.0 at plan time (tests/invalid)
    with pytest.raises(ValueError, match="less than or equal to 1.2"):
        run(backend, tmp_path, params(speed=2.0), "b")


def test_429_with_retry_after_then_success(fake, backend, tmp_path):
    fake.push({"status": 429, "retry_after": "1"})
    t0 = time.monotonic()
    _, r, logs = run(backend, tmp_path, params())
    assert time.monotonic() - t0 >= 1.0, "Retry-After: 1 was honoured"
    assert len(fake.requests) == 2 and r["samples"] > 0
    assert len(logs) == 1 and "429" in logs[0] and "retry 1/2 in 1.0 s" in logs[0]


def test_5xx_timeouts_and_dropped_connections_are_retried(fake, backend, tmp_path):
    backend.max_attempts = 5
    fake.push({"status": 500}, {"status": 503}, {"sleep": 1.5}, {"drop": True})
    _, r, logs = run(backend, tmp_path, params())
    assert r["samples"] > 0 and len(fake.requests) == 5
    assert [("500" in ln, "503" in ln, "no answer" in ln, "cannot reach" in ln) for ln in logs] == [
        (True, False, False, False), (False, True, False, False), (False, False, True, False),
        (False, False, False, True),
    ]  # fmt: skip


def test_persistent_5xx_gives_a_transient_error(fake, backend, tmp_path):
    fake.push(*[{"status": 500}] * 3)
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, params())
    assert exc.value.transient is True and "failed 3 times" in str(exc.value) and "500" in str(exc.value)
    assert len(fake.requests) == 3


def test_a_long_retry_after_ends_the_task_as_transient(fake, backend, tmp_path):
    fake.push({"status": 429, "retry_after": "3600"})
    t0 = time.monotonic()
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, params())
    assert time.monotonic() - t0 < 5 and exc.value.transient is True and exc.value.retry_after == 3600


def test_401_fails_at_once_naming_the_variable_never_the_key(fake, backend, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY + "-wrong")
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, params())
    msg = str(exc.value)
    assert "ELEVENLABS_API_KEY" in msg and "401" in msg and "invalid_api_key" in msg
    assert exc.value.transient is False and len(fake.requests) == 1
    assert fake.requests[0]["headers"]["xi-api-key"] == KEY + "-wrong"
    for text in [msg, repr(exc.value), *exc.value.logs, caplog.text]:
        assert KEY not in text
    fake.push({"status": 401})  # a scripted 401 with the right key: same
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    with pytest.raises(BackendError, match="ELEVENLABS_API_KEY"):
        run(backend, tmp_path, params(), "again")


def test_the_key_never_leaks_through_retries_and_errors(fake, backend, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    fake.push({"status": 429, "retry_after": "0", "message": "slow down"}, {"status": 422, "message": "bad text"})
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, params())
    assert "422" in str(exc.value) and "bad text" in str(exc.value) and exc.value.transient is False
    for text in [str(exc.value), *exc.value.logs, caplog.text]:
        assert KEY not in text


def test_bad_json_is_retried_then_reported(fake, backend, tmp_path):
    fake.push({"bad_json": True})
    _, r, logs = run(backend, tmp_path, params(), "ok")
    assert r["samples"] > 0 and "unreadable" in logs[0]
    fake.push(*[{"bad_json": True}] * 3)
    with pytest.raises(BackendError, match="unreadable") as exc:
        run(backend, tmp_path, params(), "bad")
    assert exc.value.transient is True


def test_missing_key_and_unknown_voice(fake, backend, tmp_path, monkeypatch):
    fake.push({"status": 404})
    with pytest.raises(BackendError, match="voice.voice"):
        run(backend, tmp_path, params(), "voice")
    monkeypatch.delenv("ELEVENLABS_API_KEY")
    n = len(fake.requests)
    with pytest.raises(BackendError, match="ELEVENLABS_API_KEY is not set"):
        run(backend, tmp_path, params(), "nokey")
    assert len(fake.requests) == n


def test_scene_length_rules(fake, backend, tmp_path):
    _, r, _ = run(backend, tmp_path, params(text="Hi.", min_scene_ms=8000), "min")
    assert r["scene_ms"] == 8000
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, params(max_scene_ms=2000), "max")
    msg = str(exc.value)
    assert "scene 2" in msg and f"{len(TEXT) * 0.04:.2f} s" in msg and "voice.speed" in msg


def test_connection_refused_is_transient(backend, tmp_path, monkeypatch):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    monkeypatch.setenv("ELEVENLABS_BASE_URL", f"http://127.0.0.1:{port}")
    backend.max_attempts = 2
    with pytest.raises(BackendError, match="cannot reach") as exc:
        run(backend, tmp_path, params())
    assert exc.value.transient is True


def test_pcm_and_wav_formats_decode_too(fake, backend, tmp_path):
    for fmt in ("pcm_24000", "wav_44100"):
        backend.output_format = fmt
        _, r, _ = run(backend, tmp_path, params(), fmt)
        assert math.isclose(r["duration_ms"], len(TEXT) * 40, abs_tol=2), fmt
        assert fake.requests[-1]["query"]["output_format"] == fmt


def test_no_sdk_import_at_module_import():
    code = (
        "import sys, vidc.runtime.backends.elevenlabs_voice;"
        "assert 'elevenlabs' not in sys.modules and 'httpx' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
