"""Lowering: one validated video spec -> draft tasks (ids, params, inputs, argv, estimates).

Per-scene tasks take their scene's text as a parameter, not the script task as an input, so that
editing one scene changes only the fingerprints downstream of that scene.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vidc.schemas import ids
from vidc.schemas.catalog import Catalog
from vidc.schemas.spec import Scene, VideoSpec

from . import ffmpeg_args, refs
from .costs import CostModel
from .looks import animatic_look, wrap
from .resources import presets

WAN_SIZES = {"480p": (832, 480), "720p": (1280, 720)}


@dataclass
class Draft:
    id: str
    video: str
    stage: str
    kind: str
    backend: str
    params: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)
    argv: list[list[str]] = field(default_factory=list)
    requires: dict[str, Any] = field(default_factory=lambda: {"kind": "cpu"})
    est_ms: int = 0
    final: list[str] = field(default_factory=list)
    # Where each param came from in the spec (param -> spec path; "" for the rest): a backend's
    # check() names a param, the compiler points at the line that set it.
    where: dict[str, tuple] = field(default_factory=dict)


def export_settings(spec: VideoSpec, threads: int | None = None) -> dict[str, Any]:
    """The preset with the spec's overrides. `threads`: x264 threads per encode, from the hardware
    profile (cores / CPU lanes): explicit, so the same plan encodes the same bytes anywhere, and
    parallel scene encodes do not fight over the cores."""
    p = dict(presets()[spec.export.preset])
    if threads is not None:
        p["threads"] = threads
    ex = spec.export
    if ex.fps is not None:
        p["fps"] = ex.fps
    if ex.crf is not None:
        p["crf"] = ex.crf
    if ex.maxrate is not None:
        p["maxrate"] = ex.maxrate
        p["bufsize"] = _double_rate(ex.maxrate)
    return p


def _double_rate(rate: str) -> str:
    number, unit = rate[:-1], rate[-1]
    return f"{float(number) * 2:g}{unit}"


def wan_size(spec: VideoSpec, portrait: bool) -> tuple[int, int]:
    res = spec.video.resolution
    w, h = WAN_SIZES[res] if res in WAN_SIZES else (int(x) for x in res.lower().split("x"))
    return (min(w, h), max(w, h)) if portrait else (w, h)


def estimated_voice_ms(scene: Scene, spec: VideoSpec) -> int:
    words = len(scene.voiceover_text.split())
    return int(words * 60000 / (spec.voice.words_per_minute * spec.voice.speed))


def planned_scene_ms(scene: Scene, spec: VideoSpec) -> int:
    """The scene length the planner expects: the voice may stretch the scene, never shrink it."""
    voice = estimated_voice_ms(scene, spec) + int(spec.voice.pause_seconds * 1000)
    return min(max(int(scene.duration_seconds * 1000), voice), int(spec.script.scene_seconds[1] * 1000))


def lower_video(spec: VideoSpec, scenes: list[Scene] | None, costs: CostModel, threads: int = 1,
                catalog: Catalog | None = None) -> list[Draft]:
    v = spec.name
    p = export_settings(spec, threads)
    tasks: list[Draft] = [_script_task(spec, scenes, costs)]
    if scenes is None:  # an LLM script not locked yet: the rest is known after the script
        return tasks
    n = len(scenes)
    burn = spec.captions.mode in ("burn", "both")
    captions_on = spec.captions.mode != "off"
    voice_ids, segment_ids, cue_ids = [], [], []
    for i, scene in enumerate(scenes, start=1):
        voice_id = ids.voice(v, i)
        voice_ids.append(voice_id)
        frames = refs.measured(voice_id, "scene_ms", f"frames:{p['fps']}")
        seconds = planned_scene_ms(scene, spec) / 1000
        tasks.append(_voice_task(spec, scene, i, voice_id, costs, catalog))
        video_inputs = {ids.VOICE: voice_id}
        if captions_on:
            cue_id = ids.scene_captions(v, i)
            cue_ids.append(cue_id)
            tasks.append(Draft(
                id=cue_id, video=v, stage="captions", kind="scene-captions", backend="captions",
                params={"text": scene.voiceover_text, "max_chars_per_line": spec.captions.max_chars_per_line,
                        "style": spec.captions.style, "width": p["width"], "height": p["height"]},
                inputs={ids.VOICE: voice_id}, est_ms=costs.get("captions_ms"),
                where={"style": ("captions", "style"), "max_chars_per_line": ("captions", "max_chars_per_line"),
                       "text": ("script", "scenes", i - 1, "voiceover_text"), "": ("captions",)},
            ))
            if burn:
                video_inputs[ids.CAPTIONS] = cue_id
        segment_ids.append(_video_tasks(spec, scene, (i, n), p, video_inputs, frames, seconds, burn, costs, tasks))
    music_id, mix_id = ids.music(v), ids.mix(v)
    total_s = sum(planned_scene_ms(s, spec) for s in scenes) / 1000
    tasks.append(Draft(
        id=music_id, video=v, stage="music", kind="music-select", backend="music-select",
        params={"library": spec.music.library, "mood": spec.music.mood, "bpm": spec.music.bpm,
                "tail_seconds": list(spec.music.tail_seconds), "track": spec.music.track, "fps": p["fps"],
                "min_video_ms": sum(int(s.duration_seconds * 1000) for s in scenes)},
        inputs={ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}, est_ms=costs.get("music_ms"),
        where={k: ("music", k) for k in ("library", "mood", "bpm", "tail_seconds", "track")}
        | {"": ("music",), "min_video_ms": ("script", "scenes")},
    ))
    m = _mix_params(spec, p)
    tasks.append(Draft(
        id=mix_id, video=v, stage="mix", kind="mix", backend="mix", params=m,
        inputs={ids.MUSIC: music_id, **{ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}},
        argv=ffmpeg_args.mix(m), est_ms=costs.per_second("mix_ms_per_s", total_s) + 500,
    ))
    if captions_on:
        tasks.append(Draft(
            id=ids.captions(v), video=v, stage="captions", kind="captions-merge", backend="captions",
            params={"name": v, "fps": p["fps"], "merge": True},
            inputs={**{ids.role(ids.CUES, i): c for i, c in enumerate(cue_ids, 1)},
                    **{ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}},
            est_ms=costs.get("captions_ms"), final=[f"{v}.srt", f"{v}.vtt"],
        ))
    tasks.append(Draft(
        id=ids.export(v), video=v, stage="export", kind="export", backend="export",
        params={"name": v, "preset": spec.export.preset, "scenes": n},
        inputs={ids.MIX: mix_id, **{ids.role(ids.SEGMENT, i): s for i, s in enumerate(segment_ids, 1)}},
        argv=[ffmpeg_args.export(p, v)], est_ms=costs.per_second("export_ms_per_s", total_s) + 400,
        final=[f"{v}.mp4"],
    ))
    return tasks


def _script_task(spec: VideoSpec, scenes: list[Scene] | None, costs: CostModel) -> Draft:
    s = spec.script
    if s.brief is None:
        params: dict[str, Any] = {"scenes": [sc.model_dump(mode="json") for sc in scenes or []]}
        return Draft(id=ids.script(spec.name), video=spec.name, stage="script", kind="script",
                     backend="inline-script", params=params, est_ms=costs.get("script_inline_ms"))
    assert s.llm is not None
    params = {"brief": s.brief, "scene_count": s.scene_count, "provider": s.llm.provider, "model": s.llm.model,
              "locked": scenes is not None,
              "scenes": [sc.model_dump(mode="json") for sc in scenes] if scenes is not None else None}
    return Draft(id=ids.script(spec.name), video=spec.name, stage="script", kind="script", backend="llm-script",
                 params=params, est_ms=costs.get("script_inline_ms" if scenes is not None else "script_llm_ms"))


def _voice_task(spec: VideoSpec, scene: Scene, i: int, voice_id: str, costs: CostModel,
                catalog: Catalog | None) -> Draft:
    vo = spec.voice
    entry = catalog.backends.get(vo.engine) if catalog is not None else None
    return Draft(
        id=voice_id, video=spec.name, stage="voice", kind="voice", backend=vo.engine,
        where={"text": ("script", "scenes", i - 1, "voiceover_text"),
               **{k: ("voice", k) for k in ("voice", "speed", "language", "model")}, "": ("voice",)},
        params={"text": scene.voiceover_text, "voice": vo.voice or (entry.default_voice if entry else None), "speed": vo.speed,
                "language": vo.language, "model": vo.model, "scene": i,
                "min_scene_ms": int(scene.duration_seconds * 1000), "pause_ms": int(vo.pause_seconds * 1000),
                "max_scene_ms": int(spec.script.scene_seconds[1] * 1000)},
        est_ms=costs.voice_ms(vo.engine, len(scene.voiceover_text.split())),
    )


def _video_tasks(spec: VideoSpec, scene: Scene, pos: tuple[int, int], p: dict[str, Any], inputs: dict[str, str],
                 frames: str, seconds: float, burn: bool, costs: CostModel, tasks: list[Draft]) -> str:
    """Append the scene's video tasks; return the id of the task that makes its encoded segment."""
    (i, n), v, engine = pos, spec.name, spec.video.engine
    encode_ms = costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "draw_fixed_ms")
    if engine == "animatic":
        look = animatic_look(scene.visual_prompt, spec.music.mood, i)
        label = f"STORYBOARD  ·  SCENE {i} OF {n}  ·  {look['mood'].upper()}"
        tasks.append(Draft(
            id=ids.clip(v, i), video=v, stage="video", kind="animatic", backend="animatic",
            params={"note": wrap(scene.visual_prompt or "(no visual prompt)", 58 if p["width"] >= p["height"] else 30, 5),
                    "label": label, "look": look},
            inputs=dict(inputs), argv=[ffmpeg_args.animatic(p, look, frames, burn)], est_ms=encode_ms,
        ))
        return ids.clip(v, i)
    if engine == "assets":
        asset = scene.asset or ""
        still = asset.lower().rsplit(".", 1)[-1] in ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")
        tasks.append(Draft(
            id=ids.clip(v, i), video=v, stage="video", kind="assets", backend="assets",
            params={"asset": asset, "still": still}, inputs=dict(inputs),
            argv=[ffmpeg_args.assets(p, asset, still, frames, burn)], est_ms=encode_ms,
        ))
        return ids.clip(v, i)
    return _wan_tasks(spec, scene, i, p, inputs, frames, seconds, burn, costs, tasks)


