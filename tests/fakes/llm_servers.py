"""A scriptable fake of the Anthropic Messages API and the OpenAI chat completions API.

One stdlib ThreadingHTTPServer on 127.0.0.1 (an ephemeral port) answers both protocols, chosen
by path: `POST /v1/messages` speaks Anthropic, `POST /v1/chat/completions` (or
`/chat/completions`) speaks OpenAI (also what vLLM, Ollama and llama.cpp serve). Each request
takes the next canned `Reply` from a queue; every request is recorded (path, headers, JSON body)
so that tests can assert what the real SDK sent.

    with FakeLLMServer(rate_limited(), scenes_reply(make_scenes(6))) as srv:
        ... base_url=srv.anthropic_base_url  (or srv.openai_base_url) ...
        srv.requests[1].body["output_config"]

Bounded: loopback only, request bodies up to 1 MiB, delays capped at 5 s, a socket timeout on
every connection, no reply left -> HTTP 400 (a non-retryable error the test sees at once).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20
MAX_DELAY = 5.0


# --------------------------------------------------------------------------- canned replies


@dataclass
class Reply:
    """One canned answer. status 200 with `text`: a normal message whose text content is `text`.
    `body` (bytes) replaces the whole HTTP body verbatim. Error statuses get a vendor-shaped error
    body with `message`. `finish`: "stop", "length" (cut off at max_tokens) or "refusal"."""

    status: int = 200
    text: str | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    usage: tuple[int, int] = (120, 80)
    finish: str = "stop"
    message: str = ""
    delay: float = 0.0


def make_scenes(n: int, seconds: float = 10.0, words: int = 15, **override: Any) -> list[dict[str, Any]]:
    """n valid scenes: `words` words of narration each (15 words fit a 10 s scene at 150 wpm)."""
    scenes = []
    for i in range(1, n + 1):
        text = " ".join(["beat"] * (words - 1) + [f"scene{i}."]) if words > 0 else ""
        scene = {
            "scene_index": i,
            "voiceover_text": text,
            "visual_prompt": f"a drummer on stage, warm light, shot {i}",
            "duration_seconds": seconds,
        }
        scene.update(override)
        scenes.append(scene)
    return scenes


def scenes_reply(scenes: list[dict[str, Any]], **kw: Any) -> Reply:
    return Reply(text=json.dumps({"scenes": scenes}), **kw)


def text_reply(text: str, **kw: Any) -> Reply:
    return Reply(text=text, **kw)


def status_reply(status: int, message: str = "", headers: dict[str, str] | None = None) -> Reply:
    return Reply(status=status, message=message or f"fake error {status}", headers=dict(headers or {}))


def rate_limited(retry_after: str | None = "0") -> Reply:
    return status_reply(429, "rate limited", {"retry-after": retry_after} if retry_after is not None else None)


def server_error(status: int = 500) -> Reply:
    return status_reply(status, "internal server error")


def unauthorized() -> Reply:
    return status_reply(401, "invalid api key")


def bad_body() -> Reply:
    """HTTP 200 whose body is not JSON at all (a broken proxy)."""
    return Reply(status=200, body=b"<html><body>502 upstream glitch</body></html>")


# --------------------------------------------------------------------------- server


@dataclass
class RecordedRequest:
    dialect: str  # "anthropic" | "openai" | "unknown"
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON, or None when the body was not JSON

    def text(self) -> str:
        """Every text the request carried (system and messages), joined: for 'did it quote X' checks."""
        parts: list[str] = []
        body = self.body if isinstance(self.body, dict) else {}
        system = body.get("system")
        if isinstance(system, str):
            parts.append(system)
        elif isinstance(system, list):
            parts.extend(b.get("text", "") for b in system if isinstance(b, dict))
        for msg in body.get("messages", []) or []:
            content = msg.get("content")
            if isinstance(content, str):
                parts.append(content)
            elif isinstance(content, list):
                parts.extend(b.get("text", "") for b in content if isinstance(b, dict))
        return "\n".join(parts)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages", [])) if isinstance(self.body, dict) else []


class FakeLLMServer:
    def __init__(self, *replies: Reply, api_key: str | None = None):
        self._queue: deque[Reply] = deque(replies)
        self._lock = threading.Lock()
        self.api_key = api_key  # when set, requests must carry it (x-api-key or Bearer)
        self.requests: list[RecordedRequest] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting
    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def extend(self, replies: Iterable[Reply]) -> None:
        self.push(*replies)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    # -- addresses
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def anthropic_base_url(self) -> str:
        return self.url  # the SDK appends /v1/messages

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"  # the SDK appends /chat/completions

    # -- lifecycle
    def __enter__(self) -> FakeLLMServer:
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- used by the handler
    def _next(self, rec: RecordedRequest) -> Reply | None:
        with self._lock:
            self.requests.append(rec)
            return self._queue.popleft() if self._queue else None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLMServer
    timeout = 10  # socket timeout per connection
    protocol_version = "HTTP/1.0"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            self._send(413, {"error": {"message": "request too large"}})
            return
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path = self.path.split("?", 1)[0]
        if path == "/v1/messages":
            dialect = "anthropic"
        elif path in ("/v1/chat/completions", "/chat/completions"):
            dialect = "openai"
        else:
            dialect = "unknown"
        headers = {k.lower(): v for k, v in self.headers.items()}
        rec = RecordedRequest(dialect=dialect, path=path, headers=headers, body=body)
        if dialect == "unknown":
            self.fake._next(rec)  # recorded, but consumes no reply
            self._send(404, {"error": {"message": f"fake server: no route {path}"}})
            return
        reply = self._check_key(dialect, headers)
        if reply is None:
            reply = self.fake._next(rec)
        else:
            self.fake._next(rec)  # a rejected request still consumes its scripted reply
        if reply is None:
            self._send(
                400,
                _error_body(dialect, 400, f"fake server: no scripted reply left for request {len(self.fake.requests)}"),
            )
            return
        if reply.delay:
            time.sleep(min(reply.delay, MAX_DELAY))
        model = (body or {}).get("model", "fake-model") if isinstance(body, dict) else "fake-model"
        n = len(self.fake.requests)
        if reply.body is not None:
            self._send_raw(reply.status, reply.body, reply.headers)
        elif reply.status != 200:
            self._send(reply.status, _error_body(dialect, reply.status, reply.message), reply.headers)
        elif dialect == "anthropic":
            tool = (body or {}).get("tool_choice") if isinstance(body, dict) else None
            tool_name = tool.get("name") if isinstance(tool, dict) and tool.get("type") == "tool" else None
            self._send(200, _anthropic_message(n, model, reply, tool_name), reply.headers)
        else:
            self._send(200, _openai_completion(n, model, reply), reply.headers)

    def _check_key(self, dialect: str, headers: dict[str, str]) -> Reply | None:
        key = self.fake.api_key
        if key is None:
            return None
        presented = headers.get("x-api-key") if dialect == "anthropic" else None
        auth = headers.get("authorization", "")
        if not presented and auth.lower().startswith("bearer "):
            presented = auth[7:]
        if presented == key:
            return None
        # Adversarial on purpose: echo the presented key the way some vendors do.
        return status_reply(401, f"invalid x-api-key: {presented!r}")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode("utf-8"), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def _error_body(dialect: str, status: int, message: str) -> dict[str, Any]:
    kinds = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_error",
        529: "overloaded_error",
    }
    kind = kinds.get(status, "api_error")
    if dialect == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _anthropic_message(n: int, model: str, reply: Reply, tool_name: str | None = None) -> dict[str, Any]:
    stop = {"stop": "end_turn", "length": "max_tokens", "refusal": "refusal"}[reply.finish]
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text or ""}]
    if tool_name is not None:  # a forced tool call (the legacy structured-output form)
        try:
            content = [
                {
                    "type": "tool_use",
                    "id": f"toolu_fake_{n:04d}",
                    "name": tool_name,
                    "input": json.loads(reply.text or ""),
                }
            ]
            stop = "tool_use" if stop == "end_turn" else stop
        except ValueError:
            pass
    return {
        "id": f"msg_fake_{n:04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": reply.usage[0], "output_tokens": reply.usage[1]},
    }


def _openai_completion(n: int, model: str, reply: Reply) -> dict[str, Any]:
    refusal = reply.finish == "refusal"
    return {
        "id": f"chatcmpl-fake-{n:04d}",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None if refusal else (reply.text or ""),
                    "refusal": (reply.text or "I can't help with that.") if refusal else None,
                },
                "finish_reason": {"stop": "stop", "length": "length", "refusal": "stop"}[reply.finish],
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": reply.usage[0],
            "completion_tokens": reply.usage[1],
            "total_tokens": reply.usage[0] + reply.usage[1],
        },
    }
