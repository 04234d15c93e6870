"""Measure Wan on a GPU: one chunk at 8 steps per model and setting, time and peak VRAM, written as a
measured cost profile for templates/cost_profiles/.

Models are the real architectures with randomly initialised weights (the compute is the same as with
trained weights), built from the configs written below; nothing is downloaded. The UMT5 text
encoder is not built: the pipeline gets random prompt embeddings (512 x 4096), so the figures are the
denoising loop plus the VAE decode, and peak VRAM leaves out the encoder (about 11 GB in bf16, which
`offload: model` moves off the GPU while the transformer runs).

Order: smallest first (Wan2.1 1.3B at 480p, Wan2.2 TI2V-5B at 720p, Wan2.1 14B at 720p); per model:
plain, first_block, taylorseer, magcache (one calibration run, not timed), regional compile (the
first call, with compiling, and a second call). `--budget-s` stops starting runs that would not fit
(each run's time is predicted from the model's plain run). Every finished run is written to the
profile at once, so a run cut short still leaves its figures.

    python bench/wan_gpu.py --budget-s 600 --out templates/cost_profiles/h200.yaml     # on the GPU
    python bench/wan_gpu.py --tiny --out /tmp/profile.yaml                             # CPU smoke test
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import yaml

STEPS = 8
GUIDANCE = 5.0
TRANSFORMER = dict(
    patch_size=(1, 2, 2),
    attention_head_dim=128,
    text_dim=4096,
    freq_dim=256,
    cross_attn_norm=True,
    qk_norm="rms_norm_across_heads",
    eps=1e-6,
    rope_max_seq_len=1024,
)
MODELS = {  # hub id: (transformer config, VAE, width, height, frames) -- the models' own configs and sizes
    "Wan-AI/Wan2.1-T2V-1.3B-Diffusers": (
        dict(num_attention_heads=12, ffn_dim=8960, num_layers=30, in_channels=16, out_channels=16),
        "2.1",
        832,
        480,
        81,
    ),
    "Wan-AI/Wan2.2-TI2V-5B-Diffusers": (
        dict(num_attention_heads=24, ffn_dim=14336, num_layers=30, in_channels=48, out_channels=48),
        "2.2",
        1280,
        704,
        121,
    ),
    "Wan-AI/Wan2.1-T2V-14B-Diffusers": (
        dict(num_attention_heads=40, ffn_dim=13824, num_layers=40, in_channels=16, out_channels=16),
        "2.1",
        1280,
        720,
        81,
    ),
}
SETTINGS = [
    ("none", "none"),
    ("first_block", "none"),
    ("taylorseer", "none"),
    ("magcache", "none"),
    ("none", "regional"),
]
# After the 8-step settings: the step counts people compare, one run each on the plain pipeline. The
# distilled run is LightX2V's recipe (4 steps, guidance off: one branch per step) with a random rank-64
# LoRA on the attention projections (not fused, as the wan backend applies one); the official counts
# are 50 steps (T2V) and 40 (I2V) with guidance (two branches per step).
STEP_RUNS = [(4, 1.0, True), (40, GUIDANCE, False), (50, GUIDANCE, False)]
TINY = dict(num_attention_heads=2, attention_head_dim=12, ffn_dim=32, num_layers=2, text_dim=32, rope_max_seq_len=32)


def build(model: str, tiny: bool, device: str, dtype):
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanPipeline, WanTransformer3DModel

    cfg, vae_kind, w, h, frames = MODELS[model]
    tcfg = {**TRANSFORMER, **cfg, **(TINY if tiny else {})}
    with torch.device(device):
        torch.manual_seed(0)
        transformer = WanTransformer3DModel(**tcfg).to(dtype)
        for name, module in transformer.named_modules():  # as from_pretrained(dtype=...) keeps them
            if any(name.endswith(k) or f".{k}" in name for k in WanTransformer3DModel._keep_in_fp32_modules):
                module.float()
        if vae_kind == "2.2":
            vae = AutoencoderKLWan(
                base_dim=3 if tiny else 160,
                decoder_base_dim=None if tiny else 256,
                z_dim=48,
                dim_mult=[1, 1, 1, 1] if tiny else [1, 2, 4, 4],
                num_res_blocks=1 if tiny else 2,
                temperal_downsample=[False, True, True],
                is_residual=True,
                in_channels=12,
                out_channels=12,
                patch_size=2,
                latents_mean=[0.0] * 48,
                latents_std=[1.0] * 48,
                scale_factor_spatial=16,
            )
        else:
            vae = AutoencoderKLWan(**(dict(base_dim=3, dim_mult=[1, 1, 1, 1], num_res_blocks=1) if tiny else {}))
    pipe = WanPipeline(
        tokenizer=None,
        text_encoder=None,
        vae=vae.to(torch.float32),
        transformer=transformer,
        scheduler=FlowMatchEulerDiscreteScheduler(shift=5.0 if h >= 704 else 3.0),
        expand_timesteps=vae_kind == "2.2",
    )
    pipe.set_progress_bar_config(disable=True)
    if tiny:
        w, h, frames = 32 if vae_kind == "2.2" else 16, 32 if vae_kind == "2.2" else 16, 9
    return pipe, w, h, frames, tcfg["text_dim"]


def one_chunk(pipe, w: int, h: int, frames: int, text_dim: int, device: str, dtype, steps=STEPS, guidance=GUIDANCE):
    import torch

    g = torch.Generator(device=device).manual_seed(0)
    emb = torch.randn(1, 512, text_dim, generator=g, device=device, dtype=dtype)
    neg = torch.randn(1, 512, text_dim, generator=g, device=device, dtype=dtype)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    with torch.no_grad():
        pipe(
            prompt_embeds=emb,
            negative_prompt_embeds=neg,
            height=h,
            width=w,
            num_frames=frames,
            num_inference_steps=steps,
            guidance_scale=guidance,
            output_type="np",
            generator=g,
        )
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else 0.0
    return seconds, peak


def set_cache(pipe, cache: str, mag_ratios=None):
    from vidc.runtime.backends.wan_sampling import cache_config

    tr = pipe.transformer
    if getattr(tr, "is_cache_enabled", False):
        tr.disable_cache()
    if cache != "none":
        tr.enable_cache(cache_config(cache, None, 2, 2, STEPS, mag_ratios, calibrate=mag_ratios is None))


def versions() -> dict[str, str]:
    import diffusers
    import torch

    out = {
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "diffusers": str(diffusers.__version__),
    }
    if torch.cuda.is_available():
        out["cuda"] = str(torch.version.cuda)
        try:
            import subprocess

            out["driver"] = (
                subprocess.run(
                    ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                    capture_output=True,
                    text=True,
                    timeout=20,
                )
                .stdout.strip()
                .splitlines()[0]
            )
        except (OSError, IndexError, subprocess.SubprocessError):
            pass
    return out


def write(out: Path, profile: dict) -> None:
    tmp = out.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(profile, sort_keys=False, width=120), encoding="utf-8")
    tmp.replace(out)


def derive(profile: dict) -> None:
    """The figures plans use, from the runs: a chunk's time per model (plain), and the factor each
    option multiplies it by (measured side by side on the same model, the largest one measured)."""
    runs = profile["runs"]
    models: dict[str, dict] = {}
    factors: dict[str, dict[str, float]] = {"cache": {}, "compile": {}}
    for r in runs:
        if r.get("steps", STEPS) != STEPS:  # the step-count runs are listed apart
            continue
        if r["cache"] == "none" and r["compile"] == "none":
            models[r["model"]] = {
                "chunk_ms": round(r["seconds"] * 1000),
                "peak_vram_gb": r["peak_vram_gb"],
                "at": {k: r[k] for k in ("width", "height", "frames", "steps")},
            }
    for r in runs:
        base = models.get(r["model"])
        if (
            r.get("steps", STEPS) != STEPS
            or base is None
            or (r["cache"] == "none" and r["compile"] == "none")
            or r.get("first_call")
        ):
            continue
        f = round(r["seconds"] * 1000 / base["chunk_ms"], 3)
        if r["cache"] != "none":
            factors["cache"][r["cache"]] = f
        else:
            factors["compile"][r["compile"]] = f
    steps = {}
    for r in runs:
        if r.get("steps", STEPS) != STEPS or (r["cache"] == "none" and r["compile"] == "none"):
            label = f"{r['steps']} steps" + (
                " lora cfg 1" if r.get("lora") else f" cfg {r.get('guidance', GUIDANCE):g}"
            )
            steps.setdefault(r["model"], {})[label] = r["seconds"]
    profile["wan"] = {"models": models, "factors": factors, "steps": steps}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the profile to write (YAML)")
    ap.add_argument("--budget-s", type=float, default=600, help="start no run that would end after this")
    ap.add_argument("--tiny", action="store_true", help="tiny configs on CPU (a smoke test of this script)")
    ap.add_argument("--only", action="append", default=[], help="a model id (repeatable)")
    args = ap.parse_args(argv)
    import torch

    device = "cpu" if args.tiny or not torch.cuda.is_available() else "cuda"
    if device == "cpu" and not args.tiny:
        print("no CUDA GPU: run with --tiny for a smoke test", file=sys.stderr)
        return 2
    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    start = time.monotonic()
    name = "CPU (tiny smoke test)" if device == "cpu" else torch.cuda.get_device_name(0)
    profile = {
        "profile": "measured",
        "device": name,
        "measured_on": datetime.date.today().isoformat(),
        "versions": versions(),
        "tiny": bool(args.tiny),
        "method": (
            "bench/wan_gpu.py: random weights from the real configs, one chunk, "
            f"{STEPS} steps, guidance {GUIDANCE} (two branches), {str(dtype).replace('torch.', '')}, offload "
            "none, no text encoder (prompt embeddings given); seconds from the call to frames in memory"
        ),
        "runs": [],
    }
    for model in [m for m in MODELS if not args.only or m in args.only]:
        pipe, w, h, frames, text_dim = build(model, args.tiny, device, dtype)
        plain = None
        for cache, compile_ in SETTINGS:
            left = args.budget_s - (time.monotonic() - start)
            guess = (plain or 0) * (3.0 if compile_ == "regional" else 2.0 if cache == "magcache" else 1.0)
            if plain is not None and guess > left:
                print(f"skip {model} cache={cache} compile={compile_}: ~{guess:.0f}s > {left:.0f}s left")
                continue
            ratios = None
            if cache == "magcache":  # calibrate (untimed), then run with the ratios
                from vidc.runtime.backends.wan_sampling import captured_magcache_ratios

                set_cache(pipe, "magcache")
                with captured_magcache_ratios() as found:
                    one_chunk(pipe, w, h, frames, text_dim, device, dtype)
                ratios = found[0] if found else None
                if ratios is None:
                    print(f"magcache calibration of {model} gave no ratios; skipped")
                    continue
            set_cache(pipe, cache, ratios)
            runs = 1
            if compile_ == "regional":
                # on CPU (the smoke test) dynamo still traces each block whole, without inductor's C++ build
                pipe.transformer.compile_repeated_blocks(fullgraph=True, **({"backend": "eager"} if args.tiny else {}))
                runs = 2
            for k in range(runs):
                seconds, peak = one_chunk(pipe, w, h, frames, text_dim, device, dtype)
                row = {
                    "model": model,
                    "width": w,
                    "height": h,
                    "frames": frames,
                    "steps": STEPS,
                    "cache": cache,
                    "compile": compile_,
                    "seconds": round(seconds, 3),
                    "peak_vram_gb": round(peak, 2),
                }
                if runs == 2 and k == 0:
                    row["first_call"] = True  # includes compiling
                profile["runs"].append(row)
                print(json.dumps(row), flush=True)
                if cache == "none" and compile_ == "none":
                    plain = seconds
            set_cache(pipe, "none")
            derive(profile)
            write(args.out, profile)
        step_runs(pipe, model, (w, h, frames, text_dim), device, dtype, profile, plain, args, start)
        del pipe
        if device == "cuda":
            torch.cuda.empty_cache()
    print(f"wrote {args.out} in {time.monotonic() - start:.0f} s")
    return 0


def step_runs(pipe, model, shape, device, dtype, profile, plain, args, start) -> None:
    """The 4-step distilled run (a random LoRA, guidance off) beside the 40- and 50-step runs."""
    w, h, frames, text_dim = shape
    for steps, guidance, lora in STEP_RUNS:
        left = args.budget_s - (time.monotonic() - start)
        guess = (plain or 0) * steps / STEPS * (0.5 if guidance <= 1 else 1.0)
        if plain is None or guess > left:
            print(f"skip {model} {steps} steps: ~{guess:.0f}s > {left:.0f}s left")
            continue
        if lora:
            add_random_lora(pipe, rank=2 if args.tiny else 64)
        seconds, peak = one_chunk(pipe, w, h, frames, text_dim, device, dtype, steps, guidance)
        if lora:
            pipe.transformer.unload_lora()  # peft: back to the bare weights
        row = {"model": model, "width": w, "height": h, "frames": frames, "steps": steps, "guidance": guidance,
               "lora": lora, "cache": "none", "compile": "none", "seconds": round(seconds, 3),
               "peak_vram_gb": round(peak, 2)}  # fmt: skip
        profile["runs"].append(row)
        print(json.dumps(row), flush=True)
        derive(profile)
        write(args.out, profile)


def add_random_lora(pipe, rank: int) -> None:
    """A random LoRA on the transformer's attention projections (not fused: as the wan backend loads one)."""
    import torch
    from peft import LoraConfig

    torch.manual_seed(0)
    cfg = LoraConfig(
        r=rank, lora_alpha=rank, init_lora_weights=False, target_modules=["to_q", "to_k", "to_v", "to_out.0"]
    )
    pipe.transformer.add_adapter(cfg, adapter_name="distill")


if __name__ == "__main__":
    sys.exit(main())
