"""The compiler's one entry point: spec sources + hardware profile -> (Plan | None, diagnostics).

Pure: every file is read through the injected SourceFiles; no clock, environment or randomness.
"""
from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass, field
from typing import Any, Callable

import networkx as nx

from pydantic import ValidationError

from vidc.schemas.catalog import BackendEntry, Catalog, Facts
from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Plan, Requirement, Schedule, SceneInfo, Task, VideoPlan
from vidc.schemas.spec import PRESETS, Scene, VideoSpec

from . import __version__ as COMPILER_VERSION
from .canonical import fingerprint
from .costs import CostModel
from .diagnostics import Diagnostic, has_errors, sort_diagnostics, suggest
from .frontend import LoadedVideo, SourceFiles, load_project, parse_set
from .lexicon import read_lexicon
from .watermark_check import check_watermark
from .captions_check import check_captions
from .transitions import check_transitions
from .lower import (Draft, estimated_voice_ms, export_settings, is_silent, lower_video, planned_scene_ms,
                    title_card_layout)
from .place import eligible, make_lanes, schedule
from .colours import check_looks
from .pricing import load_prices, price_plan
from .script_lock import locked_scenes
from .source import dotted
from .textfit import FontSource
from .validate import describe
from .wan_checks import wan_model_info, wan_plan_notes

# The key `--preset NAME` is recorded under in CompileOptions.overrides and the plan's `overrides`
# (no --set key can be called so). `--set export.preset=X` changes the preset alone; `--preset X`
# also renders into OUTPUT/X/.
PRESET_KEY = "--preset"

REFS_DOC = {
    "@{out}": "the task's output folder (temporary until the task commits)",
    "@{in:ROLE}": "the output folder of the input task bound to ROLE",
    "@{project:PATH}": "a file of the project folder",
    "@{TASK:scene_ms|frames:FPS}": "frames of the scene length measured from the voice (rounded up)",
    "@{self:FIELD}": "a value the task measures between its own commands (e.g. loudness pass 1)",
}


@dataclass
class CompileOptions:
    overrides: dict[str, str] = field(default_factory=dict)
    cost_overrides: dict | None = None
    digest: Callable[[str], str] | None = None  # content hash of a project file (assets, tracks)
    catalog: Catalog | None = None  # the backends (names, versions, params, checks): required
    facts: Facts | None = None  # what the machine has; None: checks that need facts are skipped
    fonts: FontSource | None = None  # (family, bold) -> measured FontMetrics of the installed font
    # What a wan model can do, read from its folder's configs by the runtime (wan_pipeline.model_facts):
    # None for a hub id not cached here (the cost model's table decides), {"error": ...} for a bad folder.
    model_facts: Callable[[str], dict | None] | None = None
    # An asset's pixel size (width, height), read by the runtime from the file (an image's header, a
    # clip's stream), or why it cannot be read (a sentence), or None when unknown: the compiler
    # refuses an unreadable asset and warns when fit `cover` would crop one hard.
    asset_size: Callable[[str], tuple[int, int] | str | None] | None = None


