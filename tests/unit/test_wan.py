"""The `wan` backend end to end on tiny random Wan2.1 pipelines saved to disk (no downloads).

Each model is loaded BY PATH (or, in one test, by hub id from a fake local HF cache) through the
backend's own loader, the same code path as a real model. CPU by default; the `cuda` tests run only
where torch sees a GPU (VIDC_TEST_DEVICE=cuda:N picks one).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("diffusers")
pytest.importorskip("transformers")
pytest.importorskip("accelerate")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `tests.*` when pytest runs without the repo root on sys.path
    sys.path.insert(0, str(ROOT))

from pydantic import ValidationError  # noqa: E402

from tests import fixtures_models  # noqa: E402
from vidc.runtime.backends.base import BackendError, TaskContext  # noqa: E402
from vidc.runtime.backends.wan_video import WanParams, WanVideo  # noqa: E402

W, H, N = 16, 16, 9


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("wan-models")
    return {
        "t2v": fixtures_models.build_tiny_wan(root / "t2v"),
        "i2v": fixtures_models.build_tiny_wan_i2v(root / "i2v"),
        "vace": fixtures_models.build_tiny_wan_vace(root / "vace"),
        "root": root,
    }


@pytest.fixture(scope="module")
def backend():
    b = WanVideo()
    b.setup("cpu")
    return b


def params(model, **over):
    p = dict(
        model=str(model), prompt="a red fox runs in the snow", negative_prompt="negative", width=W, height=H,
        num_frames=N, fps=16, steps=2, sampler="euler", cfg=3.5, flow_shift=3.0, seed=7, offload="none",
        continuity="cut", chunk=0, scene=1,
    )  # fmt: skip
    p.update(over)
    return p


def run(backend, tmp_path, name, p, inputs=None, project_dir=None, device="cpu"):
    out = tmp_path / name
    out.mkdir()
    logs: list[str] = []
    ctx = TaskContext(
        task_id=f"v/video/{name}", params=p, inputs=inputs or {}, out=out,
        project_dir=project_dir or tmp_path, cache_dir=tmp_path / "cache", device=device, log=logs.append,
    )  # fmt: skip
    result = backend.run(ctx, WanParams.model_validate(p))
    json.dumps(result)  # the runtime stores it as result.json
    return out, result, logs


def probe(path: Path) -> dict:
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
         "stream=codec_name,width,height,nb_read_frames,r_frame_rate,pix_fmt", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout)["streams"][0]


def decode(path: Path) -> bytes:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout


def solid_prev(folder: Path, rgb, size=(W, H)) -> Path:
    """A previous chunk's output folder holding only a solid-colour last_frame.png."""
    from PIL import Image

    folder.mkdir()
    Image.new("RGB", size, rgb).save(folder / "last_frame.png")
    return folder


def check_chunk(out: Path, result: dict, frames=N, w=W, h=H, fps=16):
    s = probe(out / "frames.mkv")
    assert s["codec_name"] == "ffv1"
    assert (int(s["nb_read_frames"]), s["width"], s["height"]) == (frames, w, h)
    assert s["r_frame_rate"] == f"{fps}/1"
    assert result["frames"] == frames and (result["width"], result["height"], result["fps"]) == (w, h, fps)
    from PIL import Image

    last = Image.open(out / "last_frame.png")
    assert last.size == (w, h) and last.mode == "RGB"
    # Lossless: the last decoded frame of frames.mkv is exactly last_frame.png.
    assert decode(out / "frames.mkv")[-w * h * 3 :] == last.tobytes()
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_two_chunks_euler_then_unipc_load_the_pipeline_once(backend, models, tmp_path):
    out1, r1, logs1 = run(backend, tmp_path, "c0", params(models["t2v"], sampler="euler", chunk=0))
    out2, r2, logs2 = run(backend, tmp_path, "c1", params(models["t2v"], sampler="unipc", chunk=1, seed=8))
    check_chunk(out1, r1)
    check_chunk(out2, r2)
    assert backend.cache.loads == 1, "the pipeline must be loaded once per worker, not per task"
    assert any("loaded" in line for line in logs1) and not any("loaded" in line for line in logs2)
    assert r1["device"] == "cpu" and r1["dtype"] == "float32" and r1["mode"] == "t2v"
    assert "seconds" not in r1 and r1["conditioned"] is False and r1["warnings"] == []
    assert decode(out1 / "frames.mkv") != decode(out2 / "frames.mkv")


