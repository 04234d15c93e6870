"""Load YAML or JSON into plain Python data while remembering where every value came from.

`load_tree` never raises: any problem with the text becomes a Diagnostic. The YAML resolver is
deliberately narrower than PyYAML's YAML 1.1 default (closer to YAML 1.2 core): only
true/false are booleans, so `captions: {mode: off}` stays the string "off"; no sexagesimal
ints, no timestamps. Every implicit scalar it resolves as non-string, YAML 1.1 does too, so
text written by `yaml.safe_dump` loads back unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic
from .scalars import has_lone_surrogate, join_surrogates, scrub_surrogates, short
from .source_map import KEY, Path, Positions, SourceMap, dotted, split_lines

# KEY, Path, Positions, SourceMap, dotted and split_lines live in source_map; they stay importable from here.
__all__ = [
    "KEY",
    "MAX_DEPTH",
    "MAX_EXPANDED",
    "Path",
    "Positions",
    "SourceMap",
    "dotted",
    "keep_first_pairs",
    "load_source",
    "load_tree",
    "split_lines",
]


MAX_DEPTH = 64  # nesting deeper than this is no spec; it is an attack or an accident
MAX_EXPANDED = 100_000  # aliases may not expand the tree beyond this (and 4x the written nodes)

_T = "tag:yaml.org,2002:"


class _Loader(yaml.SafeLoader):
    """SafeLoader with a narrow, YAML-1.2-like resolver (see module doc)."""


_CLoader: type[yaml.CSafeLoader] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        """libyaml's parser with the same narrow resolver: a large text composes in a fraction of the time."""


FAST_COMPOSE = 256 * 1024  # characters: a longer text is composed by libyaml (PyYAML words any error)

_Loader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
]:
    _Loader.add_implicit_resolver(_T + _tag, re.compile(_rx), list(_first))
if _CLoader is not None:
    _CLoader.yaml_implicit_resolvers = dict(_Loader.yaml_implicit_resolvers)


class _Builder:
    """Walks a composed node graph into plain data, positions and diagnostics."""

    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.pos = smap.positions
        self.diags: list[Diagnostic] = []

    def _mark(self, path: Path, node: Node) -> None:
        s, e = node.start_mark, node.end_mark
        self.pos[path] = (s.line + 1, s.column + 1)
        if e is not None and e.line == s.line and e.column > s.column:
            self.pos.lengths[path] = e.column - s.column

    def _diag(self, node: Node, code: str, message: str, hint: str = "") -> None:
        s = node.start_mark
        length = 1
        if node.end_mark is not None and node.end_mark.line == s.line:
            length = max(1, node.end_mark.column - s.column)
        self.diags.append(self.smap.diag(s.line + 1, s.column + 1, code, message, hint, length=length))

    def build(self, node: Node, path: Path = (), depth: int = 0) -> Any:
        self._mark(path, node)
        if depth > MAX_DEPTH:
            self._diag(node, "E_SYNTAX", f"nesting deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _T + "seq":
                self._diag(node, "E_TYPE", f"unsupported YAML tag `{node.tag}`", "remove the tag")
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        if node.tag != _T + "map":
            self._diag(node, "E_TYPE", f"unsupported YAML tag `{node.tag}`", "remove the tag")
        out: dict[str, Any] = {}
        merges: list[Node] = []
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode) and knode.tag == _T + "merge":
                merges.append(vnode)
                continue
            key = self._key(knode, out, path)
            if key is None:
                continue
            self._mark(path + (key, KEY), knode)
            out[key] = self.build(vnode, path + (key,), depth + 1)
        self._merge(merges, out, path, depth)
        return out

    def _key(self, knode: Node, out: dict[str, Any], path: Path) -> str | None:
        """The mapping key knode writes, or None (with a diagnostic) when it is no string or a duplicate."""
        key = self._scalar(knode) if isinstance(knode, ScalarNode) else None
        if not isinstance(key, str):
            if isinstance(knode, ScalarNode):
                self._diag(
                    knode,
                    "E_TYPE",
                    f"mapping keys must be strings, not `{knode.value}`",
                    f'quote the key: "{knode.value}"',
                )
            else:
                self._diag(knode, "E_TYPE", "mapping keys must be strings, not a collection")
            return None
        if key in out:
            line, col = self.pos[path + (key, KEY)]
            self._diag(
                knode,
                "E_DUPLICATE_KEY",
                f"duplicate key `{key}` (first at line {line}, column {col})",
                "the first value is kept; remove one of them",
            )
            return None
        return key

    def _merge(self, merges: list[Node], out: dict[str, Any], path: Path, depth: int) -> None:
        """`<<: *base` merges keys the mapping does not set itself (YAML merge-key semantics)."""
        for m in merges:
            sources = m.value if isinstance(m, SequenceNode) else [m]
            for src in sources:
                if not isinstance(src, MappingNode):
                    self._diag(src, "E_TYPE", "`<<` merges only mappings")
                    continue
                # Build the source on the side so its positions never overwrite explicit keys'.
                sub = _Builder(SourceMap(self.smap.filename, self.smap.lines))
                merged = sub.build(src, path, depth)
                self.diags.extend(sub.diags)
                for k, v in merged.items():
                    if k in out:
                        continue
                    out[k] = v
                    n = len(path) + 1
                    for p, lc in sub.pos.items():
                        if p[:n] == path + (k,):
                            self.pos[p] = lc
                            if p in sub.pos.lengths:
                                self.pos.lengths[p] = sub.pos.lengths[p]

    def _scalar(self, node: ScalarNode) -> Any:
        tag, v = node.tag, node.value
        try:
            if tag == _T + "str":
                if not has_lone_surrogate(v):
                    return v
                joined = join_surrogates(v)
                if has_lone_surrogate(joined):
                    self._diag(
                        node,
                        "E_TEXT",
                        "the text holds a lone surrogate (e.g. `\\ud800`), which is not a character",
                        "remove it, or write the whole character (a surrogate pair or the character itself)",
                    )
                    return scrub_surrogates(joined)
                return joined
            if tag == _T + "null":
                return None
            if tag == _T + "bool":
                low = v.lower()
                if low in ("true", "false"):
                    return low == "true"
                raise ValueError(v)
            if tag == _T + "int":
                t = v.replace("_", "")
                if len(t.lstrip("+-")) > 4000:  # int() refuses over 4,300 digits
                    return self._bad_number(node, v, "is too large")
                return int(t, 16) if t.lower().lstrip("+-").startswith("0x") else int(t, 10)
            if tag == _T + "float":
                t = v.replace("_", "").lower()
                return float(t.replace(".", "")) if t.lstrip("+-") in (".inf", ".nan") else float(t)
        except ValueError:
            self._diag(node, "E_TYPE", f"`{v}` is not a valid {tag.rsplit(':', 1)[-1]}")
            return v
        self._diag(node, "E_TYPE", f"unsupported YAML tag `{tag}`", "remove the tag")
        return v

    def _bad_number(self, node: ScalarNode, v: str, why: str) -> None:
        self._diag(
            node,
            "E_NUMBER",
            f"`{short(v)}` {why}",
            "write a finite number in the setting's range (.inf, .nan and huge values are refused)",
        )
        return None


