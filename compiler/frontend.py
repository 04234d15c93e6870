"""The front-end's one entry point: spec text in, validated VideoSpecs and Diagnostics out.

load_project = load (positions) -> expand (matrix, templating) -> validate (pydantic + rules).
All I/O comes in through SourceFiles, so the same call is pure and testable: no clock, no
environment, no randomness, no subprocess. Diagnostics come back sorted and de-duplicated.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vidc.schemas.spec import VideoSpec

from .diagnostics import Diagnostic, Severity, has_errors, sort_diagnostics, suggest
from .expand import Expanded, expand
from .left_out import LeftOut, split_rows
from .scalars import has_lone_surrogate, number_problem, short
from .source import SourceMap, load_source, load_tree
from .templating import referenced_names
from .validate import validate_video

_TEMPLATE_CODES = {"E_UNDEFINED_VAR", "E_TEMPLATE", "E_SANDBOX"}
_SET_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_BAD_NUMBER = {"E_NUMBER", "E_TEXT"}  # the value is dropped at load; validation's complaint about it is no news


@dataclass
class SourceFiles:
    """Injected I/O; the compiler never touches the file system itself."""

    spec_name: str  # e.g. "project.yaml", relative to the project root
    read: Callable[[str], str]  # relpath -> text; raises FileNotFoundError if missing
    exists: Callable[[str], bool]


@dataclass
class LoadedVideo:
    spec: VideoSpec  # after templating; scenes carry scene_index 1..n
    row: int | None  # 0-based matrix row, None without a matrix
    vars: dict[str, Any]
    locate: Callable[[tuple], tuple[int, int]]  # path -> (line, col) in the spec, nearest known ancestor
    file: str = ""  # the spec's name, for diagnostics raised by later stages
    smap: SourceMap | None = field(default=None, repr=False, compare=False)
    label: str = ""  # how diagnostics name its matrix row ("row 2 (rows.csv line 3)"); "" without a matrix

    def source_line(self, line: int) -> str:
        lines = self.smap.lines if self.smap else []
        return lines[line - 1] if 1 <= line <= len(lines) else ""

    def diagnostic(
        self, path: tuple, code: str, message: str, hint: str = "", severity: Severity = "error"
    ) -> Diagnostic:
        """A diagnostic at path in the spec (nearest known ancestor), for later stages (E_NO_DEVICE)."""
        if self.smap is None:
            return Diagnostic(self.file, 1, 1, code, message, hint, severity)
        return self.smap.at(path, code, message, hint, severity)


def parse_set(items: list[str]) -> tuple[dict[str, Any], list[Diagnostic]]:
    """`--set key=value` items -> {key: value}; the value is read as a YAML scalar (9 -> 9, true -> True).

    A plain key sets a template variable; a dotted key (`export.preset=draft`) sets that key of the
    spec. An empty value is the empty string, and a value that is not a scalar stays the text given.
    Later items win over earlier ones, as on most command lines.
    """
    out: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for i, item in enumerate(items, start=1):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or not _SET_KEY.match(key):
            diags.append(
                Diagnostic(
                    "--set",
                    i,
                    1,
                    "E_SET",
                    f"expected key=value, got `{item}`",
                    "e.g. --set product=BeatSync, or a spec key: --set export.preset=draft"
                    " (keys are letters, digits and _)",
                    source_line=item,
                    length=max(1, len(key) if eq else len(item)),
                )
            )
            continue
        if has_lone_surrogate(item):
            diags.append(
                Diagnostic(
                    "--set",
                    i,
                    1,
                    "E_TEXT",
                    f"--set {key}: the value holds a lone surrogate, which is not a character",
                    "pass UTF-8 text",
                    source_line=item.encode("utf-8", "replace").decode("utf-8"),
                    length=1,
                )
            )
            continue
        value: Any = raw
        if raw.strip():
            tree, _, errs = load_tree(raw, "--set")
            if not errs and not isinstance(tree, (dict, list)) and tree is not None:
                value = tree
            elif not errs and tree is None and raw.strip() in ("~", "null", "Null", "NULL"):
                value = None
        out[key] = value
    return out, diags


def _merge_rows(per_row: list[tuple[str, list[Diagnostic]]]) -> list[Diagnostic]:
    """One diagnostic per problem: a problem of every row is shown once, others name their rows."""
    if len(per_row) <= 1:
        return [d for _, ds in per_row for d in ds]
    seen: dict[Diagnostic, list[str]] = {}
    for label, ds in per_row:
        for d in dict.fromkeys(ds):
            seen.setdefault(d, []).append(label)
    out = []
    for d, labels in seen.items():
        if len(labels) == len(per_row):
            out.append(d)
        else:
            shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
            out.append(dataclasses.replace(d, message=f"{d.message} (in {shown})"))
    return out


def _apply_spec_overrides(tree: dict, overrides: Mapping[str, Any]) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Dotted --set keys set keys of the spec itself; the plain ones are template variables (returned)."""
    plain: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for i, (key, value) in enumerate(overrides.items(), start=1):
        if "." not in key:
            plain[key] = value
            continue
        *parents, last = key.split(".")
        node: Any = tree
        for depth, part in enumerate(parents):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(parents[: depth + 1])
                diags.append(
                    Diagnostic(
                        "--set",
                        i,
                        1,
                        "E_SET",
                        f"--set {key}: `{where}` is not a mapping in the spec",
                        "a dotted key names a key of a mapping, e.g. --set export.preset=draft",
                        source_line=f"{key}={value}",
                        length=len(key),
                    )
                )
                break
            node = child
        else:
            node[last] = value
    return plain, diags


