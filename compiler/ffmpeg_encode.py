"""The encode every segment shares: ffmpeg's fixed flags, the x264 settings, BT.709 conversion and
tags, the watermark overlay, burned captions, fades and forced keyframes at a scene's ends, and the
segment's filter graph (with the thumbnail's still) and output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vidc.schemas import ids

from . import refs
from .transitions import Edges

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
BITEXACT = ["-fflags", "+bitexact", "-map_metadata", "-1"]
# No MP4 edit lists (YouTube asks for none): B-frames are given negative composition offsets (ctts
# version 1) instead of an edit that hides their delay, so every segment's first frame is at 0 and
# the joined video is exactly its frames.
NO_EDIT_LIST = ["-use_editlist", "0"]
# Without an edit list the AAC encoder's priming (1024 samples at 48 kHz, ffmpeg's native encoder)
# would play and put the sound 21.3 ms behind the picture. The export drops the priming packet
# instead: it reads mix.m4a ignoring its edit list and starts at the second packet (a seek between
# its start, 1024/48000 s, and the third's); the first 21 ms then decode from half an overlap, a
# short fade-in of what is silence or a fade-in anyway.
AAC_PRIMING = ["-ignore_editlist", "1", "-ss", f"{(1024 + 32) / 48000:.6f}"]


def x264_args(p: dict[str, Any]) -> list[str]:
    gop = str(max(1, p["fps"] // 2))  # closed GOP of half the frame rate (the platforms' upload guides)
    return [
        "-c:v",
        "libx264",
        "-preset",
        p["x264_preset"],
        "-profile:v",
        "high",
        "-pix_fmt",
        "yuv420p",
        "-crf",
        str(p["crf"]),
        "-maxrate",
        p["maxrate"],
        "-bufsize",
        p["bufsize"],
        "-g",
        gop,
        "-keyint_min",
        gop,
        "-sc_threshold",
        "0",
        "-bf",
        "2",
        "-flags",
        "+cgop",
        "-aq-mode",
        "3",  # auto-variance AQ biased to dark scenes: keeps dark gradients from banding
        "-r",
        str(p["fps"]),
        *(["-threads", str(p["threads"])] if "threads" in p else []),
        *COLOUR_TAGS,
        "-flags:v",
        "+bitexact",
        *BITEXACT,
    ]


# BT.709 throughout (HD and the platforms' expectation): converted so, tagged so in the H.264 VUI
# and the MP4 `colr` box. Without it swscale converts RGB with BT.601 and players decode BT.709:
# a visible hue shift in reds and greens.
COLOUR_TAGS = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"]
BT709 = "out_color_matrix=bt709:out_range=tv"


def to_bt709(scale: str = "scale") -> list[str]:
    """Filters that bring any input to BT.709 limited-range yuv420p frames, tagged as such.
    `scale`: the scale filter to do it in (one that also resizes saves a pass)."""
    return [
        f"{scale}:{BT709}" if ":" in scale or "=" in scale else f"{scale}={BT709}",
        "format=yuv420p",
        "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709",
    ]


def x264_still_args() -> list[str]:
    """For pictures that barely move (a drawn storyboard, a slow pan across a still): the diamond
    motion search and the fastest subpixel refinement. Measured on a demo scene and on 2400x1600
    photo-like stills: a fifth to a third less x264 CPU at the same size and SSIM (within 0.0005),
    since there is little motion to search for. Encoder-side only: the stream parameters (and so
    the join by stream copy) are unchanged."""
    return ["-x264-params", "subme=1:me=dia"]


def burn(captions: bool) -> list[str]:
    return ["ass=" + refs.inp(ids.CAPTIONS) + "/captions.ass"] if captions else []


def edge_filters(frames: str, edge: Edges | None) -> list[str]:
    """Fades through black at the scene's ends, last of all (captions and logo fade too)."""
    out = []
    if edge is not None and edge.fade_in:
        out.append(f"fade=t=in:s=0:n={edge.fade_in}")
    if edge is not None and edge.fade_out:
        out.append(f"fade=t=out:s={refs.shifted(frames, -edge.fade_out)}:n={edge.fade_out}")
    return out


