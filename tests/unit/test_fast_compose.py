"""A long spec is composed by libyaml instead of PyYAML (minutes become a second); both must give the
same tree, positions and caret widths, and an error must still be worded and placed by PyYAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidc.compiler import source

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(
    p
    for folder in (ROOT / "projects", ROOT / "tests" / "invalid")
    for p in folder.rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
)

pytestmark = pytest.mark.skipif(source._CLoader is None, reason="PyYAML without libyaml")


def _load(text: str, name: str, fast: bool, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(source, "FAST_COMPOSE", -1 if fast else 10**12)
    tree, smap, diags = source.load_source(text, name)
    return repr(tree), dict(smap.positions), dict(smap.positions.lengths), [d.format() for d in diags]


def test_there_are_specs_to_compare() -> None:
    assert len(SPECS) > 60


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_and_pyyaml_read_every_spec_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    assert _load(text, path.name, True, monkeypatch) == _load(text, path.name, False, monkeypatch)


@pytest.mark.parametrize(
    "text",
    [
        "vidc: 1\nname: x\nkey: [1, 2\n",  # an unclosed flow sequence
        "vidc: 1\n  name: x\n",  # bad indentation
        'a: "caf\u00e9 \U0001f600 \u00e9"\nb: &x [1, *x]\nc: {d: 1, d: 2}\n',  # non-ASCII columns, a cycle, a duplicate
        "a: !!python/object:os.system x\n",
        "a: 0x1F\nb: 1_000\nc: .inf\nd: 12:30\ne: yes\nf: ~\n",
    ],
)
def test_errors_and_odd_scalars_read_alike(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _load(text, "p.yaml", True, monkeypatch) == _load(text, "p.yaml", False, monkeypatch)
