"""Each NAME.yaml / NAME.json here is a broken spec; NAME.expected holds its exact diagnostics.

An optional NAME.set holds `--set` items, one per line. To regenerate the expected files after an
intended change of wording, run with VIDC_UPDATE_EXPECTED=1 and review the diff.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from vidc.compiler.diagnostics import CODES, format_all
from vidc.compiler.frontend import SourceFiles, load_project, parse_set

HERE = Path(__file__).parent
SPECS = sorted(p for p in HERE.iterdir() if p.suffix in (".yaml", ".json"))


def _source(name: str) -> SourceFiles:
    def read(rel: str) -> str:
        path = (HERE / rel).resolve()
        if HERE.resolve() not in path.parents or not path.is_file():
            raise FileNotFoundError(rel)
        return path.read_text(encoding="utf-8")

    def exists(rel: str) -> bool:
        path = (HERE / rel).resolve()
        return HERE.resolve() in path.parents and path.exists()

    return SourceFiles(spec_name=name, read=read, exists=exists)


def run(spec: Path):
    set_file = spec.with_suffix(".set")
    items = set_file.read_text(encoding="utf-8").splitlines() if set_file.exists() else []
    overrides, diags = parse_set(items)
    videos, more = load_project(_source(spec.name), overrides)
    return videos, diags + more


@pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
def test_expected_diagnostics(spec: Path) -> None:
    videos, diags = run(spec)
    got = format_all(diags)
    expected = spec.with_suffix(".expected")
    if os.environ.get("VIDC_UPDATE_EXPECTED"):
        expected.write_text(got, encoding="utf-8")
    assert got == expected.read_text(encoding="utf-8")
    assert diags, "an invalid spec must produce diagnostics"
    if any(d.severity == "error" for d in diags):
        assert videos == [], "no video may come out of a spec with errors"


def test_corpus_covers_every_code() -> None:
    seen = set()
    for expected in HERE.glob("*.expected"):
        seen |= set(re.findall(r"(?:error|warning)\[([A-Z_]+)\]", expected.read_text(encoding="utf-8")))
    # E_NO_DEVICE and W_CONTINUITY come from placement and lowering, E_IO when the spec itself cannot
    # be read (all three unit-tested).
    assert set(CODES) - {"E_NO_DEVICE", "E_IO", "W_CONTINUITY"} <= seen, sorted(set(CODES) - seen)


