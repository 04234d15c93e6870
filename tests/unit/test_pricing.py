"""Cost estimates in the plan (pure compiler) and the run-time ceiling (Budget)."""

from vidc.compiler.compile import CompileOptions, compile_project
from vidc.compiler.frontend import SourceFiles
from vidc.compiler.pricing import Prices, usd
from vidc.compiler.resources import template_yaml
from vidc.runtime.backends.registry import catalog
from vidc.runtime.engine.budget import Budget, parse_money, remaining_estimate
from vidc.schemas.hardware import Device, Hardware

SPEC = """vidc: 1
name: promo
script:
  scenes:
    - {voiceover_text: "Meet the kite that flies without wind.", duration_seconds: 8}
    - {voiceover_text: "Order today.", duration_seconds: 8}
voice: {engine: elevenlabs, model: eleven_turbo_v2_5}
video: {engine: wan, model: Wan-AI/Wan2.1-T2V-1.3B-Diffusers}
export: {preset: draft}
"""
GPU = Hardware(name="rig", devices=[Device(id="cuda:0", kind="cuda", name="NVIDIA GeForce RTX 4090", vram_gb=24)])


def _compile(files: dict[str, str], hw: Hardware = GPU):
    src = SourceFiles(spec_name="project.yaml", read=lambda p: files[p], exists=lambda p: p in files)
    plan, diags = compile_project(src, hw, CompileOptions(catalog=catalog()))
    assert plan is not None, [d.format() for d in diags]
    return plan, diags


def test_voice_characters_and_gpu_seconds_are_priced():
    plan, _ = _compile({"project.yaml": SPEC})
    voices = [t for t in plan.tasks if t.stage == "voice"]
    assert [t.cost.units for t in voices] == [{"characters": 38}, {"characters": 12}]
    assert voices[0].cost.micro_usd == round(38 * 0.003 * 1000)  # $0.003 per 1,000 on Turbo v2.5
    chunks = [t for t in plan.tasks if t.backend == "wan"]
    assert chunks and all(t.cost.provider == "gpu" and t.cost.item == "NVIDIA GeForce RTX 4090" for t in chunks)
    rate = template_yaml("prices.yaml")["gpu"]["RTX 4090"]["usd_per_hour"]  # matched inside the device's name
    assert all(
        t.cost.units == {"gpu_ms": t.est_ms} and t.cost.micro_usd == round(t.est_ms * rate / 3.6) for t in chunks
    )
    assert all(t.cost is None for t in plan.tasks if t.stage in ("captions", "mix", "export", "music", "script"))
    assert plan.cost_micro_usd == plan.videos[0].cost_micro_usd == sum(t.cost.micro_usd for t in plan.tasks if t.cost)


def test_cpu_only_project_costs_nothing_and_a_cpu_device_is_not_billed():
    cpu = Hardware(name="cpu", devices=[Device(id="cpu0", kind="cpu", name="CPU")])
    plan, _ = _compile(
        {"project.yaml": SPEC.replace("engine: elevenlabs, model: eleven_turbo_v2_5", "engine: piper")}, cpu
    )
    assert plan.cost_micro_usd == 0 and all(t.cost is None for t in plan.tasks)


def test_project_prices_override_the_defaults_and_enter_the_fingerprint():
    base, _ = _compile({"project.yaml": SPEC})
    cheap, _ = _compile(
        {
            "project.yaml": SPEC,
            "prices.yaml": "tts: {elevenlabs: {eleven_turbo_v2_5: 0.0}}\ngpu: {RTX 4090: {usd_per_hour: 0}}\n",
        }
    )
    assert cheap.cost_micro_usd == 0 < base.cost_micro_usd
    assert cheap.spec_fingerprint != base.spec_fingerprint


def test_a_bad_price_table_is_a_diagnostic():
    src = {"project.yaml": SPEC, "prices.yaml": "gpu: [1, 2\n"}
    s = SourceFiles(spec_name="project.yaml", read=lambda p: src[p], exists=lambda p: p in src)
    plan, diags = compile_project(s, GPU, CompileOptions(catalog=catalog()))
    errors = [d for d in diags if d.severity == "error"]  # (its short scenes also get W_SPARSE warnings)
    assert plan is None and [d.code for d in errors] == ["E_PRICES"] and errors[0].file == "prices.yaml"


def test_unlocked_llm_script_is_estimated_with_what_comes_after_it():
    spec = SPEC.replace(
        """  scenes:
    - {voiceover_text: "Meet the kite that flies without wind.", duration_seconds: 8}
    - {voiceover_text: "Order today.", duration_seconds: 8}""",
        """  brief: "A launch video"
  scene_count: 4
  llm: {provider: anthropic, model: claude-sonnet-4-5}""",
    )
    plan, _ = _compile({"project.yaml": spec})
    script = next(t for t in plan.tasks if t.stage == "script")
    assert script.cost.provider == "anthropic" and script.cost.units["input_tokens"] > 300
    assert script.cost.micro_usd == script.cost.units["input_tokens"] * 3 + script.cost.units["output_tokens"] * 15
    after = {c.provider: c for c in plan.videos[0].cost_after_script}
    assert set(after) == {"elevenlabs", "gpu"}
    assert after["elevenlabs"].units["characters"] % 4 == 0  # four scenes of the same assumed length
    assert plan.cost_micro_usd == script.cost.micro_usd + sum(c.micro_usd for c in after.values())
    est = remaining_estimate(plan, set(), None)
    assert est.micro_usd == plan.cost_micro_usd and "promo/script" in est.describe()


