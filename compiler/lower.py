"""Lowering: one validated video spec -> draft tasks (ids, params, inputs, argv, estimates).

Per-scene tasks take their scene's text as a parameter, not the script task as an input, so that
editing one scene changes only the fingerprints downstream of that scene. Each stage is lowered by
its own module (lower_voice, lower_captions, lower_video, lower_wan, bookends, lower_music,
lower_export); the pacing rules are in pacing, the frame's settings and layout in frame, the draft
task itself in drafts. This module puts them in the plan's order, and names the lowering's public
functions in one place.
"""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.catalog import Catalog
from vidc.schemas.spec import Scene, VideoSpec
from vidc.schemas.stock import StockLock

from . import refs, transitions
from .bookends import bookend_task, light_colour, title_card_layout
from .costs import CostModel, WanInfo
from .drafts import START_IMAGE_EXTENSIONS, STILL_EXTENSIONS, Draft, is_start_image, is_still
from .frame import caption_font, caption_layout, card_font, export_settings, watermark
from .layout import caption_style
from .lower_captions import captions_merge_task, scene_captions_task
from .lower_export import THUMBNAIL_SIZES, export_task, thumbnail_size, thumbnail_task
from .lower_music import mix_params, mix_task, music_task
from .lower_video import crossfade_tasks, video_tasks
from .lower_voice import scene_dump, script_task, silence_task, voice_task
from .lower_wan import WAN_SIZES, wan_estimate, wan_settings, wan_size, wan_speed_params, wan_tokens
from .pacing import bookend_frames, estimated_voice_ms, is_silent, min_scene_ms, planned_scene_ms, spoken, spoken_words
from .stock_query import scene_spec
from .textfit import FontSource

__all__ = [
    "START_IMAGE_EXTENSIONS",
    "STILL_EXTENSIONS",
    "THUMBNAIL_SIZES",
    "WAN_SIZES",
    "Draft",
    "bookend_frames",
    "caption_font",
    "caption_layout",
    "card_font",
    "estimated_voice_ms",
    "export_settings",
    "is_silent",
    "is_start_image",
    "is_still",
    "light_colour",
    "lower_video",
    "min_scene_ms",
    "mix_params",
    "planned_scene_ms",
    "scene_dump",
    "spoken",
    "spoken_words",
    "thumbnail_size",
    "title_card_layout",
    "wan_estimate",
    "wan_settings",
    "wan_size",
    "wan_speed_params",
    "wan_tokens",
    "watermark",
]


def lower_video(
    spec: VideoSpec,
    scenes: list[Scene] | None,
    costs: CostModel,
    threads: int = 1,
    catalog: Catalog | None = None,
    fonts: FontSource | None = None,
    lexicon: dict[str, str] | None = None,
    wan: WanInfo | None = None,
    stock: StockLock | None = None,
) -> list[Draft]:
    p = export_settings(spec, threads)
    tasks: list[Draft] = [script_task(spec, scenes, costs)]
    if scenes is None:  # an LLM script not locked yet: the rest is known after the script
        return tasks
    js = transitions.joins(spec, scenes, p["fps"])
    voice_ids, segment_ids, cue_ids = _scene_tasks(
        spec, scenes, p, js, (costs, catalog, fonts, lexicon, wan, stock), tasks
    )
    crossfades = crossfade_tasks(spec, p, js, voice_ids, segment_ids, costs, tasks)
    if spec.thumbnail is not None:
        tasks.append(thumbnail_task(spec, p, segment_ids, fonts, costs))
    ends = {
        end: bookend_task(spec, end, p, costs, fonts) for end in ("intro", "outro") if getattr(spec, end) is not None
    }
    tasks += ends.values()
    lead = bookend_frames(spec.intro.seconds, p["fps"]) if spec.intro is not None else 0
    tail = bookend_frames(spec.outro.seconds, p["fps"]) if spec.outro is not None else 0
    total_s = sum(planned_scene_ms(s, spec) for s in scenes) / 1000 + (lead + tail) / p["fps"]
    tasks.append(music_task(spec, p, scenes, voice_ids, (lead, tail), costs))
    tasks.append(mix_task(spec, p, voice_ids, (lead, tail), total_s, costs))
    if spec.captions.mode != "off":
        tasks.append(captions_merge_task(spec, p, cue_ids, voice_ids, lead, costs))
    tasks.append(export_task(spec, p, js, segment_ids, ends, crossfades, total_s, costs))
    return tasks


def _scene_tasks(
    spec: VideoSpec,
    scenes: list[Scene],
    p: dict[str, Any],
    js: list[transitions.Join],
    context: tuple[
        CostModel, Catalog | None, FontSource | None, dict[str, str] | None, WanInfo | None, StockLock | None
    ],
    tasks: list[Draft],
) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """Append each scene's voice, cues and picture tasks; return the voice ids, the segment ids and
    the (scene, cue task id) pairs (a silent scene has no cues). Each scene's picture is lowered
    with its own engine (scene_spec): chosen by the scene, or the video's."""
    costs, catalog, fonts, lexicon, wan, stock = context
    v, n = spec.name, len(scenes)
    burn = spec.captions.mode in ("burn", "both")
    captions_on = spec.captions.mode != "off"
    voice_ids, segment_ids, cue_ids = [], [], []
    box = caption_layout(spec, p, fonts)
    layout = (box, caption_font(spec, fonts), caption_style(spec.captions.style))
    for i, scene in enumerate(scenes, start=1):
        voice_id = ids.voice(v, i)
        voice_ids.append(voice_id)
        frames = refs.measured(voice_id, "scene_ms", f"frames:{p['fps']}")
        seconds = planned_scene_ms(scene, spec) / 1000
        silent = is_silent(scene)
        tasks.append(_speech_task(spec, scene, i, voice_id, p, js, costs, catalog, lexicon))
        video_inputs = {ids.VOICE: voice_id}
        if captions_on and not silent:  # a silent scene has no cues
            cue = scene_captions_task(spec, scene, i, p, voice_id, costs, layout)
            cue_ids.append((i, cue.id))  # numbered by scene: a silent scene has none
            tasks.append(cue)
            if burn:
                video_inputs[ids.CAPTIONS] = cue.id
        burn_here = burn and not silent
        segment_ids.append(
            video_tasks(
                scene_spec(spec, scene),
                scene,
                (i, n),
                p,
                video_inputs,
                frames,
                seconds,
                burn_here,
                costs,
                tasks,
                fonts,
                box if burn_here else None,
                wan,
                transitions.edges(js, i),
                stock,
            )
        )
    return voice_ids, segment_ids, cue_ids


def _speech_task(
    spec: VideoSpec,
    scene: Scene,
    i: int,
    voice_id: str,
    p: dict[str, Any],
    js: list[transitions.Join],
    costs: CostModel,
    catalog: Catalog | None,
    lexicon: dict[str, str] | None,
) -> Draft:
    """Scene i's voice task, or its silence when it has nothing to say (a silent scene calls no engine)."""
    if is_silent(scene):
        return silence_task(spec, scene, i, voice_id)
    floor = transitions.floor_ms(js, i, p["fps"]) if scene.duration_seconds == "auto" else 0
    return voice_task(spec, scene, i, voice_id, costs, catalog, lexicon, floor)
