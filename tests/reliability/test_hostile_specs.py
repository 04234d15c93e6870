"""Hostile specs: each one is refused with its diagnostic, fast, with bounded memory, and nothing
is read outside the project or from a FIFO. (The red-team list of issue 9, and more.)"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

from vidc.compiler.render import to_text
from vidc.runtime.cli.common import compile_spec
from vidc.runtime.host.hardware import load_hardware

ROOT = Path(__file__).resolve().parents[2]
HARDWARE = load_hardware(ROOT / "tests" / "golden" / "hardware-cpu.yaml")
HEAD = "vidc: 1\nname: hostile\n"


def vo(text: str, extra: str = "") -> str:
    """A spec whose one scene speaks `text` (a template)."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return HEAD + extra + f'script:\n  scenes:\n    - voiceover_text: "{quoted}"\n      duration_seconds: 9\n'


NESTED_RANGE = "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}"
DOUBLING = "{% set s = namespace(v='x') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v|length }}"

TEMPLATE_LIMIT = {
    "nested-range-output": NESTED_RANGE,
    "nested-range-empty": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "nested-list-repeat": "{{ [[0]*999999]*999999 }}",
    "lipsum-huge": "{{ lipsum(999999)|length }}",
    "percent-width": "{{ ('%01500000000d' % 1)|length }}",
    "format-width": "{{ '{:>1500000000}'.format(1) }}",
    "center-filter": "{{ 'x'|center(1500000000) }}",
    "concat-doubling": DOUBLING,
    "string-repeat": "{{ 'ha' * 100000000 }}",
    "format-nested-width": "{{ '{:>{}}'.format(1, 1500000000) }}",
    "percent-star-width": "{{ '%*d' % (1500000000, 1) }}",
    "percent-precision": "{{ '%.1500000000f' % 1.0 }}",
    "ljust-method": "{{ 'x'.ljust(1500000000) }}",
    "zfill-method": "{{ 'x'.zfill(1500000000) }}",
    "range-huge": "{{ range(10**9)|length }}",
    "printed-big-list": "{{ [0]*999999 }}",
    "expandtabs": "{{ ('\t'*99999).expandtabs(99999) }}",
    "concat-big": "{{ ('x'*999999) ~ ('x'*999999) }}",
    "plus-big": "{{ ('x'*999999) + ('x'*999999) }}",
    "indent-big": "{{ ('a\\n'*400000)|indent(100) }}",
    "replace-growth": "{{ ('x'*999999)|replace('x', 'xx') }}",
    "list-doubling": "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}"
    "{{ ns.l|length }}",
    "materialise-in-loop": "{% for i in range(99999) %}{{ range(99999)|list|length }}{% endfor %}",
    "macro-exponential": "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
    "macro-infinite": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    "output-too-long": "{% for i in range(99999) %}{{ 'y' * 999 }}{% endfor %}",
    "join-big": "{{ (['x'*9999]*99) | join('x'*9999) }}",
    "wordwrap-width": "{{ 'a b'|wordwrap(1500000000) }}",
    "truncate-count": "{{ 'a'|truncate(1500000000) }}",
    "format-filter-width": "{{ '%01500000000d'|format(1) }}",
    "batch-huge": "{{ range(9)|batch(1500000000)|list }}",
    "power-huge": "{{ 9 ** 999999 }}",
}

SANDBOX = {
    "lipsum-string": "{{ lipsum|string }}",
    "format-callable": "{{ '{}'.format(lipsum) }}",
    "percent-callable": "{{ '%s' % lipsum }}",
    "pprint-callable": "{{ lipsum|pprint }}",
    "print-cycler": "{{ cycler(1) }}",
    "class-mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals-os": "{{ cycler.__init__.__globals__.os.system('true') }}",
    "range-string": "{{ range|string }}",
    "print-namespace-fn": "{{ namespace }}",
    "print-joiner": "{{ joiner() }}",
    "print-dict-fn": "{{ dict }}",
    "print-method": "{{ ''.format }}",
    "concat-callable": "{{ lipsum ~ '' }}",
    "lipsum-globals": "{{ lipsum.__globals__ }}",
    "string-of-upper": "{{ ''.upper|string }}",
    "list-of-callables": "{{ [lipsum]|string }}",
}

