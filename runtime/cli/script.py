"""`vidc script SPEC [--refresh]`: generate each video's script with its LLM and lock it beside
the spec, so that planning stays deterministic. `vidc build` calls this for scripts not yet locked."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from vidc.compiler.diagnostics import has_errors
from vidc.compiler.frontend import load_project, parse_set
from vidc.compiler.script_lock import lock_path, prompt_for
from vidc.compiler.script_prompt import lock_is_current, read_lock

from ..backends.base import BackendError
from ..backends.spend import SpendLimit
from ..host.sources import find_spec, project_sources
from ..state.confine import confined, read_text, regular
from .common import add_spec_args, backend_catalog, parse_overrides, show_diagnostics


def _videos(spec: Path, overrides: dict[str, str], skip_invalid: bool = False):
    src, root = project_sources(spec)
    values, diags = parse_set([f"{k}={v}" for k, v in sorted(overrides.items())])
    left_out = [] if skip_invalid else None  # --skip-invalid-rows: a row with errors of its own gets no script
    videos, more = load_project(src, values, rates=backend_catalog().voice_rates(), left_out=left_out)
    return src, root, videos, diags + more


def _lock_target(root: Path, rel: str) -> Path:
    """The lock file, resolved inside the project (never through a link out of it) and, when it
    exists, a regular file (a FIFO would hang the read, a folder cannot be replaced): else Refused."""
    target = confined(root, rel, "script lock file")
    return regular(target, "script lock file") if os.path.lexists(target) else target


def _generate(video, target: Path, log, meter=None) -> str:
    from ..llm import generate_script, write_lock

    s, vo = video.spec.script, video.spec.voice
    locked = generate_script(
        s.brief,
        video.vars,
        s.scene_count,
        s.scene_seconds,
        vo.wpm,
        vo.speed,
        s.llm,
        env=os.environ,
        log=log,
        meter=meter,
    )
    write_lock(target, locked)
    words = sum(len(sc.voiceover_text.split()) for sc in locked.scenes)
    return (
        f"locked {target}: {len(locked.scenes)} scenes, {words} words, {locked.usage.input_tokens}+"
        f"{locked.usage.output_tokens} tokens, {locked.repair_rounds} repair round(s) ({s.llm.provider} {s.llm.model})"
    )


def _run(
    spec: Path, overrides: dict[str, str], *, refresh: bool, only_missing: bool, say, guard=None, skip_invalid=False
) -> int:
    src, root, videos, diags = _videos(spec, overrides, skip_invalid)
    show_diagnostics(diags, spec)
    if has_errors(diags):
        return 2
    wanted = [v for v in videos if v.spec.script.brief is not None]
    if not wanted and not only_missing:
        say(f"{spec}: the scenes are written in the spec; there is no script to generate")
        return 0
    failed = 0
    for video in wanted:
        target = _lock_target(root, lock_path(src.spec_name, video))
        if target.exists() and not refresh:
            lock = read_lock(read_text(target, what="script lock file"))
            llm = video.spec.script.llm
            if only_missing or (
                not isinstance(lock, str)
                and lock_is_current(lock, prompt_for(video).fingerprint, llm.provider, llm.model)
            ):
                if not only_missing:
                    say(f"{target}: up to date (use --refresh to generate it again)")
                continue
        refused = guard.before(video) if guard is not None else None  # budget.ScriptGuard (--max-cost)
        if refused:
            print(f"vidc: error: {video.spec.name}: {refused}", file=sys.stderr)
            failed += 1
            continue
        try:
            meter = guard.meter(video) if guard is not None else None  # budget.ScriptMeter: each request journaled
            say(_generate(video, target, lambda msg: say(f"  {msg}"), meter))
            if guard is not None:
                guard.after(video, target)
        except SpendLimit as exc:  # no request more: the other scripts would pass the ceiling too
            print(f"vidc: error: {video.spec.name}: {exc}", file=sys.stderr)
            return 1
        except BackendError as exc:
            print(f"vidc: error: {video.spec.name}: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def register(sub) -> None:
    p = sub.add_parser("script", help="generate the LLM script and lock it beside the spec")
    add_spec_args(p, hardware=False)
    p.add_argument("--refresh", action="store_true", help="generate again even if a current lock exists")
    p.set_defaults(func=run)


def run(args) -> int:
    return _run(find_spec(args.spec), parse_overrides(args.set), refresh=args.refresh, only_missing=False, say=print)


def generate_missing(spec: Path, overrides: dict[str, str], reporter, guard=None, skip_invalid: bool = False) -> int:
    return _run(
        spec, overrides, refresh=False, only_missing=True, say=reporter.message, guard=guard, skip_invalid=skip_invalid
    )
