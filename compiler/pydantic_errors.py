"""Pydantic's validation errors as diagnostics: each error is translated (unknown key, enum,
missing, type, range, a union's alternatives) and placed at its `loc` in the spec, by walking the
VideoSpec model to the field the error names."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from vidc.schemas.spec import VideoSpec

from .diagnostics import Diagnostic, did_you_mean, suggest
from .source import Path, SourceMap, dotted

_RANGE_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of", "finite_number"}


_PHRASES = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "string_type": "expected text",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a mapping",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
}


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
    kinds: dict[type, str] = {dict: "a mapping", list: "a list"}
    return kinds.get(type(v), f"a {type(v).__name__}")


def num(x: float) -> str:
    """9.0 -> '9', 9.5 -> '9.5' (messages read like the spec was written)."""
    return str(int(x)) if isinstance(x, (int, float)) and float(x).is_integer() else str(x)


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


def _split(data: Any, loc: tuple, missing: bool) -> tuple[Path, Path | None, list[str]]:
    """Split a pydantic loc into (data path, union site, union tags).

    Elements that index into the data form the path; the others are union member tags (or, for
    a `missing` error, the absent key at the end). The site is the path where the first tag sat.
    """
    path: list = []
    tags: list[str] = []
    site: Path | None = None
    cur: Any = data
    for i, el in enumerate(loc):
        if (
            isinstance(cur, dict)
            and isinstance(el, str)
            and el in cur
            or isinstance(cur, list)
            and isinstance(el, int)
            and 0 <= el < len(cur)
        ):
            cur = cur[el]  # type: ignore[index]  # a str key of a dict or an int index of a list, tested above
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
    simple = {
        "float": "a number",
        "int": "a whole number",
        "str": "text",
        "bool": "true or false",
        "constrained-float": "a number",
        "constrained-int": "a whole number",
    }
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


def _one(err: Any, path: Path, smap: SourceMap) -> Diagnostic:
    kind, value, where = err["type"], err.get("input"), dotted(path)
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = path[-1]
        model = _model_at(path[:-1])
        fields = list(model.model_fields) if model else []
        inside = f"in {dotted(path[:-1])}" if len(path) > 1 else "at the top level"
        return smap.at(
            path, "E_UNKNOWN_KEY", f"unknown key `{key}` {inside}", suggest(str(key), fields, "allowed keys"), key=True
        )
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
        return smap.at(
            path, "E_ENUM", f"{describe(value)} is not a valid {where}", suggest(str(value), allowed, "expected one of")
        )
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
    unions: dict[Path, list[tuple[Any, Path, list[str]]]] = {}
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
        out.append(
            smap.at(
                site,
                "E_TYPE",
                f"{dotted(site)}: expected {' or '.join(phrases)}, got {describe(errs[0][0].get('input'))}",
            )
        )
    return out
