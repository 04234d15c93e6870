"""Asking OpenAI or an OpenAI-compatible server (vLLM, Ollama, llama.cpp) for the script:
`client.chat.completions.parse(response_format=GeneratedScript)`, the raw body read for the text and
the token counts."""

from __future__ import annotations

from typing import Any

from vidc.compiler.script_prompt import GeneratedScript

from .answers import Answer, Fatal, cut_off, json_or_fatal, parse_answer, token_count, truncate


def wants_thinking_off(provider: str, model: str) -> bool:
    """Qwen3 thinks by default; its hybrid models take chat_template_kwargs.enable_thinking=False.
    The Instruct-2507 releases do not think and do not know the flag."""
    m = model.lower()
    return provider == "openai-compatible" and "qwen3" in m and "2507" not in m


def ask_openai(client: Any, llm: Any, system: str, messages: list[dict[str, str]]) -> Answer:
    compatible = llm.provider == "openai-compatible"
    kwargs: dict[str, Any] = {
        "model": llm.model,
        "messages": [{"role": "system", "content": system}, *messages],
        "response_format": GeneratedScript,
    }
    # Hosted OpenAI reasoning models reject `max_tokens` and a non-default temperature; local servers
    # (vLLM, Ollama, llama.cpp) all take `max_tokens` and the spec's temperature.
    kwargs["max_tokens" if compatible else "max_completion_tokens"] = llm.max_tokens
    if compatible or "temperature" in llm.model_fields_set:
        kwargs["temperature"] = llm.temperature
    if wants_thinking_off(llm.provider, llm.model):
        kwargs["extra_body"] = {"chat_template_kwargs": {"enable_thinking": False}}

    completions = client.chat.completions
    raw_api = getattr(completions, "with_raw_response", None)
    if raw_api is None:  # an injected client without raw responses: plain parse
        completion = completions.parse(**kwargs)
        data = completion.model_dump() if hasattr(completion, "model_dump") else {}
        parsed_direct = completion.choices[0].message.parsed
    else:
        raw = raw_api.parse(**kwargs)
        data = json_or_fatal(raw.text)
        parsed_direct = None
        try:
            parsed_direct = raw.parse().choices[0].message.parsed
        except Exception:
            parsed_direct = None
    choices = data.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise Fatal("the server's answer has no choices")
    message = choices[0].get("message") or {}
    text = message.get("content") or ""
    if isinstance(text, list):  # some servers send content parts
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if message.get("refusal"):
        raise Fatal(f"the model refused to write the script: {truncate(str(message['refusal']), 500)}")
    if choices[0].get("finish_reason") == "content_filter":
        raise Fatal("the server's content filter stopped the answer")
    parsed, problems = (parsed_direct, []) if parsed_direct is not None else parse_answer(text)
    if choices[0].get("finish_reason") == "length" and parsed is None:
        problems = [cut_off(llm.max_tokens)]
    usage = data.get("usage") or {}
    return Answer(
        text, parsed, problems, token_count(usage.get("prompt_tokens")), token_count(usage.get("completion_tokens"))
    )
