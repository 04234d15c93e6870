"""The rules of a spec that need more than one field or the file system's view (scene lengths,
words per minute, paths and assets, resolution, frames per chunk, engines of the catalog), checked
on the raw tree so that they are reported in the same pass even when pydantic found other problems."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from vidc.schemas.spec import COMMON_WPM, Voice

from .diagnostics import Diagnostic, suggest
from .expand import ESCAPE_HINT, resolve_path
from .pydantic_errors import describe, num
from .source import Path, SourceMap
from .speech import spoken_text
from .speech_limits import max_voiceover_chars

Exists = Callable[[str], bool]


MIN_SCENE_S = 1.0  # the shortest scene a spec may ask for by number (script.scene_seconds guides LLM scripts)


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def _get(tree: Any, *path: Any) -> Any:
    for el in path:
        if isinstance(tree, dict) and isinstance(el, str):
            tree = tree.get(el)
        elif isinstance(tree, list) and isinstance(el, int) and 0 <= el < len(tree):
            tree = tree[el]
        else:
            return None
    return tree


def _check_path(
    tree: dict,
    path: Path,
    spec_dir: str,
    smap: SourceMap,
    what: str,
    diags: list[Diagnostic],
    exists: Exists | None = None,
) -> None:
    value = _get(tree, *path)
    if not isinstance(value, str) or not value:
        return
    target = resolve_path(spec_dir, value)
    if target is None:
        diags.append(smap.at(path, "E_PATH_ESCAPE", f"{what} `{value}` is outside the project folder", ESCAPE_HINT))
    elif exists is not None and not exists(target):
        diags.append(
            smap.at(
                path, "E_FILE_NOT_FOUND", f"{what} `{value}` not found", f"looked for `{target}` in the project folder"
            )
        )


def _is_local_model(value: Any, spec_dir: str, exists: Exists) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if value.startswith((".", "/", "~", "\\")) or re.match(r"^[A-Za-z]:", value):
        return True
    target = resolve_path(spec_dir, value)
    return target is not None and exists(target)


def _is_absolute(value: str) -> bool:
    return value.startswith(("/", "~", "\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", value))


def _check_ranges(tree: dict, smap: SourceMap, diags: list[Diagnostic]) -> None:
    """[lo, hi] pairs in order, and a script with at least one scene."""
    for path, what in ((("music", "bpm"), "music.bpm"), (("music", "tail_seconds"), "music.tail_seconds")):
        pair = _get(tree, *path)
        if isinstance(pair, list) and len(pair) == 2:
            lo, hi = _number(pair[0]), _number(pair[1])
            if lo is not None and hi is not None and lo > hi:
                diags.append(
                    smap.at(
                        path,
                        "E_INVALID",
                        f"{what} is [min, max], but {num(lo)} > {num(hi)}",
                        f"write [{num(hi)}, {num(lo)}]",
                    )
                )
    scenes = _get(tree, "script", "scenes")
    if isinstance(scenes, list) and not scenes:
        diags.append(
            smap.at(
                ("script", "scenes"),
                "E_INVALID",
                "script.scenes is empty; a video needs at least one scene",
                "add a scene with `voiceover_text` and `duration_seconds`",
            )
        )


def _check_resolution(tree: dict, smap: SourceMap, diags: list[Diagnostic]) -> None:
    res = _get(tree, "video", "resolution")
    if not isinstance(res, str) or res in ("480p", "720p"):
        return
    path = ("video", "resolution")
    hint = "use 480p, 720p or WxH with both sides multiples of 16, e.g. 832x480"
    m = re.fullmatch(r"(\d+)x(\d+)", res.strip())
    if not m:
        diags.append(smap.at(path, "E_RESOLUTION", f"unsupported video resolution `{res}`", hint))
        return
    w, h = int(m.group(1)), int(m.group(2))
    if w % 16 or h % 16 or not w or not h:
        near = f"{max(16, round(w / 16) * 16)}x{max(16, round(h / 16) * 16)}"
        diags.append(
            smap.at(
                path,
                "E_RESOLUTION",
                f"video resolution `{res}` is not a multiple of 16 on both sides",
                f"the nearest that works is {near}",
            )
        )


def _check_frames(tree: dict, smap: SourceMap, diags: list[Diagnostic]) -> None:
    n = _get(tree, "video", "frames_per_chunk")
    n = int(n) if _number(n) is not None and float(_number(n) or 0).is_integer() else None
    if n is None or n < 5 or (n - 1) % 4 == 0:
        return  # not a whole number or out of range: pydantic already said so
    low = n - (n - 1) % 4
    diags.append(
        smap.at(
            ("video", "frames_per_chunk"),
            "E_RANGE",
            f"video.frames_per_chunk must be 4k+1 (Wan's latent frames), got {n}",
            f"use {low} or {low + 4}",
        )
    )


def _range(tree: dict) -> tuple[float, float] | None:
    rng = _get(tree, "script", "scene_seconds")
    if rng is None:
        return (8.0, 12.0)
    if isinstance(rng, list) and len(rng) == 2:
        lo, hi = _number(rng[0]), _number(rng[1])
        if lo is not None and hi is not None and lo <= hi:
            return lo, hi
    return None  # malformed: pydantic reports it, and scene lengths cannot be judged


def _speech_rate(tree: dict, rates: Mapping[str, int]) -> float | None:
    wpm, speed = _get(tree, "voice", "words_per_minute"), _get(tree, "voice", "speed")
    engine = _get(tree, "voice", "engine")
    engine = engine if isinstance(engine, str) else Voice.model_fields["engine"].default  # the spec's default
    w = float(rates.get(engine) or COMMON_WPM) if wpm is None else _number(wpm)
    s = 1.0 if speed is None else _number(speed)
    if w is None or s is None or not (60 <= w <= 400) or not (0.25 < s <= 4):
        return None
    return w * s


def _check_scene_index(scene: dict, i: int, base: Path, smap: SourceMap, diags: list[Diagnostic]) -> None:
    """scene_index is implied by order: a number given to a scene must be its position."""
    idx = scene.get("scene_index")
    if isinstance(idx, (int, str)) and not isinstance(idx, bool):
        n = _number(idx)
        if n is not None and n >= 1 and n != i + 1:
            diags.append(
                smap.at(
                    base + ("scene_index",),
                    "E_SCENE_INDEX",
                    f"scene_index {num(n)} given to the scene at position {i + 1}",
                    "scene_index is implied by order; remove it or number the scenes 1, 2, 3, ...",
                )
            )


def _check_duration(
    dur: float | None, rng: tuple[float, float] | None, label: str, base: Path, smap: SourceMap, diags: list[Diagnostic]
) -> None:
    """A scene's number of seconds lies between MIN_SCENE_S and the top of script.scene_seconds."""
    if dur is not None and dur > 0 and dur < MIN_SCENE_S:
        diags.append(
            smap.at(
                base + ("duration_seconds",),
                "E_SCENE_DURATION",
                f"{label} lasts {num(dur)} s; a scene lasts at least {num(MIN_SCENE_S)} s",
                f"make it {num(MIN_SCENE_S)} s or longer, or merge it into a neighbouring scene",
            )
        )
    elif dur is not None and dur > 0 and rng is not None and dur > rng[1]:
        diags.append(
            smap.at(
                base + ("duration_seconds",),
                "E_SCENE_DURATION",
                f"{label} lasts {num(dur)} s; scenes last at most {num(rng[1])} s (script.scene_seconds)",
                "change duration_seconds, split the scene, or widen script.scene_seconds",
            )
        )