def compile_project(src: SourceFiles, hardware: Hardware, options: CompileOptions | None = None
                    ) -> tuple[Plan | None, list[Diagnostic]]:
    opts = options or CompileOptions()
    catalog = opts.catalog
    if catalog is None:
        raise ValueError("compile_project needs the backend catalog (CompileOptions.catalog); "
                         "the runtime's is vidc.runtime.backends.registry.catalog()")
    reads: dict[str, str] = {}
    recording = SourceFiles(spec_name=src.spec_name, read=_recorder(src.read, reads), exists=src.exists)
    values, diags = parse_set([f"{k}={v}" for k, v in sorted(opts.overrides.items()) if k != PRESET_KEY])
    more_videos, more = load_project(recording, values, {s: catalog.engines(s) for s in ("voice", "video")},
                                     catalog.voice_rates())
    videos, diags = more_videos, diags + more
    diags += _override_preset(videos, opts.overrides.get(PRESET_KEY))
    if has_errors(diags):
        return None, sort_diagnostics(diags)
    costs = CostModel(opts.cost_overrides, hardware)
    prices, price_diags = load_prices(recording)
    diags += price_diags
    lanes = make_lanes(hardware)
    drafts: list[Draft] = []
    video_plans: list[VideoPlan] = []
    facts_seen: dict[str, dict] = {}
    file_paths: set[str] = set()  # project files named by tasks' file params
    for video in videos:
        scenes, lock_diags = locked_scenes(video, recording)
        caption_diags = check_captions(video, scenes, opts.fonts) + check_transitions(
            video, scenes, export_settings(video.spec)["fps"])
        diags += lock_diags + caption_diags
        if has_errors(caption_diags):
            continue
        lexicon, lex_diags, too_long = read_lexicon(video, recording, scenes)
        diags += lex_diags
        if too_long:  # the spoken text is never built past its limit
            continue
        bookend_diags = check_bookends(video, opts.fonts) + check_looks(
            video, len(scenes) if scenes is not None else video.spec.script.scene_count)
        diags += bookend_diags
        if has_errors(bookend_diags):
            continue
        wan, wan_diags = wan_model_info(video, scenes, costs, hardware, opts.model_facts, facts_seen)
        diags += wan_diags
        if has_errors(wan_diags):
            continue
        video_drafts = lower_video(video.spec, scenes, costs, hardware.encoder_threads(), catalog, opts.fonts, lexicon,
                                   wan)
        diags += check_assets(video, scenes, opts.asset_size) + check_watermark(video, opts.asset_size)
        backend_diags = _check_backends(video, video_drafts, catalog, opts.facts)
        if any(d.code == "E_MODEL_CAPABILITY" for d in wan_diags):  # said once, with the model's class
            backend_diags = [d for d in backend_diags if d.code != "E_MODEL_KIND"]
        diags += backend_diags
        for d in video_drafts:
            d.est_ms = max(1, round(d.est_ms * costs.scale(d.backend)))
        file_paths |= _attach_digests(video.spec, video_drafts, opts.digest, catalog)
        diags += _check_devices(video, video_drafts, lanes, hardware)
        if not has_errors(diags):  # a pacing hint is worth reading once the spec is otherwise sound
            diags += _check_sparse(video, scenes)
        drafts += video_drafts
        video_plans.append(_video_plan(video.spec, scenes, video_drafts, wan_plan_notes(video.spec, costs, wan)))
    diags = sort_diagnostics(diags)
    if has_errors(diags):
        return None, diags
    warnings = [d.format() for d in diags if d.severity == "warning"]

    by_id = {d.id: d for d in drafts}
    graph = nx.DiGraph()
    graph.add_nodes_from(by_id)
    for d in drafts:
        graph.add_edges_from((dep, d.id) for dep in d.inputs.values())
    order = list(nx.lexicographical_topological_sort(graph))
    preds = {t: sorted(graph.predecessors(t)) for t in order}
    succs = {t: sorted(graph.successors(t)) for t in order}
    fps: dict[str, str] = {}
    for tid in order:
        d = by_id[tid]
        fps[tid] = fingerprint({
            "kind": d.kind, "backend": d.backend, "version": catalog.version(d.backend), "params": d.params,
            "argv": d.argv, "inputs": {role: fps[dep] for role, dep in sorted(d.inputs.items())},
        })
    placed = schedule(order, by_id, preds, succs, hardware, costs)
    tasks = [
        Task(id=tid, video=by_id[tid].video, stage=by_id[tid].stage, kind=by_id[tid].kind, backend=by_id[tid].backend,
             backend_version=catalog.version(by_id[tid].backend), params=by_id[tid].params,
             inputs=dict(sorted(by_id[tid].inputs.items())), argv=by_id[tid].argv, fingerprint=fps[tid],
             requires=Requirement(**by_id[tid].requires), lane=placed.lane[tid],
             work_ms=placed.work.get(tid, by_id[tid].est_ms), est_ms=placed.cost[tid],
             start_ms=placed.start[tid], finish_ms=placed.finish[tid], rank_ms=placed.rank[tid],
             final=by_id[tid].final, group=placed.group.get(tid, []))
        for tid in order
    ]
    for vp in video_plans:
        vp.makespan_ms = max(placed.finish[t] for t in vp.tasks)
    total_cost = price_plan(prices, tasks, video_plans, videos, placed.lanes, hardware, costs, hardware.encoder_threads())
    plan = Plan(
        project=video_plans[0].name if len(videos) == 1 else _project_name(videos),
        spec=src.spec_name,
        spec_fingerprint=fingerprint({"files": reads, "overrides": opts.overrides,
                                      "digests": _project_digests(videos, opts.digest, file_paths),
                                      **({"models": facts_seen} if facts_seen else {})}),
        compiler_version=COMPILER_VERSION, hardware=hardware, lanes=placed.lanes, videos=video_plans, tasks=tasks,
        schedule=Schedule(makespan_ms=placed.makespan_ms, sequential_ms=placed.sequential_ms,
                          lower_bound_ms=max(placed.critical_path_ms, placed.gpu_work_bound_ms,
                                             placed.cpu_work_bound_ms),
                          critical_path_ms=placed.critical_path_ms, gpu_work_bound_ms=placed.gpu_work_bound_ms,
                          cpu_work_bound_ms=placed.cpu_work_bound_ms),
        refs=REFS_DOC, warnings=warnings, overrides=dict(sorted(opts.overrides.items())),
        calibration=dict(sorted(costs.scales.items())), cost_micro_usd=total_cost,
        inputs=dict(sorted({**{p: hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for p, t in reads.items()},
                            **_project_digests(videos, opts.digest, file_paths)}.items())),
    )
    return plan, diags