def _unused_overrides(tree: dict, variables: Mapping[str, Any]) -> list[Diagnostic]:
    used = referenced_names({k: v for k, v in tree.items() if k not in ("vars", "matrix")})
    return [
        Diagnostic(
            "--set",
            i,
            1,
            "W_UNUSED_SET",
            f"--set {key}: no template of the spec uses `{key}`",
            suggest(key, sorted(used), "the templates use")
            if used
            else "the spec has no `{{ ... }}` template; to set a key of the spec, write e.g. --set export.preset=draft",
            severity="warning",
            source_line=f"{key}={variables[key]}",
            length=len(key),
        )
        for i, key in enumerate(variables, start=1)
        if key not in used
    ]


def _check_numbers(tree: Any, smap: SourceMap, path: tuple = ()) -> list[Diagnostic]:
    """Numbers no setting can use (.inf, .nan, 1e999, 2**63 and beyond) are refused where they are
    written, and dropped from the tree so that validation does not report them again."""
    out: list[Diagnostic] = []
    items = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for k, v in list(items):
        if isinstance(v, (dict, list)):
            out += _check_numbers(v, smap, path + (k,))
            continue
        why = number_problem(v)
        if why:
            shown = short(v if isinstance(v, str) else str(v).replace("inf", ".inf").replace("nan", ".nan"))
            out.append(
                smap.at(
                    path + (k,),
                    "E_NUMBER",
                    f"`{shown}` {why}",
                    "write a finite number in the setting's range (.inf, .nan and huge values are refused)",
                )
            )
            tree[k] = None
    return out


def _at_set(diags: list[Diagnostic], overrides: Mapping[str, Any], smap: SourceMap) -> list[Diagnostic]:
    """A problem with a value a dotted --set put into the spec points at that --set item."""
    moved = {}
    for i, (key, value) in enumerate(overrides.items(), start=1):
        if "." in key:
            path = tuple(key.split("."))
            moved[key] = (i, f"{key}={value}", smap.locate(path), path in smap.positions)
    out = []
    for d in diags:
        for key, (i, item, pos, written) in moved.items():
            parts = key.split(".")
            named = any(
                re.search(re.escape(".".join(parts[:k])) + r"[ :]", d.message + " ") for k in range(len(parts), 1, -1)
            )
            named = named or (not written and d.code == "E_UNKNOWN_KEY" and any(f"`{p}`" in d.message for p in parts))
            if named and (d.line, d.col) == pos:
                at_key = d.code == "E_UNKNOWN_KEY"  # the key is wrong, not the value
                d = dataclasses.replace(
                    d,
                    file="--set",
                    line=i,
                    col=1 if at_key else len(key) + 2,
                    source_line=item,
                    length=len(key) if at_key else max(1, len(item) - len(key) - 1),
                )
                break
        out.append(d)
    return out