def edge_keys(frames: str, edge: Edges | None) -> list[str]:
    """IDR frames where a crossfade cuts the segment (at h, and at N-h), so the export can cut it
    there by stream copy (the GOPs are closed: nothing refers across them)."""
    at = []
    if edge is not None and edge.key_in:
        at.append(f"eq(n,{edge.key_in})")
    if edge is not None and edge.key_out:
        at.append(f"eq(n,{refs.shifted(frames, -edge.key_out)})")
    return ["-force_key_frames", "expr:" + "+".join(at), "-forced-idr", "1"] if at else []


def watermark_input(wm: dict[str, Any] | None) -> list[str]:
    return ["-i", refs.project(wm["file"])] if wm else []


def watermark_overlay(wm: dict[str, Any], index: int, src: str, dst: str) -> str:
    """The logo (input `index`) scaled, faded to its opacity, converted with BT.709 and laid over
    [src] at its corner of the safe area -> [dst]. A still logo repeats (overlay's eof_action)."""
    x = str(wm["x"]) if wm["position"].endswith("left") else f"W-w-{wm['x']}"
    y = str(wm["y"]) if wm["position"].startswith("top") else f"H-h-{wm['y']}"
    return (
        f"[{index}:v]scale={wm['width']}:-2:flags=lanczos,format=rgba,colorchannelmixer=aa={wm['opacity']:g},"
        f"scale={BT709},format=yuva420p[wm];[{src}][wm]overlay=x={x}:y={y}:format=yuv420[{dst}]"
    )


def encode_segment(
    p: dict[str, Any],
    chain: list[str],
    captions: bool,
    frames: str,
    still_at: float | None,
    still_after: int | None = None,
    wm: dict[str, Any] | None = None,
    tuning: Sequence[str] = (),
    edge: Edges | None = None,
) -> list[str]:
    """The filter chain, the watermark, captions burned last, encoded to the segment. With `still_at`
    (a fraction of the scene) the picture after chain[:still_after] (the whole chain by default;
    never the watermark or the captions) is also kept as still.png at that point, for the thumbnail."""
    if still_at is None and wm is None:
        return [
            "-vf",
            ",".join([*chain, *burn(captions), *edge_filters(frames, edge)]),
            "-frames:v",
            frames,
            *x264_args(p),
            *edge_keys(frames, edge),
            *tuning,
            "-an",
            *segment_mp4(),
        ]
    cut = len(chain) if still_after is None or still_at is None else still_after
    graph = f"[0:v]{','.join(chain[:cut])}"
    if still_at is not None:
        at = f"{still_at:g}*{frames_s(frames, p['fps'])}"
        graph += (
            f",split=2[pic][still];[still]select='gte(t\\,{at})',scale=in_color_matrix=bt709:in_range=tv,"
            f"format=rgb24[s];[pic]"
        )
    else:
        graph += ","
    graph += ",".join(chain[cut:]) or "null"
    if wm is not None:
        graph += "[base];" + watermark_overlay(wm, 1, "base", "marked") + ";[marked]null"
    graph += "".join("," + f for f in [*burn(captions), *edge_filters(frames, edge)]) + "[v]"
    out = [
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-frames:v",
        frames,
        *x264_args(p),
        *edge_keys(frames, edge),
        *tuning,
        "-an",
        *segment_mp4(),
    ]
    if still_at is not None:
        out += ["-map", "[s]", "-frames:v", "1", "-update", "1", refs.OUT + "/still.png"]
    return out


def segment_mp4() -> list[str]:
    return [*NO_EDIT_LIST, "-movflags", "+negative_cts_offsets", refs.OUT + "/segment.mp4"]


def frames_s(frames: str, fps: int) -> str:
    """Seconds of a frame-count reference (or of a literal frame count), for expressions that need a duration."""
    if frames.isdigit():
        return f"{int(frames) / fps:.6f}"
    return frames.replace("|frames:", "|seconds_at:")