def _override_preset(videos: list[LoadedVideo], preset: str | None) -> list[Diagnostic]:
    """`--preset NAME`: every video renders at that preset, into OUTPUT/NAME/ (a draft never lands
    beside the finals)."""
    if preset is None:
        return []
    if preset not in PRESETS:
        return [Diagnostic("--preset", 1, 1, "E_ENUM", f"`{preset}` is not a valid export preset",
                           suggest(preset, PRESETS), source_line=preset, length=len(preset))]
    for video in videos:
        video.spec.export.preset = preset
        video.spec.output = posixpath.join(video.spec.output, preset) + "/"
    return []


def _recorder(read: Callable[[str], str], reads: dict[str, str]) -> Callable[[str], str]:
    def recorded(path: str) -> str:
        text = read(path)
        reads[path] = text
        return text
    return recorded


def _project_name(videos: list[LoadedVideo]) -> str:
    first = videos[0].spec.name
    return f"{first}+{len(videos) - 1}"


def _attach_digests(spec: VideoSpec, drafts: list[Draft], digest: Callable[[str], str] | None,
                    catalog: Catalog) -> set[str]:
    """Files the tasks read from the project folder enter their fingerprints by content: each param
    the backend's catalog entry names in `file_params` (built-ins and plug-ins alike) gets a
    `<param>_sha256` beside it. Returns the project paths so digested."""
    if digest is None:
        return set()
    paths: set[str] = set()
    for d in drafts:
        entry = catalog.backends.get(d.backend)
        for param in entry.file_params if entry is not None else ():
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


def _project_digests(videos: list[LoadedVideo], digest: Callable[[str], str] | None,
                     file_paths: set[str]) -> dict[str, str]:
    if digest is None:
        return {}
    paths = set(file_paths)
    paths |= {s.asset for v in videos for s in (v.spec.script.scenes or []) if s.asset}
    paths |= {v.spec.music.track for v in videos if v.spec.music.track}
    paths |= {v.spec.music.library for v in videos if not v.spec.music.track and v.spec.music.library != "builtin"}
    paths |= {e.asset for v in videos for e in (v.spec.intro, v.spec.outro) if e is not None and e.asset}
    paths |= {v.spec.export.watermark.file for v in videos if v.spec.export.watermark is not None}
    return {p: digest(p) for p in sorted(paths)}


def _check_devices(video: LoadedVideo, drafts: list[Draft], lanes, hw: Hardware) -> list[Diagnostic]:
    need = next((d for d in drafts if d.requires["kind"] == "device"), None)
    if need is None or eligible(need, lanes, hw):
        return []
    line, col = video.locate(("video", "model"))
    gpus = [d for d in hw.devices if d.kind == "cuda"]
    largest = max(gpus, key=lambda d: d.vram_gb, default=None)
    where = (f"the largest device is {largest.id} ({largest.name or 'GPU'}, {largest.vram_gb:g} GB)"
             if largest else f"the hardware profile `{hw.name}` has no GPU")
    offload = video.spec.video.offload
    return [Diagnostic(
        file=video.file, line=line, col=col, code="E_NO_DEVICE", source_line=video.source_line(line),
        message=f"`{video.spec.video.model}` with offload `{offload}` needs {need.requires['vram_gb']:g} GB of VRAM; {where}",
        hint="use `offload: model` or `offload: sequential`, a smaller model, or `--hardware` with a bigger GPU"
             " (a profile may also declare a CPU device to run wan slowly)",
    )]