def test_same_params_same_frames_other_seed_other_frames(backend, models, tmp_path):
    _, _, _ = run(backend, tmp_path, "warm", params(models["t2v"]))
    a, _, _ = run(backend, tmp_path, "a", params(models["t2v"], sampler="unipc"))
    b, _, _ = run(backend, tmp_path, "b", params(models["t2v"], sampler="unipc"))
    fresh = WanVideo()  # another worker: loads the model itself
    fresh.setup("cpu")
    c, _, _ = run(fresh, tmp_path, "c", params(models["t2v"], sampler="unipc"))
    d, _, _ = run(backend, tmp_path, "d", params(models["t2v"], sampler="unipc", seed=8))
    e, _, _ = run(backend, tmp_path, "e", params(models["t2v"], sampler="unipc", flow_shift=7.0))
    assert decode(a / "frames.mkv") == decode(b / "frames.mkv") == decode(c / "frames.mkv")
    assert (a / "frames.mkv").read_bytes() == (b / "frames.mkv").read_bytes()
    assert decode(d / "frames.mkv") != decode(a / "frames.mkv")
    assert decode(e / "frames.mkv") != decode(a / "frames.mkv")


def test_extend_with_a_t2v_model_falls_back_with_a_warning(backend, models, tmp_path):
    prev, _, _ = run(backend, tmp_path, "c0", params(models["t2v"], continuity="extend"))
    out, r, logs = run(
        backend, tmp_path, "c1", params(models["t2v"], continuity="extend", chunk=1), inputs={"prev": prev}
    )
    check_chunk(out, r)
    assert r["conditioned"] is False and r["overlap_frames"] == 0
    assert len(r["warnings"]) == 1 and "text-to-video only" in r["warnings"][0]
    assert any("warning" in line for line in logs)


def test_extend_with_an_i2v_model_uses_the_previous_last_frame(models, tmp_path):
    b = WanVideo()
    b.setup("cpu")
    prev, _, _ = run(b, tmp_path, "c0", params(models["t2v"]))
    p1 = params(models["i2v"], continuity="extend", chunk=1)
    out, r, _ = run(b, tmp_path, "c1", p1, inputs={"prev": prev})
    check_chunk(out, r)
    assert r["mode"] == "i2v" and r["conditioned"] is True and r["overlap_frames"] == 1
    # The frame really conditions the chunk: another previous frame, another chunk.
    red, blue = solid_prev(tmp_path / "red", (250, 10, 10)), solid_prev(tmp_path / "blue", (10, 10, 250))
    out_red, _, _ = run(b, tmp_path, "c1r", p1, inputs={"prev": red})
    out_blue, _, _ = run(b, tmp_path, "c1b", p1, inputs={"prev": blue})
    assert decode(out_red / "frames.mkv") != decode(out_blue / "frames.mkv")
    # An I2V model cannot start a scene: a clear error, not a silent black first frame.
    with pytest.raises(BackendError, match="image-to-video model.*TI2V"):
        run(b, tmp_path, "c0i", params(models["i2v"], continuity="extend"))


