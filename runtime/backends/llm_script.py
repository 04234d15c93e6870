"""The LLM script stage, side-effect half: ask Anthropic, OpenAI or an OpenAI-compatible server
(vLLM, Ollama, llama.cpp) for the scenes, validate them, repair them, and lock the result.

    locked = generate_script(brief, vars, 6, (8, 12), 150, 1.0, spec.script.llm, env=os.environ)
    write_lock(spec_dir / f"{name}.script.json", locked)

- Structured output through the vendor SDK: `anthropic` via `client.messages.parse(output_format=
  GeneratedScript)` (sent as `output_config.format`; the forced tool-use form only when the
  installed SDK has no `messages.parse`); `openai` and `openai-compatible` via
  `client.chat.completions.parse(response_format=GeneratedScript)`. An answer that is not the
  schema (plain JSON in the text, ```json fences, <think> blocks) is parsed leniently.
- Every answer goes through `validate_script`; on violations up to two repair rounds send the model
  its previous answer and the exact errors. Still wrong -> BackendError with the errors and the answer.
- Our own retry loop (the SDKs' is switched off with max_retries=0): timeouts, connection errors,
  408/409/429/5xx up to 4 attempts, exponential backoff with deterministic jitter, honouring
  `retry-after-ms` / `Retry-After` (seconds or an HTTP-date). 401/403 fail at once naming the variable to set.
- Keys come from the `env` mapping only and never appear in a message, an exception (SDK exceptions
  are not chained: they hold the request and its headers), a log line or the lock file.
"""
from __future__ import annotations

import json
import os
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from pydantic import ValidationError

from vidc.compiler.script_prompt import (
    SCRIPT_JSON_SCHEMA,
    GeneratedScript,
    LockedScript,
    Usage,
    describe_validation_error,
    lock_text,
    render_prompt,
    render_repair,
    validate_script,
)
from vidc.runtime.backends.base import BackendError
from vidc.runtime.media.http_retry import retry_after_s

KEY_VARS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY"}
DEFAULT_BASE_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
NO_KEY = "not-needed"  # what OpenAI-compatible servers without auth get

MAX_ATTEMPTS = 4
REPAIR_ROUNDS = 2
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0
TRANSIENT_STATUS = frozenset({408, 409, 429})
SHOW_CHARS = 2000  # how much of a bad answer an error message shows
TOOL_NAME = "emit_script"

ClientFactory = Callable[[str, str, str, float], Any]  # (provider, api_key, base_url, timeout) -> SDK client


# --------------------------------------------------------------------------- small helpers


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "[redacted]")
    return text


def _truncate(text: str, limit: int = SHOW_CHARS) -> str:
    text = text if text is not None else ""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


