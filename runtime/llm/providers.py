"""The LLM providers: their key variables and default addresses, the key read from the environment
mapping (never the spec), and the vendor SDK's client (its own retries switched off)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from vidc.runtime.media.tools import BackendError

KEY_VARS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY"}


DEFAULT_BASE_URLS = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}


NO_KEY = "not-needed"  # what OpenAI-compatible servers without auth get


ClientFactory = Callable[[str, str, str, float], Any]  # (provider, api_key, base_url, timeout) -> SDK client


def default_client(provider: str, api_key: str, base_url: str, timeout: float) -> Any:
    try:
        if provider == "anthropic":
            import anthropic

            return anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
        import openai

        return openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
    except ImportError:
        sdk = "anthropic" if provider == "anthropic" else "openai"
        raise BackendError(f"the `{sdk}` SDK is not installed: pip install 'vidc[llm]'") from None


def api_key(provider: str, env: Mapping[str, str]) -> str:
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


def scrub(text: str, secrets: Sequence[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "[redacted]")
    return text
