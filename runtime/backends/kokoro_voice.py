"""`kokoro`: one scene's voice-over with Kokoro-82M (the `kokoro` package: KModel + KPipeline).

Weights never download. They come from
- `model`: a folder (relative paths resolve against the spec's folder) holding config.json,
  kokoro-v1_0.pth and voices/*.pt, exactly the layout of the hub repository hexgrad/Kokoro-82M;
  or a hub id already in the local Hugging Face cache;
- else the Hugging Face cache: $HF_HUB_CACHE, or $HF_HOME/hub, or ~/.cache/huggingface/hub, in
  models--hexgrad--Kokoro-82M/snapshots/<commit>/.

The text front end is misaki: English (a, b) needs spaCy's `en_core_web_sm` package installed (misaki
would otherwise try to download it; vidc checks first and says how to install it), with eSpeak NG
(bundled by `espeakng-loader`) for out-of-vocabulary words; es/fr/hi/it/pt-br go through eSpeak NG;
ja and zh need `misaki[ja]` / `misaki[zh]`. Word timings (KPipeline tokens' start_ts/end_ts) exist
for English only; other languages return `words: null`.

Kokoro speaks at 24 kHz; the float audio is resampled once by ffmpeg to 44.1 kHz mono s16 and written
to `voice.wav`. Synthesis is seeded (Kokoro's source module draws noise), so the same text, voice and
speed on the same device give the same samples.
"""

from __future__ import annotations

import os
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from vidc.runtime.media.hub_cache import cached_snapshot, find_model, hf_hub_cache
from vidc.schemas.catalog import Needs

from .base import Backend, BackendError, TaskContext, VoiceParams, run_tool

SAMPLE_RATE = 44100
KOKORO_RATE = 24000
REPO_ID = "hexgrad/Kokoro-82M"
SEED = 0

LANG_CODES = {
    "a": "a", "en-us": "a", "en_us": "a", "en": "a",
    "b": "b", "en-gb": "b", "en_gb": "b",
    "e": "e", "es": "e",
    "f": "f", "fr": "f", "fr-fr": "f",
    "h": "h", "hi": "h",
    "i": "i", "it": "i",
    "p": "p", "pt-br": "p", "pt_br": "p", "pt": "p",
    "j": "j", "ja": "j",
    "z": "z", "zh": "z", "zh-cn": "z", "cmn": "z",
}  # fmt: skip
LANG_NAMES = {
    "a": "American English (en-us)", "b": "British English (en-gb)", "e": "Spanish (es)", "f": "French (fr)",
    "h": "Hindi (hi)", "i": "Italian (it)", "p": "Brazilian Portuguese (pt-br)", "j": "Japanese (ja)",
    "z": "Mandarin Chinese (zh)",
}  # fmt: skip
DEFAULT_VOICES = {
    "a": "af_heart", "b": "bf_emma", "e": "ef_dora", "f": "ff_siwis", "h": "hf_alpha", "i": "if_sara",
    "p": "pf_dora", "j": "jf_alpha", "z": "zf_xiaobei",
}  # fmt: skip


class KokoroParams(VoiceParams):
    voice: str | None = Field(None, description="Kokoro voice (af_heart, bf_emma ...), a blend a,b, or a .pt path")
    model: str | None = Field(None, description="Folder with config.json, kokoro-v1_0.pth, voices/")


