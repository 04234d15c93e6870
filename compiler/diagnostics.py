"""Diagnostics: every problem in a spec becomes one of these, never a traceback.

A diagnostic points at a file, a 1-based line and column, carries a stable code, and renders
like a compiler error (`file:line:col: error[CODE]: message`, the source line, a caret, a hint).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .textsafe import MAX_LINE, safe_text

# Stable codes. Tools and tests match on these, so never rename one; add new ones instead.
CODES: dict[str, str] = {
    "E_SYNTAX": "the file is not valid YAML/JSON (or not UTF-8, or nested too deeply)",
    "E_ALIAS": "YAML aliases expand to too many nodes, or refer to themselves",
    "E_DUPLICATE_KEY": "a mapping names the same key twice (the first value is kept)",
    "E_UNKNOWN_KEY": "a key the spec does not define",
    "E_TYPE": "a value of the wrong type (or a mapping key that is not a string)",
    "E_MISSING": "a required key is absent",
    "E_ENUM": "a value outside a fixed set (engine, preset, sampler, ...)",
    "E_RANGE": "a number outside its allowed range",
    "E_INVALID": "a rule across several keys is broken (e.g. both `scenes` and `brief`)",
    "E_VERSION": "the spec's `vidc` version is not one this compiler reads",
    "E_SCENE_DURATION": "a scene's duration is under 1 s or over script.scene_seconds' maximum",
    "E_SCENE_INDEX": "a scene's scene_index differs from its position",
    "E_EMPTY_VOICEOVER": "a scene has no narration text and `duration_seconds: auto` (a silent scene needs a number of seconds)",
    "E_VOICEOVER_LENGTH": "a scene's voiceover is longer than any voice could speak in script.scene_seconds' maximum",
    "W_SPEECH_OVER_MAX": "warning: a scene's estimated speech and pause pass script.scene_seconds' maximum (its voice task would fail)",
    "W_IGNORED_SETTING": "warning: a setting that changes nothing where it is written (a scene's clip_mode without a video clip)",
    "E_KOKORO_VOICE": "voice.voice names a voice Kokoro does not have",
    "W_WORDS": "warning: more words than the voice can speak in the scene's duration",
    "W_SPARSE": "warning: the speech fills less than 60 % of the scene (the rest is music alone)",
    "E_MATRIX_FILE": "the matrix file is missing or malformed",
    "W_MATRIX_LINES": "warning: a CSV row of the matrix spans several lines (a stray quote merges rows)",
    "E_PATH_ESCAPE": "a path is absolute or leaves the project folder",
    "E_FILE_NOT_FOUND": "a file the spec names does not exist",
    "E_ASSET_UNREADABLE": "an asset the spec names is no image or video that can be read",
    "E_DUPLICATE_NAME": "two videos of a matrix get the same name",
    "E_NAME": "a video name is not a safe file name",
    "E_UNDEFINED_VAR": "a template uses a variable that is not defined",
    "E_TEMPLATE": "a template does not parse or fails while rendering",
    "E_SANDBOX": "a template tried something the sandbox forbids",
    "E_TEMPLATE_LIMIT": "a template passed a resource limit (output size, loop iterations and calls, values built)",
    "E_RESOLUTION": "video.resolution is not 480p, 720p or WxH in multiples of 16",
    "E_SET": "a --set override is not key=value",
    "E_IO": "the spec file itself cannot be read",
    "E_NO_DEVICE": "a wan model fits on no device of the hardware profile (raised by placement)",
    "W_CONTINUITY": "warning: `continuity: extend` with a text-to-video model, whose chunks cannot start from a frame (raised by lowering)",
    "E_NUMBER": "a number that is not finite or too large to use (.inf, .nan, 1e999, a 5,000-digit integer)",
    "E_TEXT": "text that is not valid Unicode (a lone surrogate)",
    "E_NOT_INSTALLED": "a voice or other part an engine needs is not installed on this machine (from the machine's facts)",
    "E_MOOD": "a music mood that no track of the library has",
    "E_MUSIC_SHORT": "no track of the music library covers the video and its tail, and the library cannot loop",
    "E_MUSIC_LIBRARY": "the music library cannot be read (not indexed, or a broken index)",
    "E_MODEL_KIND": "a model whose pipeline cannot do what the plan asks (an image-to-video model cannot start a scene)",
    "W_MODEL_NOT_FOUND": "warning: a model is not on this machine (its folder or hub cache entry was not found)",
    "W_API_KEY": "warning: the environment variable holding an engine's API key is not set",
    "W_UNUSED_SET": "warning: a --set variable that no template of the spec uses",
    "E_CAPTION_FIT": "a word (or a number with its unit) is wider than a caption line even at the smallest caption size",
    "E_LEXICON": "voice.lexicon_file is missing or not a mapping of word -> respelling",
    "E_MODEL": "video.model names a folder that is missing or holds no Wan pipeline vidc can run",
    "E_MODEL_CAPABILITY": "the model's pipeline class cannot do what the spec asks (an image-to-video model asked to start a scene)",
    "E_PARALLEL": "video.parallel names a group size the model's heads or the hardware profile cannot take",
    "E_COLOUR": "a colour that ffmpeg cannot read, or `random` (a different video from the same plan)",
    "E_PRICES": "a price table (prices.yaml) that cannot be read, or a price that is not a finite number >= 0",
    "E_TITLE_FIT": "an intro or outro title card's text does not fit the preset's safe area even at the smallest size",
    "W_CROP": "warning: fit `cover` crops more than 40 % of an asset's width or height in the preset's frame",
    "W_SPEED_OPTION": "warning: a speed option that changes nothing where the plan runs it",
    "E_TRANSITION_LENGTH": "a transition is longer than the scenes on either side of it allow",
    "W_TRANSITION_FIRST": "warning: scene 1 has a transition, but no scene comes before it",
    "E_STOCK_KEY": "a scene searches a stock provider whose key variable is not set",
    "E_STOCK_LOCK": "the stock lock beside the spec cannot be read",
    "W_STOCK_FALLBACK": "warning: no stock footage fitted a scene: it shows the storyboard card",
    "W_RELEVANCE": "warning: a locked stock clip scores under video.relevance.min_score against its visual prompt",
    "E_SCRIPT_LOCK": "the locked LLM script beside the spec cannot be read",
    "E_PUBLISH_TEXT": "a publish title, description or tags that the platform rejects (length, `<` or `>`)",
    "E_PUBLISH_SCHEDULE": "a publish_at that is not a zoned ISO 8601 time, is in the past, or is on a video that is not private",
    "E_PUBLISH_PRESET": "the export preset renders a video the publish platform rejects (frame rate, size, Shorts length)",
    "W_PUBLISH_PRIVATE": "warning: a public privacy that the platform keeps private until the API project is audited",
    "W_SCRIPT_STALE": "warning: the locked LLM script was written for another brief, model or budget (planning uses it as locked)",
}

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int  # 1-based
    col: int  # 1-based
    code: str
    message: str
    hint: str = ""
    severity: Severity = "error"
    source_line: str = ""
    length: int = 1  # caret width: the offending token's length when known

    def format(self) -> str:
        # User text (messages quote it) is escaped and cut: a 5 MB line prints a window, not 10 MB.
        message = safe_text(self.message, multiline=True, limit=MAX_LINE)
        out = [
            f"{safe_text(self.file, limit=MAX_LINE)}:{self.line}:{self.col}: {self.severity}[{self.code}]: {message}"
        ]
        if self.source_line:
            width = max(5, len(str(self.line)))
            src, col = _window(self.source_line, self.col)
            src = safe_text(src, multiline=True).replace("\n", " ")
            # Keep tabs in the caret prefix so the caret lines up in a terminal.
            pad = "".join("\t" if ch == "\t" else " " for ch in src[: col - 1])
            carets = "^" * max(1, min(self.length, max(1, len(src) - col + 1)))
            out.append(f"{self.line:>{width}} | {src}")
            out.append(f"{'':>{width}} | {pad}{carets}")
        if self.hint:
            out.append(f"  hint: {safe_text(self.hint, multiline=True, limit=MAX_LINE)}")
        return "\n".join(out)


SHOWN = 120  # longest source excerpt shown; a 5,000-character line is cut around the column


def _window(src: str, col: int) -> tuple[str, int]:
    """The part of a long source line around `col`, and the column within it."""
    if len(src) <= SHOWN:
        return src, col
    start = max(0, min(col - 1 - 20, len(src) - SHOWN))
    end = start + SHOWN
    head = "..." if start else ""
    tail = "..." if end < len(src) else ""
    return head + src[start:end] + tail, col - start + len(head)


def sort_key(d: Diagnostic) -> tuple:
    """Deterministic order: by file, position, code, then text (ties happen with matrix rows)."""
    return (d.file, d.line, d.col, d.code, d.message, d.hint, d.severity, d.length, d.source_line)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted, with exact duplicates removed (a row-independent problem is reported once)."""
    return sorted(set(diags), key=sort_key)


def format_all(diags: Iterable[Diagnostic]) -> str:
    return "".join(d.format() + "\n" for d in sort_diagnostics(diags))


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to a misspelt word, or None when nothing is close."""
    pool = [c for c in choices if isinstance(c, str)]
    hits = difflib.get_close_matches(str(word), pool, n=1, cutoff=0.65)  # 0.6 offered `lora` for `colour`
    if not hits:  # case slips ("Piper") are not caught by the ratio cutoff on short words
        low = {c.lower(): c for c in pool}
        hit = low.get(str(word).lower())
        return hit
    return hits[0]


def suggest(word: str, choices: Sequence[str], what: str = "") -> str:
    """A hint line: 'did you mean `x`?' or a list of the allowed values."""
    hit = did_you_mean(word, choices)
    if hit is not None:
        return f"did you mean `{hit}`?"
    if choices:
        shown = ", ".join(f"`{c}`" for c in list(choices)[:12])
        more = ", ..." if len(choices) > 12 else ""
        return f"{what or 'expected one of'}: {shown}{more}"
    return ""
