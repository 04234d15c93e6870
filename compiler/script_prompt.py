"""The LLM script stage, pure half: prompts, the output schema, validation and the lock format.

A spec may give `script: {brief, scene_count, llm, scene_seconds}` instead of scenes. The runtime
(`vidc.runtime.llm`) asks the LLM; everything it needs that does not touch the
world lives here, so that the compiler can read and check a lock file without importing the
runtime:

- `render_prompt(...)` renders templates/prompts/script_{system,user}.j2 in a jinja2 sandbox and
  fingerprints the result; `render_repair(...)` renders script_repair.j2.
- `GeneratedScript` is exactly the JSON the model must answer with; `validate_script(...)` lists
  what is wrong with an answer as plain sentences (they are sent back to the model verbatim).
- `LockedScript` is the lock file beside the spec; `lock_text`/`read_lock`/`lock_is_current`.

Nothing here reads the environment, the clock, the network or a random generator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vidc.compiler.canonical import canonical_json, fingerprint as _fingerprint
from vidc.compiler.resources import template_text

# Bump when the meaning of the prompts' output changes (the answer's shape, the rules); it is part
# of every prompt fingerprint, so a bump makes every lock file stale. Deliberately NOT derived from
# pydantic's generated JSON Schema, which changes wording between pydantic releases.
SCRIPT_SCHEMA_VERSION = 1
LOCK_VERSION: Literal[1] = 1

SYSTEM_TEMPLATE = "prompts/script_system.j2"
USER_TEMPLATE = "prompts/script_user.j2"
REPAIR_TEMPLATE = "prompts/script_repair.j2"

# The reference design puts 80-120 words into 60 s of video (6 scenes): at 150 wpm that is
# 53-80 % of what fits. The prompt asks for that band and validation enforces only the maximum.
TARGET_FILL = (0.55, 0.8)


# --------------------------------------------------------------------------- output schema


class GeneratedScene(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scene_index: int = Field(description="1-based position of the scene: 1, 2, 3, ...")
    voiceover_text: str = Field(description="What the narrator says in this scene, as spoken prose")
    visual_prompt: str = Field(description="What the picture shows: subject, setting, light, camera")
    duration_seconds: float = Field(description="Length of the scene in seconds")


class GeneratedScript(BaseModel):
    """The script of one video: its scenes, in order."""

    # Exactly what the LLM must answer: {"scenes": [{scene_index, voiceover_text, visual_prompt,
    # duration_seconds}]}. The docstring above goes to the model as the schema's description. Ranges
    # are deliberately not in the schema (vendors' structured-output modes support few keywords);
    # `validate_script` checks them and the repair round reports them.
    model_config = ConfigDict(extra="forbid")

    scenes: list[GeneratedScene]


def script_json_schema() -> dict[str, Any]:
    """The JSON Schema of the answer (for documentation and for tool-use fallbacks)."""
    return GeneratedScript.model_json_schema()


SCRIPT_JSON_SCHEMA: dict[str, Any] = script_json_schema()


def describe_validation_error(exc: ValidationError, limit: int = 12) -> list[str]:
    """pydantic errors as short sentences with JSON paths: `scenes[2].duration_seconds: Field required`."""
    out: list[str] = []
    for err in exc.errors()[:limit]:
        path = ""
        for part in err.get("loc", ()):
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            msg = (
                "unknown key (allowed keys: scene_index, voiceover_text, visual_prompt, duration_seconds)"
                if "." in path
                else "unknown key (the answer has only `scenes`)"
            )
        out.append(f"{path or 'answer'}: {msg}")
    extra = len(exc.errors()) - limit
    if extra > 0:
        out.append(f"... and {extra} more schema errors")
    return out


# --------------------------------------------------------------------------- word budget


def count_words(text: str) -> int:
    """Words as a narrator speaks them: whitespace-separated tokens holding a letter or digit."""
    return sum(1 for tok in text.split() if any(ch.isalnum() for ch in tok))


def words_per_second(wpm: float, speed: float) -> float:
    return wpm * speed / 60.0


def max_words(duration_seconds: float, wpm: float, speed: float) -> int:
    """The most words a scene of this length holds: floor(d * wpm * speed / 60); 10 s at 150 wpm -> 25."""
    return int(math.floor(duration_seconds * words_per_second(wpm, speed) + 1e-9))


def _num(x: float) -> str:
    """10.0 -> "10", 9.5 -> "9.5", 12.0000001 stays 12.0000001 (never rounded into range)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def _budget_seconds(lo: float, hi: float) -> list[float]:
    whole = list(range(math.ceil(lo), math.floor(hi) + 1))
    if len(whole) > 7:
        step = (hi - lo) / 6
        whole = sorted({round(lo + i * step) for i in range(7)})
    return sorted({float(lo), float(hi), *(float(s) for s in whole if lo <= s <= hi)})


