"""One script request with its retries: the meter (the money ledger) is told before each attempt
leaves and after each answer; a failure is classified, scrubbed of the key, and either retried
after its delay or raised as a BackendError fit for a person (never an SDK exception: they hold the
request and its headers)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from vidc.runtime.media.tools import BackendError

from ..state.secrets import scrub as scrub_secrets, scrub_data
from .answers import Answer
from .anthropic_api import ask_anthropic
from .openai_api import ask_openai
from .providers import KEY_VARS, scrub
from .retries import RETRY_AFTER_MAX_S, Failure, backoff, classify


@dataclass
class Session:
    """What every request of one script generation shares."""

    provider: str
    llm: Any  # schemas.spec.LLM
    where: str  # "<provider> at <base url>", for messages
    system: str  # the prompt's system text
    client: Any
    secrets: list[str]  # scrubbed from every message
    rng: random.Random  # the backoff's jitter, seeded by the prompt
    max_attempts: int
    say: Callable[[str], None]
    sleep: Callable[[float], None]
    meter: Any = None

    def fail(self, message: str, **kw: Any) -> BackendError:
        return BackendError(scrub(message, self.secrets), **kw)

    def ask(self, messages: list[dict[str, str]]) -> Answer:
        ask = ask_anthropic if self.provider == "anthropic" else ask_openai
        return ask(self.client, self.llm, self.system, messages)


def send(s: Session, messages: list[dict[str, str]], label: str) -> Answer:
    """Ask once, retrying transient failures up to `s.max_attempts` times. `meter.sending(chars,
    label) -> id` before every attempt leaves (it may raise to stop it), `meter.answered(id,
    input_tokens, output_tokens)` after an answer."""
    last: Failure | None = None
    chars = len(s.system) + sum(len(m["content"]) for m in messages)
    for attempt in range(1, s.max_attempts + 1):
        rid = s.meter.sending(chars, f"{label}, attempt {attempt}") if s.meter is not None else None
        try:
            answer = s.ask(messages)
            if s.meter is not None:
                s.meter.answered(rid, answer.input_tokens, answer.output_tokens)
            return _scrubbed(answer, s.secrets)
        except Exception as exc:
            failure = classify(exc)
        failure.message = scrub(failure.message, s.secrets)
        _raise_final(s, failure)
        last = failure
        if attempt == s.max_attempts:
            break
        if failure.retry_after is not None:
            delay = min(failure.retry_after, RETRY_AFTER_MAX_S)
        else:
            delay = backoff(attempt, s.rng)
        s.say(
            f"script: {s.where}: {failure.message}; retrying in {delay:g} s (attempt {attempt + 1} of {s.max_attempts})"
        )
        s.sleep(delay)
    assert last is not None
    raise s.fail(
        f"script request to {s.where} failed after {s.max_attempts} attempts; last error: {last.message}",
        transient=True,
        retry_after=last.retry_after,
    ) from None


def _raise_final(s: Session, failure: Failure) -> None:
    """A rejected key or a failure no retry fixes ends the generation."""
    if failure.kind == "auth":
        raise s.fail(
            f"{s.where} rejected the API key (HTTP {failure.status}): set {KEY_VARS[s.provider]} to a valid key"
            + (" for this server" if s.provider == "openai-compatible" else "")
        ) from None
    if failure.kind == "fatal":
        raise s.fail(f"script request to {s.where} failed: {failure.message}") from None


def _scrubbed(answer: Answer, secrets: list[str]) -> Answer:
    """The answer with any key it echoes replaced by [redacted]: neither the lock, the plan nor the
    voice ever holds it."""
    text = scrub_secrets(answer.text, extra=secrets)
    parsed = answer.parsed
    if parsed is not None:
        dumped = parsed.model_dump()
        clean = scrub_data(dumped, extra=secrets)
        if clean != dumped:
            parsed = type(parsed).model_validate(clean)
    return replace(answer, text=text, parsed=parsed)
