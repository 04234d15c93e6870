"""A local stand-in for TikTok's Content Posting API and its token endpoint.

It speaks `POST /v2/oauth/token/` (grant_type=refresh_token with client_key, client_secret),
`POST /v2/post/publish/creator_info/query/`, `POST /v2/post/publish/video/init/` (direct post:
`post_info` + `source_info`) and `POST /v2/post/publish/inbox/video/init/` (draft: `source_info`),
the upload `PUT`s to the `upload_url` it hands out (in order, `Content-Range`, 206 until the last,
then 201), and `POST /v2/post/publish/status/fetch/`. Every answer carries `error: {code, message,
log_id}` with `ok` on success. The chunk rule: a file of at most 5 MB is one chunk; otherwise chunks
of 5-64 MB, `total_chunk_count == video_size // chunk_size`, the last taking the remainder.

Limits: `per_minute` API requests per token per minute (default 6), else 429 rate_limit_exceeded.
Only `privacy_options` are offered (default SELF_ONLY, an unaudited client). Binds 127.0.0.1:0.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

MB = 1024 * 1024


class FakeTikTok:
    def __init__(self, client_key: str = "tt-key", client_secret: str = "tt-secret", refresh_token: str = "rft.XYZ"):
        self.client_key, self.client_secret, self.refresh_token = client_key, client_secret, refresh_token
        self.tokens: set[str] = set()
        self.per_minute = 6
        self.privacy_options = ["SELF_ONLY"]
        self.posts: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.calls: list[float] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeTikTok:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeTikTok:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def credentials(self) -> dict[str, str]:
        return {
            "type": "authorized_user",
            "client_id": self.client_key,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": self.url + "v2/oauth/token/",
        }


def _answer(data: dict[str, Any] | None = None, code: str = "ok", message: str = "") -> bytes:
    return json.dumps(
        {"data": data or {}, "error": {"code": code, "message": message, "log_id": secrets.token_hex(8)}}
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeTikTok
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self) -> None:
        fake, path, body = self.server_fake, urlparse(self.path).path, self._body()
        if path == "/v2/oauth/token/":
            return self._token(body)
        if self.headers.get("Authorization", "")[7:] not in fake.tokens:
            return self._send(401, _answer(code="access_token_invalid", message="The access token is invalid"))
        with fake._lock:
            now = time.monotonic()
            fake.calls = [t for t in fake.calls if now - t < 60] + [now]
            limited = len(fake.calls) > fake.per_minute
            fake.requests.append({"path": path, "body": json.loads(body or b"{}")})
        if limited:
            return self._send(429, _answer(code="rate_limit_exceeded", message="too many requests"))
        request = json.loads(body or b"{}")
        if path == "/v2/post/publish/creator_info/query/":
            data = {
                "creator_username": "vidc_test",
                "privacy_level_options": fake.privacy_options,
                "max_video_post_duration_sec": 600,
            }
            return self._send(200, _answer(data))
        if path in ("/v2/post/publish/video/init/", "/v2/post/publish/inbox/video/init/"):
            return self._init(request, inbox="inbox" in path)
        if path == "/v2/post/publish/status/fetch/":
            post = fake.posts.get(request.get("publish_id", ""))
            if post is None:
                return self._send(400, _answer(code="invalid_params", message="no such publish_id"))
            return self._send(
                200, _answer({k: post[k] for k in ("status", "uploaded_bytes", "publicaly_available_post_id")})
            )
        self._send(404, _answer(code="not_found", message=path))

    def _token(self, body: bytes) -> None:
        fake = self.server_fake
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if (form.get("client_key"), form.get("client_secret"), form.get("refresh_token"), form.get("grant_type")) != (
            fake.client_key,
            fake.client_secret,
            fake.refresh_token,
            "refresh_token",
        ):
            return self._send(
                400, json.dumps({"error": "invalid_grant", "error_description": "refresh token invalid"}).encode()
            )
        token = "act." + secrets.token_urlsafe(24)
        fake.tokens.add(token)
        self._send(
            200,
            json.dumps(
                {
                    "access_token": token,
                    "expires_in": 86400,
                    "open_id": "o1",
                    "refresh_token": fake.refresh_token,
                    "token_type": "Bearer",
                    "scope": "video.publish,video.upload",
                }
            ).encode(),
        )

    def _init(self, request: dict[str, Any], inbox: bool) -> None:
        fake, source = self.server_fake, request.get("source_info", {})
        size, chunk, count = (
            source.get("video_size", 0),
            source.get("chunk_size", 0),
            source.get("total_chunk_count", 0),
        )
        small = size <= 5 * MB and chunk == size and count == 1
        big = size > 5 * MB and 5 * MB <= chunk <= 64 * MB and count == size // chunk
        if source.get("source") != "FILE_UPLOAD" or not (small or big):
            return self._send(400, _answer(code="invalid_params", message="bad source_info chunking"))
        info = request.get("post_info")
        if not inbox and (info is None or info.get("privacy_level") not in fake.privacy_options):
            return self._send(400, _answer(code="privacy_level_option_mismatch", message="privacy level not offered"))
        publish_id = "v_pub_file~v2-1." + secrets.token_hex(6)
        fake.posts[publish_id] = {
            "inbox": inbox,
            "post_info": info,
            "size": size,
            "data": bytearray(),
            "status": "PROCESSING_UPLOAD",
            "uploaded_bytes": 0,
            "publicaly_available_post_id": [],
        }
        upload_url = f"{fake.url}upload/?upload_id={publish_id}&upload_token={secrets.token_urlsafe(12)}"
        self._send(200, _answer({"publish_id": publish_id, "upload_url": upload_url}))

    def do_PUT(self) -> None:
        fake = self.server_fake
        query = parse_qs(urlparse(self.path).query)
        post = fake.posts.get(query.get("upload_id", [""])[0])
        data = self._body()
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", self.headers.get("Content-Range", ""))
        if post is None or m is None:
            return self._send(400, _answer(code="invalid_params", message="bad upload"))
        first, last, total = (int(g) for g in m.groups())
        if first != len(post["data"]) or last - first + 1 != len(data) or total != post["size"]:
            return self._send(416, _answer(code="invalid_params", message="chunks must come in order"))
        post["data"] += data
        post["uploaded_bytes"] = len(post["data"])
        if len(post["data"]) < post["size"]:
            return self._send(206, b"")
        post["status"] = "SEND_TO_USER_INBOX" if post["inbox"] else "PUBLISH_COMPLETE"
        if not post["inbox"]:
            post["publicaly_available_post_id"] = [str(7_000_000_000_000_000_000 + len(fake.posts))]
        self._send(201, b"")
