"""A 4-step distilled Wan (`video.lora`): the plan's chunks carry the LoRA (a project file by digest),
4 steps, guidance off and the distilled flow shift, and cost less time; the backend loads a tiny random
LoRA (built with peft for the tiny Wan pipeline of tests/fixtures_models.py) on CPU, and a chunk
without it runs on the bare pipeline again."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.factories import compile_text
from vidc.schemas.hardware import Device, Hardware

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SPEC = """vidc: 1
name: fast
script:
  scenes:
    - voiceover_text: "A short sentence that fits in its scene easily enough for the planner."
      visual_prompt: "a fox in the snow"
      duration_seconds: 8
video: {{engine: wan, model: Wan-AI/Wan2.1-T2V-14B-Diffusers{extra}}}
export: {{preset: youtube-1080p}}
"""
H100 = Hardware(name="h100", cpu_workers=2, devices=[Device(id="cuda:0", kind="cuda", name="H100", vram_gb=80)])


def _chunks(extra: str, files=None):
    files = files or {}
    digest = lambda rel: "sha-of-" + str(files[rel])  # noqa: E731 - the runtime hashes the file's bytes
    plan, diags = compile_text(SPEC.format(extra=extra), H100, files, digest=digest)
    assert plan is not None, "\n".join(d.format() for d in diags)
    return [t for t in plan.tasks if t.kind == "chunk"]


def test_a_lora_file_plans_four_steps_without_guidance_and_enters_the_fingerprint():
    base = _chunks("")
    fast = _chunks(", lora: loras/lightx2v.safetensors", {"loras/lightx2v.safetensors": b"weights-1"})
    other = _chunks(", lora: loras/lightx2v.safetensors", {"loras/lightx2v.safetensors": b"weights-2"})
    p = fast[0].params
    assert (p["steps"], p["cfg"], p["flow_shift"], p["lora_file"], p["lora_scale"]) == (
        4, 1.0, 5.0, "loras/lightx2v.safetensors", 1.0,
    )  # fmt: skip
    assert p["lora_file_sha256"] != other[0].params["lora_file_sha256"]
    assert fast[0].fingerprint != other[0].fingerprint
    assert "lora" not in base[0].params and "lora_file" not in base[0].params
    # time scales with steps (8 -> 4) and guidance off halves the denoising share: well under half
    assert fast[0].work_ms < 0.5 * base[0].work_ms
    hub = _chunks(", lora: lightx2v/Wan2.1-T2V-14B-4step-lora, steps: 6, cfg: 2.0")[0].params
    assert (hub["lora"], hub["steps"], hub["cfg"]) == ("lightx2v/Wan2.1-T2V-14B-4step-lora", 6, 2.0)


pytest.importorskip("diffusers")
pytest.importorskip("peft")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny Wan pipeline and a random rank-4 LoRA on its attention projections."""
    import torch
    from diffusers import WanPipeline, WanTransformer3DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    from tests import fixtures_models

    root = tmp_path_factory.mktemp("wan-lora")
    model = fixtures_models.build_tiny_wan(root / "t2v")
    transformer = WanTransformer3DModel.from_pretrained(model, subfolder="transformer")
    torch.manual_seed(3)
    transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                       target_modules=["to_q", "to_k", "to_v", "to_out.0"]))  # fmt: skip
    (root / "project" / "loras").mkdir(parents=True)
    WanPipeline.save_lora_weights(
        root / "project" / "loras", transformer_lora_layers=get_peft_model_state_dict(transformer),
        weight_name="tiny-4step.safetensors",
    )  # fmt: skip
    return model, root / "project"


def test_the_backend_loads_the_lora_and_a_chunk_without_it_runs_the_bare_pipeline(tiny, tmp_path):
    from tests.unit.test_wan import decode, params, run
    from vidc.runtime.backends.wan_video import WanVideo

    model, project = tiny
    b = WanVideo()
    b.setup("cpu")
    bare_out, _, _ = run(b, tmp_path, "bare", params(model), project_dir=project)
    lora = params(model, steps=4, cfg=1.0, flow_shift=5.0, lora_file="loras/tiny-4step.safetensors")
    fast_out, result, logs = run(b, tmp_path, "fast", lora, project_dir=project)
    assert any("LoRA loras/tiny-4step.safetensors" in line for line in logs)
    assert result["frames"] == 9 and result["block_passes"] == 4  # 4 steps, one pass each (guidance off)
    again_out, _, _ = run(b, tmp_path, "again", params(model), project_dir=project)
    bare, fast, again = (np.frombuffer(decode(o / "frames.mkv"), np.uint8) for o in (bare_out, fast_out, again_out))
    assert bare.tobytes() == again.tobytes()  # the LoRA was unloaded
    same_steps, _, _ = run(b, tmp_path, "lora8", params(model, lora_file="loras/tiny-4step.safetensors"),
                           project_dir=project)  # fmt: skip
    assert np.frombuffer(decode(same_steps / "frames.mkv"), np.uint8).tobytes() != bare.tobytes()
    assert b.cache.loads == 1
    assert fast.size == bare.size
