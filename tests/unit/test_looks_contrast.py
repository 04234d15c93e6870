"""The storyboard's colours keep white captions readable: every gradient colour of every mood, for any
prompt, is at most MAX_LUMINANCE, so white text stands at 3:1 or better against it."""

import pytest

from vidc.compiler.looks import MAX_LUMINANCE, PALETTES, _linear, animatic_look


def _luminance(color: str) -> float:
    v = int(color, 16)
    r, g, b = (_linear(((v >> s) & 0xFF) / 255) for s in (16, 8, 0))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("mood", [*sorted(PALETTES), "none"])
def test_every_colour_is_dark_enough_for_white_text(mood: str) -> None:
    for k in range(40):
        look = animatic_look(f"prompt {k}", [mood], k)
        for c in (look["c0"], look["c1"], look["c2"]):
            lum = _luminance(c)
            assert lum <= MAX_LUMINANCE + 0.002, (mood, c, lum)
            assert 1.05 / (lum + 0.05) >= 3.5


def test_dark_colours_are_left_as_they_are() -> None:
    look = animatic_look("night sky", ["dark"], 1)
    assert all(_luminance(c) < MAX_LUMINANCE for c in (look["c0"], look["c1"], look["c2"]))
