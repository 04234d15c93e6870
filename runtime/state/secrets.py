"""Secret values never reach a file vidc writes. The values of the environment variables that hold API
keys and tokens (the vendors' known variables, the ones the backend catalog names, and any variable
named like a key) are replaced by `[redacted]` in the script lock, the plan, the journal, the events,
the manifest, worker logs and results: a server that echoes its key into an answer cannot plant it
in the project (or in the voiceover)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

REDACTED = "[redacted]"
MIN_SECRET = 8  # shorter values ("1", "yes") are no keys, and replacing them would mangle ordinary text

KNOWN_KEY_VARS = (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "ELEVENLABS_API_KEY",
    "PEXELS_API_KEY",
    "PIXABAY_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HUGGINGFACEHUB_API_TOKEN",
    "YOUTUBE_CLIENT_SECRET",
    "YOUTUBE_REFRESH_TOKEN",
    "TIKTOK_ACCESS_TOKEN",
    "TIKTOK_CLIENT_SECRET",
)
_KEY_NAME = re.compile(r"(?:^|_)(?:API_?KEY|TOKEN|SECRET|PASSWORD|ACCESS_KEY)(?:_|$)", re.IGNORECASE)
_extra_vars: set[str] = set()


def register_key_vars(names: Iterable[str | None]) -> None:
    """Variables a backend or spec names as holding a key (the catalog's `needs.api_key_env`)."""
    _extra_vars.update(n for n in names if n)


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values set in env (default: this process's environment), longest first."""
    env = os.environ if env is None else env
    names = set(KNOWN_KEY_VARS) | _extra_vars | {k for k in env if _KEY_NAME.search(k)}
    values = {env[n].strip() for n in names if n in env}
    return sorted((v for v in values if len(v) >= MIN_SECRET), key=lambda v: (-len(v), v))


def scrub(text: str, env: Mapping[str, str] | None = None, extra: Iterable[str] = ()) -> str:
    """text with every secret value (and each of `extra`) replaced by [redacted]."""
    for value in [*secret_values(env), *(e for e in extra if e and len(e) >= MIN_SECRET)]:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def scrub_data(data: Any, env: Mapping[str, str] | None = None, extra: Iterable[str] = ()) -> Any:
    """A JSON-like value with every string in it scrubbed (mapping keys included)."""
    secrets = [*secret_values(env), *(e for e in extra if e and len(e) >= MIN_SECRET)]
    if not secrets:
        return data

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            for s in secrets:
                if s in v:
                    v = v.replace(s, REDACTED)
            return v
        if isinstance(v, dict):
            return {walk(k): walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(walk(x) for x in v)
        return v

    return walk(data)


class ScrubbedStream:
    """A text stream that scrubs what is written to it (a worker's stderr, which becomes its log)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(scrub(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
