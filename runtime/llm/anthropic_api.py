"""Asking Anthropic for the script: structured output through `client.messages.parse(output_format=
GeneratedScript)` (sent as `output_config.format`), or the forced tool-use form when the installed
SDK has no `messages.parse`."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from vidc.compiler.script_prompt import SCRIPT_JSON_SCHEMA, GeneratedScript, describe_validation_error

from .answers import Answer, Fatal, cut_off, json_or_fatal, parse_answer, token_count, truncate

TOOL_NAME = "emit_script"


def ask_anthropic(client: Any, llm: Any, system: str, messages: list[dict[str, str]]) -> Answer:
    kwargs: dict[str, Any] = {"model": llm.model, "max_tokens": llm.max_tokens, "system": system, "messages": messages}
    if "temperature" in llm.model_fields_set:  # the 2.x SDK has no parameter; Claude takes it in the body
        kwargs["extra_body"] = {"temperature": llm.temperature}
    if not callable(getattr(client.messages, "parse", None)):
        return _ask_anthropic_tool(client, llm, kwargs)
    bodies: list[str] = []

    def capture(request: Any, call_next: Any) -> Any:
        response = call_next(request)
        try:
            bodies.append(response.text())
        except Exception:
            pass
        return response

    c = client.with_middleware(capture) if callable(getattr(client, "with_middleware", None)) else client
    try:
        msg = c.messages.parse(output_format=GeneratedScript, **kwargs)
    except ValidationError as exc:  # HTTP 200, but the text is not the schema
        data = json_or_fatal(bodies[-1]) if bodies else {}
        text = "".join(
            b.get("text", "") for b in data.get("content", []) if isinstance(b, dict) and b.get("type") == "text"
        )
        if not text and not bodies:
            text = next((str(e.get("input")) for e in exc.errors() if isinstance(e.get("input"), str)), "")
        if data.get("stop_reason") == "refusal":
            raise Fatal(f"the model refused to write the script: {truncate(text, 500)}") from None
        usage = data.get("usage") or {}
        parsed, problems = parse_answer(text)
        if data.get("stop_reason") == "max_tokens" and parsed is None:
            problems = [cut_off(llm.max_tokens)]
        return Answer(
            text, parsed, problems, token_count(usage.get("input_tokens")), token_count(usage.get("output_tokens"))
        )
    text = "".join(getattr(b, "text", "") for b in msg.content if getattr(b, "type", "") == "text")
    if msg.stop_reason == "refusal":
        raise Fatal(f"the model refused to write the script: {truncate(text, 500)}")
    parsed = msg.parsed_output
    problems: list[str] = []
    if parsed is None:
        parsed, problems = parse_answer(text)
    if msg.stop_reason == "max_tokens" and parsed is None:
        problems = [cut_off(llm.max_tokens)]
    usage = msg.usage
    return Answer(
        text,
        parsed,
        problems,
        token_count(getattr(usage, "input_tokens", 0)),
        token_count(getattr(usage, "output_tokens", 0)),
    )


def _ask_anthropic_tool(client: Any, llm: Any, kwargs: dict[str, Any]) -> Answer:
    """Legacy structured output: one forced tool whose input schema is the script schema."""
    msg = client.messages.create(
        tools=[{"name": TOOL_NAME, "description": "Emit the video script.", "input_schema": SCRIPT_JSON_SCHEMA}],
        tool_choice={"type": "tool", "name": TOOL_NAME},
        **kwargs,
    )
    data: Any = None
    text = ""
    for block in msg.content:
        if getattr(block, "type", "") == "tool_use":
            data = block.input
            text = json.dumps(data, ensure_ascii=False)
            break
        if getattr(block, "type", "") == "text":
            text += block.text
    usage = msg.usage
    tokens = (token_count(getattr(usage, "input_tokens", 0)), token_count(getattr(usage, "output_tokens", 0)))
    if data is None:
        parsed, problems = parse_answer(text)
    else:
        try:
            parsed, problems = GeneratedScript.model_validate(data), []
        except ValidationError as exc:
            parsed, problems = (
                None,
                ["the answer does not have the required shape: " + e for e in describe_validation_error(exc)],
            )
    if msg.stop_reason == "max_tokens" and parsed is None:
        problems = [cut_off(llm.max_tokens)]
    return Answer(text, parsed, problems, *tokens)