def _expanded_size(root: Node) -> tuple[int, int, Node | None, Node | None]:
    """(culprit's expanded size, distinct nodes, smallest node over the limit, node on a cycle)."""
    memo: dict[int, int] = {}
    visiting: set[int] = set()
    cycle: list[Node] = []

    def size(n: Node) -> int:
        i = id(n)
        if i in memo:
            return memo[i]
        if i in visiting:
            cycle.append(n)
            return 1
        visiting.add(i)
        total = 1
        if isinstance(n, SequenceNode):
            total += sum(size(c) for c in n.value)
        elif isinstance(n, MappingNode):
            total += sum(size(k) + size(v) for k, v in n.value)
        visiting.discard(i)
        memo[i] = total
        return total

    total = size(root)
    limit = max(MAX_EXPANDED, 4 * len(memo))
    culprit = None
    if total > limit:  # descend to the smallest subtree still over the limit: the bomb's fuse
        culprit = root
        while True:
            kids = (
                culprit.value
                if isinstance(culprit, SequenceNode)
                else ([x for kv in culprit.value for x in kv] if isinstance(culprit, MappingNode) else [])
            )
            big = [k for k in kids if memo.get(id(k), 0) > limit]
            if not big:
                break
            culprit = big[0]
    return (memo[id(culprit)] if culprit is not None else total), len(memo), culprit, (cycle[0] if cycle else None)


def _offset_to_linecol(text: str, offset: int) -> tuple[int, int]:
    before = split_lines(text[:offset])
    return len(before), len(before[-1]) + 1


