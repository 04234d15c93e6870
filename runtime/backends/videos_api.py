"""A plain HTTP client for the OpenAI Videos API shape, as SGLang's diffusion server, vLLM-Omni and
the LiteLLM / OpenRouter gateways serve it:

    POST   {base}/videos               JSON, or multipart/form-data with an `input_reference` image
    GET    {base}/videos/{id}          the job: {id, status: queued|in_progress|completed|failed, error, ...}
    GET    {base}/videos/{id}/content  the MP4 bytes
    DELETE {base}/videos/{id}          cancel (and delete) the job

Standard library only (urllib), so the engine needs no extra package. Every request carries
`Authorization: Bearer <key>` when there is a key; an error message never contains it. A create
carries an `Idempotency-Key` header: a server that honours it answers a repeated create (a build
killed before it could journal the job's id) with the job it already made.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from ..media.http_retry import retry_after_s


class ApiError(Exception):
    """A request that failed: `transient` (a network fault, 408, 409, 429, 5xx) may be asked again."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False, retry_after=None):
        super().__init__(message)
        self.status, self.transient, self.retry_after = status, transient, retry_after


def _transient(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


@dataclass
class VideosClient:
    base_url: str
    key: str | None = None
    timeout_s: float = 60.0

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> bytes:
        hdrs = {"Accept": "application/json", **(headers or {})}
        if self.key:
            hdrs["Authorization"] = f"Bearer {self.key}"
        req = urllib.request.Request(self._url(path), data=body, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            detail = _error_text(exc.read())
            raise ApiError(
                f"{method} {path}: HTTP {exc.code}{': ' + detail if detail else ''}",
                status=exc.code,
                transient=_transient(exc.code),
                retry_after=retry_after_s(exc.headers) if exc.headers is not None else None,
            ) from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError(f"{method} {path}: {reason}", transient=True) from None

    def _json(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        raw = self._request(method, path, **kw)
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(f"{method} {path}: the answer is not JSON ({raw[:80]!r})", transient=True) from None
        if not isinstance(data, dict):
            raise ApiError(f"{method} {path}: the answer is not a JSON object", transient=True)
        return data

    def create(self, fields: dict[str, Any], image_png: bytes | None, idempotency_key: str) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key}
        if image_png is None:
            body = json.dumps(fields, sort_keys=True).encode("utf-8")
            headers["Content-Type"] = "application/json"
        else:
            boundary = "vidc" + uuid.uuid4().hex
            body = _multipart(fields, image_png, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        job = self._json("POST", "/videos", body=body, headers=headers)
        if not isinstance(job.get("id"), str) or not job["id"]:
            raise ApiError("POST /videos: the answer has no job id", transient=True)
        return job

    def retrieve(self, job_id: str) -> dict[str, Any]:
        return self._json("GET", f"/videos/{job_id}")

    def content(self, job_id: str) -> bytes:
        return self._request("GET", f"/videos/{job_id}/content", headers={"Accept": "application/binary"})

    def delete(self, job_id: str) -> None:
        self._request("DELETE", f"/videos/{job_id}")


def _error_text(raw: bytes) -> str:
    try:
        data = json.loads(raw)
        err = data.get("error") if isinstance(data, dict) else None
        msg = err.get("message") if isinstance(err, dict) else err
        return str(msg or "")[:200]
    except ValueError:
        return raw[:200].decode("utf-8", "replace").strip()


def _multipart(fields: dict[str, Any], image_png: bytes, boundary: str) -> bytes:
    """multipart/form-data: each field as text (JSON for a non-string), the image as `input_reference`."""
    parts: list[bytes] = []
    for name, value in sorted(fields.items()):
        text = value if isinstance(value, str) else json.dumps(value)
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{text}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="input_reference"; filename="reference.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + image_png
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
