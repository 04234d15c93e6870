"""Captions: per scene, cues timed from the voice's word timings (or proportionally), broken by the
caption font's measured widths to the line width the plan gives, written as ASS for burning; per
video, the scenes' cues moved onto the whole timeline as SRT and WebVTT (line by line, split by
their own rules: 42 characters, two lines) and the words with their times as NAME.words.json and NAME.words.vtt (WebVTT karaoke timestamps)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from vidc.compiler.refs import frames_for_ms
from vidc.schemas import ids
from vidc.schemas.catalog import Facts, Problem

from .base import Backend, TaskContext


class CaptionParams(BaseModel):
    """One scene's cues (text, style, frame size) or, with `merge`, the video's SRT/WebVTT (name, fps)."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    max_chars_per_line: int | None = Field(None, ge=10, le=80)
    style: str | None = Field(None, description="A style of templates/caption_styles.yaml")
    width: int | None = Field(None, ge=16)
    height: int | None = Field(None, ge=16)
    merge: bool = False
    name: str | None = None
    fps: int | None = Field(None, ge=1)
    # the measured layout (compiler.layout): font, its size for this scene, margins, widest line
    font: str | None = None
    bold: bool | None = None
    font_sha256: str | None = None
    size: int | None = Field(None, ge=4)
    margin_l: int | None = Field(None, ge=0)
    margin_r: int | None = Field(None, ge=0)
    margin_v: int | None = Field(None, ge=0)
    max_width: int | None = Field(None, ge=1)
    max_lines: int | None = Field(None, ge=1, le=4)
    words: bool | None = None
    words_files: bool = False
    offset_frames: int = Field(0, ge=0, description="merge: frames before scene 1 (the intro)")


SIDECAR_CHARS = 42  # a sidecar line's most characters (the common broadcast and platform rule)


def sidecar_chars(p: CaptionParams) -> int:
    """A sidecar line's most characters: 42, or the spec's `max_chars_per_line` when it asks for less.
    Not the burned style's own (portrait) limit: a player draws sidecar captions at its own size, and
    short burned lines would only make the files' cues short and fast."""
    return min(SIDECAR_CHARS, int(p.max_chars_per_line or SIDECAR_CHARS))


def sidecar_cues(text: str, voice: dict[str, Any], max_chars: int) -> list:
    """The SRT/VTT cues of a scene, by their own rules rather than the burned layout's: at most
    `max_chars` (sidecar_chars) characters a line, two lines, the same words and times."""
    from vidc.runtime.media.captions import split_cues
    from vidc.runtime.media.sidecar_pace import paced

    chars = min(SIDECAR_CHARS, max_chars)
    cues = split_cues(
        text,
        voice["duration_ms"],
        words=voice.get("words") or None,
        max_chars=chars,
        max_lines=2,
        end_ms=voice["scene_ms"],
    )
    return paced(cues, int(voice["scene_ms"]), chars)  # no faster than 20 characters a second where it can


class Captions(Backend):
    name = "captions"
    stage = "captions"
    version = "3"  # 2: sidecar files with their own line rules; breaks keep names and phrases whole; 3: their pace
    Params = CaptionParams

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        style = params.get("style")
        if style is None or facts.caption_styles is None or style in facts.caption_styles:
            return []
        return [
            Problem("style", "E_ENUM", f"`{style}` is not a caption style", value=style, choices=facts.caption_styles)
        ]

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        p = CaptionParams.model_validate(params)
        return self._merge(ctx, p) if p.merge else self._scene(ctx, p)

    def _scene(self, ctx: TaskContext, p: CaptionParams) -> dict[str, Any]:
        from vidc.runtime.media.captions import split_cues, to_ass

        voice = ctx.input_result("voice")
        measured: dict[str, Any] = {}
        layout = None
        if p.size is not None:  # a plan with a measured layout (older plans: characters per line)
            font = _font(str(p.font), bool(p.bold))
            em = font.em_for_ass(float(p.size))
            measured = {"width": lambda text: font.width(text, em), "max_width": float(p.max_width or 0) * 0.97}
            layout = {"size": p.size, "margin_l": p.margin_l, "margin_r": p.margin_r, "margin_v": p.margin_v}
        cues = split_cues(
            str(p.text),
            voice["duration_ms"],
            words=voice.get("words") or None,
            max_chars=int(p.max_chars_per_line or 0),
            end_ms=voice["scene_ms"],
            max_lines=p.max_lines or 2,
            **measured,
        )
        (ctx.out / "captions.ass").write_text(
            to_ass(cues, int(p.width or 0), int(p.height or 0), p.style, layout), encoding="utf-8"
        )
        (ctx.out / "cues.json").write_text(
            json.dumps([c.to_dict() for c in cues], ensure_ascii=False), encoding="utf-8"
        )
        sidecar = sidecar_cues(str(p.text), voice, sidecar_chars(p))
        (ctx.out / "sidecar.json").write_text(
            json.dumps([c.to_dict() for c in sidecar], ensure_ascii=False), encoding="utf-8"
        )
        return {"cues": len(cues), "timed_from": "words" if voice.get("words") else "characters"}

    def _merge(self, ctx: TaskContext, p: CaptionParams) -> dict[str, Any]:
        from vidc.runtime.media.captions import Cue, shift, to_srt, to_vtt, to_word_vtt, words_json

        fps = int(p.fps or 0)
        cue_roles = dict(ids.numbered(ctx.inputs, ids.CUES))  # a silent scene has none
        cues: list[Cue] = []  # as burned (the words files follow them)
        files: list[Cue] = []  # the sidecar files' own cues (42 characters, 2 lines)
        frames = p.offset_frames  # the intro
        for i, voice in ids.numbered(ctx.inputs, ids.VOICE):
            if i in cue_roles:
                folder, at = ctx.inputs[cue_roles[i]], frames * 1000 // fps
                burned = [Cue.from_dict(d) for d in json.loads((folder / "cues.json").read_text("utf-8"))]
                cues += shift(burned, at)
                own = folder / "sidecar.json"  # (older scene tasks have none: their burned cues)
                files += (
                    shift([Cue.from_dict(d) for d in json.loads(own.read_text("utf-8"))], at)
                    if own.is_file()
                    else shift(burned, at)
                )
            frames += frames_for_ms(ctx.input_result(voice)["scene_ms"], fps)
        (ctx.out / f"{p.name}.srt").write_text(to_srt(files), encoding="utf-8")
        (ctx.out / f"{p.name}.vtt").write_text(to_vtt(files), encoding="utf-8")
        if p.words_files:
            (ctx.out / f"{p.name}.words.json").write_text(words_json(cues), encoding="utf-8")
            (ctx.out / f"{p.name}.words.vtt").write_text(to_word_vtt(cues), encoding="utf-8")
        return {"cues": len(cues)}


def _font(family: str, bold: bool):
    from vidc.runtime.media.fonts import metrics_or_estimate

    return metrics_or_estimate(family, bold)
