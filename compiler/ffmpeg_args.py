"""FFmpeg command lines as argv lists (never a shell string), with `@{...}` run-time references.

Every per-scene segment is encoded once, at the export preset, captions burned in, so the
segments join by stream copy and the whole video is encoded exactly once (house rule 9 in docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from vidc.schemas import ids

from . import refs
from .ffmpeg_encode import (
    AAC_PRIMING,
    BITEXACT,
    BT709,
    FFMPEG,
    NO_EDIT_LIST,
    burn,
    edge_filters,
    edge_keys,
    encode_segment,
    frames_s,
    segment_mp4,
    to_bt709,
    watermark_input,
    watermark_overlay,
    x264_args,
    x264_still_args,
)
from .transitions import Edges


def animatic(
    p: dict[str, Any],
    look: dict[str, Any],
    frames: str,
    captions: bool,
    card: dict[str, Any],
    still_at: float | None = None,
    wm: dict[str, Any] | None = None,
    edge: Edges | None = None,
) -> list[str]:
    """A storyboard clip: a slowly turning gradient drawn small and scaled up, a card with the
    visual prompt and the scene number (laid out by compiler.layout.card_layout: measured, inside
    the safe area), captions burned on top."""
    w, h, s = p["width"], p["height"], p["draw_scale"]
    # The background changes 6 times a second at 30 fps: x264 codes the repeated
    # frames almost for free, which takes about a fifth off the encode of a slowly drifting gradient.
    step = 5
    src = (
        f"gradients=s={w // s}x{h // s}:r={p['fps']}/{step}:n=3:c0={look['c0']}:c1={look['c1']}:c2={look['c2']}"
        f":speed={float(look['speed']) * step:.4f}:seed={look['seed']}:type={look['type']}"
    )
    font = "font=DejaVu Sans:expansion=none:fontcolor=white"
    box = f"x={card['x']}:y={card['y']}:w={card['w']}:h={card['h']}"
    text_x = card["x"] + card["pad"]
    # Everything up to the text is drawn at the background's own rate (6 pictures a second) and
    # only then repeated to the output rate: the drawing costs a fifth, and the repeats are exact
    # copies (vignette dithers each frame it draws), which x264 codes as skips. Captions are burned
    # at the output rate, so their timing keeps frame accuracy.
    chain = [
        *to_bt709(),
        "vignette=PI/5",  # drawn small like the gradient: full-size vignetting costs as much as x264
        f"scale={w}:{h}:flags=bilinear",
        f"drawbox={box}:color=black@0.38:t=fill",
        f"drawbox={box}:color=white@0.25:t=2",
        f"drawtext={font}@0.7:textfile={refs.OUT}/label.txt:fontsize={card['label_size']}"
        f":line_spacing={card['label_spacing']}:x={text_x}:y={card['label_y']}",
        f"drawtext={font}:textfile={refs.OUT}/note.txt:fontsize={card['note_size']}:line_spacing={card['note_spacing']}"
        f":x={text_x}:y={card['note_y']}",
        f"fps={p['fps']}",
    ]
    card_at = next(i for i, f in enumerate(chain) if f.startswith("drawbox"))  # the still has no card
    return [
        *FFMPEG,
        "-f",
        "lavfi",
        "-i",
        src,
        *watermark_input(wm),
        *encode_segment(
            p, chain, captions, frames, still_at, still_after=card_at, wm=wm, tuning=x264_still_args(), edge=edge
        ),
    ]


def assets(
    p: dict[str, Any],
    asset: str,
    still: bool,
    frames: str,
    captions: bool,
    still_at: float | None = None,
    wm: dict[str, Any] | None = None,
    fit: str = "cover",
    pad_colour: str = "black",
    clip_mode: str = "hold",
    edge: Edges | None = None,
) -> list[str]:
    """Your own image or clip in the frame. A clip shorter than the scene holds its last frame
    (`hold`), repeats (`loop`) or is slowed to fill it (`stretch`: its timestamps scaled by the
    factor the backend measures, `@{self:stretch}`); always exactly `frames` frames at the preset's
    constant rate. `cover`: cropped to fill it (a
    still pans slowly across); `contain`: whole, on `pad_colour`; `blur`: whole, on a blurred,
    darkened cover-cropped copy of itself (the usual way to put landscape footage in a vertical
    frame)."""
    fps = p["fps"]
    if still and fit == "cover":  # decoded once, repeated by the `loop` filter (see _fit)
        inp = ["-framerate", str(fps), "-i", refs.project(asset)]
    elif still:
        inp = ["-loop", "1", "-framerate", str(fps), "-i", refs.project(asset)]
    else:
        inp = [*(["-stream_loop", "-1"] if clip_mode == "loop" else []), "-i", refs.project(asset)]
    placed = _fit(p, still, frames, fit, pad_colour)
    timing = (
        []
        if still
        else [*([f"setpts=(PTS-STARTPTS)*{refs.self_ref('stretch')}"] if clip_mode == "stretch" else []), f"fps={fps}"]
    )
    chain = [*timing, *placed, *([] if still else ["tpad=stop_mode=clone:stop=-1"]), "setsar=1"]
    return [
        *FFMPEG,
        *inp,
        *watermark_input(wm),
        *encode_segment(
            p, chain, captions, frames, still_at, wm=wm, tuning=x264_still_args() if still else [], edge=edge
        ),
    ]


# The blurred copy behind a `fit: blur` picture, darkened so that white captions over it always have
# contrast: luma scaled towards black (at most 16 + 219 x 0.45 = 115 of 235, even for a white
# picture: about 4.7:1 against white text before its outline), colour muted a little.
BLUR_DARKEN = "lutyuv=y=16+(val-16)*0.45:u=128+(val-128)*0.8:v=128+(val-128)*0.8"


def _fit(p: dict[str, Any], still: bool, frames: str, fit: str, pad_colour: str) -> list[str]:
    """The filters that place the picture in the frame (`fit`: cover, contain or blur), to BT.709."""
    w, h, fps = p["width"], p["height"], p["fps"]
    if fit == "cover" and still:
        # Cover 8% larger than the frame, then crop a window that drifts across it. The still is
        # decoded and scaled once and the `loop` filter repeats the scaled picture (`-loop 1` on
        # the input would decode and scale the file again for every frame: most of the cost);
        # full chroma until the crop, so the window moves in 1-pixel steps.
        return [
            f"scale={w * 108 // 100}:{h * 108 // 100}:force_original_aspect_ratio=increase:flags=lanczos:{BT709}",
            "format=yuv444p",
            "loop=loop=-1:size=1",
            f"setpts=N/{fps}/TB",
            f"crop={w}:{h}:x='(iw-ow)*min(t/{frames_s(frames, fps)}\\,1)':y='(ih-oh)/2'",
            *to_bt709()[1:],  # then to yuv420p, tagged BT.709
        ]
    if fit == "cover":
        return [*to_bt709(f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos"), f"crop={w}:{h}"]
    if fit == "contain":
        return [
            *to_bt709(f"scale={w}:{h}:force_original_aspect_ratio=decrease:flags=lanczos"),
            f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color={pad_colour}",
        ]
    # blur: the picture whole, over a blurred copy that fills the frame
    small_w, small_h = max(2, w // 8 // 2 * 2), max(2, h // 8 // 2 * 2)
    return [
        *to_bt709(),
        "split=2[fitbg][fitfg];"
        f"[fitbg]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
        f"boxblur=6:2,{BLUR_DARKEN},scale={w}:{h}:flags=bilinear[fitbg2];"
        f"[fitfg]scale={w}:{h}:force_original_aspect_ratio=decrease:flags=lanczos[fitfg2];"
        "[fitbg2][fitfg2]overlay=(W-w)/2:(H-h)/2:format=yuv420",
    ]


def title_card(
    p: dict[str, Any], card: dict[str, Any], background: str, colour: str, frames: str, wm: dict[str, Any] | None = None
) -> list[str]:
    """An intro/outro title card: the background colour, each measured line (compiler.layout.
    title_layout) drawn centred in the safe area from its own text file (no filtergraph escaping of
    user text), BT.709, exactly `frames` frames."""
    w, h, fps = p["width"], p["height"], p["fps"]
    src = f"color=c={background}:s={w}x{h}:r={fps}"
    draw = [
        f"drawtext=font=DejaVu Sans:expansion=none:fontcolor={colour}:textfile={refs.OUT}/line-{k + 1}.txt"
        f":fontsize={line['size']}:x={card['left']}+({card['box_w']}-text_w)/2:y={line['y']}"
        for k, line in enumerate(card["lines"])
    ]
    chain = [*to_bt709(), *draw, "setsar=1"]
    return [
        *FFMPEG,
        "-f",
        "lavfi",
        "-i",
        src,
        *watermark_input(wm),
        *encode_segment(p, chain, False, frames, None, wm=wm, tuning=x264_still_args()),
    ]


def assemble(
    p: dict[str, Any],
    chunk_ids: list[str],
    frames: str,
    captions: bool,
    wm: dict[str, Any] | None = None,
    edge: Edges | None = None,
) -> list[str]:
    """Join a scene's generated chunks, bring them to the export size and rate, hold the last
    frame if the voice runs longer, burn captions, encode the segment. A chunk conditioned on the
    previous chunk's last frame repeats it first: its `overlap_frames` are trimmed off."""
    w, h, fps = p["width"], p["height"], p["fps"]
    inputs: list[str] = []
    trims: list[str] = []
    for k, cid in enumerate(chunk_ids):
        inputs += ["-i", refs.inp(ids.role(ids.CHUNK, k + 1)) + "/frames.mkv"]
        trims.append(f"[{k}:v]trim=start_frame={refs.measured(cid, 'overlap_frames')},setpts=PTS-STARTPTS[c{k}]")
    joined = ";".join(trims) + ";" + "".join(f"[c{k}]" for k in range(len(chunk_ids)))
    chain = [
        joined + f"concat=n={len(chunk_ids)}:v=1:a=0",
        f"fps={fps}",
        *to_bt709(f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos"),
        f"crop={w}:{h}",
        "setsar=1",
        "tpad=stop_mode=clone:stop=-1",
    ]
    if wm is not None:
        chain[-1] += "[base];" + watermark_overlay(wm, len(chunk_ids), "base", "marked") + ";[marked]null"
    chain += [*burn(captions), *edge_filters(frames, edge)]
    return [
        *FFMPEG,
        *inputs,
        *watermark_input(wm),
        "-filter_complex",
        ",".join(chain),
        "-frames:v",
        frames,
        *x264_args(p),
        *edge_keys(frames, edge),
        "-an",
        *segment_mp4(),
    ]


def crossfade(p: dict[str, Any], h: int, before_frames: str) -> list[str]:
    """The 2h frames centred on a boundary: the scene before's last h frames (then its last frame
    held) blended into the next scene's first h frames (its first frame held before them), linearly,
    in the segments' own BT.709 Y'CbCr. The scene before is entered at its keyframe N-h (a seek half
    a frame earlier, so that rounding never drops that frame); `before_frames` is its N."""
    fps = p["fps"]
    seek = refs.shifted(before_frames.replace("|frames:", "|seconds_at:"), -h - 0.5)
    graph = (
        f"[0:v]trim=end_frame={h},setpts=N/{fps}/TB,tpad=stop_mode=clone:stop={h}[a];"
        f"[1:v]trim=end_frame={h},setpts=N/{fps}/TB,tpad=start_mode=clone:start={h}[b];"
        f"[a][b]xfade=transition=fade:duration={2 * h / fps:.6f}:offset=0,setsar=1[v]"
    )
    return [
        *FFMPEG,
        "-ss",
        seek,
        "-i",
        refs.inp(ids.FROM) + "/segment.mp4",
        "-i",
        refs.inp(ids.TO) + "/segment.mp4",
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-frames:v",
        str(2 * h),
        *x264_args(p),
        "-an",
        *segment_mp4(),
    ]


def mix(m: dict[str, Any]) -> list[list[str]]:
    """The mix is computed in-process on PCM (runtime/media/mixer.py: ducking, fades, loudness
    measured with BS.1770, one linear gain, a true-peak limiter) and piped to this, the one AAC
    encode, here rather than in the export so that it runs while the scenes are still encoded."""
    # The fast AAC coder: at these bitrates indistinguishable from twoloop, at a third of the time.
    # The PCM comes at the voices' rate (44.1 kHz); ffmpeg resamples it to AAC's 48 kHz here, once.
    return [
        [
            *FFMPEG,
            "-f",
            "s16le",
            "-ar",
            str(m["sample_rate"]),
            "-ac",
            "2",
            "-i",
            "pipe:0",
            "-c:a",
            "aac",
            "-aac_coder",
            "fast",
            "-profile:a",
            "aac_low",
            "-b:a",
            m["audio_bitrate"],
            "-ar",
            "48000",
            "-ac",
            "2",
            "-flags:a",
            "+bitexact",
            *BITEXACT,
            refs.OUT + "/mix.m4a",
        ]
    ]


def export(p: dict[str, Any], name: str) -> list[str]:
    """Join the segments and the mixed AAC by stream copy, moov first: no encoding left to do."""
    return [
        *FFMPEG,
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        refs.OUT + "/segments.txt",
        *AAC_PRIMING,
        "-i",
        refs.inp(ids.MIX) + "/mix.m4a",
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-c",
        "copy",
        *BITEXACT,
        *NO_EDIT_LIST,
        "-movflags",
        "+faststart+negative_cts_offsets",
        refs.OUT + f"/{name}.mp4",
    ]