def test_budget_reserves_in_flight_estimates_and_adds_measured_spend():
    plan, _ = _compile({"project.yaml": SPEC})
    v1, v2 = [t for t in plan.tasks if t.stage == "voice"]
    budget = Budget(v1.cost.micro_usd + v2.cost.micro_usd - 1, Prices(template_yaml("prices.yaml")), plan)
    assert budget.allows(v1)
    assert not budget.allows(v2) and budget.stopped == [v2.id]  # v1 is in flight: both would pass the ceiling
    assert "would pass --max-cost" in budget.reason(v2)
    budget.finished(v1, {"ev": "done", "lane": v1.lane, "ms": 10}, {"engine": {"model": "eleven_turbo_v2_5"}})
    assert budget.spent == v1.cost.micro_usd and not budget.reserved
    cpu_task = next(t for t in plan.tasks if t.stage == "mix")
    assert budget.allows(cpu_task)  # unpaid work always runs


def test_money_parsing_and_display():
    assert parse_money("5.00") == 5_000_000 and parse_money("$0.0001") == 100
    for bad in ("-1", "nan", "abc"):
        try:
            parse_money(bad)
        except ValueError:
            continue
        raise AssertionError(bad)
    assert usd(0) == "$0.00" and usd(3100) == "$0.0031" and usd(1_250_000) == "$1.25"


def _price_errors(table: str):
    src = {"project.yaml": SPEC, "prices.yaml": table}
    s = SourceFiles(spec_name="project.yaml", read=lambda p: src[p], exists=lambda p: p in src)
    plan, diags = compile_project(s, GPU, CompileOptions(catalog=catalog()))
    errors = [d for d in diags if d.severity == "error"]
    assert plan is None and errors and all(d.code == "E_PRICES" and d.file == "prices.yaml" for d in errors)
    return errors


def test_negative_nan_inf_and_text_prices_are_diagnostics_at_their_line():
    table = (
        "tts:\n  elevenlabs:\n    eleven_turbo_v2_5: -0.003\n"
        "gpu:\n  RTX 4090: {usd_per_hour: .nan}\n  H100: {usd_per_hour: .inf}\n"
        "llm:\n  anthropic:\n    claude-sonnet-4-5: {input_per_mtok: three, output_per_mtok: 15}\n"
    )
    errors = _price_errors(table)
    where = {(d.line, d.col): d.message for d in errors}
    assert set(where) == {(3, 24), (5, 28), (6, 24), (9, 41)}, where
    assert "-0.003" in where[(3, 24)] and "at least 0" in where[(3, 24)]
    assert "not a finite number" in where[(5, 28)] and "not a finite number" in where[(6, 24)]
    assert "`three`, not a number" in where[(9, 41)]
    assert all(d.format().count("^") >= 1 for d in errors)


def test_a_price_table_of_the_wrong_shape_is_a_diagnostic_not_a_traceback():
    errors = _price_errors(
        "llm:\n  anthropic:\n    claude-sonnet-4-5: 3\ngpu: 5\ntts: {elevenlabs: {x: [1]}}\n"
        "chars_per_word: 0\nllm_estimat: {}\nllm_estimate: {chars_per_tokn: 4}\n"
        "gpu: {H100: {usd_per_hour: 1.0e+300}}\n"
    )
    got = sorted((d.line, d.message) for d in errors)
    assert got == [
        (3, "llm.anthropic.claude-sonnet-4-5 must be a mapping"),
        (4, "gpu must be a mapping"),
        (5, "the price tts.elevenlabs.x is `a sequence`, not a number"),
        (6, "the price chars_per_word is 0: it must be more than 0"),
        (7, "unknown price section `llm_estimat`"),
        (8, "unknown key `chars_per_tokn` in llm_estimate"),
        (9, "the price gpu.H100.usd_per_hour is 1e+300, more than 1,000,000"),
    ], got
    assert any("did you mean `llm_estimate`?" in d.hint for d in errors)


def test_the_shipped_price_table_is_valid_and_good_prices_pass():
    from vidc.compiler.price_table import check_price_table
    from vidc.compiler.resources import template_text

    assert check_price_table("prices.yaml", template_text("prices.yaml")) == []
    assert (
        check_price_table("prices.yaml", "gpu: {RTX 4090: {usd_per_hour: 0}}\ntts: {elevenlabs: {default: 1}}\n") == []
    )
