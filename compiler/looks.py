"""The animatic's look: colours and motion derived deterministically from the visual prompt and
the music's mood, so a storyboard already feels like the video it stands for."""

from __future__ import annotations

import hashlib
from typing import Any

# Three base colours per mood (dark, mid, light) and how fast the gradient turns.
PALETTES: dict[str, tuple[tuple[str, str, str], float]] = {
    "uplifting": (("0x1d3557", "0xf4a261", "0xffe8a3"), 0.012),
    "calm": (("0x0b2545", "0x5c8da8", "0xcfe8ef"), 0.004),
    "dramatic": (("0x1a0a0a", "0x8d0801", "0xf2a65a"), 0.010),
    "dark": (("0x050505", "0x1f2a44", "0x5a4e7c"), 0.005),
    "playful": (("0x3a0ca3", "0xf72585", "0x4cc9f0"), 0.018),
    "corporate": (("0x0d1b2a", "0x1b4965", "0x9cc5e8"), 0.006),
    "epic": (("0x10002b", "0x7b2cbf", "0xffb703"), 0.014),
    "chill": (("0x073b4c", "0x118ab2", "0x9ee6c9"), 0.006),
}
DEFAULT = (("0x14213d", "0x3d5a80", "0xe0e1dd"), 0.008)


# White captions and card text stay readable on every colour of the gradient: no colour is lighter
# than this relative luminance, which keeps white text at about 4:1 or better (WCAG's contrast ratio,
# (1.05) / (L + 0.05)); a lighter colour keeps its hue and is darkened to it.
MAX_LUMINANCE = 0.22


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _srgb(c: float) -> float:
    return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _legible(color: str) -> str:
    """The colour, darkened (in linear light, hue kept) to at most MAX_LUMINANCE."""
    value = int(color, 16)
    lin = [_linear(((value >> s) & 0xFF) / 255) for s in (16, 8, 0)]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    if lum <= MAX_LUMINANCE:
        return color
    rgb = [round(_srgb(c * MAX_LUMINANCE / lum) * 255) for c in lin]
    return "0x" + "".join(f"{c:02x}" for c in rgb)


def _shift(color: str, delta: int) -> str:
    """Rotate each channel a little so every prompt gets its own shade of the mood."""
    value = int(color, 16)
    rgb = [(value >> s) & 0xFF for s in (16, 8, 0)]
    rgb = [max(0, min(255, c + ((delta >> (4 * i)) % 41) - 20)) for i, c in enumerate(rgb)]
    return "0x" + "".join(f"{c:02x}" for c in rgb)


def animatic_look(visual_prompt: str, moods: list[str], scene: int) -> dict[str, Any]:
    digest = hashlib.sha256(visual_prompt.encode("utf-8")).digest()
    mood = next((m for m in moods if m in PALETTES), None)
    (c0, c1, c2), speed = PALETTES[mood] if mood else DEFAULT
    delta = int.from_bytes(digest[:4], "big")
    return {
        "mood": mood or "neutral",
        "c0": _legible(_shift(c0, delta)),
        "c1": _legible(_shift(c1, delta >> 3)),
        "c2": _legible(_shift(c2, delta >> 7)),
        "speed": f"{speed * (0.75 + digest[4] / 510):.4f}",
        "seed": int.from_bytes(digest[5:9], "big"),
        "type": ("linear", "radial", "circular")[(digest[9] + scene) % 3],
    }


def drawable(text: str) -> str:
    """Without emoji and their variation selectors: the storyboard font draws them as empty boxes."""
    return "".join(ch for ch in text if not (ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF or ch in "\ufe0f\u200d"))