class KokoroVoice(Backend):
    name: ClassVar[str] = "kokoro"
    stage: ClassVar[str] = "voice"
    version: ClassVar[str] = "1"
    Params: ClassVar[type[BaseModel]] = KokoroParams
    selectable: ClassVar[bool] = True
    default_voice: ClassVar[str | None] = "af_heart"
    words_per_minute: ClassVar[int | None] = 150
    needs: ClassVar[Needs] = Needs(model=True)

    def __init__(self) -> None:
        self.device = "cpu"
        self._models: dict[tuple[str, str], Any] = {}  # (weights file, device) -> KModel
        self._pipelines: dict[tuple[str, str, str], Any] = {}  # (weights file, device, lang) -> KPipeline
        self.loads = 0

    def setup(self, device: str) -> None:
        # The weights depend on the task's `model`: loaded on the first run, then kept for the worker.
        self.device = device or "cpu"

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        p = params if isinstance(params, KokoroParams) else KokoroParams.model_validate(params)
        lang = lang_code(p.language)
        device = ctx.device or self.device
        folder, weights = find_weights(p.model, ctx.project_dir)
        voice_arg = resolve_voice(p.voice, lang, folder, ctx.project_dir)
        pipeline = self._pipeline(folder, weights, device, lang, ctx)

        import numpy as np
        import torch

        pieces: list[Any] = []
        words: list[list[Any]] | None = []
        offset = 0  # samples at 24 kHz before the current chunk
        cuda = [torch.device(device).index or 0] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(SEED)
            for result in pipeline(p.say, voice=voice_arg, speed=p.speed):
                if result.audio is None:
                    continue
                audio = result.audio.detach().float().cpu().numpy().reshape(-1)
                if result.tokens is None:
                    words = None
                elif words is not None:
                    words.extend(_words(result.tokens, offset / KOKORO_RATE))
                pieces.append(audio)
                offset += audio.shape[0]
        from vidc.runtime.media.piper_voice import voice_result, written_words
        from vidc.runtime.media.wav import write_wav

        audio24 = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        pcm = np.frombuffer(_resample_to_s16(audio24, KOKORO_RATE), dtype="<i2")
        dest = ctx.out / "voice.wav"
        write_wav(dest, pcm, SAMPLE_RATE)
        result = voice_result(dest, words, p.min_scene_ms, p.pause_ms, p.max_scene_ms, f"scene {p.scene}")
        if words is not None:  # timed on the spoken text: captions show the written words
            result["words"] = written_words(result["words"], p.text, p.spoken_counts, result["duration_ms"])
        if words is None:
            result["words"] = None  # no word timings for this language (voice_result would say [])
        result["engine"] = {
            "kokoro": pkg_version("kokoro"), "misaki": pkg_version("misaki"), "lang_code": lang,
            "voice": p.voice or DEFAULT_VOICES[lang], "weights": weights.name,
        }  # fmt: skip
        return result

    # -- loading -------------------------------------------------------------------------------
    def _pipeline(self, folder: Path, weights: Path, device: str, lang: str, ctx: TaskContext) -> Any:
        key = (str(weights), device, lang)
        if key in self._pipelines:
            return self._pipelines[key]
        os.environ["HF_HUB_OFFLINE"] = "1"  # KModel/KPipeline get local paths; this guards anything else
        _check_device(device)
        if lang in "ab":
            _require_spacy_model()
        from kokoro import KModel, KPipeline

        repo_id = "hexgrad/Kokoro-82M-v1.1-zh" if "v1_1-zh" in weights.name else REPO_ID
        mkey = (str(weights), device)
        if mkey not in self._models:
            try:
                model = KModel(repo_id=repo_id, config=str(folder / "config.json"), model=str(weights))
                self._models[mkey] = model.to(device).eval()
            except (OSError, RuntimeError, ValueError, KeyError, AssertionError) as exc:
                raise BackendError(
                    f"cannot load Kokoro weights {weights} with {folder / 'config.json'}: {exc}. Fix: replace them "
                    f"with an intact copy of hexgrad/Kokoro-82M (config.json and kokoro-v1_0.pth from the same release)"
                ) from exc
            self.loads += 1
            ctx.log(f"kokoro: loaded {weights} on {device}")
        try:
            pipeline = KPipeline(lang_code=lang, repo_id=repo_id, model=self._models[mkey])
        except ImportError as exc:
            extra = {"j": "ja", "z": "zh"}.get(lang, "en")
            raise BackendError(
                f'Kokoro\'s {LANG_NAMES[lang]} front end is not installed ({exc}): pip install "misaki[{extra}]"'
            ) from exc
        self._pipelines[key] = pipeline
        return pipeline


# -------------------------------------------------------------------------------------- helpers
def lang_code(language: str) -> str:
    code = LANG_CODES.get(language.strip().lower())
    if code is None:
        known = ", ".join(f"{v}" for v in LANG_NAMES.values())
        raise BackendError(f"Kokoro does not speak voice.language {language!r}: use one of {known}")
    return code


def _where_to_put(repo_id: str = REPO_ID) -> str:
    return (
        f"put config.json, kokoro-v1_0.pth and voices/<voice>.pt in a folder and set voice.model to it "
        f"(relative to the spec), or on a machine with internet run `huggingface-cli download {repo_id}` and copy "
        f"its cache folder models--{repo_id.replace('/', '--')} into {hf_hub_cache()} here (or set HF_HOME); "
        f"vidc never downloads weights"
    )


def find_weights(model: str | None, project_dir: Path) -> tuple[Path, Path]:
    """(folder, weights file) for `model` (folder or cached hub id) or the cached hexgrad/Kokoro-82M."""
    if model:
        found = find_model(model, project_dir, "config.json")
        if found.folder is None:
            if found.hub_id is not None:
                raise BackendError(
                    f"Kokoro weights not found: no folder {found.named} and no `{model}` in the Hugging Face cache "
                    f"{hf_hub_cache()}. Fix: " + _where_to_put(model)
                )
            raise BackendError(f"Kokoro model folder {found.named} does not exist. Fix: " + _where_to_put())
        folder = found.folder
    else:
        snap = cached_snapshot(REPO_ID, "config.json")
        if snap is None:
            raise BackendError(
                f"Kokoro weights not found: voice.model is not set and the Hugging Face cache {hf_hub_cache()} "
                f"has no {REPO_ID}. Fix: " + _where_to_put()
            )
        folder = snap
    if not (folder / "config.json").is_file():
        raise BackendError(f"{folder} has no config.json, so it is not a Kokoro model folder. Fix: " + _where_to_put())
    weights = folder / "kokoro-v1_0.pth"
    if not weights.is_file():
        others = sorted(folder.glob("*.pth"))
        if len(others) != 1:
            raise BackendError(f"{folder} has no kokoro-v1_0.pth (the Kokoro weights). Fix: " + _where_to_put())
        weights = others[0]
    return folder.resolve(), weights.resolve()


