"""FFmpeg command lines as argv lists (never a shell string), with `@{...}` run-time references.

Every per-scene segment is encoded once, at the export preset, captions burned in, so the
segments join by stream copy and the whole video is encoded exactly once (DESIGN rule 9).
"""
from __future__ import annotations

from typing import Any

from vidc.schemas import ids

from . import refs

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
BITEXACT = ["-fflags", "+bitexact", "-map_metadata", "-1"]


def x264_args(p: dict[str, Any]) -> list[str]:
    gop = str(max(1, p["fps"] // 2))  # closed GOP of half the frame rate (FACTS §5)
    return [
        "-c:v", "libx264", "-preset", p["x264_preset"], "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-crf", str(p["crf"]), "-maxrate", p["maxrate"], "-bufsize", p["bufsize"],
        "-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-bf", "2", "-flags", "+cgop",
        "-r", str(p["fps"]), *(["-threads", str(p["threads"])] if "threads" in p else []),
        "-flags:v", "+bitexact", *BITEXACT,
    ]


def _burn(captions: bool) -> list[str]:
    return ["ass=" + refs.inp(ids.CAPTIONS) + "/captions.ass"] if captions else []


def animatic(p: dict[str, Any], look: dict[str, Any], frames: str, captions: bool) -> list[str]:
    """A storyboard clip: a slowly turning gradient drawn small and scaled up, a card with the
    visual prompt, the scene number; captions burned on top."""
    w, h, s = p["width"], p["height"], p["draw_scale"]
    # The background changes 6 times a second at 30 fps: x264 codes the repeated
    # frames almost for free, which takes about a fifth off the encode of a slowly drifting gradient.
    step = 5
    src = (
        f"gradients=s={w // s}x{h // s}:r={p['fps']}/{step}:n=3:c0={look['c0']}:c1={look['c1']}:c2={look['c2']}"
        f":speed={float(look['speed']) * step:.4f}:seed={look['seed']}:type={look['type']}"
    )
    font = "font=DejaVu Sans:expansion=none:fontcolor=white"
    chain = [
        f"fps={p['fps']}",
        "format=yuv420p",
        "vignette=PI/5",  # drawn small like the gradient: full-size vignetting costs as much as x264
        f"scale={w}:{h}:flags=bilinear",
        f"drawbox=x={w * 6 // 100}:y={h * 7 // 100}:w={w * 88 // 100}:h={h * 30 // 100}:color=black@0.38:t=fill",
        f"drawbox=x={w * 6 // 100}:y={h * 7 // 100}:w={w * 88 // 100}:h={h * 30 // 100}:color=white@0.25:t=2",
        f"drawtext={font}@0.7:textfile={refs.OUT}/label.txt:fontsize={h * 30 // 1000}:x={w * 8 // 100}:y={h * 95 // 1000}",
        f"drawtext={font}:textfile={refs.OUT}/note.txt:fontsize={h * 40 // 1000}:line_spacing={h * 12 // 1000}"
        f":x={w * 8 // 100}:y={h * 150 // 1000}",
        *_burn(captions),
    ]
    return [
        *FFMPEG, "-f", "lavfi", "-i", src, "-vf", ",".join(chain),
        "-frames:v", frames, *x264_args(p), "-an", refs.OUT + "/segment.mp4",
    ]


def assets(p: dict[str, Any], asset: str, still: bool, frames: str, captions: bool) -> list[str]:
    """Your own image (slow pan and zoom) or clip (held on its last frame), cover-cropped."""
    w, h, fps = p["width"], p["height"], p["fps"]
    if still:
        # Cover 8% larger than the frame, then crop a window that drifts across it.
        inp = ["-loop", "1", "-framerate", str(fps), "-i", refs.project(asset)]
        cover = [
            f"scale={w * 108 // 100}:{h * 108 // 100}:force_original_aspect_ratio=increase:flags=lanczos",
            f"crop={w}:{h}:x='(iw-ow)*min(t/{frames_s(frames, fps)}\\,1)':y='(ih-oh)/2'",
        ]
    else:
        inp = ["-i", refs.project(asset)]
        cover = [
            f"fps={fps}",
            f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos",
            f"crop={w}:{h}",
            "tpad=stop_mode=clone:stop=-1",
        ]
    chain = [*cover, "setsar=1", "format=yuv420p", *_burn(captions)]
    return [*FFMPEG, *inp, "-vf", ",".join(chain), "-frames:v", frames, *x264_args(p), "-an", refs.OUT + "/segment.mp4"]


def frames_s(frames: str, fps: int) -> str:
    """Seconds of a frame-count reference, for expressions that need a duration."""
    return frames.replace("|frames:", "|seconds_at:")


def assemble(p: dict[str, Any], chunk_ids: list[str], frames: str, captions: bool) -> list[str]:
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
        joined + f"concat=n={len(chunk_ids)}:v=1:a=0", f"fps={fps}",
        f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos", f"crop={w}:{h}",
        "setsar=1", "tpad=stop_mode=clone:stop=-1", "format=yuv420p", *_burn(captions),
    ]
    return [*FFMPEG, *inputs, "-filter_complex", ",".join(chain), "-frames:v", frames, *x264_args(p), "-an",
            refs.OUT + "/segment.mp4"]


def mix_chain(m: dict[str, Any], loudnorm: str) -> str:
    """Music under the voice: trimmed to the video, faded, ducked by a sidechain compressor keyed
    on the voice, mixed without amix's input scaling, then loudness-normalised. The voice is
    compressed and peak-limited first (as broadcast voice chains are): speech has a crest factor
    that would otherwise keep -14 LUFS and a -1 dBTP ceiling from both being met."""
    total, fade = refs.self_ref("total_s"), refs.self_ref("fade_start_s")
    return (
        f"[1:a]atrim=0:{total},asetpts=N/SR/TB,volume={m['volume']},afade=t=in:d=1.5,"
        f"afade=t=out:st={fade}:d={m['fade_out_seconds']}[m];"
        "[0:a]aformat=channel_layouts=stereo,acompressor=threshold=-30dB:ratio=4:attack=3:release=120:makeup=3,"
        "alimiter=limit=0.7:level=false,asplit=2[vo][sc];"
        f"[m][sc]sidechaincompress=threshold=0.015:ratio={m['duck_ratio']}:attack=15:release=350:makeup=1[duck];"
        f"[vo][duck]amix=inputs=2:duration=first:normalize=0,{loudnorm}"
    )


def mix(m: dict[str, Any]) -> list[list[str]]:
    """Two-pass loudness normalisation (FACTS §5). Pass 1 renders the mix once, to PCM, while it
    measures it; pass 2 applies the measured normalisation to that PCM; then the one AAC encode,
    here rather than in the export so that it runs while the scenes are still being encoded."""
    # loudnorm aims half a dB under the ceiling: it measures true peaks oversampled, and falls back
    # from linear to its dynamic mode with a true-peak limiter when a linear gain would cross it.
    target = f"I={m['lufs']}:TP={m['true_peak'] - 0.5}:LRA=20"
    inputs = ["-i", refs.OUT + "/timeline.wav", "-i", refs.inp(ids.MUSIC) + "/music.wav"]
    measure = [*FFMPEG[:-2], "-loglevel", "info", *inputs, "-filter_complex",
               mix_chain(m, f"asplit=2[pre][meas];[meas]loudnorm={target}:print_format=json[stats]"),
               "-map", "[pre]", "-c:a", "pcm_s16le", *BITEXACT, refs.OUT + "/premix.wav",
               "-map", "[stats]", "-f", "null", "-"]
    measured = ":".join(
        f"measured_{k}={refs.self_ref('measured_' + k)}" for k in ("I", "TP", "LRA", "thresh")
    )
    apply = [*FFMPEG, "-i", refs.OUT + "/premix.wav", "-af",
             f"loudnorm={target}:{measured}:offset={refs.self_ref('offset')}:linear=true,aresample=48000",
             "-c:a", "pcm_s16le", "-ar", "48000", "-ac", "2", *BITEXACT, refs.OUT + "/mix.wav"]
    # The fast AAC coder: at these bitrates indistinguishable from twoloop, at a third of the time.
    encode = [*FFMPEG, "-i", refs.OUT + "/mix.wav", "-c:a", "aac", "-aac_coder", "fast", "-profile:a", "aac_low",
              "-b:a", m["audio_bitrate"], "-ar", "48000", "-ac", "2", "-flags:a", "+bitexact", *BITEXACT,
              refs.OUT + "/mix.m4a"]
    return [measure, apply, encode]


def export(p: dict[str, Any], name: str) -> list[str]:
    """Join the segments and the mixed AAC by stream copy, moov first: no encoding left to do."""
    return [
        *FFMPEG, "-f", "concat", "-safe", "0", "-i", refs.OUT + "/segments.txt",
        "-i", refs.inp(ids.MIX) + "/mix.m4a", "-map", "0:v:0", "-map", "1:a:0",
        "-c", "copy", *BITEXACT, "-movflags", "+faststart", refs.OUT + f"/{name}.mp4",
    ]
