"""Property tests: the loader never raises, round-trips data, and always points inside the file."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from vidc.compiler.frontend import SourceFiles, load_project, parse_set
from vidc.compiler.source import KEY, load_tree
from vidc.compiler.templating import render_string

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
keys = st.text(max_size=12)
trees = st.recursive(
    scalars, lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(keys, kids, max_size=4)), max_leaves=25
)

# Text that looks a little like YAML finds more interesting failures than uniform noise.
yamlish = st.text(
    alphabet=st.sampled_from(list("ab1 :-[]{},'\"&*!|>#\n\t%@`?<=~.\\") + ["\x00", "é", "\u2028"]), max_size=120
)


def _paths(tree: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += [path + (k, KEY)] + _paths(v, path + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _paths(v, path + (i,))
    return out


def _check_diags(diags: list) -> None:
    for d in diags:
        assert d.line >= 1 and d.col >= 1 and d.length >= 1
        assert d.code and d.message
        assert d.format().startswith(f"{d.file}:{d.line}:{d.col}: ")


@FAST
@given(st.one_of(st.text(max_size=200), yamlish), st.sampled_from(["p.yaml", "p.json"]))
def test_any_text_gives_data_or_diagnostics(text: str, name: str) -> None:
    tree, positions, diags = load_tree(text, name)
    _check_diags(diags)
    for line, col in positions.values():
        assert line >= 1 and col >= 1


@FAST
@given(st.binary(max_size=200))
def test_any_bytes_give_data_or_diagnostics(data: bytes) -> None:
    _, _, diags = load_tree(data, "p.yaml")
    _check_diags(diags)


@FAST
@given(trees)
def test_yaml_round_trip(tree: Any) -> None:
    text = yaml.safe_dump(tree, sort_keys=False)  # allow_unicode=True mangles NEL (a PyYAML emitter bug)
    got, positions, diags = load_tree(text, "p.yaml")
    assert diags == []
    assert got == tree
    assert set(_paths(tree)) <= set(positions)
    lines = text.split("\n")
    for line, col in positions.values():
        assert 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]) + 1


@FAST
@given(trees)
def test_json_round_trip(tree: Any) -> None:
    text = json.dumps(tree, indent=1)
    got, positions, diags = load_tree(text, "p.json")
    assert diags == []
    assert got == tree
    assert set(_paths(tree)) <= set(positions)


@FAST
@given(st.one_of(st.text(max_size=200), yamlish), st.dictionaries(st.sampled_from(["product", "n"]), scalars))
def test_load_project_never_raises(text: str, overrides: dict) -> None:
    files = {"project.yaml": text}

    def read(rel: str) -> str:
        if rel in files:
            return files[rel]
        raise FileNotFoundError(rel)

    videos, diags = load_project(SourceFiles("project.yaml", read, files.__contains__), overrides)
    _check_diags(diags)
    assert videos == [] or all(d.severity == "warning" for d in diags)


@FAST
@given(trees)
def test_valid_yaml_trees_as_specs_never_raise(tree: Any) -> None:
    spec = (
        {"vidc": 1, "name": "x", "script": tree} if isinstance(tree, dict) else {"vidc": 1, "script": {"scenes": tree}}
    )
    files = {"project.yaml": yaml.safe_dump(spec)}
    videos, diags = load_project(SourceFiles("project.yaml", files.__getitem__, files.__contains__), {})
    _check_diags(diags)


@FAST
@given(st.text(max_size=60), st.dictionaries(st.text(max_size=5), scalars, max_size=3))
def test_templates_never_raise(source: str, variables: dict) -> None:
    for s in (source, "{{ " + source + " }}", "{% " + source + " %}"):
        out, err = render_string(s, variables)
        assert (out is None) != (err is None)


@FAST
@given(st.lists(st.text(max_size=20), max_size=5))
def test_parse_set_never_raises(items: list[str]) -> None:
    got, diags = parse_set(items)
    _check_diags(diags)
    bad = {d.line for d in diags}
    for n, item in enumerate(items, start=1):
        assert n in bad or item.partition("=")[0].strip() in got