# --------------------------------------------------------------------------- prompts


@dataclass(frozen=True)
class PromptText:
    system: str
    user: str
    fingerprint: str


_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True
)


def _render(name: str, **context: Any) -> str:
    return _ENV.from_string(template_text(name)).render(**context)


def _var_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)  # true/false/null/numbers as JSON spells them


def _context(scene_count: int, scene_seconds: Sequence[float], words_per_minute: float, speed: float) -> dict[str, Any]:
    lo, hi = float(scene_seconds[0]), float(scene_seconds[1])
    rate = words_per_second(words_per_minute, speed)
    budget = [
        {
            "seconds": _num(s),
            "max": max_words(s, words_per_minute, speed),
            "lo": max(1, round(s * rate * TARGET_FILL[0])),
            "hi": max(1, round(s * rate * TARGET_FILL[1])),
        }
        for s in _budget_seconds(lo, hi)
    ]
    mid = (lo + hi) / 2
    return {
        "scene_count": scene_count,
        "lo": _num(lo),
        "hi": _num(hi),
        "wpm": _num(round(words_per_minute * speed, 2)),
        "rate": _num(round(rate, 3)),
        "budget": budget,
        "total_lo": _num(round(scene_count * lo)),
        "total_hi": _num(round(scene_count * hi)),
        "words_lo": round(scene_count * mid * rate * TARGET_FILL[0]),
        "words_hi": round(scene_count * mid * rate * TARGET_FILL[1]),
        "example_seconds": _num(mid),
        "example_words": max_words(mid, words_per_minute, speed),
    }


def render_prompt(
    brief: str,
    vars: Mapping[str, Any],
    scene_count: int,
    scene_seconds: Sequence[float],
    words_per_minute: float,
    speed: float,
) -> PromptText:
    """Render the system and user prompts. The brief and the vars are inserted as data, never
    evaluated as templates (the spec's own templating has already run). Deterministic: the
    fingerprint depends only on the rendered text and SCRIPT_SCHEMA_VERSION."""
    ctx = _context(scene_count, scene_seconds, words_per_minute, speed)
    ctx["brief"] = brief.strip()
    ctx["vars"] = [(str(k), _var_text(vars[k])) for k in sorted(vars, key=str)]
    system = _render(SYSTEM_TEMPLATE, **ctx)
    user = _render(USER_TEMPLATE, **ctx)
    fp = _fingerprint({"schema_version": SCRIPT_SCHEMA_VERSION, "system": system, "user": user})
    return PromptText(system=system, user=user, fingerprint=fp)


def prompt_for_spec(spec: Any) -> PromptText:
    """`render_prompt` for one expanded video spec (schemas.spec.VideoSpec) whose script has a
    brief: the one place that maps spec fields to prompt inputs, shared by compiler and runtime."""
    script, voice = spec.script, spec.voice
    if script.brief is None or script.scene_count is None:
        raise ValueError("the spec's script has no brief: its scenes are hand-written")
    return render_prompt(script.brief, spec.vars, script.scene_count, script.scene_seconds, voice.wpm, voice.speed)


def render_repair(
    errors: Sequence[str], scene_count: int, scene_seconds: Sequence[float], words_per_minute: float, speed: float
) -> str:
    """The follow-up user message of a repair round: the exact errors, and the rules again."""
    ctx = _context(scene_count, scene_seconds, words_per_minute, speed)
    ctx["errors"] = list(errors)
    return _render(REPAIR_TEMPLATE, **ctx)


# --------------------------------------------------------------------------- validation