_RANGE = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"}


def _check_backends(video: LoadedVideo, drafts: list[Draft], catalog: Catalog, facts: Facts | None) -> list[Diagnostic]:
    """Each task's params against its backend's Params model, then the backend's pure check() with
    the machine's facts; every problem placed at the spec line that set the param."""
    out: list[Diagnostic] = []
    keys_missing: set[str] = set()
    for d in drafts:
        entry = catalog.backends.get(d.backend)
        section = d.where.get("", (d.stage,))
        if entry is None:
            out.append(video.diagnostic(section, "E_ENUM", f"no backend named `{d.backend}` in the catalog"))
            continue
        if entry.params is not None:
            try:
                entry.params.model_validate(d.params)
            except ValidationError as exc:
                for err in exc.errors(include_url=False):
                    name = str(err["loc"][0]) if err["loc"] else ""
                    path = d.where.get(name, section)
                    msg = str(err.get("msg", "")).removeprefix("Value error, ").replace("Input should be", "must be")
                    code = "E_RANGE" if err["type"] in _RANGE else "E_INVALID"
                    out.append(video.diagnostic(path, code, f"{dotted(path) if path else name} {msg} with the "
                                                f"`{entry.name}` {entry.stage} engine, got {describe(err.get('input'))}"))
                continue
        if facts is None:
            continue
        env = entry.needs.api_key_env
        if env and facts.api_keys is not None and env not in facts.api_keys and env not in keys_missing:
            keys_missing.add(env)
            out.append(video.diagnostic((d.stage, "engine"), "W_API_KEY",
                                        f"{env} is not set: the `{entry.name}` engine needs it to run",
                                        f"export {env} before `vidc build`", severity="warning"))
        try:
            problems = entry.check(d.params, facts) if entry.check else []
        except Exception as exc:  # a plug-in's check is code we do not own: report it, never a traceback
            out.append(video.diagnostic(section, "E_INVALID", f"the `{entry.name}` backend's check failed: "
                                        f"{type(exc).__name__}: {exc}"))
            continue
        for p in problems:
            path = d.where.get(p.param, section)
            if p.index is not None:
                path = path + (p.index,)
            hint = p.hint or (suggest(p.value, list(p.choices), "expected one of") if p.value is not None else "")
            out.append(video.diagnostic(path, p.code, p.message, hint, severity=p.severity))
    return out


def _video_plan(spec: VideoSpec, scenes: list[Scene] | None, drafts: list[Draft], notes: list[str]) -> VideoPlan:
    p = export_settings(spec)
    infos = []
    for i, s in enumerate(scenes or [], start=1):
        words = len(s.voiceover_text.split())  # 0 for a silent scene
        infos.append(SceneInfo(index=i, text=s.voiceover_text, visual_prompt=s.visual_prompt,
                               duration_ms=planned_scene_ms(s, spec), words=words,
                               speakable=s.duration_seconds == "auto"
                               or estimated_voice_ms(s, spec) <= s.duration_seconds * 1000))
    return VideoPlan(name=spec.name, output=spec.output, preset=spec.export.preset, width=p["width"],
                     height=p["height"], fps=p["fps"], scenes=infos, script_known=scenes is not None,
                     tasks=sorted(d.id for d in drafts), estimates=notes)


SPARSE = 0.6  # speech filling less of a scene than this is a warning


