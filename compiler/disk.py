"""How much disk a plan's tasks will write: a rough, stated estimate per task, from the plan alone.

The figures are deliberately simple and lean high:

- a video segment, clip or final MP4: 0.1 bits per pixel per frame (H.264 at the presets' quality
  on real footage; a drawn storyboard compresses to about half of it);
- speech: 16-bit 44.1 kHz mono WAV; the music bed: the chosen library track stored whole, as 16-bit
  44.1 kHz stereo WAV of at least 2.5 minutes; the mix: the preset's audio bitrate;
- a final file counts twice: once in the store and once published in the output folder;
- scripts, captions and anything else: 64 KB.
"""

from __future__ import annotations

import re

from vidc.schemas.plan import Plan, Task, VideoPlan

_SCENE = re.compile(r"scene-(\d+)")

BITS_PER_PIXEL = 0.1
WAV_MONO_BPS = 44_100 * 2  # bytes per second
WAV_STEREO_BPS = 44_100 * 4
TRACK_MIN_MS = 150_000
MUSIC_TAIL_MS = 15_000
SMALL = 64 * 1024
NOTE = (
    "an estimate: H.264 at 0.1 bits per pixel, speech and music as WAV, finals counted in the store and "
    "the output folder"
)


def video_bytes(width: int, height: int, frames: float) -> int:
    return int(width * height * frames * BITS_PER_PIXEL / 8)


def _video_ms(vp: VideoPlan) -> int:
    return sum(s.duration_ms for s in vp.scenes) or 60_000  # a script not yet written: a minute


def _scene_ms(task: Task, vp: VideoPlan) -> int:
    """The planned length of the scene a task belongs to (its `scene` parameter, or its id's scene-NN)."""
    found = _SCENE.search(task.id)
    index = task.params.get("scene", int(found.group(1)) if found else None)
    for s in vp.scenes:
        if s.index == index:
            return s.duration_ms
    return int(task.params.get("max_scene_ms") or 12_000)


def _bitrate(text: object, default: int = 384_000) -> int:
    s = str(text or "").strip().lower()
    try:
        return int(float(s[:-1]) * 1000) if s.endswith("k") else int(float(s)) if s else default
    except ValueError:
        return default


def task_bytes(task: Task, vp: VideoPlan) -> int:
    """Bytes one task is expected to add (its stored output, plus its published copies)."""
    w, h, fps = vp.width, vp.height, vp.fps
    p = task.params
    if task.stage == "voice":
        return WAV_MONO_BPS * _scene_ms(task, vp) // 1000
    if task.kind == "chunk":
        return video_bytes(int(p.get("width") or w), int(p.get("height") or h), int(p.get("num_frames") or 81))
    if task.stage == "video":
        given = p.get("frames")
        frames = float(given) if isinstance(given, int) else fps * _scene_ms(task, vp) / 1000
        return video_bytes(w, h, frames)
    if task.kind == "music-select":
        return WAV_STEREO_BPS * max(TRACK_MIN_MS, _video_ms(vp) + MUSIC_TAIL_MS) // 1000
    if task.kind == "mix":
        return _bitrate(p.get("audio_bitrate")) * _video_ms(vp) // 8000
    if task.kind == "export":
        once = video_bytes(w, h, fps * _video_ms(vp) / 1000) + 384_000 * _video_ms(vp) // 8000
        return 2 * once
    return SMALL * (1 + len(task.final))


def plan_bytes(plan: Plan, task_ids: set[str] | None = None) -> int:
    """The estimate for these tasks of the plan (all of them by default)."""
    videos = {v.name: v for v in plan.videos}
    return sum(
        task_bytes(t, videos[t.video])
        for t in plan.tasks
        if (task_ids is None or t.id in task_ids) and t.video in videos
    )