def _check_words(
    scene: dict, dur: float | None, rate: float | None, label: str, base: Path, smap: SourceMap, diags: list[Diagnostic]
) -> None:
    """An `auto` scene has words to measure; a timed scene's words fit its seconds at the speech rate."""
    text = scene.get("voiceover_text", "")
    if not isinstance(text, str):
        return
    words = len(text.split())
    said = len(spoken_text(text).split()) if words and "{" not in text else words
    if not words and scene.get("duration_seconds") == "auto":
        at = base + ("voiceover_text",) if "voiceover_text" in scene else base + ("duration_seconds",)
        diags.append(
            smap.at(
                at,
                "E_EMPTY_VOICEOVER",
                f"{label} has no voiceover text and `duration_seconds: auto`, which measures the speech",
                "a silent scene needs a number of seconds, e.g. `duration_seconds: 3`; or write what the voice says",
            )
        )
    elif words and dur is not None and dur > 0 and rate is not None:
        fit = int(min(dur, 1e9) * rate / 60)  # 1e308 s must not overflow
        if said > fit:
            diags.append(
                smap.at(
                    base + ("voiceover_text",),
                    "W_WORDS",
                    f"{label} has {said} spoken words, but only about {fit} fit in {num(dur)} s "
                    f"at {num(rate)} words per minute",
                    "shorten the text or lengthen the scene; otherwise the voice stretches it",
                    severity="warning",
                )
            )


def _too_long(scene: dict, top: float, label: str, base: Path, smap: SourceMap, diags: list[Diagnostic]) -> bool:
    """A voiceover no voice could speak within the scene maximum is an error, found before normalising."""
    text = scene.get("voiceover_text")
    limit = max_voiceover_chars(top)
    if not isinstance(text, str) or len(text) <= limit:
        return False
    diags.append(
        smap.at(
            base + ("voiceover_text",),
            "E_VOICEOVER_LENGTH",
            f"{label}'s voiceover is {len(text)} characters; a scene of at most {num(top)} s "
            f"(script.scene_seconds) holds at most {limit}",
            "split the text over several scenes, or raise the maximum of script.scene_seconds",
        )
    )
    return True


