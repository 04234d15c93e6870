"""Wan2.1 inside a real `vidc build`: a tiny random pipeline built by the test, loaded by path
through the same code as a real model id, run on two CPU devices declared in the hardware profile
(the lanes a GPU box would have), then compared with the executor's simulator."""

import json
from pathlib import Path

import pytest

from tests.fixtures_models import TINY_WAN_SPEC as SPEC, TWO_CPU_DEVICES as HARDWARE
from vidc.compiler.compile import CompileOptions, compile_project
from vidc.runtime.backends.registry import catalog
from vidc.runtime.engine.simulate import simulate
from vidc.runtime.host.hardware import load_hardware
from vidc.runtime.host.sources import project_sources

from .conftest import build, journal
from .media_checks import probe

pytest.importorskip("diffusers")


def make_project(tmp_path: Path, sampler: str, continuity: str) -> Path:
    from tests.fixtures_models import build_tiny_wan

    project = tmp_path / f"wan-{sampler}-{continuity}"
    project.mkdir()
    spec = SPEC.replace("SAMPLER", sampler).replace("CONTINUITY", continuity)
    if continuity == "cut":  # weights in a shared folder outside the project, named by its absolute path
        shared = tmp_path / "shared-models" / "tiny-wan"
        build_tiny_wan(shared)
        spec = spec.replace("model: models/tiny-wan", f"model: {shared}")
    else:
        build_tiny_wan(project / "models" / "tiny-wan")
    (project / "project.yaml").write_text(spec)
    (project / "hardware.yaml").write_text(HARDWARE)
    return project


@pytest.mark.parametrize("sampler,continuity", [("euler", "cut"), ("unipc", "extend")])
def test_wan_project_builds_on_cpu_device_lanes(tmp_path, sampler, continuity):
    project = make_project(tmp_path, sampler, continuity)
    proc = build(project, "--hardware", str(project / "hardware.yaml"))
    assert proc.events[-1]["ok"]
    mp4 = project / "build" / "tiny-wan.mp4"
    video = next(s for s in probe(mp4)["streams"] if s["codec_type"] == "video")
    manifest = json.loads((project / "build" / "tiny-wan.json").read_text())
    assert (video["width"], video["height"]) == (640, 360)
    assert int(video["nb_read_frames"]) == manifest["frames"]
    done = [r for r in journal(project) if r.ev == "done"]
    chunk_lanes = {r.lane for r in done if "/chunk-" in r.task}
    assert chunk_lanes <= {"cpu:a", "cpu:b"} and chunk_lanes
    assert {r.lane for r in done if "/chunk-" not in r.task} <= {"cpu-0", "cpu-1"}
    if continuity == "extend":  # each chunk after the first starts from the previous chunk's last frame
        for scene in ("scene-01", "scene-02"):
            assert len({r.lane for r in done if f"{scene}/chunk-" in r.task}) >= 1


def test_simulator_agrees_with_the_executor(tmp_path):
    """Feed the measured task times back into the simulator: it must reproduce the real run's
    makespan closely, since it uses the same queues and the same dispatch rule."""
    project = make_project(tmp_path, "euler", "cut")
    hw_path = project / "hardware.yaml"
    build(project, "--hardware", str(hw_path))
    records = journal(project)
    measured = {r.task: r.ms for r in records if r.ev == "done"}
    src, _ = project_sources(project / "project.yaml")
    plan, _ = compile_project(src, load_hardware(hw_path), CompileOptions(catalog=catalog()))
    lanes = {ln.id: ln for ln in plan.lanes}
    tasks = [
        t.model_copy(
            update={
                "work_ms": round(measured[t.id] * lanes[t.lane].speed),
                "requires": t.requires.model_copy(update={"model": None}),
            }
        )
        for t in plan.tasks
    ]
    sim = simulate(plan.model_copy(update={"tasks": tasks}), jitter=0.0)
    real_ms = sum(measured.values())
    busy = sum(sim.busy_ms.values())
    assert busy == pytest.approx(real_ms, rel=0.01)  # every task ran once, nothing invented
    # The real run adds dispatch latency and process start-up; the model must stay close.
    claimed = {r.task for r in records if r.ev == "claimed"}
    assert claimed == set(measured)
    wall_ms = 1000 * (max(r.t for r in records if r.ev == "done") - min(r.t for r in records if r.ev == "claimed"))
    print(f"real makespan {wall_ms:.0f} ms, simulated {sim.makespan_ms} ms, task time {real_ms} ms")
    assert sim.makespan_ms == pytest.approx(wall_ms, rel=0.15)
    assert sim.makespan_ms < real_ms  # the lanes ran in parallel


