"""One picture from a server speaking `POST /v1/images/generations`, through the `openai` SDK.

The answer may carry the picture inline (`b64_json`) or as a `url` to fetch. A bad answer (a 5xx
or 429, a timeout, a dropped connection, bytes that are not an image) is tried again, a bounded
number of times with a growing pause; a refusal (400, 401, 403, 404) is not. Every failure names the
scene and picture. The key is read from the variable the spec names and never written anywhere.

The task's seed goes to the server as the extra field `seed` (self-hosted servers read it), except
to api.openai.com, which refuses fields it does not define."""

from __future__ import annotations

import base64
import io
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from .base import BackendError

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_PAUSE_S = 8.0


class _Retry(Exception):
    """A bad answer worth asking again for."""


def _who(p: Any) -> str:
    return f"scene {p.scene}, picture {p.picture}"


def api_key(p: Any) -> str:
    """The key from the named variable; a server without one gets a placeholder (the SDK needs one)."""
    if not p.api_key_env:
        return "not-needed"
    key = os.environ.get(p.api_key_env, "").strip()
    if not key:
        raise BackendError(
            f"{_who(p)}: {p.api_key_env} is not set; export it with the image server's key before `vidc build`"
        )
    return key


def image_bytes(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """The picture as a PNG and its size; _Retry when the bytes are not a whole image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            rgb = im.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as exc:
        raise _Retry(f"the answer is not an image ({type(exc).__name__}: {str(exc)[:80]})") from exc
    out = io.BytesIO()
    rgb.save(out, format="PNG")
    return out.getvalue(), rgb.size


def _ask(client: Any, p: Any, timeout: float) -> bytes:
    import httpx
    import openai

    extra = {} if urlparse(str(p.base_url)).hostname == "api.openai.com" else {"seed": p.seed}
    try:
        answer = client.images.generate(
            model=p.model, prompt=p.prompt, n=1, size=f"{p.width}x{p.height}", extra_body=extra or None
        )
    except (openai.APITimeoutError, openai.APIConnectionError) as exc:
        raise _Retry(f"no answer ({type(exc).__name__})") from exc
    except openai.APIStatusError as exc:
        if exc.status_code in RETRY_STATUS:
            raise _Retry(f"HTTP {exc.status_code}") from exc
        raise BackendError(
            f"{_who(p)}: the image server at {p.base_url} refused the request: HTTP {exc.status_code} "
            f"{str(exc.message)[:160]}; check video.image.model, size and key"
        ) from exc
    item = (answer.data or [None])[0]
    if item is not None and item.b64_json:
        try:
            return base64.b64decode(item.b64_json, validate=False)
        except ValueError as exc:
            raise _Retry("the answer's b64_json does not decode") from exc
    if item is not None and item.url:
        try:
            got = httpx.get(item.url, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise _Retry(f"the picture's url could not be fetched ({type(exc).__name__})") from exc
        if got.status_code != 200:
            raise _Retry(f"the picture's url answered HTTP {got.status_code}")
        return got.content
    raise _Retry("the answer holds no picture (neither b64_json nor url)")


def generate(
    p: Any,
    log: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
    before: Callable[[int], None] = lambda _attempt: None,
) -> dict[str, Any]:
    """Ask the server for one picture, with bounded retries: {"png": bytes, "size": (w, h), "tries": n}.
    `before(attempt)` runs before each request leaves (the build journals it as a paid request, and
    refuses it past --max-cost)."""
    import openai

    client = openai.OpenAI(base_url=p.base_url, api_key=api_key(p), timeout=p.timeout_s, max_retries=0)
    tries = 1 + p.retries
    last = ""
    for attempt in range(1, tries + 1):
        before(attempt)
        try:
            png, size = image_bytes(_ask(client, p, p.timeout_s))
            return {"png": png, "size": size, "tries": attempt}
        except _Retry as exc:
            last = str(exc)
            if attempt < tries:
                pause = min(MAX_PAUSE_S, 0.5 * 2 ** (attempt - 1))
                log(f"image: {_who(p)}: {last}; try {attempt + 1}/{tries} in {pause:.1f} s")
                sleep(pause)
    raise BackendError(
        f"{_who(p)}: the image server at {p.base_url} gave no usable picture in {tries} tries (last: {last}); "
        f"check the server, or raise video.image.retries / timeout_s"
    )
