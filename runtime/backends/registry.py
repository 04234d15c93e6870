"""One registry of backends by name: the built-ins plus third-party classes from the `vidc.backends`
entry-point group. `catalog()` is what the compiler sees of them: names, stages, versions, params
models, needs and pure checks, handed over as data (the compiler never imports the runtime).

Importing a backend module is cheap by rule (heavy SDKs such as torch load in `setup`/`run`), so
planning may gather the whole catalog."""

from __future__ import annotations

import importlib
from functools import lru_cache
from importlib.metadata import entry_points

from vidc.schemas.catalog import BackendEntry, Catalog

from .base import Backend

BUILTIN: dict[str, str] = {
    "inline-script": "vidc.runtime.backends.script:InlineScript",
    "llm-script": "vidc.runtime.backends.script:LockedLLMScript",
    "piper": "vidc.runtime.backends.piper:PiperVoice",
    "kokoro": "vidc.runtime.backends.kokoro_voice:KokoroVoice",
    "elevenlabs": "vidc.runtime.backends.elevenlabs_voice:ElevenLabsVoice",
    "silence": "vidc.runtime.backends.silence:Silence",
    "animatic": "vidc.runtime.backends.ffmpeg_video:Animatic",
    "assets": "vidc.runtime.backends.ffmpeg_video:Assets",
    "assemble": "vidc.runtime.backends.ffmpeg_video:Assemble",
    "title-card": "vidc.runtime.backends.ffmpeg_video:TitleCard",
    "transition": "vidc.runtime.backends.ffmpeg_video:Crossfade",
    "wan": "vidc.runtime.backends.wan_video:WanVideo",
    "stock": "vidc.runtime.backends.stock:StockClip",
    "stock-fetch": "vidc.runtime.backends.stock:StockFetch",
    "openai-videos": "vidc.runtime.backends.openai_videos:OpenAIVideos",
    "image": "vidc.runtime.backends.image_gen:ImageGen",
    "ken-burns": "vidc.runtime.backends.ken_burns:KenBurns",
    "captions": "vidc.runtime.backends.captions:Captions",
    "music-select": "vidc.runtime.backends.music:MusicSelect",
    "mix": "vidc.runtime.backends.mix:Mix",
    "export": "vidc.runtime.backends.export:Export",
    "thumbnail": "vidc.runtime.backends.export:Thumbnail",
}
GROUP = "vidc.backends"


class CatalogError(Exception):
    """A plug-in backend cannot be loaded or declares itself wrongly (an environment fault)."""


def _plugins() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=GROUP) if ep.name not in BUILTIN}


def load_class(name: str) -> type[Backend]:
    target = BUILTIN.get(name)
    if target is None:
        ep = _plugins().get(name)
        if ep is None:
            raise KeyError(f"no backend named `{name}`")
        return ep.load()  # type: ignore[attr-defined]
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def create(name: str) -> Backend:
    return load_class(name)()


def entry_of(cls: type[Backend]) -> BackendEntry:
    for attr in ("name", "stage", "version"):
        if not isinstance(getattr(cls, attr, None), str):
            raise CatalogError(f"backend class {cls.__module__}.{cls.__qualname__} declares no `{attr}`")
    return BackendEntry(
        name=cls.name,
        stage=cls.stage,
        version=cls.version,
        selectable=cls.selectable,
        params=cls.Params,
        needs=cls.needs,
        check=cls.check,
        default_voice=cls.default_voice,
        description=(cls.__doc__ or "").strip().split("\n")[0],
        file_params=tuple(getattr(cls, "file_params", ())),
        words_per_minute=getattr(cls, "words_per_minute", None),
        encodes=bool(getattr(cls, "encodes", False)),
        price_keys=tuple(getattr(cls, "price_keys", ())),
    )


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Every backend this installation has, keyed by name (built-ins win over a plug-in of the same name)."""
    entries: dict[str, BackendEntry] = {}
    for name in BUILTIN:
        entries[name] = entry_of(load_class(name))
    for name, ep in sorted(_plugins().items()):
        try:
            cls = ep.load()  # type: ignore[attr-defined]
        except Exception as exc:  # a broken plug-in is named, not a traceback
            raise CatalogError(
                f"backend plug-in `{name}` ({GROUP}) cannot be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        entry = entry_of(cls)
        if entry.name != name:
            raise CatalogError(f"backend plug-in `{name}` ({GROUP}) declares name `{entry.name}`")
        entries[name] = entry
    return Catalog(backends=entries)
