"""Ken Burns motion for stills: slow pans and zooms, eased, sub-pixel smooth, with crossfades.

ffmpeg's `zoompan` places its crop on whole pixels, so a slow move judders (the picture stands
still, then jumps a pixel). Here every frame is resampled from the picture itself with a float crop
box (Pillow's `resize(box=...)`, Lanczos, which filters properly when it shrinks): a move of 0.3
pixels a frame shows as 0.3 pixels a frame.

Each picture's move is a crop rectangle linearly interpolated between a start and an end rectangle,
both inside the picture and of the frame's aspect ratio, along an eased time (smoothstep). Because
the set of such rectangles is convex, every rectangle in between is inside the picture too (never a
border), and every edge of the crop moves monotonically (never a reversal). A rectangle is never
narrower than the frame in picture pixels, so the motion never zooms past the picture's own
resolution (a picture smaller than the frame is only scaled up to cover it, and then only pans).

The moves are chosen from a seed (random.Random, per picture), so the same pictures, seed and size
give the same frames. `ken_burns_frames` yields rgb24 numpy frames; `write_ken_burns` encodes them.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .tools import BackendError, die_with_parent

Rect = tuple[float, float, float, float]  # left, top, width, height in picture pixels

MAX_ZOOM = 1.25  # the tightest crop's width is the widest's / this, at most
KINDS = ("zoom-in", "zoom-out", "pan-left", "pan-right", "pan-up", "pan-down")


@dataclass(frozen=True)
class Move:
    """One picture's motion: its crop at the start and at the end of its time on screen."""

    kind: str
    start: Rect
    end: Rect

    def at(self, t: float) -> Rect:
        """The crop at eased time t in [0, 1]."""
        e = ease(t)
        return (
            self.start[0] + (self.end[0] - self.start[0]) * e,
            self.start[1] + (self.end[1] - self.start[1]) * e,
            self.start[2] + (self.end[2] - self.start[2]) * e,
            self.start[3] + (self.end[3] - self.start[3]) * e,
        )


def ease(t: float) -> float:
    """Smoothstep: starts and ends at rest, never goes back."""
    t = min(1.0, max(0.0, t))
    return t * t * (3.0 - 2.0 * t)


def cover_rect(src: tuple[int, int], frame: tuple[int, int]) -> tuple[float, float]:
    """The widest crop (width, height) of the frame's aspect ratio that fits in the picture."""
    sw, sh = src
    aspect = frame[0] / frame[1]
    w = min(float(sw), sh * aspect)
    return w, w / aspect


def zoom_room(src: tuple[int, int], frame: tuple[int, int], max_zoom: float = MAX_ZOOM) -> float:
    """How far a move may zoom in: up to max_zoom, never past one picture pixel per frame pixel."""
    w, _ = cover_rect(src, frame)
    return max(1.0, min(max_zoom, w / frame[0]))


def possible_kinds(src: tuple[int, int], frame: tuple[int, int], max_zoom: float = MAX_ZOOM) -> tuple[str, ...]:
    """Every kind when the picture has resolution to zoom into; else the pans along its spare side."""
    if zoom_room(src, frame, max_zoom) > 1.0 + 1e-6:
        return KINDS
    cw, ch = cover_rect(src, frame)
    return ("pan-left", "pan-right") if src[0] - cw >= src[1] - ch else ("pan-up", "pan-down")


def plan_moves(
    sizes: Sequence[tuple[int, int]], frame: tuple[int, int], seed: int, max_zoom: float = MAX_ZOOM
) -> list[Move]:
    """One move per picture, chosen from the seed, never the same kind twice in a row."""
    rnd = random.Random(seed)
    out: list[Move] = []
    for src in sizes:
        kinds = [k for k in possible_kinds(src, frame, max_zoom) if not out or k != out[-1].kind]
        out.append(plan_move(src, frame, rnd.choice(kinds), rnd, max_zoom))
    return out


def plan_move(
    src: tuple[int, int], frame: tuple[int, int], kind: str, rnd: random.Random, max_zoom: float = MAX_ZOOM
) -> Move:
    """A move of `kind` for one picture: a zoom in or out towards a point drawn from `rnd`, or a pan
    along the picture's spare width or height (a pan needs room: zoomed in a little when the crop fills it)."""
    sw, sh = src
    cw, ch = cover_rect(src, frame)
    room = zoom_room(src, frame, max_zoom)
    if kind not in possible_kinds(src, frame, max_zoom):  # no resolution to zoom into: pan the spare side
        kind = possible_kinds(src, frame, max_zoom)[-1]
    tight = room  # the zoom of the tighter rectangle
    if kind.startswith("pan"):
        tight = min(room, 1.0 + (room - 1.0) * 0.5)
        w, h = cw / tight, ch / tight
        horizontal = kind in ("pan-left", "pan-right")
        span = (sw - w) if horizontal else (sh - h)
        cross = rnd.uniform(0.3, 0.7) * ((sh - h) if horizontal else (sw - w))
        a = (0.0, cross) if horizontal else (cross, 0.0)
        b = (span, cross) if horizontal else (cross, span)
        first, last = (a, b) if kind in ("pan-right", "pan-down") else (b, a)
        return Move(kind, (first[0], first[1], w, h), (last[0], last[1], w, h))
    wide = ((sw - cw) / 2, (sh - ch) / 2, cw, ch)
    fx, fy = rnd.uniform(0.3, 0.7), rnd.uniform(0.3, 0.7)  # the point the zoom closes in on
    tw, th = cw / tight, ch / tight
    close = (fx * (sw - tw), fy * (sh - th), tw, th)
    return Move(kind, wide, close) if kind == "zoom-in" else Move(kind, close, wide)


