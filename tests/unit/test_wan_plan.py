"""Wan at plan time: what the model's pipeline class allows, Wan2.2's own sizes, the speed options in
the estimate and the fingerprint, and context-parallel groups chosen by placement (pure compiler;
the model facts are handed in as data, as the runtime does from a model folder's configs)."""

from __future__ import annotations

import pytest

from tests.factories import compile_text
from vidc.compiler.costs import CostModel
from vidc.compiler.render import to_text
from vidc.schemas.hardware import Device, Hardware

SCENE = """    - voiceover_text: "Scene {i} says a short sentence of about fifteen words, which fits easily in its time."
      visual_prompt: "shot {i}"
      duration_seconds: {d}
{asset}"""
SPEC = """vidc: 1
name: ref
script:
  scenes:
{scenes}
video: {{engine: wan, model: {model}, steps: 8, offload: model, continuity: {continuity}{extra}}}
export: {{preset: youtube-1080p}}
"""
REFERENCE = (8, 9, 10, 11, 12, 10)  # bench/schedule.py's workload: 6 scenes, 20 chunks at 720p/24 fps
FACTS = {
    "ti2v": {
        "class_name": "WanPipeline",
        "kind": "ti2v",
        "experts": 1,
        "heads": 2,
        "layers": 2,
        "params_b": 2e-5,
        "text_encoder_params_b": 2e-5,
        "vae_spatial": 16,
        "size_multiple": 32,
        "configs_sha256": "a" * 16,
    },
    "a14b_i2v": {
        "class_name": "WanImageToVideoPipeline",
        "kind": "i2v",
        "experts": 2,
        "boundary_ratio": 0.9,
        "heads": 40,
        "layers": 40,
        "params_b": 14.3,
        "text_encoder_params_b": 5.7,
        "vae_spatial": 8,
        "size_multiple": 16,
        "configs_sha256": "b" * 16,
    },
}


def gpus(n: int, vram: float = 80, speed: float = 2.0) -> Hardware:
    return Hardware(
        name=f"{n}gpu",
        cpu_workers=2,
        devices=[Device(id=f"cuda:{i}", kind="cuda", name="H100", vram_gb=vram, speed=speed) for i in range(n)],
    )


def spec(model="Wan-AI/Wan2.1-T2V-14B-Diffusers", durations=REFERENCE, continuity="cut", extra="", assets=False):
    scenes = "\n".join(
        SCENE.format(i=i, d=d, asset=f"      asset: start-{i}.png\n" if assets else "").rstrip("\n")
        for i, d in enumerate(durations, 1)
    )
    return SPEC.format(scenes=scenes, model=model, continuity=continuity, extra=extra)


def compile_(text, hw=None, facts=None):
    files = {f"start-{i}.png": "" for i in range(1, 7)}
    return compile_text(text, hw or gpus(1), files, model_facts=(lambda m: facts) if facts is not None else None)


def plan(text, hw=None, facts=None):
    p, diags = compile_(text, hw, facts)
    assert p is not None, "\n".join(d.format() for d in diags)
    return p


def codes(text, hw=None, facts=None):
    return [d.code for d in compile_(text, hw, facts)[1]]


def chunks(p):
    return [t for t in p.tasks if t.kind == "chunk"]


def test_ti2v_uses_its_own_size_frames_and_fps():
    p = plan(spec("Wan-AI/Wan2.2-TI2V-5B-Diffusers", durations=(10,)))
    c = chunks(p)[0].params
    assert (c["width"], c["height"], c["num_frames"], c["fps"]) == (1280, 704, 121, 24)  # 720p in multiples of 32
    folder = plan(spec("/models/tiny-ti2v", durations=(10,), extra=", resolution: 480p"), facts=FACTS["ti2v"])
    assert (chunks(folder)[0].params["width"], chunks(folder)[0].params["height"]) == (832, 480)
    assert "E_RESOLUTION" in codes(
        spec("/models/tiny-ti2v", durations=(10,), extra=", resolution: 848x480"), facts=FACTS["ti2v"]
    )


