"""Validation: an expanded tree becomes a VideoSpec, and every problem a positioned Diagnostic.

Pydantic checks shapes and types; its errors are translated (unknown key, enum, missing, type,
range) and placed with the error's `loc`. The rules that need more than one field or the file
system view (scene length, words per minute, paths, assets, resolution) are checked here, on the
raw tree, so that they are reported in the same pass even when pydantic found other problems.
"""
from __future__ import annotations

import re
import types
import typing
from typing import Any, Callable, Literal, Mapping, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from vidc.schemas.spec import COMMON_WPM, VideoSpec, Voice

from .diagnostics import Diagnostic, did_you_mean, suggest
from .expand import ESCAPE_HINT, resolve_path
from .source import Path, SourceMap, dotted
from .speech import spoken_text

Exists = Callable[[str], bool]

MIN_SCENE_S = 1.0  # the shortest scene a spec may ask for by number (script.scene_seconds guides LLM scripts)

_RANGE_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of", "finite_number"}
_PHRASES = {
    "float_parsing": "expected a number", "float_type": "expected a number",
    "int_parsing": "expected a whole number", "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected text", "bool_parsing": "expected true or false", "bool_type": "expected true or false",
    "list_type": "expected a list", "tuple_type": "expected a list",
    "dict_type": "expected a mapping", "model_type": "expected a mapping", "model_attributes_type": "expected a mapping",
}


# --- small helpers -------------------------------------------------------------------------

def describe(v: Any) -> str:
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    if isinstance(v, (int, float)):
        return f"`{num(v)}`"
    if isinstance(v, str):
        s = v if len(v) <= 40 else v[:37] + "..."
        return f"`{s}`" if s.strip() else f'"{s}"'
    return {dict: "a mapping", list: "a list"}.get(type(v), f"a {type(v).__name__}")


def num(x: float) -> str:
    """9.0 -> '9', 9.5 -> '9.5' (messages read like the spec was written)."""
    return str(int(x)) if isinstance(x, (int, float)) and float(x).is_integer() else str(x)


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


# --- type walking: which model or Literal sits at a data path ----------------------------------

