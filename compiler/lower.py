"""Lowering: one validated video spec -> draft tasks (ids, params, inputs, argv, estimates).

Per-scene tasks take their scene's text as a parameter, not the script task as an input, so that
editing one scene changes only the fingerprints downstream of that scene.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from vidc.schemas import ids
from vidc.schemas.catalog import Catalog
from vidc.schemas.spec import Scene, VideoSpec

from . import ffmpeg_args, refs, transitions
from .costs import CostModel, WanInfo, taylorseer_schedule
from .layout import caption_box, caption_fit, caption_style, card_layout, safe_area, title_layout
from .looks import animatic_look, drawable
from .resources import presets
from .textfit import FontMetrics, FontSource, approximate_metrics, fit_block
from .speech import Spoken, normalise

STILL_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")


def is_still(path: str) -> bool:
    """An asset shown as a still picture (by its extension); anything else is a clip."""
    return path.lower().rsplit(".", 1)[-1] in STILL_EXTENSIONS
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
    load_ms: int = 0  # wan: loading its model on a lane (with compile/calibration); 0 = the cost model's figure
    cp_heads: int = 0  # wan: attention heads; > 0 lets placement give the chunk a context-parallel group
    cp_degree: str | int = "off"  # wan: video.parallel (auto | off | N)
    cp_tokens: int = 0  # wan: the transformer's sequence length, which a Ulysses degree must divide


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


def wan_size(spec: VideoSpec, portrait: bool, wan: WanInfo | None = None) -> tuple[int, int]:
    res = spec.video.resolution or (wan.native["resolution"] if wan else "480p")
    if res in WAN_SIZES:  # named sizes round down to the model's multiple (TI2V-5B: 720p is 1280x704)
        m = wan.size_multiple if wan else 16
        w, h = (side // m * m for side in WAN_SIZES[res])
    else:
        w, h = (int(x) for x in res.lower().split("x"))
    return (min(w, h), max(w, h)) if portrait else (w, h)


def spoken_words(scene: Scene, spec: VideoSpec) -> int:
    """Words the voice will say: the normalised text's ("$12.5 million" is five)."""
    said = spoken(spec, scene.voiceover_text)
    return len(said.words) if said is not None else len(scene.voiceover_text.split())


def wan_settings(spec: VideoSpec, wan: WanInfo | None) -> tuple[int, int]:
    """(fps, frames per chunk): the spec's, else the model's own (TI2V-5B: 24 fps, 121 frames)."""
    native = wan.native if wan else {"fps": 16, "frames": 81}
    return spec.video.fps or int(native["fps"]), spec.video.frames_per_chunk or int(native["frames"])


def estimated_voice_ms(scene: Scene, spec: VideoSpec) -> int:
    """Speech length at the voice's rate (the engine's measured words per minute by default)."""
    return int(spoken_words(scene, spec) * 60000 / (spec.voice.wpm * spec.voice.speed))


def min_scene_ms(scene: Scene) -> int:
    """The scene's planned length; 0 for `auto` (the measured speech plus the pause)."""
    return 0 if scene.duration_seconds == "auto" else int(scene.duration_seconds * 1000)


def is_silent(scene: Scene) -> bool:
    """A scene without narration: music alone for its `duration_seconds` (validation requires a number)."""
    return not scene.voiceover_text.strip()


def bookend_frames(seconds: float, fps: int) -> int:
    """Frames of an intro or outro: its seconds at the preset's rate, at least one."""
    return max(1, int(round(seconds * fps)))


def planned_scene_ms(scene: Scene, spec: VideoSpec) -> int:
    """The scene length the planner expects: the voice may stretch the scene, never shrink it."""
    if is_silent(scene):
        return min_scene_ms(scene)
    voice = estimated_voice_ms(scene, spec) + int(spec.voice.pause_seconds * 1000)
    return min(max(min_scene_ms(scene), voice), int(spec.script.scene_seconds[1] * 1000))


def caption_font(spec: VideoSpec, fonts: FontSource | None = None) -> FontMetrics:
    """The measured font of the spec's caption style (the approximate table without one)."""
    st = caption_style(spec.captions.style)
    family, bold = str(st.get("font", "DejaVu Sans")), bool(st.get("bold"))
    return (fonts(family, bold) if fonts else None) or approximate_metrics(family, bold)