# ------------------------------------------------------------------------------------------ Wan2.2
SPEC22 = """vidc: 1
name: tiny-wan22
script:
  scene_seconds: [1, 6]
  scenes:
    - voiceover_text: "A red fox runs."
      visual_prompt: "a red fox runs in the snow"
      duration_seconds: 2
    - voiceover_text: "The fox continues."
      visual_prompt: "the fox continues in the snow"
      duration_seconds: 2
video: {engine: wan, model: MODEL, resolution: 32x32, fps: 8, frames_per_chunk: 9, steps: 4, seed: 5,
        continuity: CONT, EXTRA}
music: {mood: [calm]}
captions: {mode: sidecar}
export: {preset: draft}
"""


def chunk_results(project: Path) -> dict[str, dict]:
    from vidc.runtime.state.workfolder import WorkFolder

    store = WorkFolder(project / ".vidc").store
    return {
        r.task: json.loads((store.object_dir(r.object) / "result.json").read_text())
        for r in journal(project)
        if r.ev == "done" and "/chunk-" in r.task
    }


def make22(tmp_path: Path, builder: str, extra: str, cont: str = "extend") -> tuple[Path, Path]:
    from tests import fixtures_models

    models = tmp_path / "shared-models"  # outside the project: named by its absolute path
    model = getattr(fixtures_models, builder)(models / builder)
    project = tmp_path / "p22"
    project.mkdir()
    (project / "project.yaml").write_text(
        SPEC22.replace("MODEL", str(model.resolve())).replace("EXTRA", extra).replace("CONT", cont)
    )
    (project / "hardware.yaml").write_text(HARDWARE)
    return project, model


def test_wan22_ti2v_by_absolute_path_with_a_step_cache(tmp_path, vidc_session_cmd):
    """TI2V-5B-shaped pipeline outside the project, first_block cache on, `extend` continuity: the plan
    reads the model's class at plan time; every chunk after a scene's first starts from a frame."""
    import subprocess

    project, model = make22(tmp_path, "build_tiny_wan22_ti2v", "cache: first_block, cache_threshold: 0.5")
    plan = subprocess.run(
        [*vidc_session_cmd, "plan", str(project), "--hardware", str(project / "hardware.yaml")],
        capture_output=True,
        text=True,
    )
    assert plan.returncode == 0, plan.stderr
    assert f"wan {model.resolve()}: text-and-image-to-video" in plan.stdout and "cache first_block" in plan.stdout
    proc = build(project, "--hardware", str(project / "hardware.yaml"))
    assert proc.events[-1]["ok"]
    results = chunk_results(project)
    assert len(results) == 4
    for task, r in results.items():
        assert r["cache"] == "first_block" and r["block_passes"] < 8, (task, r)  # 4 steps x 2 branches uncached
        first = task.endswith("chunk-01")
        assert r["conditioned"] is (not first) and r["mode"] == ("t2v" if first else "i2v")
    video = next(s for s in probe(project / "build" / "tiny-wan22.mp4")["streams"] if s["codec_type"] == "video")
    assert int(video["nb_read_frames"]) > 0
    # An image-to-video model asked to start a scene: refused at plan time, with the model's class.
    i2v = fixtures_models_i2v(tmp_path)
    (project / "project.yaml").write_text(
        SPEC22.replace("MODEL", str(i2v)).replace("EXTRA", "cache: none").replace("CONT", "extend")
    )
    bad = subprocess.run(
        [*vidc_session_cmd, "plan", str(project), "--hardware", str(project / "hardware.yaml")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "error[E_MODEL_CAPABILITY]" in bad.stderr and "image-to-video" in bad.stderr


def fixtures_models_i2v(tmp_path: Path) -> Path:
    from tests import fixtures_models

    return fixtures_models.build_tiny_wan22_a14b_i2v(tmp_path / "shared-models" / "a14b-i2v").resolve()


@pytest.mark.slow
def test_wan22_a14b_chunks_on_a_context_parallel_group_of_two(tmp_path):
    """`parallel: 2`: each chunk runs on both CPU devices as one gloo group of two ranks (torchrun-style),
    with TaylorSeer; the executor holds both lanes for it."""
    project, _ = make22(tmp_path, "build_tiny_wan22_a14b", "cache: taylorseer, parallel: 2", cont="cut")
    proc = build(project, "--hardware", str(project / "hardware.yaml"))
    assert proc.events[-1]["ok"]
    results = chunk_results(project)
    assert results and all(r["group"]["ulysses_degree"] == 2 and r["cache"] == "taylorseer" for r in results.values())
    chunk_lanes = {r.lane for r in journal(project) if r.ev == "done" and "/chunk-" in r.task}
    assert chunk_lanes == {"cpu:a"}  # the group's lead; cpu:b was held for it