def test_an_image_to_video_model_cannot_start_a_scene_without_an_image():
    a14b_i2v = "Wan-AI/Wan2.2-I2V-A14B-Diffusers"
    assert "E_MODEL_CAPABILITY" in codes(spec(a14b_i2v, continuity="extend"))
    assert "E_MODEL_CAPABILITY" in codes(spec("/m/i2v", continuity="extend"), facts=FACTS["a14b_i2v"])
    p = plan(spec(a14b_i2v, continuity="extend", assets=True))  # each scene starts from its image
    firsts = [t for t in chunks(p) if t.id.endswith("chunk-01")]
    assert all(t.params["start_image"].startswith("start-") for t in firsts)
    assert not any("start_image" in t.params for t in chunks(p) if not t.id.endswith("chunk-01"))
    assert "E_MODEL_CAPABILITY" in codes(spec(a14b_i2v, continuity="cut", assets=True))  # later chunks: no frame
    assert "W_CONTINUITY" not in codes(spec("Wan-AI/Wan2.2-TI2V-5B-Diffusers", continuity="extend"))
    assert "W_CONTINUITY" in codes(spec("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", continuity="extend"))


def test_two_expert_options_need_a_two_expert_model():
    ok = plan(spec("Wan-AI/Wan2.2-T2V-A14B-Diffusers", extra=", cfg_2: 2.0, boundary_ratio: 0.8"))
    assert chunks(ok)[0].params["cfg_2"] == 2.0 and chunks(ok)[0].params["boundary_ratio"] == 0.8
    assert codes(spec("Wan-AI/Wan2.2-TI2V-5B-Diffusers", extra=", cfg_2: 2.0")).count("E_INVALID") == 1


def test_model_folder_problems_are_diagnostics():
    assert codes(spec("/nowhere/model"), facts={"error": "Wan model folder /nowhere/model does not exist"}) == [
        "E_MODEL"
    ]


def test_speed_options_change_estimate_fingerprint_and_plan_text():
    base = plan(spec())
    cached = plan(spec(extra=", cache: first_block, cache_threshold: 0.08"))
    taylor = plan(spec(extra=", cache: taylorseer, compile: regional, precision: fp8"))
    b, c, t = chunks(base)[0], chunks(cached)[0], chunks(taylor)[0]
    assert c.work_ms < b.work_ms and t.work_ms < b.work_ms
    assert len({b.fingerprint, c.fingerprint, t.fingerprint}) == 3
    assert c.params["cache_threshold"] == 0.08 and t.params["cache_interval"] == 2 and t.params["cache_warmup"] == 2
    assert t.requires.vram_gb < b.requires.vram_gb  # fp8 weights
    text = to_text(taylor)
    assert (
        "cache taylorseer: 5.09 of 8 steps computed" in text and "compile regional" in text and "precision fp8" in text
    )
    assert cached.schedule.makespan_ms < base.schedule.makespan_ms


@pytest.mark.parametrize("extra,code", [
    (", cache: none, cache_threshold: 0.1", "E_INVALID"), (", cache: first_block, cache_interval: 3", "E_INVALID"),
    (", parallel: 3", "E_PARALLEL"), (", parallel: 16", "E_PARALLEL"), (", cache: first_block, parallel: 2", "E_PARALLEL"),
    (", resolution: 16x16, frames_per_chunk: 9, parallel: 2", "E_PARALLEL"),  # 3 tokens
])  # fmt: skip
def test_bad_speed_options(extra, code):
    assert code in codes(spec(extra=extra), gpus(8))


def test_speed_options_on_a_cpu_only_profile_warn():
    hw = Hardware(name="cpu", cpu_workers=2, devices=[Device(id="cpu:a", kind="cpu", speed=0.01)])
    p, diags = compile_(spec(extra=", compile: regional"), hw)
    assert p is not None and [d.code for d in diags if d.code != "W_SPARSE"] == ["W_SPEED_OPTION"]


def test_reference_workload_on_one_two_and_eight_gpus():
    """Throughput case: 20 ready chunks keep every GPU busy, so no group; more GPUs, shorter plan."""
    spans = {}
    for n in (1, 2, 8):
        p = plan(spec(extra=", resolution: 720p, fps: 24"), gpus(n))
        spans[n] = p.schedule.makespan_ms
        assert len(chunks(p)) == 20 and not any(t.group for t in p.tasks)
        assert p.schedule.makespan_ms <= 1.2 * p.schedule.lower_bound_ms
    assert spans[1] > 1.85 * spans[2] and spans[2] > 2.5 * spans[8]


