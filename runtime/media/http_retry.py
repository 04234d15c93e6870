"""How long a vendor asks us to wait before retrying: one reading of the Retry-After headers for
every vendor client (the LLM providers, ElevenLabs).

`retry-after-ms` (milliseconds, sent by OpenAI-style servers) wins over `Retry-After`, which is
either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); a date is turned into the seconds left
until it. Anything unreadable is None: the caller falls back to its own backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any


def retry_after_s(headers: Any, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a response's headers (a dict or any mapping with items()), or None."""
    items = getattr(headers, "items", None)
    if items is None:
        return None
    lower = {str(k).lower(): str(v).strip() for k, v in items()}
    ms = _number(lower.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000.0
    value = lower.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": an HTTP-date is GMT all the same
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        n = float(value)
    except ValueError:
        return None
    return max(0.0, n) if n == n and n != float("inf") else None