def resolve_voice(voice: str | None, lang: str, folder: Path, project_dir: Path) -> str:
    """The `voice=` argument for KPipeline: one or more .pt paths joined by commas (a blend)."""
    names = [v.strip() for v in (voice or DEFAULT_VOICES[lang]).split(",") if v.strip()]
    if not names:
        raise BackendError("voice.voice is empty: name a Kokoro voice such as af_heart")
    paths = []
    for name in names:
        if name.endswith(".pt"):
            path = Path(name).expanduser()
            path = path if path.is_absolute() else Path(project_dir) / path
            if not path.is_file():
                raise BackendError(f"Kokoro voice file {path} does not exist: fix voice.voice")
        else:
            if name[0].lower() != lang:
                expect = DEFAULT_VOICES[lang]
                raise BackendError(
                    f"voice {name} is a {LANG_NAMES.get(name[0].lower(), name[0] + '?')} voice, but voice.language is "
                    f"{LANG_NAMES[lang]}: pick a voice starting with `{lang}` (e.g. {expect}) or change voice.language"
                )
            path = folder / "voices" / f"{name}.pt"
            if not path.is_file():
                have = sorted(v.stem for v in (folder / "voices").glob("*.pt"))
                raise BackendError(
                    f"Kokoro voice {name} not found: no {path} (this folder has: {', '.join(have) or 'no voices'}). "
                    f"Fix: on a machine with internet run `huggingface-cli download {REPO_ID} voices/{name}.pt` and "
                    f"copy the file there, or pick one of the voices present"
                )
        if "," in str(path):
            raise BackendError(f"Kokoro voice path {path} contains a comma, which separates blended voices: rename it")
        paths.append(str(path))
    return ",".join(paths)


def _require_spacy_model() -> None:
    import spacy.util

    if not spacy.util.is_package("en_core_web_sm"):
        raise BackendError(
            "Kokoro's English front end (misaki) needs spaCy's en_core_web_sm model, which is not installed "
            "(vidc does not let misaki download it at run time). Fix: `python -m spacy download en_core_web_sm` "
            "on a machine with internet, or pip install the en_core_web_sm wheel from "
            "github.com/explosion/spacy-models/releases matching your spaCy version"
        )


def _check_device(device: str) -> None:
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise BackendError(
            f"this worker was given device {device} but torch sees no CUDA GPU: install a CUDA build of torch, "
            f"or plan with a CPU-only hardware profile"
        )


def _words(tokens: Any, offset_s: float) -> list[list[Any]]:
    """KPipeline tokens -> [[word, start_ms, end_ms]]: tokens glued without whitespace form one word
    ("world" + "," -> "world,"); words without a letter or digit, or without timing, are left out."""
    out: list[list[Any]] = []
    text, starts, ends = "", [], []

    def flush() -> None:
        if text.strip() and any(c.isalnum() for c in text) and starts and ends:
            out.append([text.strip(), round((offset_s + min(starts)) * 1000), round((offset_s + max(ends)) * 1000)])

    for tk in tokens:
        text += tk.text
        if getattr(tk, "start_ts", None) is not None and getattr(tk, "end_ts", None) is not None:
            starts.append(float(tk.start_ts))
            ends.append(float(tk.end_ts))
        if tk.whitespace:
            flush()
            text, starts, ends = "", [], []
    flush()
    return out


# ------------------------------------------------------------------------------------ audio
def _resample_to_s16(audio: Any, rate: int) -> bytes:
    """Float mono audio at `rate` -> 44.1 kHz mono s16le bytes (ffmpeg's resampler: deterministic)."""
    import numpy as np

    audio = np.clip(np.nan_to_num(np.asarray(audio, dtype=np.float32)), -1.0, 1.0)
    if audio.size == 0:
        return b""
    argv = [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-af", f"aresample={SAMPLE_RATE}", "-ac", "1", "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1",
    ]  # fmt: skip
    proc = run_tool(argv, stdin=audio.astype("<f4").tobytes(), what="ffmpeg (resampling the voice)")
    return proc.stdout