def card_font(fonts: FontSource | None = None) -> FontMetrics:
    return (fonts("DejaVu Sans", False) if fonts else None) or approximate_metrics("DejaVu Sans", False)


def caption_layout(spec: VideoSpec, p: dict[str, Any], fonts: FontSource | None = None) -> dict[str, Any]:
    """The caption block for the preset's frame and safe area (see layout.caption_box)."""
    st = caption_style(spec.captions.style)
    box = caption_box(st, p["width"], p["height"], safe_area(spec.export.preset, p["width"], p["height"]))
    wm = watermark(spec, p)
    if wm is not None and wm["position"].startswith("bottom"):  # captions sit above a bottom logo
        box["margin_v"] = max(box["margin_v"], wm["y"] + wm["width"] + int(0.015 * p["height"]))
    return box


def lower_video(spec: VideoSpec, scenes: list[Scene] | None, costs: CostModel, threads: int = 1,
                catalog: Catalog | None = None, fonts: FontSource | None = None,
                lexicon: dict[str, str] | None = None, wan: WanInfo | None = None) -> list[Draft]:
    v = spec.name
    p = export_settings(spec, threads)
    tasks: list[Draft] = [_script_task(spec, scenes, costs)]
    if scenes is None:  # an LLM script not locked yet: the rest is known after the script
        return tasks
    n = len(scenes)
    burn = spec.captions.mode in ("burn", "both")
    captions_on = spec.captions.mode != "off"
    voice_ids, segment_ids, cue_ids = [], [], []
    font = caption_font(spec, fonts)
    box = caption_layout(spec, p, fonts)
    style = caption_style(spec.captions.style)
    js = transitions.joins(spec, scenes, p["fps"])
    for i, scene in enumerate(scenes, start=1):
        voice_id = ids.voice(v, i)
        voice_ids.append(voice_id)
        frames = refs.measured(voice_id, "scene_ms", f"frames:{p['fps']}")
        seconds = planned_scene_ms(scene, spec) / 1000
        silent = is_silent(scene)
        tasks.append(_silence_task(spec, scene, i, voice_id) if silent
                     else _voice_task(spec, scene, i, voice_id, costs, catalog, lexicon,
                                      transitions.floor_ms(js, i, p["fps"]) if scene.duration_seconds == "auto" else 0))
        video_inputs = {ids.VOICE: voice_id}
        if captions_on and not silent:  # a silent scene has no cues
            cue_id = ids.scene_captions(v, i)
            cue_ids.append((i, cue_id))  # numbered by scene: a silent scene has none
            tasks.append(Draft(
                id=cue_id, video=v, stage="captions", kind="scene-captions", backend="captions",
                params={"text": scene.voiceover_text, "max_chars_per_line": spec.captions.max_chars_per_line,
                        "style": spec.captions.style, "width": p["width"], "height": p["height"],
                        **_caption_params(scene, box, font, style)},
                inputs={ids.VOICE: voice_id}, est_ms=costs.get("captions_ms"),
                where={"style": ("captions", "style"), "max_chars_per_line": ("captions", "max_chars_per_line"),
                       "text": ("script", "scenes", i - 1, "voiceover_text"), "": ("captions",)},
            ))
            if burn:
                video_inputs[ids.CAPTIONS] = cue_id
        burn_here = burn and not silent
        segment_ids.append(_video_tasks(spec, scene, (i, n), p, video_inputs, frames, seconds, burn_here, costs,
                                        tasks, fonts, box if burn_here else None, wan, transitions.edges(js, i)))
    crossfades = _crossfade_tasks(spec, p, js, voice_ids, segment_ids, costs, tasks)
    if spec.thumbnail is not None:
        tasks.append(_thumbnail_task(spec, p, segment_ids, fonts, costs))
    music_id, mix_id = ids.music(v), ids.mix(v)
    ends = {end: _bookend_task(spec, end, p, costs, fonts) for end in ("intro", "outro")
            if getattr(spec, end) is not None}
    tasks += ends.values()
    lead = bookend_frames(spec.intro.seconds, p["fps"]) if spec.intro is not None else 0
    tail = bookend_frames(spec.outro.seconds, p["fps"]) if spec.outro is not None else 0
    extra = {"extra_frames": lead + tail} if lead + tail else {}
    total_s = sum(planned_scene_ms(s, spec) for s in scenes) / 1000 + (lead + tail) / p["fps"]
    tasks.append(Draft(
        id=music_id, video=v, stage="music", kind="music-select", backend="music-select",
        params={"library": spec.music.library, "mood": spec.music.mood, "bpm": spec.music.bpm,
                "tail_seconds": list(spec.music.tail_seconds), "track": spec.music.track, "fps": p["fps"],
                "min_video_ms": sum(min_scene_ms(s) for s in scenes) + (lead + tail) * 1000 // p["fps"], **extra},
        inputs={ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}, est_ms=costs.get("music_ms"),
        where={k: ("music", k) for k in ("library", "mood", "bpm", "tail_seconds", "track")}
        | {"": ("music",), "min_video_ms": ("script", "scenes")},
    ))
    m = _mix_params(spec, p)
    if lead + tail:  # the intro and outro are silent frames of the timeline, the music plays under them
        m |= {"lead_frames": lead, "tail_frames": tail}
    tasks.append(Draft(
        id=mix_id, video=v, stage="mix", kind="mix", backend="mix", params=m,
        inputs={ids.MUSIC: music_id, **{ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}},
        argv=ffmpeg_args.mix(m), est_ms=costs.per_second("mix_ms_per_s", total_s) + 500,
    ))
    if captions_on:
        tasks.append(Draft(
            id=ids.captions(v), video=v, stage="captions", kind="captions-merge", backend="captions",
            params={"name": v, "fps": p["fps"], "merge": True, "words_files": True,
                    **({"offset_frames": lead} if lead else {})},
            inputs={**{ids.role(ids.CUES, i): c for i, c in cue_ids},
                    **{ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)}},
            est_ms=costs.get("captions_ms"), final=[f"{v}.srt", f"{v}.vtt", f"{v}.words.json", f"{v}.words.vtt"],
        ))
    tasks.append(Draft(
        id=ids.export(v), video=v, stage="export", kind="export", backend="export",
        params={"name": v, "preset": spec.export.preset, "scenes": n, "fps": p["fps"],
                **({"transitions": [[j.after, j.type, j.frames] for j in js if j.frames]} if any(j.frames for j in js)
                   else {})},
        inputs={ids.MIX: mix_id, **{ids.role(ids.SEGMENT, i): s for i, s in enumerate(segment_ids, 1)},
                **({ids.role(ids.SEGMENT, 0): ends["intro"].id} if "intro" in ends else {}),  # joined in index order
                **({ids.role(ids.SEGMENT, n + 1): ends["outro"].id} if "outro" in ends else {}),
                **{ids.role(ids.TRANSITION, after): t for after, t in crossfades.items()}},
        argv=[ffmpeg_args.export(p, v)], est_ms=costs.per_second("export_ms_per_s", total_s) + 400,
        final=[f"{v}.mp4"],
    ))
    return tasks


