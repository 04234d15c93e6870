"""What a model answered: the lenient parse of its text (fences, <think> blocks, a bare list), the
answer with its token counts, and the failures no retry or repair can fix."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from vidc.compiler.script_prompt import GeneratedScript, describe_validation_error

SHOW_CHARS = 2000  # how much of a bad answer an error message shows


def truncate(text: str, limit: int = SHOW_CHARS) -> str:
    text = text if text is not None else ""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


_FENCE = re.compile(r"```[a-zA-Z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)


def parse_answer(text: str) -> tuple[GeneratedScript | None, list[str]]:
    """Lenient parse of a model's text: drops <think> blocks and ``` fences, takes the outermost
    {...}, accepts a bare list of scenes. Returns the script, or None and the problems."""
    body = _THINK.sub("", text or "").strip()
    if body.lower().startswith("<think>"):  # an unterminated thinking block: nothing usable after it
        body = body[len("<think>") :]
    fenced = _FENCE.search(body)
    if fenced:
        body = fenced.group(1).strip()
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    if starts:
        start = min(starts)
        end = body.rfind("}" if body[start] == "{" else "]")
        if end > start:
            body = body[start : end + 1]
    if not body.strip():
        return None, ["the answer is empty: answer with the JSON object"]
    try:
        data = json.loads(body)
    except ValueError as exc:
        return None, [f"the answer is not valid JSON ({exc}): answer with one JSON object and nothing else"]
    if isinstance(data, list):
        data = {"scenes": data}
    try:
        return GeneratedScript.model_validate(data), []
    except ValidationError as exc:
        return None, ["the answer does not have the required shape: " + e for e in describe_validation_error(exc)]


@dataclass
class Answer:
    text: str
    parsed: GeneratedScript | None
    problems: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0


class Fatal(Exception):
    """A failure that no retry or repair can fix; message already scrubbed."""


def token_count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def cut_off(max_tokens: int) -> str:
    return f"the answer was cut off at the token limit (max_tokens={max_tokens}) before the JSON was complete: keep the narration short"


def json_or_fatal(body: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise Fatal(f"the server answered HTTP 200 with a body that is not JSON: {truncate(body, 300)!r}") from None
    if not isinstance(data, dict):
        raise Fatal(f"the server answered HTTP 200 with unexpected JSON: {truncate(body, 300)!r}")
    return data
