"""Which failures of a request are worth retrying (timeouts, connection errors, 408/409/429/5xx),
which fail at once (401/403 name the variable to set), and the backoff between attempts:
exponential with deterministic jitter, or the server's `retry-after-ms` / `Retry-After`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from vidc.runtime.media.http_retry import retry_after_s
from vidc.runtime.media.tools import BackendError

from .answers import Fatal, truncate

MAX_ATTEMPTS = 4


BACKOFF_BASE_S = 1.0


BACKOFF_MAX_S = 30.0


RETRY_AFTER_MAX_S = 120.0


TRANSIENT_STATUS = frozenset({408, 409, 429})


@dataclass
class Failure:
    kind: str  # "transient" | "auth" | "fatal"
    message: str
    status: int | None = None
    retry_after: float | None = None


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return str(getattr(exc, "message", "") or exc.__class__.__name__)


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, Fatal):
        return Failure("fatal", str(exc))
    if isinstance(exc, BackendError):
        raise exc
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if isinstance(status, int) and response is not None:  # an SDK APIStatusError
        msg = f"HTTP {status}: {truncate(_server_message(exc), 500)}"
        if status in (401, 403):
            return Failure("auth", msg, status)
        if status in TRANSIENT_STATUS or status >= 500:
            return Failure("transient", msg, status, retry_after_s(getattr(response, "headers", None)))
        return Failure("fatal", msg, status)
    name = type(exc).__name__
    if name in ("APITimeoutError", "APIConnectionError", "TimeoutException", "ConnectError") or isinstance(
        exc, (TimeoutError, ConnectionError)
    ):
        return Failure("transient", "request timed out" if "Timeout" in name else "could not connect")
    if name == "APIResponseValidationError" or isinstance(exc, ValueError):
        return Failure("fatal", f"the server's answer could not be read: {truncate(str(exc), 300)}")
    return Failure("fatal", f"{name}: {truncate(str(exc), 300)}")


def backoff(attempt: int, rng: random.Random) -> float:
    base = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    return round(base * (0.5 + rng.random() / 2), 3)
