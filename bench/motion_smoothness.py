"""Ken Burns smoothness: vidc's sub-pixel renderer vs ffmpeg's zoompan on the same eased pan.

Both pan a textured 800x450 picture right by 89 picture pixels (a 711x400 crop, 1.125x) into
640x360 frames over 2 s at 30 fps, eased with smoothstep. Each frame-to-frame displacement is
measured by phase correlation (vidc.runtime.media.motion_measure); the middle half of the move is
judged: stalls (a step of nearly nothing), reversals, and the worst jerk (the largest change between
consecutive steps over the mean step). Also prints the renderer's time per frame.

    .venv/bin/python bench/motion_smoothness.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from vidc.runtime.media.motion import Move, ease
from vidc.runtime.media.motion_measure import smoothness

W, H, FPS, N = 640, 360, 30, 60
SRC = (800, 450)
CROP = (711.0, 400.0)


def texture(path: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(5)
    small = (rng.random((45, 80, 3)) * 200 + 40).astype(np.uint8)
    Image.fromarray(small).resize(SRC, Image.Resampling.BICUBIC).save(path)


def ours(path: Path) -> tuple[list[np.ndarray], float]:
    from PIL import Image

    im = Image.open(path).convert("RGB")
    move = Move("pan-right", (0.0, 25.0, *CROP), (SRC[0] - CROP[0], 25.0, *CROP))
    t0 = time.perf_counter()
    frames = []
    for f in range(N):
        left, top, w, h = move.at(f / (N - 1))
        frames.append(np.asarray(im.resize((W, H), Image.Resampling.LANCZOS, box=(left, top, left + w, top + h))))
    return frames, (time.perf_counter() - t0) / N


def zoompan(path: Path) -> list[np.ndarray]:
    span = SRC[0] - CROP[0]
    x = f"{span}*(on/{N - 1})*(on/{N - 1})*(3-2*on/{N - 1})"
    argv = [
        "ffmpeg", "-v", "error", "-i", str(path), "-vf",
        f"zoompan=z={SRC[0] / CROP[0]:.6f}:x='{x}':y=25:d={N}:s={W}x{H}:fps={FPS}",
        "-frames:v", str(N), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    raw = subprocess.run(argv, capture_output=True, check=True).stdout
    return [np.frombuffer(raw[k * W * H * 3 : (k + 1) * W * H * 3], np.uint8).reshape(H, W, 3) for k in range(N)]


def report(name: str, frames: list[np.ndarray]) -> None:
    s = smoothness(frames, axis=0)
    middle = s.steps[len(s.steps) // 4 : -(len(s.steps) // 4)]
    print(
        f"{name:9s} steps(px) middle min {min(middle):+.3f} max {max(middle):+.3f}  stalls {s.stalls:2d}  "
        f"reversals {s.reversals}  worst jerk {s.worst_jerk:.2f}  smooth: {s.smooth}"
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        pic = Path(tmp) / "pic.png"
        texture(pic)
        frames, per_frame = ours(pic)
        report("vidc", frames)
        report("zoompan", zoompan(pic))
        print(f"vidc renderer: {per_frame * 1000:.1f} ms per {W}x{H} frame (Lanczos, float crop box)")
        peak = 1.5 * (SRC[0] - CROP[0]) * W / CROP[0] / (N - 1)
        print(f"the exact eased pan: {peak * ease(1.0):.2f} px a frame at its fastest (mid-move)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
