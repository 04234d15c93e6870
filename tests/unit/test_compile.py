"""The compiler as a whole: determinism, fingerprint locality, placement rules, schema files."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.factories import DEMO, compile_text, plan_of
from vidc.compiler.render import to_json
from vidc.schemas.generate import FILES, HERE as SCHEMAS, schema_texts
from vidc.schemas.hardware import Device, Hardware

from ..conftest import PROJECTS


def test_plan_bytes_identical_across_hash_seeds_and_cwds(tmp_path, vidc_cmd):
    hw = Path(__file__).parents[1] / "golden" / "hardware-cpu.yaml"
    outs = []
    for seed, cwd in (("0", PROJECTS.parent), ("12345", tmp_path), ("random", PROJECTS)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [*vidc_cmd, "plan", str(PROJECTS / "demo"), "--hardware", str(hw), "--format", "json"],
            cwd=cwd,
            env=env,
            capture_output=True,
            check=True,
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1] == outs[2]
    assert str(PROJECTS) not in outs[0].decode()  # no absolute paths


def test_editing_one_scene_changes_only_its_downstream_fingerprints():
    before = plan_of(DEMO)
    after = plan_of(DEMO.replace("nothing is lost", "nothing at all is lost"))
    changed = {t.id for t in before.tasks if t.fingerprint != after.task_map()[t.id].fingerprint}
    v = "vidc-demo"
    assert changed == {
        f"{v}/script",
        f"{v}/voice/scene-05",
        f"{v}/captions/scene-05",
        f"{v}/video/scene-05",
        f"{v}/music",
        f"{v}/mix",
        f"{v}/captions",
        f"{v}/export",
    }


def test_plan_is_canonical_json_without_clock_or_paths():
    text = to_json(plan_of(DEMO))
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert all(list(t) == sorted(t) for t in data["tasks"])
    assert [t["id"] for t in data["tasks"]] == [t.id for t in plan_of(DEMO).tasks]


WAN = DEMO.replace(
    "video: {engine: animatic}",
    "video: {engine: wan, model: Wan-AI/Wan2.1-T2V-14B-Diffusers, "
    "resolution: 720p, fps: 24, offload: OFFLOAD, continuity: CONT}",
)


@pytest.mark.parametrize("cont", ["cut", "extend"])
def test_placement_never_violates_vram(cont):
    hw = Hardware(
        name="mixed",
        cpu_workers=2,
        devices=[
            Device(id="cuda:0", kind="cuda", name="small", vram_gb=16, speed=2.0),
            Device(id="cuda:1", kind="cuda", name="4090", vram_gb=24, speed=1.0),
            Device(id="cuda:2", kind="cuda", name="5090", vram_gb=32, speed=1.35),
        ],
    )
    plan = plan_of(WAN.replace("OFFLOAD", "model").replace("CONT", cont), hw)
    chunks = [t for t in plan.tasks if t.kind == "chunk"]
    assert len(chunks) == 6 * 3  # a 10 s scene at 24 fps is three 81-frame chunks
    vram = {d.id: d.vram_gb for d in hw.devices}
    assert all(vram[t.lane] >= t.requires.vram_gb for t in chunks)
    assert {t.lane for t in chunks} == {"cuda:1", "cuda:2"}  # the fast 16 GB card cannot hold the model
    if cont == "extend":  # a scene's chunks run in order on one lane
        for scene in range(1, 7):
            lanes = {t.lane for t in chunks if t.params["scene"] == scene}
            assert len(lanes) == 1


def test_model_that_fits_no_device_is_a_diagnostic():
    hw = Hardware(name="one", cpu_workers=2, devices=[Device(id="cuda:0", kind="cuda", name="RTX 4090", vram_gb=24)])
    plan, diags = compile_text(WAN.replace("OFFLOAD", "none").replace("CONT", "cut"), hw)
    assert plan is None
    (d,) = [d for d in diags if d.code == "E_NO_DEVICE"]
    assert "needs 40 GB" in d.message and "cuda:0" in d.message and "24 GB" in d.message
    assert d.line == next(n for n, line in enumerate(WAN.splitlines(), 1) if line.startswith("video:"))


def test_schedule_respects_dependencies_and_bounds():
    hw = Hardware(
        name="two",
        cpu_workers=2,
        devices=[
            Device(id="cuda:0", kind="cuda", vram_gb=24, speed=1.0),
            Device(id="cuda:1", kind="cuda", vram_gb=32, speed=1.35),
        ],
    )
    plan = plan_of(WAN.replace("OFFLOAD", "model").replace("CONT", "cut"), hw)
    tasks = plan.task_map()
    for t in plan.tasks:
        for dep in t.inputs.values():
            assert tasks[dep].finish_ms <= t.start_ms
    by_lane: dict[str, list] = {}
    for t in plan.tasks:
        by_lane.setdefault(t.lane, []).append((t.start_ms, t.finish_ms))
    for spans in by_lane.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # a lane runs one task at a time
    s = plan.schedule
    assert s.lower_bound_ms <= s.makespan_ms <= s.sequential_ms


def test_schema_files_match_the_models():
    for key, text in schema_texts().items():
        assert (SCHEMAS / FILES[key]).read_text(encoding="utf-8") == text, "run `make schema` (vidc schema --write)"


def test_extend_with_a_text_to_video_model_is_a_warning():
    hw = Hardware(name="two", cpu_workers=2, devices=[Device(id="cuda:0", kind="cuda", vram_gb=32)])
    plan, diags = compile_text(WAN.replace("OFFLOAD", "model").replace("CONT", "extend"), hw)
    assert plan is not None
    (w,) = [d for d in diags if d.code == "W_CONTINUITY"]
    assert w.severity == "warning" and "VACE" in w.hint
    assert any("W_CONTINUITY" in text for text in plan.warnings)
    vace = WAN.replace("Wan2.1-T2V-14B-Diffusers", "Wan2.1-VACE-14B-diffusers")
    _, diags = compile_text(vace.replace("OFFLOAD", "model").replace("CONT", "extend"), hw)
    assert not [d for d in diags if d.code == "W_CONTINUITY"]
