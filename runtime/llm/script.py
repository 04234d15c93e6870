"""The script stage's generation: ask the spec's LLM for the scenes, validate them, send the model
its answer and the exact errors for up to two repair rounds, and return the lockable script."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vidc.compiler.script_prompt import LockedScript, PromptText, Usage, render_prompt, render_repair, validate_script
from vidc.runtime.media.tools import BackendError

from .answers import Answer, truncate
from .providers import DEFAULT_BASE_URLS, KEY_VARS, NO_KEY, ClientFactory, api_key, default_client, scrub
from .request import Session, send
from .retries import MAX_ATTEMPTS

REPAIR_ROUNDS = 2


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
    _check_provider(llm)
    prompt = render_prompt(brief, vars, scene_count, scene_seconds, wpm, speed)
    client, secrets, base_url = _open(llm, env, client_factory, timeout)
    s = Session(
        provider=llm.provider,
        llm=llm,
        where=f"{llm.provider} at {base_url}",
        system=prompt.system,
        client=client,
        secrets=secrets,
        rng=random.Random(f"{prompt.fingerprint}:{llm.provider}:{llm.model}"),
        max_attempts=max_attempts,
        say=log or (lambda _m: None),
        sleep=sleep,
        meter=meter,
    )
    try:
        return _write(s, prompt, (scene_count, scene_seconds, wpm, speed), repair_rounds)
    finally:
        _close(s.client)


def _check_provider(llm: Any) -> None:
    if llm.provider not in KEY_VARS:
        raise BackendError(f"unknown LLM provider `{llm.provider}` (known: {', '.join(KEY_VARS)})")
    if llm.provider == "openai-compatible" and not llm.base_url:
        raise BackendError(
            "script.llm.provider `openai-compatible` needs `base_url`, e.g. http://127.0.0.1:8000/v1 (vLLM), "
            "http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8080/v1 (llama.cpp)"
        )


def _open(
    llm: Any, env: Mapping[str, str], client_factory: ClientFactory | None, timeout: float
) -> tuple[Any, list[str], str]:
    """The SDK client, the secrets to scrub (the key, read from `env` only) and the base URL."""
    provider: str = llm.provider
    key = api_key(provider, env)
    secrets = [key] if key != NO_KEY else []
    base_url = llm.base_url or DEFAULT_BASE_URLS[provider]
    client: Any = None
    problem = ""
    try:
        client = (client_factory or default_client)(provider, key, base_url, timeout)
    except BackendError as exc:
        problem = str(exc)
    except Exception as exc:
        problem = f"could not create the {provider} client for {base_url}: {type(exc).__name__}: {exc}"
    if problem:  # raised outside the handler: no chained SDK exception (it may hold the key)
        raise BackendError(scrub(problem, secrets))
    return client, secrets, base_url


def _write(
    s: Session, prompt: PromptText, shape: tuple[int, Sequence[float], float, float], repair_rounds: int
) -> LockedScript:
    """The answer, then up to `repair_rounds` repairs, until the script is valid."""
    scene_count, scene_seconds, wpm, speed = shape
    messages: list[dict[str, str]] = [{"role": "user", "content": prompt.user}]
    tokens_in = tokens_out = 0
    for round_no in range(repair_rounds + 1):
        answer = send(s, messages, "answer" if round_no == 0 else f"repair round {round_no}")
        tokens_in += answer.input_tokens
        tokens_out += answer.output_tokens
        errors = answer.problems or validate_script(answer.parsed, scene_count, scene_seconds, wpm, speed)  # type: ignore[arg-type]
        if not errors:
            assert answer.parsed is not None
            return LockedScript(
                provider=s.provider,
                model=s.llm.model,
                base_url=s.llm.base_url,
                prompt_fingerprint=prompt.fingerprint,
                usage=Usage(input_tokens=tokens_in, output_tokens=tokens_out),
                repair_rounds=round_no,
                scenes=answer.parsed.scenes,
            )
        if round_no == repair_rounds:
            break
        s.say(f"script: answer {round_no + 1} has {len(errors)} problem(s); asking {s.llm.model} to repair them")
        messages = [
            *messages,
            {"role": "assistant", "content": answer.text.strip() or "(empty answer)"},
            {"role": "user", "content": render_repair(errors, scene_count, scene_seconds, wpm, speed)},
        ]
    raise _still_invalid(s, repair_rounds, errors, answer)


def _still_invalid(s: Session, repair_rounds: int, errors: list[str], answer: Answer) -> BackendError:
    shown = "\n".join(f"  - {e}" for e in errors)
    return s.fail(
        f"the script from {s.provider} model {s.llm.model} is still invalid after {repair_rounds} repair round(s):\n"
        f"{shown}\nits last answer was:\n{truncate(answer.text.strip() or '(empty answer)')}"
        + ("\nhint: raise script.llm.max_tokens" if any("max_tokens=" in e for e in errors) else "")
    )


def _close(client: Any) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            pass


def generate_script_for_spec(spec: Any, *, env: Mapping[str, str], **kwargs: Any) -> LockedScript:
    """`generate_script` for one expanded video spec (schemas.spec.VideoSpec) with `script.brief`."""
    s, v = spec.script, spec.voice
    if s.brief is None or s.llm is None or s.scene_count is None:
        raise BackendError("this spec has hand-written scenes: there is no script to generate")
    # same inputs as compiler.script_prompt.prompt_for_spec, so the lock's fingerprint matches it
    return generate_script(s.brief, spec.vars, s.scene_count, s.scene_seconds, v.wpm, v.speed, s.llm, env=env, **kwargs)
