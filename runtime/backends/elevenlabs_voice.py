"""`elevenlabs`: one scene's voice-over from the ElevenLabs API, through the official SDK.

- Client: `elevenlabs.client.ElevenLabs(api_key=$ELEVENLABS_API_KEY, base_url=$ELEVENLABS_BASE_URL or the
  SDK's production URL)`; one client per worker, reused across tasks (connection pool).
- Call: `text_to_speech.convert_with_timestamps(voice_id, text, model_id, output_format, ...)`. `voice` is a
  voice id (default JBFqnCBsd6RMkjVDRZzb, the premade voice the SDK's README uses), `model` defaults to
  eleven_turbo_v2_5, `speed` goes into voice_settings (ElevenLabs accepts 0.7-1.2), and `language` is
  sent as its ISO 639-1 code to the v2.5 models (the only ones that take `language_code`).
- Format: `mp3_44100_128`. Every plan may request it, while 44.1 kHz PCM and WAV need the Pro tier
  (SDK docstring), and the raw PCM's sample format is undocumented. The MP3 is decoded once by ffmpeg
  (which trims the encoder delay from the LAME header) to 44.1 kHz mono s16 and written as
  `voice.wav` (vidc.runtime.media.wav); narration is re-encoded to AAC at export anyway, so 128 kbps costs nothing audible.
- Word timings: the character alignment of the original text (`alignment`, else
  `normalized_alignment`) grouped into whitespace-separated words: [word, start_ms, end_ms].
- Retries: our own loop, with the SDK's `max_retries=0`. The SDK retries only HTTP 408/409/429/5xx
  and sleeps silently; it does not retry timeouts or dropped connections. Our loop retries all of
  them (429, 408, 409, 5xx, timeouts, connection errors, an unreadable 2xx body) with exponential
  backoff that honours Retry-After, logs each retry through ctx.log, waits at most `max_wait_s` at a
  time, and after `max_attempts` raises BackendError(transient=True, retry_after=...) so the executor
  can reschedule. A 401 fails at once and names ELEVENLABS_API_KEY. Every request (each retry, an
  unreadable 200 included: it was billed) is journaled in the build's spend.log before it leaves,
  and refused there when it would pass --max-cost. The key never appears in a
  message or a log line (every message is scrubbed, and the SDK's errors are never printed whole).
"""

from __future__ import annotations

import base64
import os
import random
import time
from collections.abc import Callable
from importlib.metadata import version as pkg_version
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from vidc.schemas.catalog import Needs

from ..media.http_retry import retry_after_s
from .base import Backend, BackendError, TaskContext, VoiceParams, run_tool
from .spend import ledger_beside_store

SAMPLE_RATE = 44100
KEY_ENV = "ELEVENLABS_API_KEY"
BASE_URL_ENV = "ELEVENLABS_BASE_URL"