def wants_thinking_off(provider: str, model: str) -> bool:
    """Qwen3 thinks by default; its hybrid models take chat_template_kwargs.enable_thinking=False.
    The Instruct-2507 releases do not think and do not know the flag."""
    m = model.lower()
    return provider == "openai-compatible" and "qwen3" in m and "2507" not in m


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*[ \t]*\n?(.*?)```", re.DOTALL)


def parse_answer(text: str) -> tuple[GeneratedScript | None, list[str]]:
    """Lenient parse of a model's text: drops <think> blocks and ``` fences, takes the outermost
    {...}, accepts a bare list of scenes. Returns the script, or None and the problems."""
    body = _THINK.sub("", text or "").strip()
    if body.lower().startswith("<think>"):  # an unterminated thinking block: nothing usable after it
        body = body[len("<think>"):]
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


# --------------------------------------------------------------------------- clients


def _default_client(provider: str, api_key: str, base_url: str, timeout: float) -> Any:
    try:
        if provider == "anthropic":
            import anthropic

            return anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
        import openai

        return openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
    except ImportError:
        sdk = "anthropic" if provider == "anthropic" else "openai"
        raise BackendError(f"the `{sdk}` SDK is not installed: pip install 'vidc[llm]'") from None


@dataclass
class _Answer:
    text: str
    parsed: GeneratedScript | None
    problems: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0


class _Fatal(Exception):
    """A failure that no retry or repair can fix; message already scrubbed."""


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _cut_off(max_tokens: int) -> str:
    return f"the answer was cut off at the token limit (max_tokens={max_tokens}) before the JSON was complete: keep the narration short"


def _ask_anthropic(client: Any, llm: Any, system: str, messages: list[dict[str, str]]) -> _Answer:
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
        except Exception:  # noqa: BLE001 - capture is best effort
            pass
        return response

    c = client.with_middleware(capture) if callable(getattr(client, "with_middleware", None)) else client
    try:
        msg = c.messages.parse(output_format=GeneratedScript, **kwargs)
    except ValidationError as exc:  # HTTP 200, but the text is not the schema
        data = _json_or_fatal(bodies[-1]) if bodies else {}
        text = "".join(b.get("text", "") for b in data.get("content", []) if isinstance(b, dict) and b.get("type") == "text")
        if not text and not bodies:
            text = next((str(e.get("input")) for e in exc.errors() if isinstance(e.get("input"), str)), "")
        if data.get("stop_reason") == "refusal":
            raise _Fatal(f"the model refused to write the script: {_truncate(text, 500)}") from None
        usage = data.get("usage") or {}
        parsed, problems = parse_answer(text)
        if data.get("stop_reason") == "max_tokens" and parsed is None:
            problems = [_cut_off(llm.max_tokens)]
        return _Answer(text, parsed, problems, _int(usage.get("input_tokens")), _int(usage.get("output_tokens")))
    text = "".join(getattr(b, "text", "") for b in msg.content if getattr(b, "type", "") == "text")
    if msg.stop_reason == "refusal":
        raise _Fatal(f"the model refused to write the script: {_truncate(text, 500)}")
    parsed = msg.parsed_output
    problems: list[str] = []
    if parsed is None:
        parsed, problems = parse_answer(text)
    if msg.stop_reason == "max_tokens" and parsed is None:
        problems = [_cut_off(llm.max_tokens)]
    usage = msg.usage
    return _Answer(text, parsed, problems, _int(getattr(usage, "input_tokens", 0)), _int(getattr(usage, "output_tokens", 0)))


def _ask_anthropic_tool(client: Any, llm: Any, kwargs: dict[str, Any]) -> _Answer:
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
    tokens = (_int(getattr(usage, "input_tokens", 0)), _int(getattr(usage, "output_tokens", 0)))
    if data is None:
        parsed, problems = parse_answer(text)
    else:
        try:
            parsed, problems = GeneratedScript.model_validate(data), []
        except ValidationError as exc:
            parsed, problems = None, ["the answer does not have the required shape: " + e for e in describe_validation_error(exc)]
    if msg.stop_reason == "max_tokens" and parsed is None:
        problems = [_cut_off(llm.max_tokens)]
    return _Answer(text, parsed, problems, *tokens)


def _ask_openai(client: Any, llm: Any, system: str, messages: list[dict[str, str]]) -> _Answer:
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
        data = _json_or_fatal(raw.text)
        parsed_direct = None
        try:
            parsed_direct = raw.parse().choices[0].message.parsed
        except Exception:  # noqa: BLE001 - schema errors, length/content-filter finish: handled below
            parsed_direct = None
    choices = data.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise _Fatal("the server's answer has no choices")
    message = choices[0].get("message") or {}
    text = message.get("content") or ""
    if isinstance(text, list):  # some servers send content parts
        text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
    if message.get("refusal"):
        raise _Fatal(f"the model refused to write the script: {_truncate(str(message['refusal']), 500)}")
    if choices[0].get("finish_reason") == "content_filter":
        raise _Fatal("the server's content filter stopped the answer")
    parsed, problems = (parsed_direct, []) if parsed_direct is not None else parse_answer(text)
    if choices[0].get("finish_reason") == "length" and parsed is None:
        problems = [_cut_off(llm.max_tokens)]
    usage = data.get("usage") or {}
    return _Answer(text, parsed, problems, _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")))


def _json_or_fatal(body: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise _Fatal(f"the server answered HTTP 200 with a body that is not JSON: {_truncate(body, 300)!r}") from None
    if not isinstance(data, dict):
        raise _Fatal(f"the server answered HTTP 200 with unexpected JSON: {_truncate(body, 300)!r}")
    return data


# --------------------------------------------------------------------------- retries


@dataclass
class _Failure:
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


def _classify(exc: BaseException) -> _Failure:
    if isinstance(exc, _Fatal):
        return _Failure("fatal", str(exc))
    if isinstance(exc, BackendError):
        raise exc
    status = getattr(exc, "status_code", None)
    response = getattr(exc, "response", None)
    if isinstance(status, int) and response is not None:  # an SDK APIStatusError
        msg = f"HTTP {status}: {_truncate(_server_message(exc), 500)}"
        if status in (401, 403):
            return _Failure("auth", msg, status)
        if status in TRANSIENT_STATUS or status >= 500:
            return _Failure("transient", msg, status, retry_after_s(getattr(response, "headers", None)))
        return _Failure("fatal", msg, status)
    name = type(exc).__name__
    if name in ("APITimeoutError", "APIConnectionError", "TimeoutException", "ConnectError") or isinstance(
        exc, (TimeoutError, ConnectionError)
    ):
        return _Failure("transient", "request timed out" if "Timeout" in name else "could not connect")
    if name == "APIResponseValidationError" or isinstance(exc, ValueError):
        return _Failure("fatal", f"the server's answer could not be read: {_truncate(str(exc), 300)}")
    return _Failure("fatal", f"{name}: {_truncate(str(exc), 300)}")


def _backoff(attempt: int, rng: random.Random) -> float:
    base = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    return round(base * (0.5 + rng.random() / 2), 3)


# --------------------------------------------------------------------------- the stage


def _api_key(provider: str, env: Mapping[str, str]) -> str:
    var = KEY_VARS[provider]
    key = (env.get(var) or "").strip()
    if key:
        return key
    if provider == "openai-compatible":
        return NO_KEY
    raise BackendError(
        f"script.llm.provider is `{provider}`, but {var} is not set: export {var}=<your key> "
        "(vidc reads API keys from the environment only, never from the spec)"
    )


def generate_script(
    brief: str,
    vars: Mapping[str, Any],
    scene_count: int,
    scene_seconds: Sequence[float],
    wpm: float,
    speed: float,
    llm: Any,
    *,
    env: Mapping[str, str],
    client_factory: ClientFactory | None = None,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
    timeout: float = 600.0,
    max_attempts: int = MAX_ATTEMPTS,
    repair_rounds: int = REPAIR_ROUNDS,
    meter: Any = None,
) -> LockedScript:
    """Ask `llm` (a schemas.spec.LLM) for `scene_count` scenes and return the validated, lockable
    script. Raises BackendError (never an SDK exception) with a message fit for a person.

    `meter` (money): `meter.sending(chars, label) -> id` is called before every request leaves (each
    retry and repair round) and may raise BackendError to stop before it is sent; `meter.answered(id,
    input_tokens, output_tokens)` after an answer that reports its usage."""
    provider: str = llm.provider
    say = log or (lambda _m: None)
    if provider not in KEY_VARS:
        raise BackendError(f"unknown LLM provider `{provider}` (known: {', '.join(KEY_VARS)})")
    if provider == "openai-compatible" and not llm.base_url:
        raise BackendError(
            "script.llm.provider `openai-compatible` needs `base_url`, e.g. http://127.0.0.1:8000/v1 (vLLM), "
            "http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8080/v1 (llama.cpp)"
        )
    prompt = render_prompt(brief, vars, scene_count, scene_seconds, wpm, speed)
    key = _api_key(provider, env)
    secrets = [key] if key != NO_KEY else []
    base_url = llm.base_url or DEFAULT_BASE_URLS[provider]
    where = f"{provider} at {base_url}"
    var = KEY_VARS[provider]

    def fail(message: str, **kw: Any) -> BackendError:
        return BackendError(_scrub(message, secrets), **kw)

    client: Any = None
    problem = ""
    try:
        client = (client_factory or _default_client)(provider, key, base_url, timeout)
    except BackendError as exc:
        problem = str(exc)
    except Exception as exc:  # noqa: BLE001 - a bad base_url and the like
        problem = f"could not create the {provider} client for {base_url}: {type(exc).__name__}: {exc}"
    if problem:  # raised outside the handler: no chained SDK exception (it may hold the key)
        raise fail(problem)
    ask = _ask_anthropic if provider == "anthropic" else _ask_openai
    rng = random.Random(f"{prompt.fingerprint}:{provider}:{llm.model}")

    def request(messages: list[dict[str, str]], label: str) -> _Answer:
        last: _Failure | None = None
        chars = len(prompt.system) + sum(len(m["content"]) for m in messages)
        for attempt in range(1, max_attempts + 1):
            rid = meter.sending(chars, f"{label}, attempt {attempt}") if meter is not None else None
            try:
                answer = ask(client, llm, prompt.system, messages)
                if meter is not None:
                    meter.answered(rid, answer.input_tokens, answer.output_tokens)
                return answer
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised as BackendError
                failure = _classify(exc)
            failure.message = _scrub(failure.message, secrets)
            if failure.kind == "auth":
                raise fail(
                    f"{where} rejected the API key (HTTP {failure.status}): set {var} to a valid key"
                    + (" for this server" if provider == "openai-compatible" else "")
                ) from None
            if failure.kind == "fatal":
                raise fail(f"script request to {where} failed: {failure.message}") from None
            last = failure
            if attempt == max_attempts:
                break
            if failure.retry_after is not None:
                delay = min(failure.retry_after, RETRY_AFTER_MAX_S)
            else:
                delay = _backoff(attempt, rng)
            say(f"script: {where}: {failure.message}; retrying in {delay:g} s (attempt {attempt + 1} of {max_attempts})")
            sleep(delay)
        assert last is not None
        raise fail(
            f"script request to {where} failed after {max_attempts} attempts; last error: {last.message}",
            transient=True,
            retry_after=last.retry_after,
        ) from None

    messages: list[dict[str, str]] = [{"role": "user", "content": prompt.user}]
    tokens_in = tokens_out = 0
    try:
        for round_no in range(repair_rounds + 1):
            answer = request(messages, "answer" if round_no == 0 else f"repair round {round_no}")
            tokens_in += answer.input_tokens
            tokens_out += answer.output_tokens
            errors = answer.problems or validate_script(answer.parsed, scene_count, scene_seconds, wpm, speed)  # type: ignore[arg-type]
            if not errors:
                assert answer.parsed is not None
                return LockedScript(
                    provider=provider,
                    model=llm.model,
                    base_url=llm.base_url,
                    prompt_fingerprint=prompt.fingerprint,
                    usage=Usage(input_tokens=tokens_in, output_tokens=tokens_out),
                    repair_rounds=round_no,
                    scenes=answer.parsed.scenes,
                )
            if round_no == repair_rounds:
                break
            say(f"script: answer {round_no + 1} has {len(errors)} problem(s); asking {llm.model} to repair them")
            messages = [
                *messages,
                {"role": "assistant", "content": answer.text.strip() or "(empty answer)"},
                {"role": "user", "content": render_repair(errors, scene_count, scene_seconds, wpm, speed)},
            ]
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # noqa: BLE001
                pass
    shown = "\n".join(f"  - {e}" for e in errors)
    raise fail(
        f"the script from {provider} model {llm.model} is still invalid after {repair_rounds} repair round(s):\n"
        f"{shown}\nits last answer was:\n{_truncate(answer.text.strip() or '(empty answer)')}"
        + ("\nhint: raise script.llm.max_tokens" if any("max_tokens=" in e for e in errors) else "")
    )


def generate_script_for_spec(spec: Any, *, env: Mapping[str, str], **kwargs: Any) -> LockedScript:
    """`generate_script` for one expanded video spec (schemas.spec.VideoSpec) with `script.brief`."""
    s, v = spec.script, spec.voice
    if s.brief is None or s.llm is None or s.scene_count is None:
        raise BackendError("this spec has hand-written scenes: there is no script to generate")
    # same inputs as compiler.script_prompt.prompt_for_spec, so the lock's fingerprint matches it
    return generate_script(s.brief, spec.vars, s.scene_count, s.scene_seconds, v.wpm, v.speed, s.llm, env=env, **kwargs)


def write_lock(path: str | os.PathLike[str], locked: LockedScript) -> Path:
    """Write the lock atomically: a temporary file in the same folder, fsync, os.replace."""
    target = Path(path)
    data = lock_text(locked).encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename durable too (POSIX); best effort elsewhere
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return target


__all__ = [
    "generate_script",
    "generate_script_for_spec",
    "write_lock",
    "parse_answer",
    "wants_thinking_off",
    "KEY_VARS",
]