def picture_spans(n: int, frames: int, crossfade: int) -> list[tuple[int, int]]:
    """[first, last) frames each of n pictures is on screen: equal shares of `frames`, consecutive
    pictures overlapping by `crossfade` frames centred on their boundary (fewer when shares are short)."""
    bounds = [round(j * frames / n) for j in range(n + 1)]
    shortest = min((bounds[j + 1] - bounds[j] for j in range(n)), default=frames)
    x = max(0, min(crossfade, shortest // 2 * 2))
    spans = []
    for j in range(n):
        a = bounds[j] - (x // 2 if j > 0 else 0)
        z = bounds[j + 1] + (x - x // 2 if j < n - 1 else 0)
        spans.append((max(0, a), min(frames, z)))
    return spans


def _load(path: Path | str):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise BackendError(f"picture {Path(path).name} cannot be read as an image: {exc}") from exc


def _fit(im, size: tuple[int, int], max_zoom: float):
    """The picture shrunk once (Lanczos) so that its widest crop is the frame's size times the zoom
    room the original has: each frame then resamples by a factor between 1 and that room (cheap),
    and the zoom limit still counts the original's own pixels."""
    from PIL import Image

    cw, _ = cover_rect(im.size, size)
    room = zoom_room(im.size, size, max_zoom)
    k = size[0] * room / cw
    if k >= 0.999:
        return im
    return im.resize(
        (max(size[0], round(im.size[0] * k)), max(size[1], round(im.size[1] * k))), Image.Resampling.LANCZOS
    )


def ken_burns_frames(
    images: Sequence[Path | str],
    frames: int,
    size: tuple[int, int],
    seed: int,
    crossfade: int = 0,
    max_zoom: float = MAX_ZOOM,
) -> Iterator[np.ndarray]:
    """Exactly `frames` rgb24 frames of `size` (width, height): each picture in turn with its own
    seeded move, crossfading into the next over `crossfade` frames."""
    from PIL import Image

    if not images or frames < 1:
        raise ValueError("ken_burns_frames needs at least one picture and one frame")
    pics = [_fit(_load(p), size, max_zoom) for p in images]
    moves = plan_moves([im.size for im in pics], size, seed, max_zoom)
    spans = picture_spans(len(pics), frames, crossfade)

    def one(j: int, f: int) -> np.ndarray:
        a, z = spans[j]
        x0, t, w, h = moves[j].at((f - a) / max(1, z - 1 - a))
        im = pics[j].resize(size, Image.Resampling.LANCZOS, box=(x0, t, x0 + w, t + h))
        return np.asarray(im, dtype=np.uint8)

    for f in range(frames):
        on = [j for j, (a, z) in enumerate(spans) if a <= f < z]
        if len(on) == 1:
            yield one(on[0], f)
            continue
        j, k = on[0], on[-1]
        a, z = spans[k][0], spans[j][1]  # the overlap of picture j leaving and k arriving
        w = (f - a + 0.5) / (z - a)
        mixed = one(j, f).astype(np.float32) * (1.0 - w) + one(k, f).astype(np.float32) * w
        yield np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def pipe_frames(argv: list[str], frames: Iterator[np.ndarray], *, cwd: Path | None = None, what: str) -> int:
    """Feed rgb24 frames to an ffmpeg reading `-f rawvideo ... -i pipe:0`; return how many were sent.
    A failed ffmpeg is a BackendError with the tail of its stderr."""
    sent = 0
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
                preexec_fn=die_with_parent(),
            )  # fmt: skip
        except FileNotFoundError as exc:
            raise BackendError(f"{argv[0]} is not installed: run `make setup` or `apt-get install ffmpeg`") from exc
        assert proc.stdin is not None
        try:
            for frame in frames:
                proc.stdin.write(frame.tobytes())
                sent += 1
            proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped reading: its exit status and stderr say why
        except BaseException:
            proc.kill()  # our own child, on our own failure
            proc.wait()
            raise
        code = proc.wait()
        if code != 0:
            err.seek(0)
            tail = "\n".join(err.read().decode(errors="replace").strip().splitlines()[-12:])
            raise BackendError(f"{what} exited {code}:\n{tail}")
    return sent


def raw_input_args(size: tuple[int, int], fps: int) -> list[str]:
    """The ffmpeg input options for frames from pipe_frames."""
    return ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}", "-r", str(fps), "-i", "pipe:0"]


def write_ken_burns(
    images: Sequence[Path | str],
    dest: Path,
    seconds: float,
    size: tuple[int, int],
    fps: int,
    seed: int,
    crossfade_seconds: float = 1.0,
) -> int:
    """Render the pictures with motion into `dest` (lossless FFV1 in Matroska, written atomically):
    round(seconds * fps) frames. Returns the number of frames. For any stills (stock photos too)."""
    from .wav import atomic_path

    frames = max(1, round(seconds * fps))
    gen = ken_burns_frames(images, frames, size, seed, round(crossfade_seconds * fps))
    with atomic_path(dest) as tmp:
        argv = [
            "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *raw_input_args(size, fps),
            "-an", "-c:v", "ffv1", "-level", "3", "-g", "1", "-pix_fmt", "bgr0",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", "-f", "matroska", str(tmp),
        ]  # fmt: skip
        sent = pipe_frames(argv, gen, what=f"ffmpeg (encoding {dest.name})")
    return sent