def _wan_tasks(spec: VideoSpec, scene: Scene, i: int, p: dict[str, Any], inputs: dict[str, str], frames: str,
               seconds: float, burn: bool, costs: CostModel, tasks: list[Draft]) -> str:
    v, wv = spec.name, spec.video
    width, height = wan_size(spec, p["height"] > p["width"])
    chunk_s = wv.frames_per_chunk / wv.fps
    chunks = max(1, -(-int(seconds * 1000) // int(chunk_s * 1000)))
    flow_shift = 3.0 if width * height <= 832 * 480 else 5.0  # FACTS §1: 3.0 @480P, 5.0 @720P
    need = costs.wan_vram_gb(wv.model, wv.offload)
    chunk_ids = []
    for k in range(1, chunks + 1):
        cid = ids.chunk(v, i, k)
        chunk_inputs = {ids.PREV: chunk_ids[-1]} if wv.continuity == "extend" and chunk_ids else {}
        tasks.append(Draft(
            id=cid, video=v, stage="video", kind="chunk", backend=wv.engine,  # wan, or a plug-in with its contract
            where={**{k: ("video", k) for k in ("model", "steps", "sampler", "cfg", "seed", "offload", "continuity",
                                                "fps", "negative_prompt")},
                   "num_frames": ("video", "frames_per_chunk"), "width": ("video", "resolution"),
                   "height": ("video", "resolution"), "prompt": ("script", "scenes", i - 1, "visual_prompt"),
                   "": ("video",)},
            params={"model": wv.model, "prompt": scene.visual_prompt, "negative_prompt": wv.negative_prompt,
                    "width": width, "height": height, "num_frames": wv.frames_per_chunk, "fps": wv.fps,
                    "steps": wv.steps, "sampler": wv.sampler, "cfg": wv.cfg, "flow_shift": flow_shift,
                    "seed": _chunk_seed(wv.seed, cid), "offload": wv.offload, "continuity": wv.continuity,
                    "chunk": k, "scene": i},
            inputs=chunk_inputs, requires={"kind": "device", "vram_gb": need, "model": wv.model},
            est_ms=costs.wan_chunk_ms(wv.model, width, height, wv.frames_per_chunk, wv.steps, wv.offload),
        ))
        chunk_ids.append(cid)
    aid = ids.assemble(v, i)
    tasks.append(Draft(
        id=aid, video=v, stage="video", kind="assemble", backend="assemble", params={"chunks": chunks},
        inputs={**inputs, **{ids.role(ids.CHUNK, k): c for k, c in enumerate(chunk_ids, 1)}},
        argv=[ffmpeg_args.assemble(p, chunk_ids, frames, burn)],
        est_ms=costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "assemble_fixed_ms"),
    ))
    return aid


def _chunk_seed(seed: int, task_id: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{seed}|{task_id}".encode()).digest()[:4], "big") & 0x7FFFFFFF


def _mix_params(spec: VideoSpec, p: dict[str, Any]) -> dict[str, Any]:
    m = spec.music
    return {
        "fps": p["fps"], "volume": m.volume, "duck_db": m.duck_db, "duck_ratio": round(1 + m.duck_db / 1.5, 2),
        "fade_out_seconds": m.fade_out_seconds, "lufs": spec.export.loudness_lufs,
        "true_peak": spec.export.true_peak_db, "sample_rate": 44100, "audio_bitrate": p["audio_bitrate"],
    }