def _unwrap(t: Any) -> Any:
    if get_origin(t) is typing.Annotated:
        t = get_args(t)[0]
    if get_origin(t) in (Union, types.UnionType):
        args = [a for a in get_args(t) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return t


def annotation_at(path: Path) -> Any:
    t: Any = VideoSpec
    for el in path:
        t = _unwrap(t)
        origin = get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            field = t.model_fields.get(el) if isinstance(el, str) else None
            if field is None:
                return None
            t = field.annotation
        elif origin is list and isinstance(el, int):
            t = get_args(t)[0]
        elif origin is tuple and isinstance(el, int):
            args = get_args(t)
            t = args[0] if len(args) == 2 and args[1] is Ellipsis else (args[el] if el < len(args) else None)
        elif origin is dict:
            t = get_args(t)[1]
        else:
            return None
    return _unwrap(t)


def _model_at(path: Path) -> type[BaseModel] | None:
    t = annotation_at(path)
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


# --- pydantic errors -> diagnostics ----------------------------------------------------------

def _split(data: Any, loc: tuple, missing: bool) -> tuple[Path, Path | None, list[str]]:
    """Split a pydantic loc into (data path, union site, union tags).

    Elements that index into the data form the path; the others are union member tags (or, for
    a `missing` error, the absent key at the end). The site is the path where the first tag sat.
    """
    path: list = []
    tags: list[str] = []
    site: Path | None = None
    cur = data
    for i, el in enumerate(loc):
        if isinstance(cur, dict) and isinstance(el, str) and el in cur:
            cur = cur[el]
        elif isinstance(cur, list) and isinstance(el, int) and 0 <= el < len(cur):
            cur = cur[el]
        elif missing and i == len(loc) - 1:
            break
        else:
            if site is None:
                site = tuple(path)
            tags.append(str(el))
            continue
        path.append(el)
    return tuple(path), site, tags


def _tag_phrase(tag: str) -> str:
    simple = {"float": "a number", "int": "a whole number", "str": "text", "bool": "true or false",
              "constrained-float": "a number", "constrained-int": "a whole number"}
    if tag in simple:
        return simple[tag]
    if tag.startswith("tuple["):
        return f"a list of {tag.count(',') + 1} items"
    if tag.startswith("list["):
        return "a list"
    if tag.startswith("dict["):
        return "a mapping"
    if tag.startswith("literal[") and tag.count("'") == 2:  # literal['auto'] -> `auto`
        return "`" + tag.split("'")[1] + "`"
    return tag


def _one(err: dict, path: Path, smap: SourceMap) -> Diagnostic:
    kind, value, where = err["type"], err.get("input"), dotted(path)
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = path[-1]
        model = _model_at(path[:-1])
        fields = list(model.model_fields) if model else []
        inside = f"in {dotted(path[:-1])}" if len(path) > 1 else "at the top level"
        return smap.at(path, "E_UNKNOWN_KEY", f"unknown key `{key}` {inside}",
                       suggest(str(key), fields, "allowed keys"), key=True)
    if kind == "missing":
        name = err["loc"][-1]
        if isinstance(name, int):
            return smap.at(path, "E_TYPE", f"{where}: item {name + 1} is missing, got {describe(value)}")
        model = _model_at(path)
        desc = model.model_fields[name].description if model and name in model.model_fields else None
        inside = f"in {where}" if path else "at the top level"
        hint = "start the spec with `vidc: 1`" if path == () and name == "vidc" else (desc or "")
        return smap.at(path, "E_MISSING", f"missing key `{name}` {inside}", hint)
    if kind == "literal_error":
        if path == ("vidc",):
            shown = f'the text "{value}"' if isinstance(value, str) else describe(value)
            return smap.at(path, "E_VERSION", f"unsupported spec version {shown}", "this vidc reads `vidc: 1`")
        t = annotation_at(path)
        if get_origin(t) is not Literal and err["loc"] and isinstance(err["loc"][-1], str):
            t = annotation_at(path + (err["loc"][-1],))  # a shorthand for a mapping (`transition: fade`)
        allowed = [str(a) for a in get_args(t)] if get_origin(t) is Literal else []
        return smap.at(path, "E_ENUM", f"{describe(value)} is not a valid {where}",
                       suggest(str(value), allowed, "expected one of"))
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    if kind in _RANGE_TYPES:
        return smap.at(path, "E_RANGE", f"{where} {msg.replace('Input should be', 'must be')}, got {describe(value)}")
    if kind == "value_error":
        return smap.at(path, "E_INVALID", f"{where}: {msg}" if where else msg)
    if kind in ("too_short", "too_long"):
        n = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
        return smap.at(path, "E_TYPE", f"{where}: expected {n} items, got {ctx.get('actual_length', '?')}")
    if kind == "string_pattern_mismatch":
        return smap.at(path, "E_TYPE", f"{where}: {describe(value)} does not match the pattern `{ctx.get('pattern')}`")
    phrase = _PHRASES.get(kind, msg[:1].lower() + msg[1:])
    return smap.at(path, "E_TYPE", f"{where}: {phrase}, got {describe(value)}")


def pydantic_diagnostics(exc: ValidationError, data: Any, smap: SourceMap) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    unions: dict[Path, list[tuple[dict, Path, list[str]]]] = {}
    errors = exc.errors(include_url=False)
    # A misspelt key is reported once, as unknown with its did-you-mean, not also as missing.
    meant: set[tuple] = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"])
            model = _model_at(_split(data, loc[:-1], False)[0])
            hit = did_you_mean(str(loc[-1]), list(model.model_fields)) if model else None
            if hit:
                meant.add(loc[:-1] + (hit,))
    for err in errors:
        if err["type"] == "missing" and tuple(err["loc"]) in meant:
            continue
        path, site, tags = _split(data, tuple(err["loc"]), err["type"] == "missing")
        if site is None:
            out.append(_one(err, path, smap))
        else:  # an error inside one member of a union: decide once all members are in
            unions.setdefault(site, []).append((err, path, tags))
    for site, errs in unions.items():
        # An error that got deeper into the value is about the member the author meant.
        depth = max(len(p) for _, p, _ in errs)
        deep = [(e, p) for e, p, _ in errs if len(p) == depth]
        if depth > len(site) or len(deep) == 1:
            out.extend(_one(e, p, smap) for e, p in deep)
            continue
        ranged = [(e, p) for e, p, _ in errs if e["type"] in _RANGE_TYPES]
        if len(ranged) == 1:  # the value has a member's type, outside its range: say that
            out.append(_one(*ranged[0], smap))
            continue
        phrases = list(dict.fromkeys(_tag_phrase(t[0]) for _, _, t in errs if t))
        out.append(smap.at(site, "E_TYPE", f"{dotted(site)}: expected {' or '.join(phrases)}, "
                                           f"got {describe(errs[0][0].get('input'))}"))
    return out


# --- rules across fields -----------------------------------------------------------------------

def _check_path(tree: dict, path: Path, spec_dir: str, smap: SourceMap, what: str, diags: list[Diagnostic],
                exists: Exists | None = None) -> None:
    value = _get(tree, *path)
    if not isinstance(value, str) or not value:
        return
    target = resolve_path(spec_dir, value)
    if target is None:
        diags.append(smap.at(path, "E_PATH_ESCAPE", f"{what} `{value}` is outside the project folder",
                             ESCAPE_HINT))
    elif exists is not None and not exists(target):
        diags.append(smap.at(path, "E_FILE_NOT_FOUND", f"{what} `{value}` not found",
                             f"looked for `{target}` in the project folder"))


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
                diags.append(smap.at(path, "E_INVALID", f"{what} is [min, max], but {num(lo)} > {num(hi)}",
                                     f"write [{num(hi)}, {num(lo)}]"))
    scenes = _get(tree, "script", "scenes")
    if isinstance(scenes, list) and not scenes:
        diags.append(smap.at(("script", "scenes"), "E_INVALID", "script.scenes is empty; a video needs at least one scene",
                             "add a scene with `voiceover_text` and `duration_seconds`"))


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
        diags.append(smap.at(path, "E_RESOLUTION", f"video resolution `{res}` is not a multiple of 16 on both sides",
                             f"the nearest that works is {near}"))


def _check_frames(tree: dict, smap: SourceMap, diags: list[Diagnostic]) -> None:
    n = _get(tree, "video", "frames_per_chunk")
    n = int(n) if _number(n) is not None and float(_number(n) or 0).is_integer() else None
    if n is None or n < 5 or (n - 1) % 4 == 0:
        return  # not a whole number or out of range: pydantic already said so
    low = n - (n - 1) % 4
    diags.append(smap.at(("video", "frames_per_chunk"), "E_RANGE",
                         f"video.frames_per_chunk must be 4k+1 (Wan's latent frames), got {n}",
                         f"use {low} or {low + 4}"))


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


def _check_scenes(tree: dict, spec_dir: str, smap: SourceMap, exists: Exists, diags: list[Diagnostic],
                  rates: Mapping[str, int]) -> None:
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
        idx = scene.get("scene_index")
        if isinstance(idx, (int, str)) and not isinstance(idx, bool):
            n = _number(idx)
            if n is not None and n >= 1 and n != i + 1:
                diags.append(smap.at(base + ("scene_index",), "E_SCENE_INDEX",
                                     f"scene_index {num(n)} given to the scene at position {i + 1}",
                                     "scene_index is implied by order; remove it or number the scenes 1, 2, 3, ..."))
        dur = _number(scene.get("duration_seconds"))
        if dur is not None and dur > 0 and dur < MIN_SCENE_S:
            diags.append(smap.at(base + ("duration_seconds",), "E_SCENE_DURATION",
                                 f"{label} lasts {num(dur)} s; a scene lasts at least {num(MIN_SCENE_S)} s",
                                 f"make it {num(MIN_SCENE_S)} s or longer, or merge it into a neighbouring scene"))
        elif dur is not None and dur > 0 and rng is not None and dur > rng[1]:
            diags.append(smap.at(base + ("duration_seconds",), "E_SCENE_DURATION",
                                 f"{label} lasts {num(dur)} s; scenes last at most {num(rng[1])} s "
                                 f"(script.scene_seconds)",
                                 "change duration_seconds, split the scene, or widen script.scene_seconds"))
        text = scene.get("voiceover_text", "")
        if isinstance(text, str):
            words = len(text.split())
            said = len(spoken_text(text).split()) if words and "{" not in text else words
            if not words and scene.get("duration_seconds") == "auto":
                at = base + ("voiceover_text",) if "voiceover_text" in scene else base + ("duration_seconds",)
                diags.append(smap.at(at, "E_EMPTY_VOICEOVER",
                                     f"{label} has no voiceover text and `duration_seconds: auto`, which measures "
                                     "the speech", "a silent scene needs a number of seconds, e.g. "
                                     "`duration_seconds: 3`; or write what the voice says"))
            elif words and dur is not None and dur > 0 and rate is not None:
                fit = int(min(dur, 1e9) * rate / 60)  # 1e308 s must not overflow
                if said > fit:
                    diags.append(smap.at(base + ("voiceover_text",), "W_WORDS",
                                         f"{label} has {said} spoken words, but only about {fit} fit in {num(dur)} s "
                                         f"at {num(rate)} words per minute",
                                         "shorten the text or lengthen the scene; otherwise the voice stretches it",
                                         severity="warning"))
        if "asset" in scene:
            _check_path(tree, base + ("asset",), spec_dir, smap, "asset", diags, exists)
        elif assets_engine:
            diags.append(smap.at(base, "E_MISSING", f"missing key `asset` in script.scenes[{i}]",
                                 "the assets video engine shows one image or clip per scene, e.g. `asset: img/1.png`"))


def _check_engines(tree: dict, engines: dict[str, list[str]], smap: SourceMap, diags: list[Diagnostic]) -> None:
    """voice.engine and video.engine name engines of the backend catalog (built-ins and plug-ins)."""
    for section in ("voice", "video"):
        value = _get(tree, section, "engine")
        if isinstance(value, str) and section in engines and value not in engines[section]:
            diags.append(smap.at((section, "engine"), "E_ENUM", f"{describe(value)} is not a valid {section}.engine",
                                 suggest(value, engines[section], "the backend catalog has")))


def check_rules(tree: dict, spec_dir: str, smap: SourceMap, exists: Exists,
                engines: dict[str, list[str]] | None = None, rates: Mapping[str, int] | None = None
                ) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    if engines is not None:
        _check_engines(tree, engines, smap, diags)
    version = tree.get("vidc")
    if isinstance(version, (bool, float)):  # Literal[1] lets True and 1.0 through (they equal 1)
        diags.append(smap.at(("vidc",), "E_VERSION", f"unsupported spec version `{str(version).lower()}`",
                             "this vidc reads `vidc: 1`"))
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


def validate_video(tree: dict, smap: SourceMap, spec_dir: str, exists: Exists,
                   engines: dict[str, list[str]] | None = None, rates: Mapping[str, int] | None = None
                   ) -> tuple[VideoSpec | None, list[Diagnostic]]:
    """A VideoSpec (None if pydantic rejects the tree) and every diagnostic found. Never raises.
    `rates`: the voice engines' words per minute, from the backend catalog."""
    diags = check_rules(tree, spec_dir, smap, exists, engines, rates)
    try:
        spec: VideoSpec | None = VideoSpec.model_validate(tree)
    except ValidationError as e:
        diags.extend(pydantic_diagnostics(e, tree, smap))
        spec = None
    if spec is not None:
        spec.voice.use_engine_rate((rates or {}).get(spec.voice.engine))
    return spec, diags
