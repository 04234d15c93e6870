"""Builders of tiny, randomly initialised models that load exactly like the real ones (no downloads).

- build_tiny_wan(path):      a diffusers WanPipeline (text-to-video) saved with save_pretrained
- build_tiny_wan_i2v(path):  a WanImageToVideoPipeline (adds a tiny CLIPVisionModel + CLIPImageProcessor)
- build_tiny_wan_vace(path): a WanVACEPipeline (WanVACETransformer3DModel)
- build_tiny_wan22_ti2v(path): a Wan2.2 TI2V-5B-shaped WanPipeline (expand_timesteps, the z_dim=48 VAE that
                           compresses 16x in space, so sizes are multiples of 32)
- build_tiny_wan22_a14b(path): a Wan2.2 A14B-shaped two-expert WanPipeline (transformer_2, boundary_ratio 0.875)
- build_tiny_wan22_a14b_i2v(path): the two-expert WanImageToVideoPipeline (no CLIP encoder, boundary_ratio 0.9)
- build_tiny_kokoro(path):   a Kokoro folder: config.json, kokoro-v1_0.pth, voices/{af_heart,bf_emma,ef_dora}.pt

The Wan parts follow diffusers' own fast tests (tests/pipelines/wan/), with an offline WordLevel
tokenizer and a tiny UMT5 encoder instead of the hub's hf-internal-testing/tiny-random-t5. Loading a
saved pipeline needs `accelerate`. The pipelines make frames at any size that is a multiple of 16.

Kokoro cannot be made small: kokoro 0.9.4 hard-codes the decoder's widths (1024/512 channels) and
its `asr_res` convolution forces hidden_dim=512, so the smallest KModel has ~58.5M parameters. The
fixture keeps the real layout and vocabulary, shrinks what it can (a 1-layer 32-wide ALBERT, one
prosody layer, one resblock kernel) and stores weights as float16 (~117 MB; KModel casts them back
to float32 on load). With random weights each phoneme lasts about max_dur/2 frames of 25 ms:
max_dur=4 gives ~50 ms per phoneme, fast speech that keeps the CPU tests short.

Every builder seeds torch, so the same call makes the same weights.
"""

from __future__ import annotations

import json
from pathlib import Path

WAN_WORDS = "a cat dance negative red fox runs in the snow continues scene chunk".split()

# A `vidc build` project around build_tiny_wan (models/tiny-wan); SAMPLER and CONTINUITY are to be replaced.
TINY_WAN_SPEC = """vidc: 1
name: tiny-wan
script:
  scene_seconds: [1, 6]
  scenes:
    - voiceover_text: "A cat dances."
      visual_prompt: "a cat dance"
      duration_seconds: 2
    - voiceover_text: "The cat dances again."
      visual_prompt: "a cat dance negative"
      duration_seconds: 2
video: {engine: wan, model: models/tiny-wan, resolution: 32x32, fps: 8, frames_per_chunk: 9, steps: 2,
        sampler: SAMPLER, continuity: CONTINUITY, seed: 3}
music: {mood: [calm]}
captions: {mode: both}
export: {preset: draft}
"""
# A hardware profile with two CPU devices: the lanes a two-GPU box would have.
TWO_CPU_DEVICES = """name: two-cpu-devices
cpu_workers: 2
devices:
  - {id: "cpu:a", kind: cpu, name: first CPU device, speed: 1.0}
  - {id: "cpu:b", kind: cpu, name: second CPU device, speed: 1.0}
"""

# Kokoro-82M v1.0 phoneme vocabulary (config.json "vocab"): 114 symbols, ids up to 177.
KOKORO_VOCAB = {
    ";": 1, ":": 2, ",": 3, ".": 4, "!": 5, "?": 6, "—": 9, "…": 10, '"': 11, "(": 12, ")": 13, "“": 14,
    "”": 15, " ": 16, "\u0303": 17, "ʣ": 18, "ʥ": 19, "ʦ": 20, "ʨ": 21, "ᵝ": 22, "\uab67": 23, "A": 24,
    "I": 25, "O": 31, "Q": 33, "S": 35, "T": 36, "W": 39, "Y": 41, "ᵊ": 42, "a": 43, "b": 44, "c": 45,
    "d": 46, "e": 47, "f": 48, "h": 50, "i": 51, "j": 52, "k": 53, "l": 54, "m": 55, "n": 56, "o": 57,
    "p": 58, "q": 59, "r": 60, "s": 61, "t": 62, "u": 63, "v": 64, "w": 65, "x": 66, "y": 67, "z": 68,
    "ɑ": 69, "ɐ": 70, "ɒ": 71, "æ": 72, "β": 75, "ɔ": 76, "ɕ": 77, "ç": 78, "ɖ": 80, "ð": 81, "ʤ": 82,
    "ə": 83, "ɚ": 85, "ɛ": 86, "ɜ": 87, "ɟ": 90, "ɡ": 92, "ɥ": 99, "ɨ": 101, "ɪ": 102, "ʝ": 103,
    "ɯ": 110, "ɰ": 111, "ŋ": 112, "ɳ": 113, "ɲ": 114, "ɴ": 115, "ø": 116, "ɸ": 118, "θ": 119, "œ": 120,
    "ɹ": 123, "ɾ": 125, "ɻ": 126, "ʁ": 128, "ɽ": 129, "ʂ": 130, "ʃ": 131, "ʈ": 132, "ʧ": 133, "ʊ": 135,
    "ʋ": 136, "ʌ": 138, "ɣ": 139, "ɤ": 140, "χ": 142, "ʎ": 143, "ʒ": 147, "ʔ": 148, "ˈ": 156, "ˌ": 157,
    "ː": 158, "ʰ": 162, "ʲ": 164, "↓": 169, "→": 171, "↗": 172, "↘": 173, "ᵻ": 177,
}  # fmt: skip


