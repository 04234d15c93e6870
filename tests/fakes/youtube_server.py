"""A local stand-in for the YouTube Data API v3 and Google's token endpoint, for tests through the
official client (google-api-python-client built from its static discovery document, rootUrl pointed
here, and google-auth refreshing at this server's /token).

It speaks:

- `POST /token` (form: grant_type=refresh_token, refresh_token, client_id, client_secret) -> an access
  token; every API call must carry one it issued (else 401); grant_type=authorization_code (the
  login's code, with a PKCE code_verifier) -> an access token and the refresh token;
- the resumable upload: `POST /upload/youtube/v3/videos?uploadType=resumable&part=...` with the JSON
  resource and `X-Upload-Content-Length` -> 200 + `Location` (the session URI); `PUT` chunks with
  `Content-Range: bytes a-b/N` (every chunk but the last a multiple of 256 KiB, else 400) -> `308` +
  `Range: bytes=0-k` until the last -> 200 with the video resource; `PUT` with an empty body and
  `Content-Range: bytes */N` -> `308` with the confirmed `Range` (none when nothing is confirmed) or
  200 when complete;
- `POST /upload/youtube/v3/thumbnails/set?videoId=`, `POST /upload/youtube/v3/captions` (multipart:
  the caption resource and the file), `POST /youtube/v3/playlistItems`;
- quota: each call costs its units (upload 100, thumbnail 50, playlist 50, captions 400) from
  `quota_left`; when short, 403 with `errors[0].reason == "quotaExceeded"` (domain youtube.quota).

Scripted faults, per kind of request (`upload_start`, `upload_put`, `thumbnail`, `captions`,
`playlist`), in order: `fake.push("captions", {"status": 503})`. `fake.hang_after = K` makes the next
data `PUT` keep only its first K bytes and never answer (the client is killed meanwhile);
`fake.hung` is set when that happens. Binds 127.0.0.1:0 only.
"""

from __future__ import annotations

import email
import hashlib
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

CHUNK_RULE = 256 * 1024
COSTS = {"upload_start": 100, "thumbnail": 50, "playlist": 50, "captions": 400}


class FakeYouTube:
    def __init__(
        self, client_id: str = "cid.apps", client_secret: str = "csecret", refresh_token: str = "1//refresh-XYZ"
    ):
        self.client_id, self.client_secret, self.refresh_token = client_id, client_secret, refresh_token
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.auth_code = "4/0-code"  # what the consent page would hand the login's loopback redirect
        self.redirects: list[str] = []
        self.quota_left = 10_000
        self.sessions: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.thumbnails: dict[str, bytes] = {}
        self.captions: list[dict[str, Any]] = []
        self.playlist_items: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.script: dict[str, list[dict[str, Any]]] = {}
        self.hang_after: int | None = None
        self.hung = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeYouTube:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeYouTube:
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
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": self.url + "token",
        }

    def push(self, kind: str, *answers: dict[str, Any]) -> None:
        with self._lock:
            self.script.setdefault(kind, []).extend(answers)

    def scripted(self, kind: str) -> dict[str, Any] | None:
        with self._lock:
            queue = self.script.get(kind) or []
            return queue.pop(0) if queue else None

    def spend(self, kind: str) -> bool:
        with self._lock:
            if self.quota_left < COSTS[kind]:
                return False
            self.quota_left -= COSTS[kind]
            return True