class ElevenLabsParams(VoiceParams):
    voice: str | None = Field(None, description="ElevenLabs voice id")
    speed: float = Field(1.0, ge=0.7, le=1.2, description="ElevenLabs voice_settings.speed: 0.7-1.2")
    model: str | None = Field(None, description="ElevenLabs model id, default eleven_turbo_v2_5")


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class ElevenLabsVoice(Backend):
    name: ClassVar[str] = "elevenlabs"
    stage: ClassVar[str] = "voice"
    version: ClassVar[str] = "1"
    Params: ClassVar[type[BaseModel]] = ElevenLabsParams
    selectable: ClassVar[bool] = True
    needs: ClassVar[Needs] = Needs(api_key_env=KEY_ENV)

    default_voice: ClassVar[str | None] = "JBFqnCBsd6RMkjVDRZzb"
    words_per_minute: ClassVar[int | None] = 150
    price_keys: ClassVar[tuple[str, ...]] = ("tts.elevenlabs",)  # per 1,000 characters
    default_model = "eleven_turbo_v2_5"
    output_format = "mp3_44100_128"
    speed_range = (0.7, 1.2)
    timeout_s = 120.0  # one request
    max_attempts = 3  # per task run; the worker retries a transient BackendError again on top
    backoff_s = 1.0  # first wait without Retry-After: 1, 2 s (+0-20% jitter)
    max_wait_s = 60.0  # a longer Retry-After ends the task as transient instead of blocking the worker

    def __init__(self) -> None:
        self._client: Any = None
        self._client_for: tuple[str, str | None] | None = None
        self.sleep: Callable[[float], None] = time.sleep

    def setup(self, device: str) -> None:
        # Nothing to load: the client is made on the first task (the key is read then, never stored in a log).
        pass

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        p = params if isinstance(params, ElevenLabsParams) else ElevenLabsParams.model_validate(params)
        key = os.environ.get(KEY_ENV, "").strip()
        if not key:
            raise BackendError(
                f"{KEY_ENV} is not set: export your ElevenLabs API key (elevenlabs.io, Profile > API keys) as "
                f"{KEY_ENV} before `vidc build`, or use voice.engine piper or kokoro, which run offline"
            )
        lo, hi = self.speed_range
        if not lo <= p.speed <= hi:
            raise BackendError(
                f"scene {p.scene}: ElevenLabs speaks voice.speed between {lo} and {hi}, not {p.speed}: change voice.speed"
            )
        import numpy as np

        from vidc.runtime.media.piper_voice import voice_result, written_words
        from vidc.runtime.media.wav import write_wav

        dest = ctx.out / "voice.wav"
        model = p.model or self.default_model
        engine = {"elevenlabs": pkg_version("elevenlabs"), "model": model, "voice": p.voice or self.default_voice,
                  "output_format": self.output_format}  # fmt: skip
        if not p.text.strip():
            write_wav(dest, np.zeros(0, dtype=np.int16), SAMPLE_RATE)
            return {**voice_result(dest, [], p.min_scene_ms, p.pause_ms, p.max_scene_ms, f"scene {p.scene}"),
                    "engine": engine}  # fmt: skip
        try:
            resp = self._convert(ctx, p, key)
            audio = base64.b64decode(resp.audio_base_64, validate=False)
        except BackendError as exc:
            raise BackendError(_scrub(str(exc), key), transient=exc.transient, retry_after=exc.retry_after) from None
        except Exception as exc:
            raise BackendError(_scrub(f"ElevenLabs SDK failed: {type(exc).__name__}: {exc}", key)) from None
        if not audio:
            raise BackendError(f"scene {p.scene}: ElevenLabs returned no audio for the text; retry or check the voice")
        alignment = getattr(resp, "alignment", None) or getattr(resp, "normalized_alignment", None)
        words = _words(alignment) if alignment is not None else None
        pcm = np.frombuffer(_decode_to_s16(audio, self.output_format), dtype="<i2")
        write_wav(dest, pcm, SAMPLE_RATE)
        result = voice_result(dest, words, p.min_scene_ms, p.pause_ms, p.max_scene_ms, f"scene {p.scene}")
        if words is not None:  # timed on the spoken text: captions show the written words
            result["words"] = written_words(result["words"], p.text, p.spoken_counts, result["duration_ms"])
        if words is None:
            result["words"] = None  # the response carried no alignment
        result["engine"] = engine
        return result

    # -- the call, with retries ------------------------------------------------------------------
    def _client_for_key(self, key: str) -> Any:
        base_url = os.environ.get(BASE_URL_ENV, "").strip() or None
        if self._client is None or self._client_for != (key, base_url):
            from elevenlabs.client import ElevenLabs

            self._client = ElevenLabs(api_key=key, base_url=base_url, timeout=self.timeout_s)
            self._client_for = (key, base_url)
        return self._client

    def _convert(self, ctx: TaskContext, p: ElevenLabsParams, key: str) -> Any:
        client = self._client_for_key(key)
        model = p.model or self.default_model
        kwargs: dict[str, Any] = dict(
            voice_id=p.voice or self.default_voice,
            text=p.say,
            model_id=model,
            output_format=self.output_format,
            request_options={"max_retries": 0, "timeout_in_seconds": self.timeout_s},
        )
        if p.speed != 1.0:
            from elevenlabs import VoiceSettings

            kwargs["voice_settings"] = VoiceSettings(speed=p.speed)
        if "_v2_5" in model and p.language:
            kwargs["language_code"] = p.language.split("-")[0].split("_")[0].lower()
        last: _Transient | None = None
        ledger = ledger_beside_store(ctx.store_root)
        for attempt in range(1, self.max_attempts + 1):
            if ledger is not None:  # journaled (and checked against --max-cost) before it leaves
                ledger.send_priced(ctx.task_id, {"characters": len(p.say)}, f"{ctx.task_id} request {attempt}")
            try:
                return self._call_once(client, kwargs, p)
            except _Transient as t:
                last = t
                if attempt == self.max_attempts:
                    break
                delay = t.retry_after
                if delay is None:
                    delay = self.backoff_s * 2 ** (attempt - 1) * (1 + 0.2 * random.random())
                if delay > self.max_wait_s:
                    raise BackendError(
                        f"scene {p.scene}: {t.message}; ElevenLabs asks to wait {delay:.0f} s, longer than "
                        f"{self.max_wait_s:.0f} s: the task will be retried later",
                        transient=True,
                        retry_after=delay,
                    ) from None
                ctx.log(
                    f"elevenlabs: scene {p.scene}: {t.message}; retry {attempt}/{self.max_attempts - 1} in {delay:.1f} s"
                )
                self.sleep(delay)
        assert last is not None
        raise BackendError(
            f"scene {p.scene}: ElevenLabs failed {self.max_attempts} times, last: {last.message}. "
            f"The task is transient and can be retried; if it persists, check status.elevenlabs.io or your plan's "
            f"concurrency limit",
            transient=True,
            retry_after=last.retry_after,
        )

    def _call_once(self, client: Any, kwargs: dict[str, Any], p: ElevenLabsParams) -> Any:
        import httpx
        from elevenlabs.core.api_error import ApiError

        try:
            from elevenlabs.core.parse_error import ParsingError
        except ImportError:  # older SDKs
            ParsingError = ()  # type: ignore[assignment]
        try:
            return client.text_to_speech.convert_with_timestamps(**kwargs)
        except ParsingError as exc:  # type: ignore[misc]
            raise BackendError(
                f"scene {p.scene}: ElevenLabs answered in a shape this SDK does not understand "
                f"({type(exc).__name__}): upgrade the elevenlabs package"
            ) from None
        except ApiError as exc:
            status = exc.status_code or 0
            detail = _detail(exc.body)
            if 200 <= status < 300:
                raise _Transient(f"unreadable response (HTTP {status}, not JSON)") from None
            if status == 429 or status in (408, 409) or status >= 500:
                raise _Transient(f"HTTP {status} {detail}".strip(), retry_after_s(exc.headers)) from None
            if status == 401:
                raise BackendError(
                    f"ElevenLabs rejected the request with 401 ({detail or 'unauthorized'}): check the key in "
                    f"{KEY_ENV} (and your plan's quota)"
                ) from None
            if status == 403:
                raise BackendError(
                    f"scene {p.scene}: ElevenLabs refused the request with 403 ({detail}): your plan may not allow "
                    f"model {kwargs['model_id']} or output {kwargs['output_format']}"
                ) from None
            if status == 404:
                raise BackendError(
                    f"scene {p.scene}: ElevenLabs has no voice {kwargs['voice_id']} or model {kwargs['model_id']} "
                    f"(404 {detail}): fix voice.voice (a voice id from your ElevenLabs voice library) or voice.model"
                ) from None
            raise BackendError(
                f"scene {p.scene}: ElevenLabs rejected the request with HTTP {status} ({detail}): check voice.voice, "
                f"voice.model and the scene's text"
            ) from None
        except httpx.TimeoutException as exc:
            raise _Transient(f"no answer within {self.timeout_s:.0f} s ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Transient(f"cannot reach the ElevenLabs API ({type(exc).__name__})") from None


# ------------------------------------------------------------------------------------- helpers
def _scrub(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text


def _detail(body: Any) -> str:
    """A short, printable reason from an error body ({"detail": {"status", "message"}} or text)."""
    if isinstance(body, dict):
        d = body.get("detail", body)
        if isinstance(d, dict):
            text = ": ".join(str(d[k]) for k in ("status", "message") if d.get(k))
        else:
            text = str(d)
    else:
        text = str(body or "")
    text = " ".join(text.split())
    return text[:300]


def _words(alignment: Any) -> list[list[Any]]:
    """Character alignment -> [[word, start_ms, end_ms]] over whitespace-separated words that hold a
    letter or digit (punctuation stays attached: "world,")."""
    chars = list(getattr(alignment, "characters", None) or [])
    starts = list(getattr(alignment, "character_start_times_seconds", None) or [])
    ends = list(getattr(alignment, "character_end_times_seconds", None) or [])
    out: list[list[Any]] = []
    word, t0, t1 = "", None, None
    for c, s, e in zip(chars, starts, ends):
        if c.isspace():
            if word and any(ch.isalnum() for ch in word):
                out.append([word, round(t0 * 1000), round(t1 * 1000)])
            word, t0, t1 = "", None, None
            continue
        word += c
        t0 = s if t0 is None else t0
        t1 = e
    if word and any(ch.isalnum() for ch in word):
        out.append([word, round(t0 * 1000), round(t1 * 1000)])
    return out


# ------------------------------------------------------------------------------------ audio
def _decode_to_s16(audio: bytes, output_format: str) -> bytes:
    """Encoded audio as ElevenLabs sent it -> 44.1 kHz mono s16le bytes, through ffmpeg."""
    codec, rate = output_format.split("_")[:2]
    src = ["-f", "s16le", "-ar", rate, "-ac", "1"] if codec == "pcm" else []
    argv = [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", *src, "-i", "pipe:0",
        "-vn", "-af", f"aresample={SAMPLE_RATE}", "-ac", "1", "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    proc = run_tool(argv, stdin=audio, what=f"ffmpeg (decoding the {output_format} audio from ElevenLabs)")
    return proc.stdout