# --------------------------------------------------------------------------------------------- Wan
def _wan_text_parts():
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, UMT5Config, UMT5EncoderModel

    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2, **{w: i + 3 for i, w in enumerate(WAN_WORDS)}}
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    torch.manual_seed(0)
    text_encoder = UMT5EncoderModel(
        UMT5Config(
            vocab_size=64, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
            relative_attention_num_buckets=8, is_encoder_decoder=False,
        )
    )  # fmt: skip
    return tokenizer, text_encoder


def _wan_vae():
    import torch
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    return AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True]
    )


def _scheduler():
    from diffusers import FlowMatchEulerDiscreteScheduler

    return FlowMatchEulerDiscreteScheduler(shift=3.0)


_TRANSFORMER = dict(
    patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, out_channels=16, text_dim=32,
    freq_dim=256, ffn_dim=32, cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
)  # fmt: skip


def build_tiny_wan(path: str | Path) -> Path:
    """A tiny random text-to-video WanPipeline saved to `path` (about 0.3 MB)."""
    import torch
    from diffusers import WanPipeline, WanTransformer3DModel

    tokenizer, text_encoder = _wan_text_parts()
    vae = _wan_vae()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(in_channels=16, num_layers=2, **_TRANSFORMER)
    pipe = WanPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=_scheduler(), transformer=transformer
    )
    pipe.save_pretrained(str(path))
    return Path(path)


def build_tiny_wan_i2v(path: str | Path) -> Path:
    """A tiny random image-to-video WanImageToVideoPipeline (with a CLIP image encoder) saved to `path`."""
    import torch
    from diffusers import WanImageToVideoPipeline, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    tokenizer, text_encoder = _wan_text_parts()
    vae = _wan_vae()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(in_channels=36, num_layers=2, image_dim=4, **_TRANSFORMER)
    torch.manual_seed(0)
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2, image_size=32,
            intermediate_size=16, patch_size=1,
        )
    )  # fmt: skip
    image_processor = CLIPImageProcessor(crop_size=32, size=32)
    pipe = WanImageToVideoPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=_scheduler(), transformer=transformer,
        image_encoder=image_encoder, image_processor=image_processor,
    )  # fmt: skip
    pipe.save_pretrained(str(path))
    return Path(path)


def build_tiny_wan_vace(path: str | Path) -> Path:
    """A tiny random WanVACEPipeline saved to `path` (the 1.3B-style route to chunk continuity)."""
    import torch
    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    tokenizer, text_encoder = _wan_text_parts()
    vae = _wan_vae()
    torch.manual_seed(0)
    transformer = WanVACETransformer3DModel(
        in_channels=16, num_layers=3, vace_layers=[0, 2], vace_in_channels=96, **_TRANSFORMER
    )
    # At random initialisation the control hints are ~1e-6 of the hidden states, so a control video
    # would change no pixel; a trained VACE model's hints matter. Amplify them so that conditioning
    # on a frame visibly changes the output (tests check that it does).
    with torch.no_grad():
        for block in transformer.vace_blocks:
            block.proj_out.weight.mul_(100.0)
    pipe = WanVACEPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=_scheduler(), transformer=transformer
    )
    pipe.save_pretrained(str(path))
    return Path(path)


def _wan22_vae():
    import torch
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    return AutoencoderKLWan(
        base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
        latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True],
    )  # fmt: skip


def build_tiny_wan22_ti2v(path: str | Path) -> Path:
    """A tiny random Wan2.2 TI2V-5B-shaped pipeline (text and image to video) saved to `path`."""
    import torch
    from diffusers import WanPipeline, WanTransformer3DModel

    tokenizer, text_encoder = _wan_text_parts()
    torch.manual_seed(0)
    transformer = WanTransformer3DModel(in_channels=48, num_layers=2, **{**_TRANSFORMER, "out_channels": 48})
    pipe = WanPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=_wan22_vae(), scheduler=_scheduler(),
        transformer=transformer, transformer_2=None, boundary_ratio=None, expand_timesteps=True,
    )  # fmt: skip
    pipe.save_pretrained(str(path))
    return Path(path)