def _error(code: int, reason: str, message: str, domain: str = "youtube.api") -> bytes:
    return json.dumps(
        {
            "error": {
                "code": code,
                "message": message,
                "errors": [{"reason": reason, "domain": domain, "message": message}],
            }
        }
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeYouTube
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body and "Content-Type" not in (headers or {}):
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _authorised(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.server_fake.tokens:
            return True
        self._send(401, _error(401, "authError", "Invalid Credentials", "global"))
        return False

    def _record(self, kind: str, **extra: Any) -> None:
        with self.server_fake._lock:
            self.server_fake.requests.append(
                {"kind": kind, "method": self.command, "path": self.path, "headers": dict(self.headers), **extra}
            )

    def _fault(self, kind: str) -> bool:
        answer = self.server_fake.scripted(kind)
        if answer is None:
            return False
        status = answer.get("status", 500)
        self._send(
            status,
            _error(status, answer.get("reason", "backendError"), "scripted failure", answer.get("domain", "global")),
        )
        return True

    def do_POST(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self._body()
        if url.path == "/token":
            return self._token(body)
        if not self._authorised():
            return
        if re.fullmatch(r"/(resumable/)?upload/youtube/v3/videos", url.path) and query.get("uploadType") == "resumable":
            return self._start(query, body)
        if re.fullmatch(r"/(resumable/)?upload/youtube/v3/thumbnails/set", url.path):
            return self._thumbnail(query, body)
        if re.fullmatch(r"/(resumable/)?upload/youtube/v3/captions", url.path):
            return self._caption(body)
        if url.path == "/youtube/v3/playlistItems":
            return self._playlist(body)
        self._send(404, _error(404, "notFound", f"no such endpoint {url.path}"))

    def do_PUT(self) -> None:
        url = urlparse(self.path)
        upload_id = parse_qs(url.query).get("upload_id", [""])[0]
        if not self._authorised():
            return
        session = self.server_fake.sessions.get(upload_id)
        if session is None:
            self._body()
            self._record("upload_gone", range=self.headers.get("Content-Range", ""))
            return self._send(404, _error(404, "notFound", "no such upload session"))
        self._put(session)

    # -- endpoints ---------------------------------------------------------------------------------
    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        fake = self.server_fake
        fake.token_requests += 1
        if form.get("grant_type") == "authorization_code":  # the login's code exchange (PKCE)
            if (
                form.get("code") != fake.auth_code
                or not form.get("code_verifier")
                or form.get("client_id") != fake.client_id
            ):
                return self._send(400, json.dumps({"error": "invalid_grant"}).encode())
            fake.redirects.append(form.get("redirect_uri", ""))
            token = "ya29." + secrets.token_urlsafe(24)
            fake.tokens.add(token)
            answer = {
                "access_token": token,
                "refresh_token": fake.refresh_token,
                "expires_in": 3599,
                "token_type": "Bearer",
            }
            return self._send(200, json.dumps(answer).encode())
        if (form.get("grant_type"), form.get("refresh_token"), form.get("client_id")) != (
            "refresh_token",
            fake.refresh_token,
            fake.client_id,
        ) or form.get("client_secret") != fake.client_secret:
            return self._send(400, json.dumps({"error": "invalid_grant", "error_description": "Bad Request"}).encode())
        token = "ya29." + secrets.token_urlsafe(24)
        fake.tokens.add(token)
        self._send(
            200,
            json.dumps(
                {"access_token": token, "expires_in": 3599, "token_type": "Bearer", "scope": form.get("scope", "")}
            ).encode(),
        )

    def _start(self, query: dict[str, str], body: bytes) -> None:
        self._record("upload_start", query=query, resource=json.loads(body or b"{}"))
        if self._fault("upload_start"):
            return
        if not self.server_fake.spend("upload_start"):
            return self._send(
                403,
                _error(
                    403,
                    "quotaExceeded",
                    "The request cannot be completed because you have exceeded your quota.",
                    "youtube.quota",
                ),
            )
        size = self.headers.get("X-Upload-Content-Length")
        if size is None or not size.isdigit():
            return self._send(400, _error(400, "invalidArgument", "X-Upload-Content-Length is required"))
        upload_id = secrets.token_urlsafe(12)
        self.server_fake.sessions[upload_id] = {
            "id": upload_id,
            "size": int(size),
            "data": bytearray(),
            "resource": json.loads(body or b"{}"),
            "part": query.get("part", ""),
            "video": None,
        }
        location = f"{self.server_fake.url}upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        self._send(200, b"", {"Location": location})

    def _put(self, session: dict[str, Any]) -> None:
        fake = self.server_fake
        content_range = self.headers.get("Content-Range", "")
        n = int(self.headers.get("Content-Length") or 0)
        status_query = re.fullmatch(r"bytes \*/(\d+|\*)", content_range)
        if status_query:
            self.rfile.read(n)
            self._record("upload_status", range=content_range)
            return self._progress(session)
        m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if not m:
            self.rfile.read(n)
            return self._send(400, _error(400, "badContentRange", f"bad Content-Range {content_range!r}"))
        first, last, total = (int(g) for g in m.groups())
        self._record("upload_put", range=content_range)
        if fake.hang_after is not None:
            keep, fake.hang_after = fake.hang_after, None
            data = self.rfile.read(n)
            session["data"] += data[: max(0, keep - first)]
            fake.hung.set()
            fake._stop.wait(30)  # never answers: the client is killed meanwhile
            self.close_connection = True
            return
        data = self.rfile.read(n)
        if self._fault("upload_put"):
            return
        if total != session["size"] or first > len(session["data"]) or last - first + 1 != len(data):
            return self._send(
                400,
                _error(
                    400, "badContentRange", f"{content_range} does not follow the {len(session['data'])} bytes received"
                ),
            )
        if last + 1 < total and (last - first + 1) % CHUNK_RULE:
            return self._send(400, _error(400, "badChunk", "every chunk but the last must be a multiple of 256 KiB"))
        session["data"] = session["data"][:first] + bytearray(data)
        self._progress(session)

    def _progress(self, session: dict[str, Any]) -> None:
        got = len(session["data"])
        if got < session["size"]:
            headers = {"Range": f"bytes=0-{got - 1}"} if got else {}
            return self._send(308, b"", headers)
        if session["video"] is None:
            session["video"] = self._create_video(session)
        self._send(200, json.dumps(session["video"]).encode())

    def _create_video(self, session: dict[str, Any]) -> dict[str, Any]:
        video_id = secrets.token_urlsafe(8)[:11]
        resource = session["resource"]
        video = {
            "kind": "youtube#video",
            "id": video_id,
            "snippet": {**resource.get("snippet", {}), "publishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ")},
            "status": {"uploadStatus": "uploaded", **resource.get("status", {})},
        }
        with self.server_fake._lock:
            self.server_fake.videos[video_id] = {
                **video,
                "sha256": hashlib.sha256(bytes(session["data"])).hexdigest(),
                "bytes": len(session["data"]),
            }
        return video

    def _thumbnail(self, query: dict[str, str], body: bytes) -> None:
        self._record("thumbnail", query=query)
        if self._fault("thumbnail"):
            return
        if query.get("videoId") not in self.server_fake.videos:
            return self._send(404, _error(404, "videoNotFound", "no such video"))
        if not self.server_fake.spend("thumbnail"):
            return self._send(403, _error(403, "quotaExceeded", "quota", "youtube.quota"))
        self.server_fake.thumbnails[query["videoId"]] = body
        self._send(
            200, json.dumps({"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "x"}}]}).encode()
        )

    def _caption(self, body: bytes) -> None:
        msg = email.message_from_bytes(
            b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + body
        )
        parts = [p.get_payload(decode=True) for p in msg.walk() if not p.is_multipart()]
        resource = json.loads(parts[0]) if parts else {}
        self._record("captions", resource=resource)
        if self._fault("captions"):
            return
        if resource.get("snippet", {}).get("videoId") not in self.server_fake.videos:
            return self._send(404, _error(404, "videoNotFound", "no such video"))
        if not self.server_fake.spend("captions"):
            return self._send(403, _error(403, "quotaExceeded", "quota", "youtube.quota"))
        entry = {
            "id": secrets.token_urlsafe(6),
            "snippet": resource["snippet"],
            "file": parts[1] if len(parts) > 1 else b"",
        }
        self.server_fake.captions.append(entry)
        self._send(
            200, json.dumps({"kind": "youtube#caption", "id": entry["id"], "snippet": resource["snippet"]}).encode()
        )

    def _playlist(self, body: bytes) -> None:
        resource = json.loads(body or b"{}")
        self._record("playlist", resource=resource)
        if self._fault("playlist"):
            return
        if not self.server_fake.spend("playlist"):
            return self._send(403, _error(403, "quotaExceeded", "quota", "youtube.quota"))
        self.server_fake.playlist_items.append(resource)
        self._send(
            200, json.dumps({"kind": "youtube#playlistItem", "id": secrets.token_urlsafe(6), **resource}).encode()
        )
