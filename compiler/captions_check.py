"""Plan-time checks of the captions: the style exists (did-you-mean), and every scene's words fit a
caption line of the preset's frame at the style's smallest size (measured with the caption font)."""

from __future__ import annotations

import dataclasses

from vidc.schemas.spec import Scene

from .diagnostics import Diagnostic
from .frontend import LoadedVideo
from .layout import caption_fit, caption_styles
from .lower import caption_font, caption_layout, export_settings
from .textfit import FontSource


def check_captions(video: LoadedVideo, scenes: list[Scene] | None, fonts: FontSource | None) -> list[Diagnostic]:
    spec = video.spec
    if spec.captions.style not in caption_styles():  # reported by validation (E_ENUM)
        return []
    if spec.captions.mode not in ("burn", "both") or not scenes:
        return []
    p = export_settings(spec)
    box = caption_layout(spec, p, fonts)
    font = caption_font(spec, fonts)
    out = []
    for i, scene in enumerate(scenes, start=1):
        size, word = caption_fit(scene.voiceover_text, box, font)
        if word is None:
            continue
        width = font.width(word, font.em_for_ass(size))
        d = video.diagnostic(
            ("script", "scenes", i - 1, "voiceover_text"),
            "E_CAPTION_FIT",
            f"scene {i}: `{word}` is {width:.0f} px wide at the smallest caption size ({size} px), wider than "
            f"the {box['max_width']} px a caption line has in the `{spec.export.preset}` frame "
            f"({p['width']}x{p['height']}, inside its safe area)",
            hint="shorten the word or put a space in it (lines break at spaces), or use a smaller caption style "
            "(`vidc captions styles`)",
        )
        out.append(_at_word(d, word))
    return out


def _at_word(d: Diagnostic, word: str) -> Diagnostic:
    """Point the caret at the word when the spec's line shows it as written."""
    first = word.split(" ")[0]
    at = d.source_line.find(first, max(0, d.col - 1))
    if at < 0:
        return d
    return dataclasses.replace(d, col=at + 1, length=len(word) if d.source_line.find(word, at) == at else len(first))