def _crossfade_tasks(spec: VideoSpec, p: dict[str, Any], js: list[transitions.Join], voice_ids: list[str],
                     segment_ids: list[str], costs: CostModel, tasks: list[Draft]) -> dict[int, str]:
    """One `transition` task per crossfaded boundary: the 2h frames around it, from the two scenes'
    encoded segments (see compiler/transitions.py). Returns {scene before: task id}."""
    out = {}
    for j in js:
        if j.type != "crossfade":
            continue
        tid = ids.transition(spec.name, j.after)
        before = refs.measured(voice_ids[j.after - 1], "scene_ms", f"frames:{p['fps']}")
        seconds = 2 * j.frames / p["fps"]
        tasks.append(Draft(
            id=tid, video=spec.name, stage="video", kind="crossfade", backend="transition",
            params={"type": "crossfade", "frames": j.frames, "fps": p["fps"], "after": j.after},
            inputs={ids.FROM: segment_ids[j.after - 1], ids.TO: segment_ids[j.after], ids.VOICE: voice_ids[j.after - 1]},
            argv=[ffmpeg_args.crossfade(p, j.frames, before)],
            est_ms=costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "assemble_fixed_ms"),
            where={"": j.path, "frames": j.path},
        ))
        out[j.after] = tid
    return out