def test_extend_with_a_vace_model_keeps_the_previous_frame(models, tmp_path):
    # 32x32: at 16x16 (one token per latent frame) the tiny random VACE's control signal changes no pixel.
    b = WanVideo()
    b.setup("cpu")
    size = dict(width=32, height=32)
    first, r0, _ = run(b, tmp_path, "c0", params(models["vace"], continuity="extend", **size))
    check_chunk(first, r0, w=32, h=32)
    assert r0["mode"] == "t2v" and r0["conditioned"] is False  # first chunk: VACE without a control video
    p1 = params(models["vace"], continuity="extend", chunk=1, **size)
    out, r1, _ = run(b, tmp_path, "c1", p1, inputs={"prev": first})
    check_chunk(out, r1, w=32, h=32)
    assert r1["mode"] == "vace" and r1["conditioned"] is True and r1["overlap_frames"] == 1
    cut, _, _ = run(b, tmp_path, "c1cut", {**p1, "continuity": "cut"}, inputs={"prev": first})
    assert decode(cut / "frames.mkv") != decode(out / "frames.mkv")
    assert b.cache.loads == 1


def test_missing_last_frame_is_a_clear_error(backend, models, tmp_path):
    empty = tmp_path / "prev"
    empty.mkdir()
    with pytest.raises(BackendError, match="last_frame.png"):
        run(backend, tmp_path, "c1", params(models["t2v"], continuity="extend", chunk=1), inputs={"prev": empty})


