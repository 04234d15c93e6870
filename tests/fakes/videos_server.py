"""A local server speaking the OpenAI Videos API shape (as SGLang's diffusion server, vLLM-Omni and
the gateways serve it), for tests of `video.engine: openai-videos`:

    POST /v1/videos                 JSON or multipart/form-data (`input_reference` image) -> a job
    GET  /v1/videos/{id}            the job: queued -> in_progress -> completed (or failed)
    GET  /v1/videos/{id}/content    a real MP4 made with ffmpeg (testsrc2, hue from the prompt)
    DELETE /v1/videos/{id}          cancels the job

A job is queued for `queued_s`, in progress for `run_s`, then completed. An `Idempotency-Key` header
seen before answers with the job it made (no new job). Scripted faults, each for the next N:

    fake.fail_jobs(1)        the next job created ends `failed`
    fake.hang_jobs(1)        the next job never finishes
    fake.bad_downloads(2)    the next downloads are a truncated MP4, then an HTML page
    fake.create_errors(1)    the next create answers 500 (no job made)

`fake.creates` counts jobs made, `fake.jobs` holds them (with each request's fields), `fake.deletes`
the cancelled ids. Binds 127.0.0.1:0 only.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class FakeVideos:
    def __init__(self, api_key: str | None = None, queued_s: float = 0.2, run_s: float = 0.4, fps: int = 8):
        self.api_key, self.queued_s, self.run_s, self.fps = api_key, queued_s, run_s, fps
        self.jobs: dict[str, dict[str, Any]] = {}
        self.by_key: dict[str, str] = {}
        self.deletes: list[str] = []
        self.create_requests = 0
        self.polls = 0
        self._faults = {"fail": 0, "hang": 0, "bad": 0, "create_error": 0}
        self._lock = threading.Lock()
        self._tmp = Path(tempfile.mkdtemp(prefix="fake-videos-"))
        self._server: ThreadingHTTPServer | None = None

    @property
    def creates(self) -> int:
        return len(self.jobs)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def fail_jobs(self, n: int) -> None:
        self._faults["fail"] += n

    def hang_jobs(self, n: int) -> None:
        self._faults["hang"] += n

    def bad_downloads(self, n: int) -> None:
        self._faults["bad"] += n

    def create_errors(self, n: int) -> None:
        self._faults["create_error"] += n

    def _take(self, fault: str) -> bool:
        with self._lock:
            if self._faults[fault] > 0:
                self._faults[fault] -= 1
                return True
            return False

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> FakeVideos:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- jobs --------------------------------------------------------------------------------------
    def create(self, fields: dict[str, Any], reference: bytes | None, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.create_requests += 1
            if key and key in self.by_key:
                return 200, self.view(self.by_key[key])
        if self._take("create_error"):
            return 500, {"error": {"message": "the scheduler is busy", "type": "server_error"}}
        job_id = "video_" + uuid.uuid4().hex[:16]
        fate = "failed" if self._take("fail") else "hang" if self._take("hang") else "ok"
        with self._lock:
            self.jobs[job_id] = {"fields": fields, "reference": reference, "fate": fate, "t0": time.monotonic(),
                                 "cancelled": False}  # fmt: skip
            if key:
                self.by_key[key] = job_id
        return 200, self.view(job_id)

    def status(self, job_id: str) -> str:
        job = self.jobs[job_id]
        if job["cancelled"]:
            return "cancelled"
        age = time.monotonic() - job["t0"]
        if age < self.queued_s:
            return "queued"
        if job["fate"] == "hang" or age < self.queued_s + self.run_s:
            return "in_progress"
        return "failed" if job["fate"] == "failed" else "completed"

    def view(self, job_id: str) -> dict[str, Any]:
        job, status = self.jobs[job_id], self.status(job_id)
        out = {"id": job_id, "object": "video", "model": job["fields"].get("model"), "status": status,
               "progress": 100 if status == "completed" else 0, "created_at": 1_700_000_000,
               "size": job["fields"].get("size"), "seconds": job["fields"].get("seconds"), "error": None}  # fmt: skip
        if status == "failed":
            out["error"] = {"code": "generation_failed", "message": "CUDA out of memory"}
        return out

    def mp4(self, job_id: str) -> bytes:
        job = self.jobs[job_id]
        with self._lock:
            if "mp4" not in job:
                job["mp4"] = _render(job["fields"], self.fps, self._tmp / f"{job_id}.mp4")
        return job["mp4"]


def _render(fields: dict[str, Any], fps: int, dest: Path) -> bytes:
    w, h = (int(x) for x in str(fields.get("size", "320x180")).split("x"))
    frames = int(fields.get("num_frames") or int(float(fields.get("seconds", 4)) * fps))
    hue = int(hashlib.sha256(str(fields.get("prompt", "")).encode()).hexdigest()[:4], 16) % 360
    argv = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={fps}",
            "-vf", f"hue=h={hue}", "-frames:v", str(frames), "-c:v", "libx264", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(dest)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True)
    return dest.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeVideos
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data).encode())

    def _authorised(self) -> bool:
        key = self.server_fake.api_key
        if key and self.headers.get("Authorization") != f"Bearer {key}":
            self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
            return False
        return True

    def _job(self) -> str | None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) >= 3 and parts[:2] == ["v1", "videos"] and parts[2] in self.server_fake.jobs:
            return parts[2]
        self._json(404, {"error": {"message": "no such video", "type": "invalid_request_error"}})
        return None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._authorised():
            return
        if self.path.split("?")[0].rstrip("/") != "/v1/videos":
            self._json(404, {"error": {"message": "not found"}})
            return
        fields, reference = _fields(self.headers.get("Content-Type", ""), body)
        if not fields.get("prompt") or not fields.get("model"):
            self._json(400, {"error": {"message": "prompt and model are required", "type": "invalid_request_error"}})
            return
        status, data = self.server_fake.create(fields, reference, self.headers.get("Idempotency-Key"))
        self._json(status, data)

    def do_GET(self) -> None:
        if not self._authorised() or (job_id := self._job()) is None:
            return
        fake = self.server_fake
        if not self.path.split("?")[0].rstrip("/").endswith("/content"):
            with fake._lock:
                fake.polls += 1
            self._json(200, fake.view(job_id))
            return
        if fake.status(job_id) != "completed":
            self._json(404, {"error": {"message": "the video is not ready", "type": "invalid_request_error"}})
            return
        data = fake.mp4(job_id)
        if fake._take("bad"):
            bad = fake._faults["bad"] % 2 == 0  # alternate: a truncated MP4, an HTML page
            self._send(200, data[: len(data) // 3] if bad else b"<html>502 Bad Gateway</html>" * 8, "video/mp4")
            return
        self._send(200, data, "video/mp4")

    def do_DELETE(self) -> None:
        if not self._authorised() or (job_id := self._job()) is None:
            return
        fake = self.server_fake
        with fake._lock:
            fake.jobs[job_id]["cancelled"] = True
            fake.deletes.append(job_id)
        self._json(200, {"id": job_id, "object": "video.deleted", "deleted": True})


def _fields(ctype: str, body: bytes) -> tuple[dict[str, Any], bytes | None]:
    if ctype.startswith("application/json"):
        data = json.loads(body or b"{}")
        return (data if isinstance(data, dict) else {}), None
    msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
    fields: dict[str, Any] = {}
    reference = None
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "input_reference":
            reference = payload
        elif name:
            text = payload.decode("utf-8")
            try:
                fields[str(name)] = json.loads(text) if text[:1] in "0123456789-[{tf" else text
            except ValueError:
                fields[str(name)] = text
    return fields, reference