def _check_scenes(
    tree: dict, spec_dir: str, smap: SourceMap, exists: Exists, diags: list[Diagnostic], rates: Mapping[str, int]
) -> None:
    scenes = _get(tree, "script", "scenes")
    if not isinstance(scenes, list):
        return
    rng, rate = _range(tree), _speech_rate(tree, rates)
    assets_engine = _get(tree, "video", "engine") == "assets"
    for i, scene in enumerate(scenes):
        if not isinstance(scene, dict):
            continue
        base: Path = ("script", "scenes", i)
        label = f"scene {i + 1}"
        _check_scene_index(scene, i, base, smap, diags)
        dur = _number(scene.get("duration_seconds"))
        _check_duration(dur, rng, label, base, smap, diags)
        if not _too_long(scene, (rng or (8.0, 12.0))[1], label, base, smap, diags):
            _check_words(scene, dur, rate, label, base, smap, diags)
        chosen = scene.get("video")
        own = chosen.get("engine") if isinstance(chosen, dict) else None
        if "asset" in scene:
            _check_path(tree, base + ("asset",), spec_dir, smap, "asset", diags, exists)
        elif own == "assets" or (own is None and assets_engine):
            diags.append(
                smap.at(
                    base,
                    "E_MISSING",
                    f"missing key `asset` in script.scenes[{i}]",
                    "the assets video engine shows one image or clip per scene, e.g. `asset: img/1.png`",
                )
            )


def _check_engines(tree: dict, engines: dict[str, list[str]], smap: SourceMap, diags: list[Diagnostic]) -> None:
    """voice.engine and video.engine name engines of the backend catalog (built-ins and plug-ins)."""
    for section in ("voice", "video"):
        value = _get(tree, section, "engine")
        if isinstance(value, str) and section in engines and value not in engines[section]:
            diags.append(
                smap.at(
                    (section, "engine"),
                    "E_ENUM",
                    f"{describe(value)} is not a valid {section}.engine",
                    suggest(value, engines[section], "the backend catalog has"),
                )
            )
    scenes = _get(tree, "script", "scenes")
    for i, scene in enumerate(scenes if isinstance(scenes, list) and "video" in engines else []):
        own = scene.get("video") if isinstance(scene, dict) else None
        value = own.get("engine") if isinstance(own, dict) else None
        if isinstance(value, str) and value not in engines["video"]:  # a scene's own source: the same names
            diags.append(
                smap.at(
                    ("script", "scenes", i, "video", "engine"),
                    "E_ENUM",
                    f"{describe(value)} is not a valid video engine for scene {i + 1}",
                    suggest(value, engines["video"], "the backend catalog has"),
                )
            )


def check_rules(
    tree: dict,
    spec_dir: str,
    smap: SourceMap,
    exists: Exists,
    engines: dict[str, list[str]] | None = None,
    rates: Mapping[str, int] | None = None,
) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    if engines is not None:
        _check_engines(tree, engines, smap, diags)
    version = tree.get("vidc")
    if isinstance(version, (bool, float)):  # Literal[1] lets True and 1.0 through (they equal 1)
        diags.append(
            smap.at(
                ("vidc",),
                "E_VERSION",
                f"unsupported spec version `{str(version).lower()}`",
                "this vidc reads `vidc: 1`",
            )
        )
    _check_scenes(tree, spec_dir, smap, exists, diags, rates or {})
    _check_path(tree, ("music", "track"), spec_dir, smap, "music track", diags, exists)
    for end in ("intro", "outro"):
        _check_path(tree, (end, "asset"), spec_dir, smap, f"{end} asset", diags, exists)
    if _get(tree, "music", "library") != "builtin":
        _check_path(tree, ("music", "library"), spec_dir, smap, "music library", diags)
    _check_path(tree, ("output",), spec_dir, smap, "output folder", diags)
    _check_path(tree, ("script", "lock_file"), spec_dir, smap, "lock file", diags)
    _check_path(tree, ("export", "watermark", "file"), spec_dir, smap, "watermark", diags, exists)
    _check_path(tree, ("voice", "lexicon_file"), spec_dir, smap, "lexicon file", diags)
    for section in ("video", "voice"):
        model = _get(tree, section, "model")
        if isinstance(model, str) and _is_absolute(model):
            continue  # a shared model folder the user names is data (the machine's facts say if it is there)
        if _is_local_model(model, spec_dir, exists):
            _check_path(tree, (section, "model"), spec_dir, smap, f"{section} model folder", diags)
    _check_ranges(tree, smap, diags)
    _check_resolution(tree, smap, diags)
    _check_frames(tree, smap, diags)
    return diags