def _check_sparse(video: LoadedVideo, scenes: list[Scene] | None) -> list[Diagnostic]:
    """W_SPARSE: a scene whose speech (at the voice's measured rate) fills under 60 % of it."""
    spec, out = video.spec, []
    for i, scene in enumerate(scenes or []):
        if scene.duration_seconds == "auto" or spec.script.scenes is None or is_silent(scene):
            continue
        speech_s = estimated_voice_ms(scene, spec) / 1000
        if speech_s < SPARSE * scene.duration_seconds:
            line, col = video.locate(("script", "scenes", i, "duration_seconds"))
            out.append(Diagnostic(
                file=video.file, line=line, col=col, code="W_SPARSE", severity="warning",
                message=f"scene {i + 1}'s speech lasts about {speech_s:.1f} s at {spec.voice.wpm * spec.voice.speed:g} "
                        f"words per minute, {round(100 * speech_s / scene.duration_seconds)} % of its "
                        f"{scene.duration_seconds:g} s: the rest is music alone",
                hint="write more, shorten the scene, or use `duration_seconds: auto` (the measured speech plus "
                     "voice.pause_seconds)"))
    return out


def check_bookends(video: LoadedVideo, fonts: FontSource | None) -> list[Diagnostic]:
    """E_TITLE_FIT: an intro/outro title card whose text does not fit the safe area even at the
    smallest size (the layout would cut it)."""
    spec, out = video.spec, []
    p = export_settings(spec)
    for end in ("intro", "outro"):
        be = getattr(spec, end)
        if be is None or be.title is None:
            continue
        if not be.title.strip():
            out.append(video.diagnostic((end, "title"), "E_INVALID", f"the {end}'s title is empty",
                                        "write the title card's text, or show an image or clip with `asset:`"))
            continue
        card = title_card_layout(spec, end, p, fonts)
        if card["truncated"]:
            out.append(video.diagnostic(
                (end, "title"), "E_TITLE_FIT",
                f"the {end}'s title card does not fit the `{spec.export.preset}` frame's safe area "
                f"({card['box_w']}x{card['box_h']} px of {p['width']}x{p['height']}) even at the smallest size",
                "shorten the title or the subtitle (lines break at spaces)"))
    return out


CROP_LIMIT = 0.4  # fit `cover` losing more than this share of an asset's width or height is a warning


def crop_loss(size: tuple[int, int], width: int, height: int) -> tuple[float, str]:
    """The share of the asset fit `cover` cuts off, and along which side ("width" or "height")."""
    w, h = size
    scale = max(width / w, height / h)
    lost_w, lost_h = 1 - width / (w * scale), 1 - height / (h * scale)
    return (lost_w, "width") if lost_w >= lost_h else (lost_h, "height")


def check_assets(video: LoadedVideo, scenes: list[Scene] | None,
                 asset_size: Callable[[str], tuple[int, int] | str | None] | None) -> list[Diagnostic]:
    """E_ASSET_UNREADABLE: an asset the runtime could not read (a corrupt image, a file that is no
    video), found now instead of by a failed encode. W_CROP: fit `cover` cropping more than 40 % of
    an asset (a landscape picture in a vertical frame). An asset of unknown size is not judged."""
    spec = video.spec
    if asset_size is None:
        return []
    p = export_settings(spec)
    items: list[tuple[tuple, str, str]] = []
    if spec.video.engine in ("assets", "wan"):  # wan: a scene's image starts its first chunk
        items += [(("script", "scenes", i, "asset"), f"scene {i + 1}", s.asset)
                  for i, s in enumerate(scenes or []) if s.asset]
    items += [((end, "asset"), f"the {end}", getattr(spec, end).asset) for end in ("intro", "outro")
              if getattr(spec, end) is not None and getattr(spec, end).asset]
    cover = (spec.video.fit == "cover")
    out = []
    for path, who, asset in items:
        size = asset_size(asset)
        if isinstance(size, str):
            out.append(video.diagnostic(path, "E_ASSET_UNREADABLE", f"{who}: `{asset}` is {size}",
                                        "replace the file, or point `asset:` at an image or a clip"))
            continue
        if not size or min(size) <= 0:
            continue
        lost, side = crop_loss(size, p["width"], p["height"])
        if cover and lost > CROP_LIMIT and (spec.video.engine == "assets" or path[0] in ("intro", "outro")):
            out.append(video.diagnostic(
                path, "W_CROP", f"{who}: `{asset}` ({size[0]}x{size[1]}) loses {round(100 * lost)} % of its {side} "
                f"to fit `cover` in the {p['width']}x{p['height']} `{spec.export.preset}` frame",
                "use `video: {fit: blur}` (whole, over a blurred copy) or `fit: contain`, or crop the asset to the "
                "frame's shape", severity="warning"))
    return out