def _validate_rows(
    expanded: list[Expanded],
    smap: SourceMap,
    spec_dir: str,
    exists: Callable[[str], bool],
    engines: dict[str, list[str]] | None,
    rates: Mapping[str, int] | None,
    dropped: set[tuple[int, int]],
) -> tuple[list[VideoSpec | None], list[tuple[str, list[Diagnostic]]]]:
    """Validate each expanded row: its spec (None where invalid) and (label, diagnostics) per row."""
    per_row: list[tuple[str, list[Diagnostic]]] = []
    specs: list[VideoSpec | None] = []
    for row in expanded:
        spec, vdiags = validate_video(row.tree, smap, spec_dir, exists, engines, rates)
        # A string whose template failed still holds its source text: problems validation finds
        # with that text are consequences, not news.
        failed = {(d.line, d.col) for d in row.diags if d.code in _TEMPLATE_CODES}
        vdiags = [d for d in vdiags if (d.line, d.col) not in failed | dropped]
        specs.append(spec)
        per_row.append((row.label, row.diags + vdiags))
    return specs, per_row


def _loaded_videos(
    expanded: list[Expanded], specs: list[VideoSpec | None], smap: SourceMap, name: str
) -> list[LoadedVideo]:
    """The loaded videos of a project without errors, their scenes numbered from 1."""
    videos = []
    for row, spec in zip(expanded, specs):
        assert spec is not None  # no errors means every row validated
        for i, scene in enumerate(spec.script.scenes or []):
            scene.scene_index = i + 1
        videos.append(
            LoadedVideo(
                spec=spec, row=row.row, vars=row.vars, locate=smap.locate, file=name, smap=smap, label=row.label
            )
        )
    return videos


def load_project(
    src: SourceFiles,
    overrides: Mapping[str, Any],
    engines: dict[str, list[str]] | None = None,
    rates: Mapping[str, int] | None = None,
    left_out: list[LeftOut] | None = None,
) -> tuple[list[LoadedVideo], list[Diagnostic]]:
    """Load, expand and validate a project spec. Videos are returned only when there is no error
    (warnings may accompany them); the diagnostics are sorted. Never raises on bad input.
    With a `left_out` list, a matrix row whose errors are its own is left out (appended there) and the
    other rows load as they would on their own (compiler/left_out.py).

    `engines`: stage -> engine names of the backend catalog (voice.engine, video.engine are checked);
    `rates`: voice engine -> words per minute from the catalog (without them: the common rate)."""
    name = src.spec_name
    try:
        text = src.read(name)
    except FileNotFoundError:
        return [], [Diagnostic(name, 1, 1, "E_IO", f"spec file `{name}` not found")]
    except UnicodeDecodeError as e:  # the loader reports the first byte that is not UTF-8 at its line and column
        return [], load_source(bytes(e.object), name)[2]
    except (OSError, UnicodeError) as e:
        return [], [Diagnostic(name, 1, 1, "E_IO", f"spec file `{name}` cannot be read: {type(e).__name__}")]
    tree, smap, diags = load_source(text, name)
    if tree is None:
        if not diags:
            diags.append(
                smap.diag(1, 1, "E_MISSING", "the spec is empty", "start with `vidc: 1`, `name:` and `script:`")
            )
        return [], sort_diagnostics(diags)
    if not isinstance(tree, dict):
        diags.append(
            smap.at((), "E_TYPE", "a spec is a mapping of keys (vidc, name, script, ...)", "start with `vidc: 1`")
        )
        return [], sort_diagnostics(diags)

    diags.extend(_check_numbers(tree, smap))
    spec_dir = posixpath.dirname(name)
    known: dict[str, bool] = {}

    def exists(rel: str) -> bool:  # memoised: a 1000-row matrix asks about the same assets again
        if rel not in known:
            known[rel] = bool(src.exists(rel))
        return known[rel]

    variables, set_diags = _apply_spec_overrides(tree, overrides)
    diags.extend(set_diags + _unused_overrides(tree, variables))
    dropped = {(d.line, d.col) for d in diags if d.code in _BAD_NUMBER}
    expanded, project_diags = expand(tree, smap, spec_dir, src.read, variables)
    diags.extend(project_diags)
    specs, per_row = _validate_rows(expanded, smap, spec_dir, exists, engines, rates, dropped)
    if left_out is not None and not has_errors(diags):
        expanded, specs, per_row = split_rows(
            expanded, specs, per_row, left_out, lambda ds: _at_set(ds, overrides, smap)
        )
    diags.extend(_at_set(_merge_rows(per_row), overrides, smap))
    diags = sort_diagnostics(diags)
    if has_errors(diags):
        return [], diags
    return _loaded_videos(expanded, specs, smap, name), diags