def _caption_params(scene: Scene, box: dict[str, Any], font: FontMetrics, style: dict[str, Any]) -> dict[str, Any]:
    """The measured layout a scene's cues are broken to: the font (by name and file hash), its
    size for this scene (shrunk when a word is too wide), the margins and the widest line."""
    size, _ = caption_fit(scene.voiceover_text, box, font)
    return {"font": font.family, "bold": font.bold, "font_sha256": font.sha256, "size": size,
            "margin_l": box["margin_l"], "margin_r": box["margin_r"], "margin_v": box["margin_v"],
            "max_width": box["max_width"], "max_lines": 2, "words": bool(style.get("words"))}


THUMBNAIL_SIZES = {"landscape": (1280, 720), "portrait": (1080, 1920), "square": (1080, 1080)}


def thumbnail_size(p: dict[str, Any]) -> tuple[int, int]:
    """YouTube's 1280x720 for landscape video; the frame size for vertical and square ones."""
    w, h = p["width"], p["height"]
    shape = "landscape" if w > h else "portrait" if h > w else "square"
    return THUMBNAIL_SIZES[shape]


def _thumbnail_task(spec: VideoSpec, p: dict[str, Any], segment_ids: list[str], fonts: FontSource | None,
                    costs: CostModel) -> Draft:
    th = spec.thumbnail
    assert th is not None
    w, h = thumbnail_size(p)
    font = (fonts("DejaVu Sans", True) if fonts else None) or approximate_metrics("DejaVu Sans", True)
    safe = safe_area(spec.export.preset, w, h)
    title: dict[str, Any] = {}
    lines: tuple[str, ...] = ()
    if th.title and th.title.strip():
        base = min(w, h)
        pitch = font.glyph_height(th.title, 1.0) + 0.15
        block = fit_block(drawable(th.title), font, w - safe.left - safe.right, 0.4 * (h - safe.top - safe.bottom),
                          0.12 * base, 0.06 * base, pitch, 0.15)
        em = int(block.em_px)
        lines = block.lines
        block_h = int(round(len(lines) * pitch * em))
        upper = int(0.6 * (h - safe.top - safe.bottom))  # centred in the upper 60 % of the safe area
        title = {"size": em, "pitch": int(round(pitch * em)), "x": (safe.left + w - safe.right) // 2,
                 "y": safe.top + max(0, (upper - block_h) // 2), "h": block_h}
    if th.scene == "best":
        chosen = segment_ids
    else:
        chosen = [segment_ids[min(max(int(th.scene), 1), len(segment_ids)) - 1]]
    return Draft(
        id=ids.thumbnail(spec.name), video=spec.name, stage="export", kind="thumbnail", backend="thumbnail",
        params={"name": spec.name, "width": w, "height": h, "title_lines": list(lines), "title": title,
                "font": font.family, "bold": True, "font_sha256": font.sha256, "at": th.at},
        inputs={ids.role(ids.SEGMENT, segment_ids.index(s) + 1): s for s in chosen},
        est_ms=costs.get("captions_ms") * 2 + 300 * len(chosen), final=[f"{spec.name}.thumbnail.jpg"],
    )


_SCENE_KEYS_WHEN_SET = ("clip_mode", "transition")  # keys added after v1's first plans: dumped only when given


def scene_dump(scene: Scene) -> dict[str, Any]:
    out = scene.model_dump(mode="json")
    for key in _SCENE_KEYS_WHEN_SET:
        if out.get(key) is None:
            out.pop(key, None)
    return out


def _silence_task(spec: VideoSpec, scene: Scene, i: int, voice_id: str) -> Draft:
    """A silent scene's voice: no engine call, a result with the scene's length like any voice's."""
    return Draft(id=voice_id, video=spec.name, stage="voice", kind="voice", backend="silence",
                 params={"scene": i, "scene_ms": min_scene_ms(scene)},
                 where={"scene_ms": ("script", "scenes", i - 1, "duration_seconds"), "": ("script", "scenes", i - 1)},
                 est_ms=50)


def light_colour(colour: str) -> bool:
    """Is a background light enough that its text should be black? #RRGGBB by luma, names by a list."""
    if colour.startswith("#") and len(colour) == 7:
        r, g, b = (int(colour[k:k + 2], 16) for k in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b > 150
    return colour in ("white", "ivory", "snow", "beige", "linen", "wheat", "yellow", "lightyellow", "cyan",
                      "lightcyan", "pink", "lightpink", "silver", "lightgray", "lightgrey", "gainsboro", "khaki",
                      "lavender", "mintcream", "honeydew", "azure", "aliceblue", "ghostwhite", "seashell",
                      "oldlace", "cornsilk", "lemonchiffon", "whitesmoke", "floralwhite", "lime", "aqua")


def title_card_layout(spec: VideoSpec, end: str, p: dict[str, Any], fonts: FontSource | None) -> dict[str, Any]:
    be = getattr(spec, end)
    w, h = p["width"], p["height"]
    return title_layout(drawable(be.title or ""), drawable(be.subtitle) if be.subtitle else None, w, h,
                        safe_area(spec.export.preset, w, h), card_font(fonts))


def _bookend_task(spec: VideoSpec, end: str, p: dict[str, Any], costs: CostModel, fonts: FontSource | None) -> Draft:
    """The intro or outro segment: a fixed number of frames (no voice decides its length), showing
    an asset (fit like the scenes' assets) or a measured title card."""
    be = getattr(spec, end)
    v, tid = spec.name, (ids.intro(spec.name) if end == "intro" else ids.outro(spec.name))
    n = bookend_frames(be.seconds, p["fps"])
    wm = watermark(spec, p)
    est = costs.encode_ms(n / p["fps"], p["width"], p["height"], p["x264_preset"], "draw_fixed_ms")
    common = {"role": end, "frames": n}
    if be.asset is not None:
        still = is_still(be.asset)
        params = {"asset": be.asset, "still": still, **common,
                  **({} if still else {"clip_mode": spec.video.clip_mode, "scene_s": f"{n / p['fps']:.6f}"})}
        return Draft(id=tid, video=v, stage="video", kind="assets", backend="assets", params=params,
                     where={"asset": (end, "asset"), "": (end,)},
                     argv=[ffmpeg_args.assets(p, be.asset, still, str(n), False, None, wm, spec.video.fit,
                                              spec.video.pad.replace("#", "0x"), spec.video.clip_mode)],
                     est_ms=est)
    card = title_card_layout(spec, end, p, fonts)
    bg = be.background.replace("#", "0x")
    colour = "black" if light_colour(be.background) else "white"
    return Draft(id=tid, video=v, stage="video", kind="title-card", backend="title-card",
                 params={"lines": [ln["text"] for ln in card["lines"]], "background": be.background,
                         "colour": colour, "font_sha256": card_font(fonts).sha256, **common},
                 where={"lines": (end, "title"), "": (end,)},
                 argv=[ffmpeg_args.title_card(p, card, bg, colour, str(n), wm)], est_ms=est)


def _script_task(spec: VideoSpec, scenes: list[Scene] | None, costs: CostModel) -> Draft:
    s = spec.script
    if s.brief is None:
        params: dict[str, Any] = {"scenes": [scene_dump(sc) for sc in scenes or []]}
        return Draft(id=ids.script(spec.name), video=spec.name, stage="script", kind="script",
                     backend="inline-script", params=params, est_ms=costs.get("script_inline_ms"))
    assert s.llm is not None
    params = {"brief": s.brief, "scene_count": s.scene_count, "provider": s.llm.provider, "model": s.llm.model,
              "locked": scenes is not None,
              "scenes": [scene_dump(sc) for sc in scenes] if scenes is not None else None}
    return Draft(id=ids.script(spec.name), video=spec.name, stage="script", kind="script", backend="llm-script",
                 params=params, est_ms=costs.get("script_inline_ms" if scenes is not None else "script_llm_ms"))


def spoken(spec: VideoSpec, text: str, lexicon: dict[str, str] | None = None) -> Spoken | None:
    """What the voice says for `text` (None when the spec turns normalisation off)."""
    vo = spec.voice
    if not vo.normalise_text:
        return None
    return normalise(text, vo.language, {**(lexicon or {}), **vo.lexicon})


def _voice_task(spec: VideoSpec, scene: Scene, i: int, voice_id: str, costs: CostModel,
                catalog: Catalog | None, lexicon: dict[str, str] | None = None, floor_ms: int = 0) -> Draft:
    """`floor_ms`: the least an `auto` scene may last (what its transitions need)."""
    vo = spec.voice
    entry = catalog.backends.get(vo.engine) if catalog is not None else None
    said = spoken(spec, scene.voiceover_text, lexicon)
    extra = {} if said is None else {"spoken": said.text, "spoken_counts": said.counts}
    return Draft(
        id=voice_id, video=spec.name, stage="voice", kind="voice", backend=vo.engine,
        where={"text": ("script", "scenes", i - 1, "voiceover_text"),
               **{k: ("voice", k) for k in ("voice", "speed", "language", "model")}, "": ("voice",)},
        params={"text": scene.voiceover_text, "voice": vo.voice or (entry.default_voice if entry else None), "speed": vo.speed,
                "language": vo.language, "model": vo.model, "scene": i,
                "min_scene_ms": max(min_scene_ms(scene), floor_ms), "pause_ms": int(vo.pause_seconds * 1000),
                "max_scene_ms": int(spec.script.scene_seconds[1] * 1000), **extra},
        est_ms=costs.voice_ms(vo.engine, len(scene.voiceover_text.split())),
    )


def _video_tasks(spec: VideoSpec, scene: Scene, pos: tuple[int, int], p: dict[str, Any], inputs: dict[str, str],
                 frames: str, seconds: float, burn: bool, costs: CostModel, tasks: list[Draft],
                 fonts: FontSource | None = None, box: dict[str, Any] | None = None,
                 wan: WanInfo | None = None, edge: transitions.Edges | None = None) -> str:
    """Append the scene's video tasks; return the id of the task that makes its encoded segment.
    `edge`: its fades and the keyframes its crossfades need (none: today's argv, byte for byte)."""
    (i, n), v, engine = pos, spec.name, spec.video.engine
    wm = watermark(spec, p)
    encode_ms = costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "draw_fixed_ms")
    if engine == "animatic":
        look = animatic_look(scene.visual_prompt, spec.music.mood, i)
        label = f"STORYBOARD  ·  SCENE {i} OF {n}  ·  {look['mood'].upper()}"
        w, h = p["width"], p["height"]
        font = card_font(fonts)
        # the captions' top: two lines above their bottom margin
        caption_top = (h - box["margin_v"] - int(2.3 * box["size"])) if box else h - safe_area(spec.export.preset, w, h).bottom
        safe = safe_area(spec.export.preset, w, h)
        if wm is not None and wm["position"].startswith("top"):  # the card starts below the logo
            safe = dataclasses.replace(safe, top=wm["y"] + wm["width"] + int(0.01 * h))
        card = card_layout(drawable(scene.visual_prompt).strip() or "(no visual prompt)", label, w, h, safe,
                           caption_top, font)
        tasks.append(Draft(
            id=ids.clip(v, i), video=v, stage="video", kind="animatic", backend="animatic",
            params={"note": card["note"], "label": card["label"], "look": look, "font_sha256": font.sha256,
                    "card": {k: val for k, val in card.items() if k not in ("note", "label")}},
            inputs=dict(inputs), argv=[ffmpeg_args.animatic(p, look, frames, burn, card, _still_at(spec), wm, edge)],
            est_ms=encode_ms,
        ))
        return ids.clip(v, i)
    if engine == "assets":
        asset = scene.asset or ""
        still = is_still(asset)
        mode = scene.clip_mode or spec.video.clip_mode
        # a clip's mode enters the params only when it is not today's `hold` (older plans keep their fingerprints)
        timing = {} if still or mode == "hold" else {"clip_mode": mode, "scene_s": ffmpeg_args.frames_s(frames, p["fps"])}
        tasks.append(Draft(
            id=ids.clip(v, i), video=v, stage="video", kind="assets", backend="assets",
            params={"asset": asset, "still": still, **timing}, inputs=dict(inputs),
            argv=[ffmpeg_args.assets(p, asset, still, frames, burn, _still_at(spec), wm, spec.video.fit,
                                     spec.video.pad.replace("#", "0x"), mode, edge)], est_ms=encode_ms,
        ))
        return ids.clip(v, i)
    return _wan_tasks(spec, scene, i, p, inputs, frames, seconds, burn, costs, tasks, wan, edge)


def wan_tokens(width: int, height: int, frames: int, wan: WanInfo | None) -> int:
    """Tokens a chunk's transformer attends over: latent frames x latent patches (VAE 4x in time)."""
    m = wan.size_multiple if wan else 16
    return ((frames - 1) // 4 + 1) * (height // m) * (width // m)


def wan_speed_params(spec: VideoSpec, costs: CostModel) -> dict[str, Any]:
    """The speed options as the backend takes them, defaults filled in (they enter the fingerprint)."""
    wv, c = spec.video, costs.wan["cache"]
    out: dict[str, Any] = {"cache": wv.cache, "compile": wv.compile, "precision": wv.precision}
    if wv.cache in ("first_block", "magcache"):
        out["cache_threshold"] = wv.cache_threshold or float(c[wv.cache]["default_threshold"])
    if wv.cache == "taylorseer":
        interval, warmup = taylorseer_schedule(wv.steps, wv.cache_interval or int(c["taylorseer"]["default_interval"]),
                                               float(c["taylorseer"]["warmup_fraction"]))
        out["cache_interval"], out["cache_warmup"] = interval, warmup
    return out


def wan_estimate(spec: VideoSpec, costs: CostModel, wan: WanInfo | None, width: int, height: int,
                 frames: int) -> tuple[int, int, float, list[str]]:
    """(chunk ms at speed 1.0, load ms per lane, VRAM GB, what each option changes, in words)."""
    wv = spec.video
    base = costs.wan_chunk_ms(wv.model, width, height, frames, wv.steps, wv.offload)
    factor, notes = costs.wan_speed(wv.steps, wv.cache, wv.cache_threshold, wv.cache_interval, wv.compile,
                                    wv.precision)
    load = costs.wan_load_ms(wv.model)
    if wv.compile == "regional":
        load += int(costs.wan["compile"]["regional"]["compile_ms"])
    if wv.cache == "magcache":
        load += round(base * float(costs.wan["cache"]["magcache"]["calibration_chunks"]))
    need = costs.wan_vram_gb(wv.model, wv.offload, wv.precision)
    return max(1, round(base * factor)), load, need, [f"chunk {base / 1000:.1f}s before options", *notes]


def watermark(spec: VideoSpec, p: dict[str, Any]) -> dict[str, Any] | None:
    """The logo's placement in pixels: its width, and its distance from the corner's two edges (the
    safe area's insets). A logo is assumed no taller than wide when the card makes room for it."""
    wm = spec.export.watermark
    if wm is None:
        return None
    w, h = p["width"], p["height"]
    safe = safe_area(spec.export.preset, w, h)
    left = wm.position.endswith("left")
    top = wm.position.startswith("top")
    width = max(2, int(wm.width * min(w, h)) // 2 * 2)
    return {"file": wm.file, "position": wm.position, "opacity": wm.opacity, "width": width,
            "x": safe.left if left else safe.right, "y": safe.top if top else safe.bottom}


def _still_at(spec: VideoSpec) -> float | None:
    """Where a scene keeps its uncaptioned picture for the thumbnail (None: no thumbnail)."""
    return spec.thumbnail.at if spec.thumbnail is not None else None


def _wan_tasks(spec: VideoSpec, scene: Scene, i: int, p: dict[str, Any], inputs: dict[str, str], frames: str,
               seconds: float, burn: bool, costs: CostModel, tasks: list[Draft], wan: WanInfo | None = None,
               edge: transitions.Edges | None = None) -> str:
    v, wv = spec.name, spec.video
    width, height = wan_size(spec, p["height"] > p["width"], wan)
    fps, n_frames = wan_settings(spec, wan)
    chunk_s = n_frames / fps
    chunks = max(1, -(-int(seconds * 1000) // int(chunk_s * 1000)))
    flow_shift = 3.0 if width * height <= 832 * 480 else 5.0  # FACTS §1: 3.0 @480P, 5.0 @720P
    est, load, need, _ = wan_estimate(spec, costs, wan, width, height, n_frames)
    speed = wan_speed_params(spec, costs)
    two = {k: val for k, val in (("cfg_2", wv.cfg_2), ("boundary_ratio", wv.boundary_ratio)) if val is not None}
    start = scene.asset if scene.asset and _is_image(scene.asset) else None
    chunk_ids = []
    for k in range(1, chunks + 1):
        cid = ids.chunk(v, i, k)
        chunk_inputs = {ids.PREV: chunk_ids[-1]} if wv.continuity == "extend" and chunk_ids else {}
        extra = {"start_image": start} if start and k == 1 else {}
        tasks.append(Draft(
            id=cid, video=v, stage="video", kind="chunk", backend=wv.engine,  # wan, or a plug-in with its contract
            where={**{k: ("video", k) for k in ("model", "steps", "sampler", "cfg", "seed", "offload", "continuity",
                                                "fps", "negative_prompt")},
                   "num_frames": ("video", "frames_per_chunk"), "width": ("video", "resolution"),
                   "height": ("video", "resolution"), "prompt": ("script", "scenes", i - 1, "visual_prompt"),
                   **{k: ("video", k) for k in ("cfg_2", "boundary_ratio", "cache", "cache_threshold", "compile",
                                                "precision")},
                   "cache_interval": ("video", "cache_interval"), "cache_warmup": ("video", "cache"),
                   "start_image": ("script", "scenes", i - 1, "asset"), "": ("video",)},
            params={"model": wv.model, "prompt": scene.visual_prompt, "negative_prompt": wv.negative_prompt,
                    "width": width, "height": height, "num_frames": n_frames, "fps": fps,
                    "steps": wv.steps, "sampler": wv.sampler, "cfg": wv.cfg, "flow_shift": flow_shift,
                    "seed": _chunk_seed(wv.seed, cid), "offload": wv.offload, "continuity": wv.continuity,
                    "chunk": k, "scene": i, **two, **speed, **extra},
            inputs=chunk_inputs, requires={"kind": "device", "vram_gb": need, "model": wv.model},
            est_ms=est, load_ms=load, cp_heads=wan.heads if wan else 0, cp_degree=wv.parallel,
            cp_tokens=wan_tokens(width, height, n_frames, wan),
        ))
        chunk_ids.append(cid)
    aid = ids.assemble(v, i)
    tasks.append(Draft(
        id=aid, video=v, stage="video", kind="assemble", backend="assemble", params={"chunks": chunks},
        inputs={**inputs, **{ids.role(ids.CHUNK, k): c for k, c in enumerate(chunk_ids, 1)}},
        argv=[ffmpeg_args.assemble(p, chunk_ids, frames, burn, watermark(spec, p), edge)],
        est_ms=costs.encode_ms(seconds, p["width"], p["height"], p["x264_preset"], "assemble_fixed_ms"),
    ))
    return aid


def _is_image(path: str) -> bool:
    return path.lower().rsplit(".", 1)[-1] in ("png", "jpg", "jpeg", "webp", "bmp")


def _chunk_seed(seed: int, task_id: str) -> int:
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{seed}|{task_id}".encode()).digest()[:4], "big") & 0x7FFFFFFF


def _mix_params(spec: VideoSpec, p: dict[str, Any]) -> dict[str, Any]:
    m = spec.music
    return {
        "fps": p["fps"], "volume": m.volume, "duck_db": m.duck_db, "duck_attack_ms": m.duck_attack_ms,
        "duck_hold_ms": m.duck_hold_ms, "duck_release_ms": m.duck_release_ms, "duck_gap_ms": m.duck_gap_ms,
        "fade_out_seconds": m.fade_out_seconds, "lufs": spec.export.loudness_lufs, "tp_margin_db": 0.5,
        "true_peak": spec.export.true_peak_db, "sample_rate": 44100, "audio_bitrate": p["audio_bitrate"],
    }
