"""What `vidc export-timeline` reads from a build: the video's manifest (checked field by field, a
crafted one is refused), the project's work folder, and the store objects the journal names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ExportError(Exception):
    pass


def _read_manifest(path: Path) -> dict[str, Any]:
    from ..state.confine import NotJSON, read_json

    try:
        data = read_json(path, what="manifest")
    except NotJSON as exc:
        raise ExportError(f"{path}: not a vidc manifest ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not isinstance(data.get("scenes"), list):
        raise ExportError(f"{path}: not a vidc manifest (no name or scenes); build the video again")
    wrong = _wrong_field(data)
    if wrong:
        raise ExportError(f"{path}: not a complete vidc manifest ({wrong}); build the video again")
    return data


_COUNTS = {"index": 1, "frames": 0, "start_ms": 0, "duration_ms": 0}  # a scene's numbers and their least value
_MAX_COUNT = 10**9  # frames, milliseconds: far beyond any video, far below what breaks arithmetic


def _wrong_field(m: dict[str, Any]) -> str | None:
    """Which number the timeline is made from is missing or not a sane integer (the manifest is
    data from a build folder, maybe crafted): 'scenes[0].index is "x"', or None."""

    def bad(value: Any, least: int) -> bool:
        return not isinstance(value, int) or isinstance(value, bool) or not least <= value <= _MAX_COUNT

    checks = [("fps", m.get("fps"), 1), ("duration_ms", m.get("duration_ms"), 0)]
    for k, s in enumerate(m["scenes"]):
        if not isinstance(s, dict):
            return f"scenes[{k}] is not a scene"
        checks += [(f"scenes[{k}].{key}", s.get(key), least) for key, least in _COUNTS.items()]
    for end in ("intro", "outro"):
        if m.get(end):
            checks.append((f"{end}.frames", m[end].get("frames") if isinstance(m[end], dict) else None, 0))
    for name, value, least in checks:
        if bad(value, least):
            return f"{name} is {json.dumps(value)[:40]}, not a whole number from {least}"
    return None


def _manifest_path(video: str, spec: str) -> Path:
    path = Path(video)
    if path.suffix == ".json" and path.is_file():
        return path
    if path.suffix == ".mp4" and path.with_suffix(".json").is_file():
        return path.with_suffix(".json")
    if path.exists():
        raise ExportError(f"{video}: expected a video's manifest (NAME.json) or its MP4 with the manifest beside it")
    from vidc.compiler.frontend import load_project, parse_set

    from ..host.sources import SpecNotFound, find_spec, project_sources

    try:
        src, root = project_sources(find_spec(spec))
    except SpecNotFound as exc:
        raise ExportError(f"{video}: not a file, and {exc}") from None
    videos, _ = load_project(src, parse_set([])[0])
    from ..state.confine import confined

    for v in videos:
        if v.spec.name == video:
            candidate = confined(root, Path(v.spec.output) / f"{video}.json", "manifest")
            if candidate.is_file():
                return candidate
            raise ExportError(f"{video} is not built yet ({candidate} is missing): run `vidc build` first")
    raise ExportError(f"no video named {video} in {src.spec_name}; videos: {', '.join(v.spec.name for v in videos)}")


def _work_folder(manifest: Path, project: str | None) -> Path:
    """The work folder, checked as a build checks it (no .vidc or store symlinked out)."""
    from ..state.workfolder import project_work_folder

    if project:
        work = project_work_folder(Path(project))
        if not work.journal.is_file():
            raise ExportError(f"{project} has no build state (.vidc/journal.log)")
        return work.root
    for folder in [manifest.parent.resolve(), *manifest.parent.resolve().parents]:
        if (folder / ".vidc" / "journal.log").is_file():
            return project_work_folder(folder).root
    raise ExportError(f"cannot find the build's work folder (.vidc/) above {manifest.parent}; pass --project DIR")


def _objects(work: Path) -> dict[str, str]:
    from ..state.journal import Finished, Journal

    return Finished.from_records(Journal(work / "journal.log").replay()).objects