def build_tiny_wan22_a14b(path: str | Path) -> Path:
    """A tiny random Wan2.2 A14B-shaped text-to-video pipeline: a high-noise and a low-noise expert."""
    import torch
    from diffusers import WanPipeline, WanTransformer3DModel

    tokenizer, text_encoder = _wan_text_parts()
    torch.manual_seed(0)
    high = WanTransformer3DModel(in_channels=16, num_layers=2, **_TRANSFORMER)
    torch.manual_seed(1)
    low = WanTransformer3DModel(in_channels=16, num_layers=2, **_TRANSFORMER)
    pipe = WanPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=_wan_vae(), scheduler=_scheduler(), transformer=high,
        transformer_2=low, boundary_ratio=0.875,
    )  # fmt: skip
    pipe.save_pretrained(str(path))
    return Path(path)


def build_tiny_wan22_a14b_i2v(path: str | Path) -> Path:
    """A tiny random Wan2.2 I2V-A14B-shaped pipeline: two experts, no CLIP image encoder."""
    import torch
    from diffusers import WanImageToVideoPipeline, WanTransformer3DModel

    tokenizer, text_encoder = _wan_text_parts()
    torch.manual_seed(0)
    high = WanTransformer3DModel(in_channels=36, num_layers=2, **_TRANSFORMER)
    torch.manual_seed(1)
    low = WanTransformer3DModel(in_channels=36, num_layers=2, **_TRANSFORMER)
    pipe = WanImageToVideoPipeline(
        tokenizer=tokenizer, text_encoder=text_encoder, vae=_wan_vae(), scheduler=_scheduler(), transformer=high,
        transformer_2=low, image_encoder=None, image_processor=None, boundary_ratio=0.9,
    )  # fmt: skip
    pipe.save_pretrained(str(path))
    return Path(path)


def build_tiny_wan22(path: str | Path, kind: str = "ti2v") -> Path:
    """A tiny random Wan2.2 pipeline: kind ti2v (TI2V-5B-shaped), t2v-a14b or i2v-a14b."""
    builders = {"ti2v": build_tiny_wan22_ti2v, "t2v-a14b": build_tiny_wan22_a14b, "i2v-a14b": build_tiny_wan22_a14b_i2v}
    return builders[kind](path)


# ------------------------------------------------------------------------------------------ Kokoro
KOKORO_TINY_CONFIG = {
    "istftnet": {
        "upsample_kernel_sizes": [20, 12], "upsample_rates": [10, 6], "gen_istft_hop_size": 5,
        "gen_istft_n_fft": 20, "resblock_dilation_sizes": [[1, 3, 5]], "resblock_kernel_sizes": [3],
        "upsample_initial_channel": 512,
    },
    "dim_in": 64, "dropout": 0.2, "hidden_dim": 512, "max_conv_dim": 512, "max_dur": 4, "multispeaker": True,
    "n_layer": 1, "n_mels": 80, "n_token": 178, "style_dim": 128, "text_encoder_kernel_size": 5,
    "plbert": {
        "hidden_size": 32, "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 512,
        "num_hidden_layers": 1, "dropout": 0.1, "embedding_size": 16,
    },
}  # fmt: skip

KOKORO_TINY_VOICES = ("af_heart", "bf_emma", "ef_dora")  # the default voices of en-us, en-gb, es


def build_tiny_kokoro(path: str | Path, voices: tuple[str, ...] = KOKORO_TINY_VOICES) -> Path:
    """A Kokoro model folder laid out like hexgrad/Kokoro-82M, with random weights and voices."""
    import torch
    from kokoro import KModel

    path = Path(path)
    (path / "voices").mkdir(parents=True, exist_ok=True)
    config = {**KOKORO_TINY_CONFIG, "vocab": KOKORO_VOCAB}
    (path / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    weights = path / "kokoro-v1_0.pth"
    torch.save({}, weights)  # an empty checkpoint: KModel keeps its (seeded) random initialisation
    torch.manual_seed(0)
    model = KModel(repo_id="hexgrad/Kokoro-82M", config=str(path / "config.json"), model=str(weights))
    parts = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
    state = {k: {n: t.half() for n, t in getattr(model, k).state_dict().items()} for k in parts}
    torch.save(state, weights)
    del model
    gen = torch.Generator().manual_seed(1)
    for name in voices:
        # A voice pack is one 256-wide style vector per phoneme count (1..510), shape (510, 1, 256).
        torch.save(torch.randn(510, 1, 256, generator=gen) * 0.1, path / "voices" / f"{name}.pt")
    return path