def test_a_hub_id_loads_from_the_local_hf_cache(models, tmp_path, monkeypatch):
    cache = tmp_path / "hf" / "hub" / "models--tiny-org--Wan2.1-T2V-tiny-Diffusers"
    commit = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(models["t2v"], cache / "snapshots" / commit)
    (cache / "refs").mkdir()
    (cache / "refs" / "main").write_text(commit)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    b = WanVideo()
    b.setup("cpu")
    out, r, _ = run(b, tmp_path, "c0", params("tiny-org/Wan2.1-T2V-tiny-Diffusers"))
    check_chunk(out, r)
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_relative_model_folder_resolves_against_the_project(models, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(models["t2v"], project / "models" / "wan")
    b = WanVideo()
    b.setup("cpu")
    out, r, _ = run(b, tmp_path, "c0", params("models/wan"), project_dir=project)
    check_chunk(out, r)


def test_missing_weights_say_where_to_put_them(backend, models, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    with pytest.raises(BackendError) as exc:
        run(backend, tmp_path, "a", params("Wan-AI/Wan2.1-T2V-1.3B-Diffusers"))
    msg = str(exc.value)
    assert "huggingface-cli download Wan-AI/Wan2.1-T2V-1.3B-Diffusers" in msg
    assert str(tmp_path / "empty-hf" / "hub") in msg and "never downloads" in msg
    with pytest.raises(BackendError, match="does not exist"):
        run(backend, tmp_path, "b", params("./models/nope"))
    not_diffusers = tmp_path / "weights"
    not_diffusers.mkdir()
    (not_diffusers / "model.safetensors").write_bytes(b"")
    with pytest.raises(BackendError, match="model_index.json"):
        run(backend, tmp_path, "c", params(str(not_diffusers)))
    broken = tmp_path / "broken"
    shutil.copytree(models["t2v"], broken)
    shutil.rmtree(broken / "transformer")
    with pytest.raises(BackendError, match="cannot load the Wan model"):
        run(WanVideo(), tmp_path, "d", params(str(broken)))


@pytest.mark.parametrize(
    "over, field",
    [({"width": 40}, "width"), ({"num_frames": 10}, "num_frames"), ({"sampler": "ddim"}, "sampler"),
     ({"offload": "disk"}, "offload"), ({"steps_": 2}, "steps_")],
)  # fmt: skip
def test_params_are_checked(over, field):
    with pytest.raises(ValidationError, match=field):
        WanParams.model_validate(params("m", **over))


def test_no_heavy_imports_at_module_import():
    code = (
        "import sys, vidc.runtime.backends.wan_video, vidc.runtime.backends.wan_pipeline;"
        "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------------------ Wan2.2
@pytest.fixture(scope="module")
def models22(tmp_path_factory):
    root = tmp_path_factory.mktemp("wan22-models")
    return {
        "ti2v": fixtures_models.build_tiny_wan22_ti2v(root / "ti2v"),
        "a14b": fixtures_models.build_tiny_wan22_a14b(root / "a14b"),
        "a14b_i2v": fixtures_models.build_tiny_wan22_a14b_i2v(root / "a14b-i2v"),
    }


def test_model_facts_read_the_pipeline_class_and_configs(models, models22, tmp_path):
    from vidc.runtime.backends.wan_pipeline import model_facts

    ti2v = model_facts(str(models22["ti2v"]), tmp_path)
    assert (ti2v["kind"], ti2v["experts"], ti2v["size_multiple"], ti2v["heads"]) == ("ti2v", 1, 32, 2)
    a14b = model_facts(str(models22["a14b"]), tmp_path)
    assert (a14b["kind"], a14b["experts"], a14b["boundary_ratio"]) == ("t2v", 2, 0.875)
    i2v = model_facts(str(models22["a14b_i2v"]), tmp_path)
    assert (i2v["kind"], i2v["experts"], i2v["image_encoder"]) == ("i2v", 2, False)
    assert model_facts(str(models["vace"]), tmp_path)["kind"] == "vace"
    assert model_facts(str(models["i2v"]), tmp_path)["image_encoder"] is True
    assert "does not exist" in model_facts(str(tmp_path / "nowhere"), tmp_path)["error"]
    assert model_facts("Wan-AI/Wan2.2-TI2V-5B-Diffusers", tmp_path) is None  # not cached here: the table decides
    (tmp_path / "notwan").mkdir()
    (tmp_path / "notwan" / "model_index.json").write_text('{"_class_name": "FluxPipeline"}')
    assert "not a Wan pipeline" in model_facts(str(tmp_path / "notwan"), tmp_path)["error"]


def test_ti2v_makes_text_chunks_and_continues_from_a_frame(models22, tmp_path):
    b = WanVideo()
    b.setup("cpu")
    size = dict(width=32, height=32, fps=24)
    first, r0, _ = run(b, tmp_path, "c0", params(models22["ti2v"], continuity="extend", **size))
    check_chunk(first, r0, w=32, h=32, fps=24)
    assert r0["mode"] == "t2v" and r0["conditioned"] is False
    p1 = params(models22["ti2v"], continuity="extend", chunk=1, **size)
    out, r1, _ = run(b, tmp_path, "c1", p1, inputs={"prev": first})
    check_chunk(out, r1, w=32, h=32, fps=24)
    assert r1["mode"] == "i2v" and r1["conditioned"] is True and r1["overlap_frames"] == 1
    red = solid_prev(tmp_path / "red", (250, 10, 10), (32, 32))
    blue = solid_prev(tmp_path / "blue", (10, 10, 250), (32, 32))
    out_red, _, _ = run(b, tmp_path, "c1r", p1, inputs={"prev": red})
    out_blue, _, _ = run(b, tmp_path, "c1b", p1, inputs={"prev": blue})
    assert decode(out_red / "frames.mkv") != decode(out_blue / "frames.mkv")
    assert b.cache.loads == 1  # the image-to-video twin shares the loaded weights
    with pytest.raises(BackendError, match="multiples of 32"):  # its VAE compresses 16x
        run(b, tmp_path, "bad", params(models22["ti2v"], width=48, height=32))


def test_a14b_runs_both_experts_with_their_own_guidance(models22, tmp_path):
    b = WanVideo()
    b.setup("cpu")
    base = params(models22["a14b"], steps=4)
    out, r, _ = run(b, tmp_path, "a", base)
    check_chunk(out, r)
    assert r["experts"] == 2 and r["block_passes"] == 8  # 4 steps x 2 guidance branches, one expert per step
    same, _, _ = run(b, tmp_path, "a2", base)
    other_cfg2, _, _ = run(b, tmp_path, "b", {**base, "cfg_2": 1.5})
    other_boundary, _, _ = run(b, tmp_path, "c", {**base, "boundary_ratio": 0.3})
    assert decode(out / "frames.mkv") == decode(same / "frames.mkv")
    assert decode(other_cfg2 / "frames.mkv") != decode(out / "frames.mkv")  # the low-noise expert's guidance
    assert decode(other_boundary / "frames.mkv") != decode(out / "frames.mkv")


def test_a14b_i2v_starts_a_scene_from_its_start_image(models22, tmp_path):
    from PIL import Image

    b = WanVideo()
    b.setup("cpu")
    Image.new("RGB", (64, 64), (200, 40, 40)).save(tmp_path / "start.png")
    out, r, _ = run(b, tmp_path, "s", params(models22["a14b_i2v"], start_image="start.png"), project_dir=tmp_path)
    check_chunk(out, r)
    assert r["mode"] == "i2v" and r["conditioned"] is True and r["overlap_frames"] == 0
    with pytest.raises(BackendError, match="needs a frame to start from"):
        run(b, tmp_path, "none", params(models22["a14b_i2v"]))


@pytest.mark.parametrize("cache,extra,kind", [
    ("first_block", {"cache_threshold": 1.0}, "a14b"), ("taylorseer", {"cache_interval": 2, "cache_warmup": 2}, "a14b"),
    ("magcache", {"cache_threshold": 1.0}, "ti2v"), ("magcache", {"cache_threshold": 1.0}, "a14b"),
])  # fmt: skip
def test_step_caches_skip_transformer_work_deterministically(models22, tmp_path, cache, extra, kind):
    b = WanVideo()
    b.setup("cpu")
    model = models22[kind]
    size = {"width": 32, "height": 32} if kind == "ti2v" else {}
    plain, r0, _ = run(b, tmp_path, "plain", params(model, steps=8, **size))
    p = params(model, steps=8, cache=cache, **extra, **size)
    out, r, _ = run(b, tmp_path, "cached", p)
    again, r2, _ = run(b, tmp_path, "again", p)
    assert r["cache"] == cache and r0["block_passes"] == 16
    assert r["block_passes"] < r0["block_passes"], "the cache must skip transformer work"
    assert decode(out / "frames.mkv") == decode(again / "frames.mkv") and r2["block_passes"] == r["block_passes"]
    assert decode(out / "frames.mkv") != decode(plain / "frames.mkv")
    off, r3, _ = run(b, tmp_path, "off", params(model, steps=8, **size))  # the cache comes off again
    assert r3["block_passes"] == 16 and decode(off / "frames.mkv") == decode(plain / "frames.mkv")
    if cache == "magcache":  # calibrated once, then read from the work folder's cache
        [ratios] = list((tmp_path / "cache" / "wan-magcache").iterdir())
        per_expert = json.loads(ratios.read_text())["ratios"]  # A14B: the high-noise expert's steps, then the rest
        assert sum(len(r) for r in per_expert) == 8 and len(per_expert) == (2 if kind == "a14b" else 1)
        fresh = WanVideo()
        fresh.setup("cpu")
        again2, _, _ = run(fresh, tmp_path, "fresh", p)
        assert decode(again2 / "frames.mkv") == decode(out / "frames.mkv")


def test_speed_options_on_cpu_say_what_they_did(models22, tmp_path):
    b = WanVideo()
    b.setup("cpu")
    out, r, _ = run(b, tmp_path, "x", params(models22["a14b"], compile="regional", precision="fp8"))
    check_chunk(out, r)
    assert r["dtype"] == "float32" and r["compiled"] is False
    assert any("fp8 runs as fp32 on cpu" in w for w in r["warnings"])
    assert any("compile=regional ignored on cpu" in w for w in r["warnings"])


def test_a_group_refuses_caches_that_decide_per_rank(models22, tmp_path):
    from vidc.runtime.backends.wan_group import run_group

    ctx = TaskContext(
        task_id="g", params={}, inputs={}, out=tmp_path / "o", project_dir=tmp_path, cache_dir=tmp_path / "cache"
    )
    p = WanParams.model_validate(params(models22["a14b"], cache="first_block", cache_threshold=0.1))
    with pytest.raises(BackendError, match="context-parallel"):
        run_group(["cpu", "cpu"], ctx, p)


@pytest.mark.slow
def test_context_parallel_group_of_two_gloo_ranks_matches_one_process(models22, tmp_path):
    """Ulysses degree 2 over two CPU processes (gloo), started like torchrun by the backend: the same
    frames as one process, with the cache that is safe under context parallelism (taylorseer)."""
    b = WanVideo()
    b.setup("cpu")
    # 32x32: 3 latent frames x 2 x 2 patches = 12 tokens, which the two ranks split evenly
    p = params(models22["a14b"], steps=4, cache="taylorseer", cache_interval=2, cache_warmup=2, width=32, height=32)
    single, r1, _ = run(b, tmp_path, "one", p)
    out = tmp_path / "group"
    out.mkdir()
    ctx = TaskContext(
        task_id="v/video/group",
        params=p,
        inputs={},
        out=out,
        project_dir=tmp_path,
        cache_dir=tmp_path / "cache",
        device="cpu",
        group=["cpu", "cpu"],
    )
    r2 = b.run(ctx, WanParams.model_validate(p))
    check_chunk(out, r2, w=32, h=32)
    assert r2["group"]["ulysses_degree"] == 2 and r2["block_passes"] == r1["block_passes"]
    assert decode(out / "frames.mkv") == decode(single / "frames.mkv")


# ---------------------------------------------------------------------------------------------- GPU
def _cuda_device() -> str | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return os.environ.get("VIDC_TEST_DEVICE", "cuda:0")


@pytest.mark.parametrize("offload", ["none", "model", "sequential"])
def test_cuda(models, tmp_path, offload):
    device = _cuda_device()
    if device is None:
        pytest.skip("no CUDA GPU visible to torch")
    import torch

    b = WanVideo()
    b.setup(device)
    p = params(models["t2v"], offload=offload, sampler="unipc")
    out, r, _ = run(b, tmp_path, "g0", p, device=device)
    again, _, _ = run(b, tmp_path, "g1", p, device=device)
    check_chunk(out, r)
    assert r["device"] == device
    assert r["dtype"] == ("bfloat16" if torch.cuda.is_bf16_supported() else "float32")
    assert decode(out / "frames.mkv") == decode(again / "frames.mkv"), "same seed on the same GPU, same frames"
    assert b.cache.loads == 1
    i2v = WanVideo()
    i2v.setup(device)
    o2, r2, _ = run(i2v, tmp_path, "g2", params(models["i2v"], offload=offload, continuity="extend", chunk=1),
                    inputs={"prev": out}, device=device)  # fmt: skip
    check_chunk(o2, r2)
    assert r2["conditioned"] is True


@pytest.mark.parametrize(
    "option", [{"cache": "first_block", "cache_threshold": 0.5}, {"compile": "regional"}, {"precision": "fp8"}]
)
def test_cuda_wan22_speed_options(models22, tmp_path, option):
    device = _cuda_device()
    if device is None:
        pytest.skip("no CUDA GPU visible to torch")
    b = WanVideo()
    b.setup(device)
    p = params(models22["a14b"], steps=4, **option)
    out, r, _ = run(b, tmp_path, "g0", p, device=device)
    again, r2, _ = run(b, tmp_path, "g1", p, device=device)
    check_chunk(out, r)
    assert r["warnings"] == [] and r["experts"] == 2
    assert r["compiled"] is (option.get("compile") == "regional")
    assert decode(out / "frames.mkv") == decode(again / "frames.mkv")
