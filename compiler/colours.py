"""Colours as ffmpeg reads them, parsed here so that a bad one is a diagnostic at plan time. Pure.

A colour is `#RRGGBB`, `0xRRGGBB`, six hex digits, or one of ffmpeg's colour names (case does not
matter; the list below is `ffmpeg -colors`). ffmpeg also takes `random` (and its alias `bikeshed`):
a new colour on every run, so the same plan would make a different video; vidc refuses it.

Also the other picture checks of a spec that need no file: a thumbnail's scene must exist.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .diagnostics import Diagnostic

# ffmpeg's colour names (libavutil/parseutils.c), lower case.
NAMES = frozenset(
    """
aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown
burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan
darkgoldenrod darkgray darkgreen darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred
darksalmon darkseagreen darkslateblue darkslategray darkturquoise darkviolet deeppink deepskyblue dimgray
dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green
greenyellow honeydew hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon
lightblue lightcoral lightcyan lightgoldenrodyellow lightgreen lightgrey lightpink lightsalmon lightseagreen
lightskyblue lightslategray lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine
mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise
mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange
orangered orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
powderblue purple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver
skyblue slateblue slategray snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white
whitesmoke yellow yellowgreen
""".split()
)
RANDOM = frozenset({"random", "bikeshed"})
_HEX = re.compile(r"^(?:#|0x)?([0-9a-f]{6})$")


def colour_problem(text: str) -> tuple[str, str] | None:
    """None when ffmpeg reads `text` as one fixed colour; else (message, hint)."""
    low = text.strip().lower()
    if low in RANDOM:
        return (
            f"background `{text}` is a different colour on every run: the same plan would make a different video",
            "pick one colour, like #102040 or navy",
        )
    if _HEX.match(low) or low in NAMES:
        return None
    near = difflib.get_close_matches(low, sorted(NAMES), n=1, cutoff=0.75)
    hint = f"did you mean `{near[0]}`?" if near else "write #RRGGBB, or a colour name such as black, navy, white"
    return f"background `{text}` is not a colour ffmpeg can read", hint


def check_looks(video: Any, scene_count: int | None) -> list[Diagnostic]:
    """An intro/outro background that is no fixed colour (E_COLOUR); a thumbnail of a scene the video
    does not have (E_RANGE): reported at their lines instead of failing in ffmpeg or being clamped."""
    spec, out = video.spec, []
    for end in ("intro", "outro"):
        be = getattr(spec, end)
        if be is None:
            continue
        problem = colour_problem(be.background)
        if problem is not None:
            out.append(video.diagnostic((end, "background"), "E_COLOUR", *problem))
    th = spec.thumbnail
    if th is not None and th.scene != "best" and scene_count is not None and not 1 <= int(th.scene) <= scene_count:
        out.append(
            video.diagnostic(
                ("thumbnail", "scene"),
                "E_RANGE",
                f"thumbnail.scene is {th.scene}, but the video has {scene_count} scene{'s' if scene_count != 1 else ''}",
                f"pick a scene from 1 to {scene_count}, or `best` (the most detailed picture)",
            )
        )
    return out
