"""Lowering the captions: each narrated scene's cues, broken to the measured caption layout, and the
task that merges them into the video's SRT/VTT and word files."""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids
from vidc.schemas.spec import Scene, VideoSpec

from .costs import CostModel
from .drafts import Draft
from .layout import caption_fit
from .textfit import FontMetrics


def caption_params(scene: Scene, box: dict[str, Any], font: FontMetrics, style: dict[str, Any]) -> dict[str, Any]:
    """The measured layout a scene's cues are broken to: the font (by name and file hash), its
    size for this scene (shrunk when a word is too wide), the margins and the widest line."""
    size, _ = caption_fit(scene.voiceover_text, box, font)
    return {
        "font": font.family,
        "bold": font.bold,
        "font_sha256": font.sha256,
        "size": size,
        "margin_l": box["margin_l"],
        "margin_r": box["margin_r"],
        "margin_v": box["margin_v"],
        "max_width": box["max_width"],
        "max_lines": 2,
        "words": bool(style.get("words")),
    }


def scene_captions_task(
    spec: VideoSpec,
    scene: Scene,
    i: int,
    p: dict[str, Any],
    voice_id: str,
    costs: CostModel,
    layout: tuple[dict[str, Any], FontMetrics, dict[str, Any]],
) -> Draft:
    """Scene i's cues, timed by its voice. `layout`: the caption block, font and style."""
    box, font, style = layout
    return Draft(
        id=ids.scene_captions(spec.name, i),
        video=spec.name,
        stage="captions",
        kind="scene-captions",
        backend="captions",
        params={
            "text": scene.voiceover_text,
            "max_chars_per_line": spec.captions.max_chars_per_line,
            "style": spec.captions.style,
            "width": p["width"],
            "height": p["height"],
            **caption_params(scene, box, font, style),
        },
        inputs={ids.VOICE: voice_id},
        est_ms=costs.get("captions_ms"),
        where={
            "style": ("captions", "style"),
            "max_chars_per_line": ("captions", "max_chars_per_line"),
            "text": ("script", "scenes", i - 1, "voiceover_text"),
            "": ("captions",),
        },
    )


def captions_merge_task(
    spec: VideoSpec,
    p: dict[str, Any],
    cue_ids: list[tuple[int, str]],
    voice_ids: list[str],
    lead: int,
    costs: CostModel,
) -> Draft:
    """The video's caption files: every scene's cues on one timeline (after `lead` intro frames)."""
    v = spec.name
    return Draft(
        id=ids.captions(v),
        video=v,
        stage="captions",
        kind="captions-merge",
        backend="captions",
        params={
            "name": v,
            "fps": p["fps"],
            "merge": True,
            "words_files": True,
            **({"offset_frames": lead} if lead else {}),
        },
        inputs={
            **{ids.role(ids.CUES, i): c for i, c in cue_ids},
            **{ids.role(ids.VOICE, i): vid for i, vid in enumerate(voice_ids, 1)},
        },
        est_ms=costs.get("captions_ms"),
        final=[f"{v}.srt", f"{v}.vtt", f"{v}.words.json", f"{v}.words.vtt"],
    )
