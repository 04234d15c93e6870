"""Scenes for planning: written in the spec, or read from the locked LLM script beside it."""

from __future__ import annotations

import posixpath

from vidc.schemas.spec import Scene

from .diagnostics import Diagnostic
from .frontend import LoadedVideo, SourceFiles
from .script_prompt import lock_is_current, read_lock, render_prompt


def lock_path(spec_name: str, video: LoadedVideo) -> str:
    """Default: NAME.script.json beside the spec (one lock per video of a matrix)."""
    given = video.spec.script.lock_file
    return given or posixpath.join(posixpath.dirname(spec_name), f"{video.spec.name}.script.json")


def prompt_for(video: LoadedVideo):
    s, vo = video.spec.script, video.spec.voice
    assert s.brief is not None and s.scene_count is not None
    return render_prompt(s.brief, video.vars, s.scene_count, s.scene_seconds, vo.wpm, vo.speed)


def locked_scenes(video: LoadedVideo, src: SourceFiles) -> tuple[list[Scene] | None, list[Diagnostic]]:
    spec = video.spec
    if spec.script.scenes is not None:
        return spec.script.scenes, []
    path = lock_path(src.spec_name, video)
    if not src.exists(path):
        return None, []
    line, col = video.locate(("script", "brief"))
    try:
        lock = read_lock(src.read(path))
    except (OSError, ValueError) as exc:  # a folder, a FIFO, over the size limit, not UTF-8: the reader says which
        lock = f"the script lock file cannot be read: {exc}"
    if isinstance(lock, str):
        return None, [
            Diagnostic(
                file=path,
                line=1,
                col=1,
                code="E_SCRIPT_LOCK",
                message=lock,
                hint=f"run `vidc script {src.spec_name} --refresh` to write it again",
            )
        ]
    assert spec.script.llm is not None
    if not lock_is_current(lock, prompt_for(video).fingerprint, spec.script.llm.provider, spec.script.llm.model):
        return lock.spec_scenes(), [
            Diagnostic(
                file=video.file,
                line=line,
                col=col,
                code="W_SCRIPT_STALE",
                severity="warning",
                source_line=video.source_line(line),
                message=f"the locked script {path} was written for another brief, model or budget; planning uses it as locked",
                hint=f"run `vidc script {src.spec_name} --refresh` to generate it again",
            )
        ]
    return lock.spec_scenes(), []
