"""A downloaded clip, checked before it is used: a video stream that ffprobe finds and ffmpeg decodes
to its end without an error (a truncated MP4, an HTML error page or an empty body is a problem, never
a clip). Then the chunk contract the scene's assembler joins: `frames.mkv` (FFV1, lossless) and
`last_frame.png`."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..media.tools import BackendError, run_captured, run_tool
from ..state.atomic import atomic_path

MIN_BYTES = 64


def clip_problem(data: bytes, dest: Path) -> str:
    """Write `data` to `dest` when it is a whole, decodable video; else say why it is not ("": fine)."""
    if len(data) < MIN_BYTES:
        return f"the download is {len(data)} bytes, not a video"
    tmp = dest.with_name(f".{dest.name}.check")
    tmp.write_bytes(data)
    try:
        probe = run_captured(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_type,width,height",
             "-of", "json", str(tmp)],
            what="ffprobe (checking a downloaded clip)",
        )  # fmt: skip
        streams = json.loads(probe.stdout or "{}").get("streams") if probe.returncode == 0 else None
        if not streams:
            return "the download is not a video (no video stream)"
        decode = run_captured(
            ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-i", str(tmp), "-map", "0:v:0",
             "-f", "null", "-"],
            what="ffmpeg (decoding a downloaded clip)",
        )  # fmt: skip
        err = decode.stderr.decode("utf-8", "replace").strip()
        if decode.returncode != 0 or err:
            first = (err.splitlines() or ["exit status " + str(decode.returncode)])[0]
            return f"the download does not decode to its end ({first[:160]})"
        with atomic_path(dest) as final:
            final.write_bytes(data)
        return ""
    finally:
        tmp.unlink(missing_ok=True)


def decode_clip(clip: Path, out: Path) -> dict[str, Any]:
    """clip.mp4 -> frames.mkv (every frame, FFV1, at the clip's own rate) and last_frame.png."""
    frames = out / "frames.mkv"
    with atomic_path(frames) as tmp:
        run_tool(
            ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip), "-map", "0:v:0",
             "-an", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0", "-fflags", "+bitexact",
             "-flags:v", "+bitexact", "-map_metadata", "-1", "-f", "matroska", str(tmp)],
            what="ffmpeg (decoding a downloaded clip)",
        )  # fmt: skip
    with atomic_path(out / "last_frame.png") as tmp:
        run_tool(
            ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-sseof", "-1", "-i", str(frames),
             "-update", "1", "-f", "image2", "-c:v", "png", str(tmp)],
            what="ffmpeg (the clip's last frame)",
        )  # fmt: skip
    probe = run_tool(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
         "stream=nb_read_packets,width,height,r_frame_rate", "-of", "json", str(frames)],
        what="ffprobe (reading frames.mkv)",
    )  # fmt: skip
    s = json.loads(probe.stdout)["streams"][0]
    n = int(s["nb_read_packets"])
    if n < 1:
        raise BackendError(f"{clip.name} decoded to no frames")
    return {
        "frames": n,
        "width": int(s["width"]),
        "height": int(s["height"]),
        "fps": float(Fraction(s["r_frame_rate"])),
    }