def test_one_scene_on_eight_gpus_takes_context_parallel_groups():
    """Latency case: 3 chunks, 8 GPUs: groups whose size divides the 40 heads, never sharing a lane at once."""
    p = plan(spec(durations=(10,), extra=", resolution: 720p, fps: 24"), gpus(8))
    grouped = [t for t in chunks(p) if t.group]
    assert grouped and all(len(t.group) in (2, 4, 8) and t.lane == t.group[0] for t in grouped)
    assert all(t.work_ms < t.est_ms for t in grouped)
    for a in grouped:
        for b in grouped:
            if a.id < b.id and set(a.group) & set(b.group):
                assert a.finish_ms <= b.start_ms or b.finish_ms <= a.start_ms
    one = plan(spec(durations=(10,), extra=", resolution: 720p, fps: 24"), gpus(1))
    off = plan(spec(durations=(10,), extra=", resolution: 720p, fps: 24, parallel: off"), gpus(8))
    assert not any(t.group for t in off.tasks)
    assert p.schedule.makespan_ms < off.schedule.makespan_ms < one.schedule.makespan_ms
    assert p.schedule.makespan_ms >= p.schedule.lower_bound_ms
    assert "context-parallel group cuda:" in to_text(p)
    forced = plan(spec(durations=(10,), extra=", parallel: 2"), gpus(2))
    assert all(t.group == ["cuda:0", "cuda:1"] for t in chunks(forced))


def test_caches_that_decide_per_rank_never_get_a_group():
    p = plan(spec(durations=(10,), extra=", resolution: 720p, fps: 24, cache: first_block"), gpus(8))
    assert not any(t.group for t in p.tasks)


def test_cost_model_reads_model_size_from_the_configs():
    costs = CostModel()
    small = costs.wan_info("/m/tiny", FACTS["ti2v"])
    assert small.source == "configs" and small.chunk_ms < 10 and small.kind == "ti2v" and small.native["frames"] == 121
    big = costs.wan_info("/m/a14b-i2v", FACTS["a14b_i2v"])  # same architecture as the table's I2V-A14B
    assert big.source == "configs, matching a known model" and big.experts == 2 and big.chunk_ms == 72000
    assert costs.cache_kept_steps(8, "taylorseer", None, 2) == 5.09
    assert costs.cp_speedup(8) == pytest.approx(6.4)


def test_a_measured_profile_from_the_gpu_bench_replaces_the_guesses():
    """bench/wan_gpu.py's profile format, read by the cost model when the plan's GPUs are its device."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "wan_gpu.py"
    spec_ = importlib.util.spec_from_file_location("wan_gpu", path)
    bench = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(bench)
    m = "Wan-AI/Wan2.1-T2V-14B-Diffusers"
    row = dict(model=m, width=1280, height=720, frames=81, steps=8, compile="none", peak_vram_gb=40.0)
    profile = {
        "profile": "measured",
        "device": "NVIDIA H200",
        "measured_on": "2026-11-29",
        "file": "cost_profiles/x.yaml",
        "runs": [
            {**row, "cache": "none", "seconds": 200.0},
            {**row, "cache": "first_block", "seconds": 100.0},
            {**row, "cache": "none", "compile": "regional", "seconds": 300.0, "first_call": True},
            {**row, "cache": "none", "compile": "regional", "seconds": 160.0},
        ],
    }
    bench.derive(profile)
    assert profile["wan"]["factors"] == {"cache": {"first_block": 0.5}, "compile": {"regional": 0.8}}
    h200 = Hardware(
        name="h200",
        devices=[Device(id=f"cuda:{i}", kind="cuda", name="NVIDIA H200", vram_gb=141, speed=2.5) for i in range(2)],
    )
    costs = CostModel(None, h200, profiles=(profile,))
    assert costs.wan["models"][m]["chunk_ms"] == 500000  # 200 s at speed 2.5, at the reference size and steps
    assert costs.wan["models"][m]["vram_gb"]["none"] == 51.5  # the peak plus the text encoder it ran without
    factor, notes = costs.wan_speed(8, "first_block", None, None, "regional", "bf16")
    assert factor == pytest.approx(0.4) and "measured, NVIDIA H200" in notes[0]
    assert CostModel(None, gpus(2), profiles=(profile,)).wan["models"][m]["chunk_ms"] == 67500  # other GPUs: guesses
    assert CostModel().profile["name"] == "reference-guess" and CostModel().profile["measured"] is False


def test_a_group_chunk_is_priced_for_every_gpu_it_holds():
    p = plan(spec(durations=(10,), extra=", resolution: 720p, fps: 24, parallel: 2"), gpus(2))
    c = chunks(p)[0]
    assert c.group == ["cuda:0", "cuda:1"] and c.cost is not None
    assert c.cost.units["gpu_ms"] == 2 * c.est_ms
