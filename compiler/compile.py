"""The compiler's one entry point: spec sources + hardware profile -> (Plan | None, diagnostics).

Pure: every file is read through the injected SourceFiles; no clock, environment or randomness.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from vidc.schemas.catalog import Catalog, Facts
from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Lane, Plan, Requirement, SceneInfo, Schedule, Task, VideoPlan
from vidc.schemas.spec import PRESETS, Scene, VideoSpec

from . import __version__ as COMPILER_VERSION
from .backend_checks import check_backends
from .canonical import fingerprint
from .captions_check import check_captions
from .colours import check_looks
from .costs import CostModel, WanInfo
from .diagnostics import Diagnostic, has_errors, sort_diagnostics, suggest
from .digests import attach_digests, project_digests
from .drafts import Draft
from .frame import export_settings
from .frontend import LoadedVideo, SourceFiles, load_project, parse_set
from .left_out import LeftOut, lower_each
from .lexicon import read_lexicon
from .lower import lower_video
from .pacing import estimated_voice_ms, planned_scene_ms
from .place import Placement, make_lanes, schedule
from .plan_truth import check_ignored_settings, check_kokoro_voice, check_speech_fits
from .pricing import Prices, load_prices, price_plan
from .publish_check import check_publish
from .script_lock import locked_scenes
from .stock_query import read_stock_lock, stock_warnings, uses_stock
from .textfit import FontSource
from .transitions import check_transitions
from .video_checks import check_assets, check_bookends, check_devices, check_sparse
from .wan_checks import wan_model_info, wan_plan_notes
from .watermark_check import check_watermark

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
    now_ms: int | None = None  # the time a `publish_at` is compared with (handed in: the compiler reads no clock)
    skip_invalid_videos: bool = False  # a matrix row's own errors leave its video out (compiler/left_out.py)


@dataclass
class _Compilation:
    """What the passes of one compilation share: the inputs, the files read (they make the spec's
    fingerprint), the diagnostics so far, and what each pass adds."""

    src: SourceFiles
    hardware: Hardware
    opts: CompileOptions
    catalog: Catalog
    reads: dict[str, str] = field(default_factory=dict)
    diags: list[Diagnostic] = field(default_factory=list)
    videos: list[LoadedVideo] = field(default_factory=list)
    costs: CostModel | None = None
    prices: Prices | None = None
    lanes: list[Lane] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    video_plans: list[VideoPlan] = field(default_factory=list)
    facts_seen: dict[str, dict] = field(default_factory=dict)
    file_paths: set[str] = field(default_factory=set)  # project files named by tasks' file params
    left_out: list[LeftOut] = field(default_factory=list)  # videos left out under skip_invalid_videos
    recording: SourceFiles = field(init=False)  # the sources, every read recorded in `reads`

    def __post_init__(self) -> None:
        self.recording = SourceFiles(
            spec_name=self.src.spec_name, read=_recorder(self.src.read, self.reads), exists=self.src.exists
        )


def compile_project(
    src: SourceFiles, hardware: Hardware, options: CompileOptions | None = None
) -> tuple[Plan | None, list[Diagnostic]]:
    """The passes in order: load (expand, validate), lower each video (with its checks), then order,
    fingerprint, place and emit. A pass that leaves errors ends the compilation without a plan."""
    plan, diags, _ = compile_videos(src, hardware, options)
    return plan, diags


def compile_videos(
    src: SourceFiles, hardware: Hardware, options: CompileOptions | None = None
) -> tuple[Plan | None, list[Diagnostic], list[LoadedVideo]]:
    """compile_project, and the videos as loaded and templated (what `vidc publish` sends)."""
    return compile_rows(src, hardware, options)[:3]


def compile_rows(
    src: SourceFiles, hardware: Hardware, options: CompileOptions | None = None
) -> tuple[Plan | None, list[Diagnostic], list[LoadedVideo], list[LeftOut]]:
    """compile_videos, and the videos left out under CompileOptions.skip_invalid_videos (none when it fails)."""
    opts = options or CompileOptions()
    if opts.catalog is None:
        raise ValueError(
            "compile_project needs the backend catalog (CompileOptions.catalog); "
            "the runtime's is vidc.runtime.backends.registry.catalog()"
        )
    c = _Compilation(src, hardware, opts, opts.catalog)
    for compile_pass in (_load, _lower_videos):
        compile_pass(c)
        if has_errors(c.diags):
            return None, sort_diagnostics(c.diags + [d for gone in c.left_out for d in gone.errors()]), c.videos, []
    c.diags = sort_diagnostics(c.diags)
    return _emit(c), c.diags, c.videos, c.left_out


def _load(c: _Compilation) -> None:
    """Parse the `--set` overrides, load and expand the spec into validated videos, apply `--preset`."""
    values, c.diags = parse_set([f"{k}={v}" for k, v in sorted(c.opts.overrides.items()) if k != PRESET_KEY])
    engines = {s: c.catalog.engines(s) for s in ("voice", "video")}
    left_out = c.left_out if c.opts.skip_invalid_videos else None
    c.videos, more = load_project(c.recording, values, engines, c.catalog.voice_rates(), left_out)
    c.diags = c.diags + more
    c.diags += _override_preset(c.videos, c.opts.overrides.get(PRESET_KEY))


def _lower_videos(c: _Compilation) -> None:
    """The cost model, prices and lanes, then each video lowered to draft tasks and checked."""
    c.costs = CostModel(c.opts.cost_overrides, c.hardware)
    c.prices, price_diags = load_prices(c.recording)
    c.diags += price_diags
    c.lanes = make_lanes(c.hardware)
    lower_each(c, _lower_video)


def _video_inputs(
    c: _Compilation, video: LoadedVideo
) -> tuple[list[Scene] | None, dict[str, str], WanInfo | None, list[Diagnostic]] | None:
    """The checks a video must pass before it is lowered; returns (scenes, lexicon, wan model info,
    wan diagnostics), or None when one of them failed (its diagnostics are in c.diags)."""
    assert c.costs is not None
    opts, recording = c.opts, c.recording
    scenes, lock_diags = locked_scenes(video, recording)
    caption_diags = check_captions(video, scenes, opts.fonts) + check_transitions(
        video, scenes, export_settings(video.spec)["fps"]
    )
    c.diags += lock_diags + caption_diags
    if has_errors(caption_diags):
        return None
    lexicon, lex_diags, too_long = read_lexicon(video, recording, scenes)
    c.diags += lex_diags
    if too_long:  # the spoken text is never built past its limit
        return None
    bookend_diags = check_bookends(video, opts.fonts) + check_looks(
        video, len(scenes) if scenes is not None else video.spec.script.scene_count
    )
    c.diags += bookend_diags
    if has_errors(bookend_diags):
        return None
    wan, wan_diags = wan_model_info(video, scenes, c.costs, c.hardware, opts.model_facts, c.facts_seen)
    c.diags += wan_diags
    if has_errors(wan_diags):
        return None
    return scenes, lexicon, wan, wan_diags


def _lower_video(c: _Compilation, video: LoadedVideo) -> None:
    """One video: its checks, its draft tasks (estimates scaled by calibration, project files
    digested), the checks of those tasks, and its VideoPlan."""
    checked = _video_inputs(c, video)
    if checked is None:
        return
    scenes, lexicon, wan, wan_diags = checked
    opts, costs = c.opts, c.costs
    assert costs is not None
    stock, stock_diags = read_stock_lock(c.recording) if uses_stock(video.spec, scenes) else (None, [])
    c.diags += stock_diags + stock_warnings(video, scenes, stock)
    video_drafts = lower_video(
        video.spec, scenes, costs, c.hardware.encoder_threads(), c.catalog, opts.fonts, lexicon, wan, stock
    )
    c.diags += check_assets(video, scenes, opts.asset_size) + check_watermark(video, opts.asset_size)
    size = export_settings(video.spec)
    c.diags += check_publish(video, (size["width"], size["height"], size["fps"]), opts.now_ms)
    c.diags += check_speech_fits(video, scenes) + check_ignored_settings(video, scenes) + check_kokoro_voice(video)
    backend_diags = check_backends(video, video_drafts, c.catalog, opts.facts)
    if any(d.code == "E_MODEL_CAPABILITY" for d in wan_diags):  # said once, with the model's class
        backend_diags = [d for d in backend_diags if d.code != "E_MODEL_KIND"]
    c.diags += backend_diags
    for d in video_drafts:
        d.est_ms = max(1, round(d.est_ms * costs.scale(d.backend)))
    c.file_paths |= attach_digests(video.spec, video_drafts, opts.digest, c.catalog)
    c.diags += check_devices(video, video_drafts, c.lanes, c.hardware)
    if not has_errors(c.diags):  # a pacing hint is worth reading once the spec is otherwise sound
        c.diags += check_sparse(video, scenes)
    c.drafts += video_drafts
    c.video_plans.append(_video_plan(video.spec, scenes, video_drafts, wan_plan_notes(video.spec, costs, wan)))


def _fingerprints(order: list[str], by_id: dict[str, Draft], catalog: Catalog) -> dict[str, str]:
    """Each task's fingerprint, from its own definition and its inputs' fingerprints (in order)."""
    fps: dict[str, str] = {}
    for tid in order:
        d = by_id[tid]
        fps[tid] = fingerprint(
            {
                "kind": d.kind,
                "backend": d.backend,
                "version": catalog.version(d.backend),
                "params": d.params,
                "argv": d.argv,
                "inputs": {role: fps[dep] for role, dep in sorted(d.inputs.items())},
            }
        )
    return fps


def _tasks(c: _Compilation) -> tuple[list[Task], Placement]:
    """The drafts in lexicographical topological order, fingerprinted and placed on the lanes."""
    assert c.costs is not None
    by_id = {d.id: d for d in c.drafts}
    graph = nx.DiGraph()
    graph.add_nodes_from(by_id)
    for d in c.drafts:
        graph.add_edges_from((dep, d.id) for dep in d.inputs.values())
    order = list(nx.lexicographical_topological_sort(graph))
    preds = {t: sorted(graph.predecessors(t)) for t in order}
    succs = {t: sorted(graph.successors(t)) for t in order}
    fps = _fingerprints(order, by_id, c.catalog)
    placed = schedule(order, by_id, preds, succs, c.hardware, c.costs)
    version = c.catalog.version
    tasks = [
        Task(
            id=tid,
            video=by_id[tid].video,
            stage=by_id[tid].stage,
            kind=by_id[tid].kind,
            backend=by_id[tid].backend,
            backend_version=version(by_id[tid].backend),
            params=by_id[tid].params,
            inputs=dict(sorted(by_id[tid].inputs.items())),
            argv=by_id[tid].argv,
            fingerprint=fps[tid],
            requires=Requirement(**by_id[tid].requires),
            lane=placed.lane[tid],
            work_ms=placed.work.get(tid, by_id[tid].est_ms),
            est_ms=placed.cost[tid],
            start_ms=placed.start[tid],
            finish_ms=placed.finish[tid],
            rank_ms=placed.rank[tid],
            final=by_id[tid].final,
            group=placed.group.get(tid, []),
        )
        for tid in order
    ]
    return tasks, placed


def _emit(c: _Compilation) -> Plan:
    """The Plan: tasks, lanes, schedule, prices, and the fingerprint of everything the spec read."""
    assert c.costs is not None
    opts, videos, video_plans, hardware = c.opts, c.videos, c.video_plans, c.hardware
    tasks, placed = _tasks(c)
    for vp in video_plans:
        vp.makespan_ms = max(placed.finish[t] for t in vp.tasks)
    assert c.prices is not None
    total_cost = price_plan(
        c.prices, tasks, video_plans, videos, placed.lanes, hardware, c.costs, hardware.encoder_threads()
    )
    digests = project_digests(videos, opts.digest, c.file_paths)
    return Plan(
        project=video_plans[0].name if len(videos) == 1 else _project_name(videos),
        spec=c.src.spec_name,
        spec_fingerprint=fingerprint(
            {
                "files": c.reads,
                "overrides": opts.overrides,
                "digests": digests,
                **({"models": c.facts_seen} if c.facts_seen else {}),
            }
        ),
        compiler_version=COMPILER_VERSION,
        hardware=hardware,
        lanes=placed.lanes,
        videos=video_plans,
        tasks=tasks,
        schedule=Schedule(
            makespan_ms=placed.makespan_ms,
            sequential_ms=placed.sequential_ms,
            lower_bound_ms=max(placed.critical_path_ms, placed.gpu_work_bound_ms, placed.cpu_work_bound_ms),
            critical_path_ms=placed.critical_path_ms,
            gpu_work_bound_ms=placed.gpu_work_bound_ms,
            cpu_work_bound_ms=placed.cpu_work_bound_ms,
        ),
        refs=REFS_DOC,
        warnings=[d.format() for d in c.diags if d.severity == "warning"],
        overrides=dict(sorted(opts.overrides.items())),
        calibration=dict(sorted(c.costs.scales.items())),
        cost_micro_usd=total_cost,
        inputs=dict(
            sorted(
                {
                    **{p: hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() for p, t in c.reads.items()},
                    **digests,
                }.items()
            )
        ),
    )


def _override_preset(videos: list[LoadedVideo], preset: str | None) -> list[Diagnostic]:
    """`--preset NAME`: every video renders at that preset, into OUTPUT/NAME/ (a draft never lands
    beside the finals)."""
    if preset is None:
        return []
    if preset not in PRESETS:
        return [
            Diagnostic(
                "--preset",
                1,
                1,
                "E_ENUM",
                f"`{preset}` is not a valid export preset",
                suggest(preset, PRESETS),
                source_line=preset,
                length=len(preset),
            )
        ]
    for video in videos:
        video.spec.export.preset = preset  # type: ignore[assignment]  # checked against PRESETS above
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


def _video_plan(spec: VideoSpec, scenes: list[Scene] | None, drafts: list[Draft], notes: list[str]) -> VideoPlan:
    p = export_settings(spec)
    infos = []
    for i, s in enumerate(scenes or [], start=1):
        words = len(s.voiceover_text.split())  # 0 for a silent scene
        infos.append(
            SceneInfo(
                index=i,
                text=s.voiceover_text,
                visual_prompt=s.visual_prompt,
                duration_ms=planned_scene_ms(s, spec),
                words=words,
                speakable=s.duration_seconds == "auto" or estimated_voice_ms(s, spec) <= s.duration_seconds * 1000,
            )
        )
    return VideoPlan(
        name=spec.name,
        output=spec.output,
        preset=spec.export.preset,
        width=p["width"],
        height=p["height"],
        fps=p["fps"],
        scenes=infos,
        script_known=scenes is not None,
        tasks=sorted(d.id for d in drafts),
        estimates=notes,
    )
