"""Project files in fingerprints: each file a task reads from the project folder enters its
fingerprint by content, and every such file's digest enters the spec's fingerprint and the plan's
`inputs`, so a changed asset, track or logo renders again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vidc.schemas.catalog import BackendEntry, Catalog
from vidc.schemas.spec import VideoSpec

from .drafts import Draft
from .frontend import LoadedVideo


def attach_digests(
    spec: VideoSpec, drafts: list[Draft], digest: Callable[[str], str] | None, catalog: Catalog
) -> set[str]:
    """Files the tasks read from the project folder enter their fingerprints by content: each param
    the backend's catalog entry names in `file_params` (built-ins and plug-ins alike) gets a
    `<param>_sha256` beside it. Returns the project paths so digested."""
    if digest is None:
        return set()
    paths: set[str] = set()
    for d in drafts:
        entry = catalog.backends.get(d.backend)
        if entry is None:
            continue
        for param in entry.file_params:
            value = d.params.get(param)
            if isinstance(value, str) and value and value != _default(entry, param):
                d.params[f"{param}_sha256"] = digest(value)
                paths.add(value)
        if d.stage == "video" and d.kind != "chunk" and spec.export.watermark is not None:
            d.params["watermark_sha256"] = digest(spec.export.watermark.file)
    return paths


def _default(entry: BackendEntry, param: str) -> Any:
    """A file param left at its model's default (music's `library: builtin`) names no project file."""
    field = entry.params.model_fields.get(param) if entry.params is not None else None
    return field.default if field is not None else None


def project_digests(
    videos: list[LoadedVideo], digest: Callable[[str], str] | None, file_paths: set[str]
) -> dict[str, str]:
    if digest is None:
        return {}
    paths = set(file_paths)
    paths |= {s.asset for v in videos for s in (v.spec.script.scenes or []) if s.asset}
    paths |= {v.spec.music.track for v in videos if v.spec.music.track}
    paths |= {v.spec.music.library for v in videos if not v.spec.music.track and v.spec.music.library != "builtin"}
    paths |= {e.asset for v in videos for e in (v.spec.intro, v.spec.outro) if e is not None and e.asset}
    paths |= {v.spec.export.watermark.file for v in videos if v.spec.export.watermark is not None}
    return {p: digest(p) for p in sorted(paths)}
