"""A fake of the OpenAI Images API (`POST /v1/images/generations`) that draws real PNGs.

A stdlib ThreadingHTTPServer on 127.0.0.1 (an ephemeral port). Each request takes the next canned
behaviour from a queue (`ok` when the queue is empty):

- "ok": 200 with `data[0].b64_json`, a PNG of the requested `size` drawn from the prompt and `seed`
  (coloured bands and discs: visible detail for the motion to move over);
- "url": 200 with `data[0].url` pointing at `GET /files/<n>.png` on the same server;
- "500": an OpenAI-shaped error with that status; "400" likewise (not to be retried);
- "garbage": 200 with b64_json of bytes that are no image;
- "slow": the ok answer after `slow_s` seconds (longer than the client's timeout).

Every request is recorded (path, headers, JSON body), so tests can assert what the SDK sent.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def draw_png(prompt: str, seed: Any, size: tuple[int, int]) -> bytes:
    """A deterministic picture for a prompt and seed: a two-colour gradient, bands and discs."""
    import numpy as np
    from PIL import Image, ImageDraw

    h = hashlib.sha256(f"{prompt}|{seed}".encode()).digest()
    w, ht = size
    c0, c1 = np.array(list(h[0:3]), float), np.array(list(h[3:6]), float)
    ramp = np.linspace(0, 1, w)[None, :, None]
    img = (c0 * (1 - ramp) + c1 * ramp) * np.ones((ht, 1, 1))
    im = Image.fromarray(np.clip(img * 0.6 + 60, 0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for k in range(12):
        b = h[(6 + 2 * k) % 32], h[(7 + 2 * k) % 32]
        x, y, r = b[0] * w // 256, b[1] * ht // 256, max(3, min(w, ht) // (4 + k % 5))
        d.ellipse((x - r, y - r, x + r, y + r), fill=(h[k % 32], h[(k + 9) % 32], h[(k + 17) % 32]), outline=(255,) * 3)
    for k in range(0, w, max(8, w // 16)):
        d.line((k, 0, k + ht // 3, ht), fill=(250, 250, 250), width=max(1, w // 200))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


class FakeImageServer:
    def __init__(self, behaviours: Iterable[str] = (), slow_s: float = 3.0) -> None:
        self.queue: deque[str] = deque(behaviours)
        self.requests: list[Seen] = []
        self.files: dict[str, bytes] = {}
        self.slow_s = slow_s
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def generations(self) -> list[Seen]:
        return [r for r in self.requests if r.path.endswith("/images/generations")]

    def __enter__(self) -> FakeImageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> str:
        with self._lock:
            return self.queue.popleft() if self.queue else "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 10

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1]
                data = fake.files.get(name)
                self._send(200 if data else 404, data or b"{}", "image/png" if data else "application/json")

            def do_POST(self) -> None:
                n = min(int(self.headers.get("content-length") or 0), 1 << 20)
                body = json.loads(self.rfile.read(n) or b"{}")
                fake.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if not self.path.endswith("/images/generations"):
                    return self._send(404, b'{"error": {"message": "not found"}}')
                what = fake._next()
                if what in ("500", "400"):
                    msg = {"error": {"message": f"fake {what}", "type": "server_error", "code": None}}
                    return self._send(int(what), json.dumps(msg).encode())
                w, h = (int(x) for x in str(body.get("size", "256x256")).split("x"))
                png = draw_png(str(body.get("prompt", "")), body.get("seed"), (w, h))
                if what == "slow":
                    time.sleep(fake.slow_s)
                item: dict[str, Any] = {"b64_json": base64.b64encode(png).decode()}
                if what == "garbage":
                    item = {"b64_json": base64.b64encode(b"<html>rate limited</html>").decode()}
                if what == "url":
                    name = f"{len(fake.files) + 1}.png"
                    fake.files[name] = png
                    host, port = fake._server.server_address[:2]
                    item = {"url": f"http://{host}:{port}/files/{name}"}
                self._send(200, json.dumps({"created": 1, "data": [item]}).encode())

        return Handler