def keep_first_pairs(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def load_source(text: str | bytes, filename: str) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Parse YAML (or JSON when filename ends in .json) into (tree, source map, diagnostics).

    Like load_tree, but returns the SourceMap (lines + positions) that places diagnostics.
    """
    smap = SourceMap(filename, [])
    if isinstance(text, bytes):
        decoded = _decode(text, smap)
        if isinstance(decoded, Diagnostic):
            return None, smap, [decoded]
        text = decoded
    smap.lines = split_lines(text.removeprefix("\ufeff"))  # PyYAML does not count a BOM as a column
    is_json = filename.lower().endswith(".json")
    json_tree: Any = None
    if is_json:
        try:
            json_tree = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=keep_first_pairs)
        except json.JSONDecodeError as e:
            return None, smap, [smap.diag(e.lineno, e.colno, "E_SYNTAX", f"invalid JSON: {e.msg}")]
        except ValueError:  # an integer over Python's 4,300 digits: the YAML reading below reports it
            is_json = False
        except RecursionError:
            return None, smap, [smap.diag(1, 1, "E_SYNTAX", "nesting is too deep")]
        # Valid JSON has tabs only between tokens, where a space means the same; YAML rejects them.
        text = text.replace("\t", " ")
    node = _compose(text, smap)
    if isinstance(node, Diagnostic):
        # json.loads accepted it; PyYAML's YAML 1.1 did not: keep the data, lose positions
        return (json_tree, smap, []) if is_json else (None, smap, [node])
    if node is None:
        return json_tree, smap, []
    return _build(node, smap, is_json, json_tree)


def _decode(data: bytes, smap: SourceMap) -> str | Diagnostic:
    """The file's text, or where it stops being UTF-8 (smap then holds its lines as far as they read)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        prefix = data[: e.start].decode("utf-8", "replace")
        line, col = _offset_to_linecol(prefix, len(prefix))
        smap.lines = split_lines(data.decode("utf-8", "replace"))
        return smap.diag(line, col, "E_SYNTAX", "the file is not valid UTF-8", "save it as UTF-8")


def _compose(text: str, smap: SourceMap) -> Node | None | Diagnostic:
    """PyYAML's node graph of the text (None for an empty file), or why it cannot be read.

    A long text (a hostile 5 MB voiceover) is composed by libyaml, which builds the same nodes and
    marks in a fraction of PyYAML's time; should libyaml refuse it, PyYAML reads it again below, so
    every message and position of an error is PyYAML's own."""
    if _CLoader is not None and len(text) > FAST_COMPOSE:
        try:
            return yaml.compose(text, Loader=_CLoader)
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (e.problem or e.context or "syntax error").removeprefix("but ")
        hint = ""
        if e.context and e.problem and e.context_mark is not None:
            hint = f"{e.context} (line {e.context_mark.line + 1}, column {e.context_mark.column + 1})"
        return smap.diag(line, col, "E_SYNTAX", problem, hint)
    except yaml.reader.ReaderError as e:
        line, col = _offset_to_linecol(text, e.position)
        return smap.diag(
            line,
            col,
            "E_SYNTAX",
            f"character {e.character!r} is not allowed",
            "remove control characters from the file",
        )
    except (yaml.YAMLError, RecursionError):
        return smap.diag(1, 1, "E_SYNTAX", "the file cannot be parsed (nesting too deep?)")


def _build(node: Node, smap: SourceMap, is_json: bool, json_tree: Any) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """The plain tree of a composed document, after the alias checks (a JSON file keeps json.loads' tree)."""
    try:
        culprit_size, distinct, culprit, cyc = _expanded_size(node)
    except RecursionError:
        return (json_tree, smap, []) if is_json else (None, smap, [smap.diag(1, 1, "E_SYNTAX", "nesting is too deep")])
    if cyc is not None:
        b = _Builder(smap)
        b._diag(cyc, "E_ALIAS", "an alias refers to the node that contains it (an infinite structure)")
        return None, smap, b.diags
    if culprit is not None:
        b = _Builder(smap)
        limit = max(MAX_EXPANDED, 4 * distinct)
        b._diag(
            culprit,
            "E_ALIAS",
            f"aliases expand this to {culprit_size} nodes (limit {limit})",
            "write the data out, or use fewer nested aliases",
        )
        return None, smap, b.diags
    builder = _Builder(smap)
    try:
        tree = builder.build(node)
    except RecursionError:
        return (json_tree, smap, []) if is_json else (None, smap, [smap.diag(1, 1, "E_SYNTAX", "nesting is too deep")])
    if is_json and builder.diags:  # JSON's own reading kept lone surrogates and huge numbers: use ours
        return tree, smap, builder.diags
    return (json_tree if is_json else tree), smap, builder.diags


def load_tree(text: str | bytes, filename: str) -> tuple[Any, Positions, list[Diagnostic]]:
    """Parse YAML (or JSON when filename ends in .json) into (tree, positions, diagnostics). Never raises.

    The tree is plain data: dict/list/str/int/float/bool/None. positions maps a path such as
    ("script", "scenes", 0, "voiceover_text") to its value's (line, col), and the same path plus
    KEY to its key's. On a syntax error the tree is None.
    """
    tree, smap, diags = load_source(text, filename)
    return tree, smap.positions, diags
