"""The machine's facts for the compiler: installed Piper voices, caption styles, music libraries
(tracks, durations, moods, and whether the music backend can loop), model folders and their
pipeline class (model_index.json `_class_name`), and which API-key variables are set (names only,
never values). Read without loading a model or calling a service.

Music libraries and models are looked up lazily, by the reference the spec writes, so that only what
a spec names is read; to the compiler they are plain mappings."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from vidc.schemas.catalog import Catalog, Facts, ModelFacts, MusicLibraryFacts, TrackFacts

from ..media.hub_cache import find_model
from ..state.secrets import register_key_vars
from .registry import load_class

V = TypeVar("V")


class Lazy(Mapping[str, V]):
    """A mapping whose values are computed (once) when asked for."""

    def __init__(self, compute: Callable[[str], V]) -> None:
        self._compute = compute
        self._seen: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        if key not in self._seen:
            self._seen[key] = self._compute(key)
        return self._seen[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._seen))

    def __len__(self) -> int:
        return len(self._seen)


def model_facts(ref: str, project: Path) -> ModelFacts:
    """Where the wan backend would find `ref` (a folder, absolute or relative to the project, or a
    cached hub id) and the pipeline class its model_index.json names."""
    if not ref.strip():
        return ModelFacts(found=False)
    folder = find_model(ref, project, "model_index.json").folder
    if folder is None or not (folder / "model_index.json").is_file():
        return ModelFacts(found=False)
    try:
        cls = json.loads((folder / "model_index.json").read_text(encoding="utf-8")).get("_class_name")
    except (OSError, ValueError, AttributeError):
        cls = None
    return ModelFacts(found=True, class_name=cls if isinstance(cls, str) else None)


def _tracks(catalog) -> tuple[TrackFacts, ...]:
    return tuple(TrackFacts(id=t.id, duration_s=float(t.duration_s), moods=tuple(t.moods), bpm=t.bpm) for t in catalog)


def music_facts(library: str, project: Path) -> MusicLibraryFacts:
    from ..media import music_library, music_select

    loops = bool(getattr(load_class("music-select"), "LOOPS", False))
    if library == "builtin":
        return MusicLibraryFacts(tracks=_tracks(music_library.CATALOG), loops=loops)
    try:
        return MusicLibraryFacts(tracks=_tracks(music_select.load_catalog(project / library)), loops=loops)
    except (OSError, ValueError) as exc:
        return MusicLibraryFacts(loops=loops, error=f"music library `{library}` cannot be used: {exc}")


class KeyNames(frozenset):
    """The catalog's key variables that are set (names only, never values); `in` also answers for a
    variable a spec names itself (openai-videos' `video.api_key_env`) by whether it is set."""

    def __contains__(self, name: object) -> bool:
        return frozenset.__contains__(self, name) or (isinstance(name, str) and bool(os.environ.get(name, "").strip()))


def gather_facts(project: Path, cat: Catalog) -> Facts:
    from vidc.schemas.stock import KEY_ENV

    from ..media.captions import load_styles

    keys = {e.needs.api_key_env for e in cat.backends.values() if e.needs.api_key_env} | set(KEY_ENV.values())
    register_key_vars(keys)  # their values are scrubbed from everything vidc writes
    return Facts(
        piper_voices=tuple(load_class("piper").installed_voices()),  # type: ignore[attr-defined]
        caption_styles=tuple(sorted(load_styles())),
        music=Lazy(lambda lib: music_facts(lib, project)),
        models=Lazy(lambda ref: model_facts(ref, project)),
        api_keys=KeyNames(k for k in keys if os.environ.get(k, "").strip()),
    )
