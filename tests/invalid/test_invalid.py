"""Each NAME.yaml / NAME.json here is a broken spec; NAME.expected holds its exact diagnostics.

An optional NAME.set holds `--set` items, one per line. To regenerate the expected files after an
intended change of wording, run with VIDC_UPDATE_EXPECTED=1 and review the diff.

Specs are compiled whole (backend checks included) with the installed backend catalog, a fixed
hardware profile with one GPU, and FACTS: a fixed, made-up machine, so that the expected output does
not depend on what this machine has installed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.diagnostics import CODES, format_all
from vidc.compiler.frontend import SourceFiles, parse_set
from vidc.runtime.backends.registry import catalog
from vidc.runtime.host.sources import project_asset_size
from vidc.schemas.catalog import Facts, ModelFacts, MusicLibraryFacts, TrackFacts
from vidc.schemas.hardware import Device, Hardware

HERE = Path(__file__).parent
SPECS = sorted(p for p in HERE.iterdir() if p.suffix in (".yaml", ".json") and not p.name.endswith(".stock.json"))


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


FACTS = Facts(
    piper_voices=("en_US-joe-medium",),
    caption_styles=("bold", "default", "minimal"),
    music={
        "builtin": MusicLibraryFacts(
            tracks=(
                TrackFacts("first-light", 115.5, ("uplifting", "happy", "bright"), 112.0),
                TrackFacts("night-drive", 117.0, ("electronic", "dark", "driving"), 100.0),
                TrackFacts("still-water", 119.25, ("calm", "ambient"), 72.0),
            )
        ),
        "files": MusicLibraryFacts(error="files: no vidc-music.json: run `vidc music index files` first"),
    },
    models={
        "models/wan-i2v": ModelFacts(found=True, class_name="WanImageToVideoPipeline"),
        "models/wan-t2v": ModelFacts(found=True, class_name="WanPipeline"),
        "Wan-AI/Wan2.1-T2V-14B-Diffusers": ModelFacts(found=False),
    },
    api_keys=frozenset(),
)
HARDWARE = Hardware(name="test-gpu", cpu_workers=2, devices=[Device(id="cuda:0", kind="cuda", vram_gb=80)])


def run(spec: Path):
    set_file = spec.with_suffix(".set")
    items = set_file.read_text(encoding="utf-8").splitlines() if set_file.exists() else []
    _, diags = parse_set(items)
    bad = {d.line for d in diags}
    overrides = dict(item.partition("=")[::2] for i, item in enumerate(items, 1) if i not in bad)
    plan, more = compile_project(
        _source(spec.name),
        HARDWARE,
        CompileOptions(overrides=overrides, catalog=catalog(), facts=FACTS, asset_size=project_asset_size(HERE)),
    )
    return ([] if plan is None else plan.videos), diags + more


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
    # E_NO_DEVICE and W_CONTINUITY come from placement and lowering, E_CAPTION_FIT from the measured
    # caption layout, E_IO when the spec itself cannot be read, E_LEXICON when compiling reads
    # voice.lexicon_file, the wan model checks from the compiler with the model's facts, the price table and
    # the script lock from files beside the spec (all unit-tested).
    later = {
        "E_NO_DEVICE",
        "E_IO",
        "W_CONTINUITY",
        "E_CAPTION_FIT",
        "E_LEXICON",
        "E_MODEL",
        "E_MODEL_CAPABILITY",
        "E_PARALLEL",
        "W_SPEED_OPTION",
        "E_PRICES",
        "E_SCRIPT_LOCK",
        "W_SCRIPT_STALE",
    }
    assert set(CODES) - later <= seen, sorted(set(CODES) - seen)