OTHER_TEMPLATES = {
    "undefined": ("{{ nope }}", "E_UNDEFINED_VAR"),
    "divide-by-zero": ("{{ 1/0 }}", "E_TEMPLATE"),
    "syntax": ("{% for %}", "E_TEMPLATE"),
}

CASES: dict[str, tuple[str, str, dict]] = {}
for _name, _text in TEMPLATE_LIMIT.items():
    CASES[_name] = (vo(_text), "E_TEMPLATE_LIMIT", {})
for _name, _text in SANDBOX.items():
    CASES[_name] = (vo(_text), "E_SANDBOX", {})
for _name, (_text, _code) in OTHER_TEMPLATES.items():
    CASES[_name] = (vo(_text), _code, {})

_LAUGHS = "".join(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]\n" for i in range(1, 10))
CASES.update(
    {
        "alias-bomb": (
            HEAD
            + 'z: &` ["lol"]\n'.replace("`", "z0")
            + 'a0: &a ["l","l","l","l","l","l","l","l","l"]\n'
            + _LAUGHS.replace("*`", "*a"),
            "E_ALIAS",
            {},
        ),
        "deep-nesting": (HEAD + "x: " + "[" * 100000 + "]" * 100000 + "\n", "E_SYNTAX", {}),
        "not-utf8": (b"vidc: 1\nname: \xff\xfe\n", "E_SYNTAX", {}),
        "duplicate-key": (HEAD + "name: again\n" + vo("hi")[len(HEAD) :], "E_DUPLICATE_KEY", {}),
        "matrix-absolute": (vo("{{ a }}", "matrix: {file: /etc/passwd.csv}\n"), "E_PATH_ESCAPE", {}),
        "matrix-dotdot": (vo("{{ a }}", "matrix: {file: ../../../../etc/rows.csv}\n"), "E_PATH_ESCAPE", {}),
        "matrix-fifo": (vo("{{ a }}", "matrix: {file: rows.csv}\n"), "E_MATRIX_FILE", {"rows.csv": "fifo"}),
        "matrix-symlink-out": (
            vo("{{ a }}", "matrix: {file: rows.csv}\n"),
            "E_MATRIX_FILE",
            {"rows.csv": "symlink:/etc/passwd"},
        ),
        "matrix-symlink-dev": (
            vo("{{ a }}", "matrix: {file: rows.csv}\n"),
            "E_MATRIX_FILE",
            {"rows.csv": "symlink:/dev/zero"},
        ),
        "matrix-symlink-fifo": (
            vo("{{ a }}", "matrix: {file: rows.csv}\n"),
            "E_MATRIX_FILE",
            {"real.csv": "fifo", "rows.csv": "symlink:real.csv"},
        ),
        "matrix-folder": (vo("{{ a }}", "matrix: {file: rows.csv}\n"), "E_MATRIX_FILE", {"rows.csv": "dir"}),
        "matrix-stray-quote": (
            vo("{{ a }}", "matrix: {file: rows.csv}\n"),
            "W_MATRIX_LINES",
            {"rows.csv": 'a,b\n1,"2\n3,4\n5,6"\n'},
        ),
        "output-absolute": (vo("hi", "output: /tmp\n"), "E_PATH_ESCAPE", {}),
        "output-dotdot": (vo("hi", "output: ../..\n"), "E_PATH_ESCAPE", {}),
        "name-traversal": (vo("hi").replace("name: hostile", "name: ../../etc"), "E_NAME", {}),
        "name-control": (vo("hi").replace("name: hostile", 'name: "a\\e[2Jb"'), "E_NAME", {}),
        "empty-voiceover": (vo("").replace("duration_seconds: 9", "duration_seconds: auto"), "E_EMPTY_VOICEOVER", {}),
        "duration-huge": (vo("hi").replace("duration_seconds: 9", "duration_seconds: 1e308"), "E_NUMBER", {}),
        "duration-negative": (vo("hi").replace("duration_seconds: 9", "duration_seconds: -1"), "E_RANGE", {}),
        "version": (vo("hi").replace("vidc: 1", "vidc: 999"), "E_VERSION", {}),
        "engine-injection": (vo("hi", "voice: {engine: __import__}\n"), "E_ENUM", {}),
        "not-a-mapping": ("- vidc: 1\n", "E_TYPE", {}),
        "empty": ("", "E_MISSING", {}),
        "huge-voiceover": (vo("word " * 200_000), "E_VOICEOVER_LENGTH", {}),  # 1 MB on one line
        "huge-voiceover-5mb": (vo("word " * 1_000_000), "E_VOICEOVER_LENGTH", {}),
        "matrix-unclosed-quote": (
            vo("{{ a }}", "matrix: {file: rows.csv}\n"),
            "E_MATRIX_FILE",
            {"rows.csv": 'a,b\n1,"2\n3,4\n5,6\n'},
        ),
        "matrix-jsonl-huge-int": (
            vo("{{ a }}", "matrix: {file: rows.jsonl}\n"),
            "E_NUMBER",
            {"rows.jsonl": '{"a": 1}\n{"a": ' + "7" * 5000 + "}\n"},
        ),
        "matrix-huge": (
            vo("{{ a }}", "matrix: {file: rows.csv}\n"),
            "E_MATRIX_FILE",
            {"rows.csv": "a\n" + "".join(f"{i}\n" for i in range(200_000))},
        ),
        "matrix-not-utf8": (vo("{{ a }}", "matrix: {file: rows.csv}\n"), "E_MATRIX_FILE", {"rows.csv": b"a\n\xff\n"}),
    }
)