def validate_script(
    script: GeneratedScript, scene_count: int, scene_seconds: Sequence[float], wpm: float, speed: float
) -> list[str]:
    """Everything wrong with an answer, as sentences a person (or the model) can act on.
    Scenes are named by their position in the answer ("scene 3"), 1-based. Empty means valid."""
    errors: list[str] = []
    lo, hi = float(scene_seconds[0]), float(scene_seconds[1])
    n = len(script.scenes)
    if n != scene_count:
        errors.append(f"expected exactly {scene_count} scenes, got {n}")
    for pos, scene in enumerate(script.scenes, start=1):
        name = f"scene {pos}"
        if scene.scene_index != pos:
            errors.append(
                f"{name}: scene_index is {scene.scene_index}, expected {pos} (scene_index counts 1 to {max(n, 1)} in order)"
            )
        d = scene.duration_seconds
        duration_ok = math.isfinite(d)
        if not duration_ok or not (lo <= d <= hi):
            shown = _num(d) if duration_ok else str(d)
            errors.append(f"{name}: duration_seconds is {shown}, must be between {_num(lo)} and {_num(hi)} seconds")
        text = scene.voiceover_text.strip()
        if not text:
            errors.append(f"{name}: voiceover_text is empty")
        elif duration_ok and d > 0:
            words, most = count_words(text), max_words(d, wpm, speed)
            if words > most:
                errors.append(
                    f"{name}: voiceover_text has {words} words, but a {_num(d)} s scene holds at most {most} words "
                    f"(at {_num(round(wpm * speed, 2))} words per minute); shorten the text or lengthen the scene "
                    f"(at most {_num(hi)} s)"
                )
        if not scene.visual_prompt.strip():
            errors.append(f"{name}: visual_prompt is empty")
    return errors


# --------------------------------------------------------------------------- lock file


class Usage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_tokens: int = Field(0, ge=0)
    output_tokens: int = Field(0, ge=0)


class LockedScript(BaseModel):
    """The lock file: the generated script plus what it was generated from. Planning reads the
    scenes from here, so the plan stays deterministic; it is regenerated only on request or when
    the prompt fingerprint, the provider or the model changes. No timestamps, no secrets."""

    model_config = ConfigDict(extra="forbid")

    vidc_script: Literal[1] = LOCK_VERSION
    provider: Literal["anthropic", "openai", "openai-compatible"]
    model: str
    base_url: str | None = None
    prompt_fingerprint: str
    usage: Usage = Field(default_factory=Usage)
    repair_rounds: int = Field(0, ge=0)
    scenes: list[GeneratedScene]

    def spec_scenes(self) -> list[Any]:
        """The scenes as `vidc.schemas.spec.Scene` objects, for the compiler."""
        from vidc.schemas.spec import Scene

        return [
            Scene(
                scene_index=s.scene_index,
                voiceover_text=s.voiceover_text,
                visual_prompt=s.visual_prompt,
                duration_seconds=s.duration_seconds,
            )
            for s in self.scenes
        ]


def lock_text(locked: LockedScript) -> str:
    """Canonical text of a lock file: sorted keys, indent 2, UTF-8 kept, trailing newline."""
    return canonical_json(locked.model_dump(mode="json"), indent=2)


def read_lock(text: str) -> LockedScript | str:
    """Parse a lock file. Returns the LockedScript, or one error message (never raises)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return f"the script lock file is not valid JSON: {exc}"
    except RecursionError:
        return "the script lock file is not valid JSON: nested too deep"
    if not isinstance(data, dict):
        return "the script lock file must hold a JSON object"
    if data.get("vidc_script") != LOCK_VERSION:
        return f"not a vidc script lock of version {LOCK_VERSION} (`vidc_script` is {data.get('vidc_script')!r})"
    try:
        return LockedScript.model_validate(data)
    except ValidationError as exc:
        return "the script lock file is malformed: " + "; ".join(describe_validation_error(exc))


def lock_is_current(lock: LockedScript, fingerprint: str, provider: str, model: str) -> bool:
    """A lock stays valid while the prompt (brief, vars, counts, budgets, templates), the provider
    and the model are unchanged. A changed base_url or temperature alone does not invalidate it."""
    return lock.prompt_fingerprint == fingerprint and lock.provider == provider and lock.model == model
