"""A local stand-in for the ElevenLabs text-to-speech API, for tests through the official SDK.

It speaks `POST /v1/text-to-speech/{voice_id}/with-timestamps?output_format=...` with the `xi-api-key`
header and a JSON body (`text`, `model_id`, `voice_settings`, `language_code` ...), and answers what
the SDK's `AudioWithTimestampsResponse` reads: `audio_base64` plus `alignment` and
`normalized_alignment`, each `{characters, character_start_times_seconds, character_end_times_seconds}`.

The audio is real: a tone lasting `ms_per_char` per character (scaled by voice_settings.speed),
encoded as the requested format (mp3_* through ffmpeg's libmp3lame, pcm_* raw s16le, wav_*), and the
alignment spreads the characters evenly over it. Failures are scripted per request, in order:

    with FakeElevenLabs(api_key="k") as fake:
        fake.push({"status": 429, "retry_after": "1"}, {"status": 500})   # then success
        fake.push({"status": 401}); fake.push({"bad_json": True}); fake.push({"sleep": 2.0})
        fake.push({"drop": True})   # close the connection without an answer

Binds 127.0.0.1:0 only; every request is recorded in `fake.requests` (the key header included, so a
test can check what was sent; the server itself never prints it).
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import socket
import subprocess
import tempfile
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

_PATH = re.compile(r"^/v1/text-to-speech/(?P<voice>[^/]+)/with-timestamps$")


class FakeElevenLabs:
    def __init__(self, api_key: str = "test-key", ms_per_char: float = 60.0):
        self.api_key = api_key
        self.ms_per_char = ms_per_char
        self.script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeElevenLabs:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-elevenlabs", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeElevenLabs:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- scripting ---------------------------------------------------------------------------------
    def push(self, *actions: dict[str, Any]) -> None:
        with self._lock:
            self.script.extend(actions)

    def _next_action(self) -> dict[str, Any]:
        with self._lock:
            return self.script.pop(0) if self.script else {}

    # -- audio ---------------------------------------------------------------------------------------
    def synthesize(self, text: str, output_format: str, speed: float = 1.0) -> tuple[bytes, dict[str, list]]:
        seconds = max(0.2, len(text) * self.ms_per_char / 1000.0 / max(speed, 0.1))
        codec, rate, *rest = output_format.split("_")
        rate = int(rate)
        n = int(round(seconds * rate))
        t = np.arange(n) / rate
        pcm = (9000 * np.sin(2 * math.pi * 220 * t)).astype("<i2").tobytes()
        if codec == "pcm":
            audio = pcm
        elif codec == "wav":
            buf = io.BytesIO()
            with wave.open(buf, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes(pcm)
            audio = buf.getvalue()
        elif codec == "mp3":
            # Encoded to a (seekable) file so that ffmpeg writes the LAME/Info header with the encoder
            # delay and padding, as LAME does; decoders use it to trim the MP3 to its exact length.
            kbps = rest[0] if rest else "128"
            with tempfile.TemporaryDirectory() as tmp:
                mp3 = Path(tmp) / "a.mp3"
                subprocess.run(
                    ["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                     "-c:a", "libmp3lame", "-b:a", f"{kbps}k", str(mp3)],
                    input=pcm, capture_output=True, check=True,
                )  # fmt: skip
                audio = mp3.read_bytes()
        else:
            raise ValueError(output_format)
        k = max(len(text), 1)
        step = seconds / k
        alignment = {
            "characters": list(text),
            "character_start_times_seconds": [round(i * step, 3) for i in range(len(text))],
            "character_end_times_seconds": [round((i + 1) * step, 3) for i in range(len(text))],
        }
        return audio, alignment


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeElevenLabs
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps({"detail": {"status": code, "message": message}}).encode(), headers)

    def do_POST(self) -> None:
        fake = self.server_fake
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        m = _PATH.match(url.path)
        fake.requests.append({
            "path": url.path, "voice_id": m.group("voice") if m else None, "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()}, "json": body,
        })  # fmt: skip
        action = fake._next_action()
        if action.get("sleep"):
            time.sleep(float(action["sleep"]))
        if action.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if m is None:
            return self._error(404, "not_found", f"no route {url.path}")
        if "status" in action and action["status"] != 200:
            status = int(action["status"])
            headers = {"Retry-After": str(action["retry_after"])} if "retry_after" in action else {}
            codes = {401: "invalid_api_key", 429: "too_many_concurrent_requests", 500: "internal_error",
                     503: "service_unavailable", 404: "voice_not_found", 422: "invalid_request"}  # fmt: skip
            return self._error(status, codes.get(status, "error"), action.get("message", f"scripted {status}"), headers)
        if self.headers.get("xi-api-key") != fake.api_key:
            return self._error(401, "invalid_api_key", "Invalid API key")
        if action.get("bad_json"):
            return self._send(200, b'{"audio_base64": "AAAA", "alignment": {"characters": [', ctype="application/json")
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
            return self._error(422, "invalid_request", "text is required")
        fmt = query.get("output_format", "mp3_44100_128")
        if not re.match(r"^(mp3_\d+_\d+|pcm_\d+|wav_\d+)$", fmt):
            return self._error(422, "invalid_output_format", f"unsupported output_format {fmt}")
        speed = float(((body.get("voice_settings") or {}).get("speed")) or 1.0)
        audio, alignment = fake.synthesize(body["text"], fmt, speed)
        payload = {
            "audio_base64": base64.b64encode(audio).decode(),
            "alignment": alignment,
            "normalized_alignment": alignment,
        }
        self._send(200, json.dumps(payload).encode())