def _materialise(project: Path, files: dict) -> None:
    for rel, what in files.items():
        path = project / rel
        if isinstance(what, bytes):
            path.write_bytes(what)
        elif what == "fifo":
            os.mkfifo(path)
        elif what == "dir":
            path.mkdir()
        elif what.startswith("symlink:"):
            os.symlink(what[len("symlink:") :], path)
        else:
            path.write_text(what)


def test_there_are_at_least_sixty_hostile_specs() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_spec_is_a_diagnostic_fast_and_small(name: str, tmp_path: Path) -> None:
    text, code, files = CASES[name]
    project = tmp_path / "p"
    project.mkdir()
    spec = project / "project.yaml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    _materialise(project, files)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    plan, diags, _ = compile_spec(spec, HARDWARE, {})
    took = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert code in {d.code for d in diags}, [d.format()[:300] for d in diags]
    if not code.startswith("W_"):
        assert plan is None
        line = 5 if code in ("E_TEMPLATE_LIMIT", "E_SANDBOX") and "matrix" not in text else None
        if line:
            assert [d.line for d in diags if d.code == code] == [line]
    assert took < 10, f"{name} took {took:.1f}s"
    assert grown_mb < 400, f"{name} grew the process by {grown_mb:.0f} MB"
    shown = "".join(d.format() for d in diags)
    assert len(shown) < 20_000 and "\x1b" not in shown and "root:" not in shown


def test_control_characters_never_reach_the_plan_text(tmp_path: Path) -> None:
    spec = tmp_path / "project.yaml"
    spec.write_text(
        HEAD + 'script:\n  scenes:\n    - voiceover_text: "Hello \\e[2J\\a world\\r"\n      duration_seconds: 9\n',
        encoding="utf-8",
    )
    plan, diags, _ = compile_spec(spec, HARDWARE, {})
    assert plan is not None, [d.format() for d in diags]
    text = to_text(plan)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "\\x1b[2J" in text


def test_lipsum_is_deterministic_and_no_address_reaches_a_plan(tmp_path: Path) -> None:
    spec = tmp_path / "project.yaml"
    spec.write_text(vo("{{ lipsum(1, false) }}"), encoding="utf-8")
    first, _, _ = compile_spec(spec, HARDWARE, {})
    second, _, _ = compile_spec(spec, HARDWARE, {})
    assert first is not None and first.model_dump_json() == second.model_dump_json()
    assert " at 0x" not in first.model_dump_json()
