"""The LLM clients: ask Anthropic, OpenAI or an OpenAI-compatible server (vLLM, Ollama, llama.cpp)
for a video's scenes, validate them, repair them, and lock the result.

    locked = generate_script(brief, vars, 6, (8, 12), 150, 1.0, spec.script.llm, env=os.environ)
    write_lock(spec_dir / f"{name}.script.json", locked)

- Structured output through the vendor SDK: `anthropic` via `client.messages.parse(output_format=
  GeneratedScript)` (sent as `output_config.format`; the forced tool-use form only when the
  installed SDK has no `messages.parse`); `openai` and `openai-compatible` via
  `client.chat.completions.parse(response_format=GeneratedScript)`. An answer that is not the
  schema (plain JSON in the text, ```json fences, <think> blocks) is parsed leniently (answers).
- Every answer goes through `validate_script`; on violations up to two repair rounds send the model
  its previous answer and the exact errors. Still wrong -> BackendError with the errors and the answer.
- Our own retry loop (the SDKs' is switched off with max_retries=0): timeouts, connection errors,
  408/409/429/5xx up to 4 attempts, exponential backoff with deterministic jitter, honouring
  `retry-after-ms` / `Retry-After` (seconds or an HTTP-date). 401/403 fail at once naming the variable to set.
- Keys come from the `env` mapping only and never appear in a message, an exception (SDK exceptions
  are not chained: they hold the request and its headers), a log line or the lock file.

This room sits between the backends and the media helpers: it imports media (the HTTP retry rule,
BackendError) and no backend; the script backend and `vidc script` use it.
"""

from __future__ import annotations

from .answers import parse_answer
from .lock import write_lock
from .openai_api import wants_thinking_off
from .providers import KEY_VARS
from .script import generate_script, generate_script_for_spec

__all__ = [
    "generate_script",
    "generate_script_for_spec",
    "write_lock",
    "parse_answer",
    "wants_thinking_off",
    "KEY_VARS",
]
