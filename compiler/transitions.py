"""Transitions between consecutive scenes (cut, crossfade, fade through black), pure.

The timeline never changes: every scene keeps exactly its frames and the audio is untouched. A
transition of T seconds lies centred on the boundary, h = round(T * fps / 2) frames on each side:

- `cut`: nothing; segments join by stream copy, as without transitions.
- `fade`: baked into the two scenes' own encodes (the last h frames of the one before fade to
  black, the first h of the next fade in); the join stays a stream copy.
- `crossfade`: a `transition` task blends the last h frames of the scene before (then its last
  frame held) with the first h of the next (its first frame held before them) into a 2h-frame
  segment. The two scenes force keyframes at h and N-h, and the export cuts them there by stream
  copy: A[0, N-h) + X + B[h, M).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidc.schemas.spec import Scene, Transition, VideoSpec

from .refs import frames_for_ms

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .frontend import LoadedVideo


@dataclass(frozen=True)
class Join:
    """The boundary after scene `after` (1-based) and the transition into scene after + 1."""

    after: int
    type: str
    seconds: float
    frames: int  # h: frames on each side of the boundary (0 for a cut)
    path: tuple  # where the spec set it

    @property
    def into(self) -> int:
        return self.after + 1


def half_frames(seconds: float, fps: int) -> int:
    """h: frames on each side of the boundary, at least one."""
    return max(1, int(seconds * fps / 2 + 0.5))


def joins(spec: VideoSpec, scenes: list[Scene], fps: int) -> list[Join]:
    """One Join per boundary, in order: the scene's own `transition`, else `video.transition`."""
    out = []
    for i in range(1, len(scenes)):
        own = scenes[i].transition
        t: Transition = own if own is not None else spec.video.transition
        path = ("script", "scenes", i, "transition") if own is not None else ("video", "transition")
        h = 0 if t.type == "cut" else half_frames(t.seconds, fps)
        out.append(Join(after=i, type=t.type, seconds=t.seconds, frames=h, path=path))
    return out


@dataclass(frozen=True)
class Edges:
    """What one scene's encode does at its two ends: frames faded from/to black, keyframes forced
    where a crossfade cuts it."""

    fade_in: int = 0
    fade_out: int = 0
    key_in: int = 0  # a keyframe at this frame (the crossfade into the scene ends here)
    key_out: int = 0  # a keyframe at N - key_out (the crossfade out of the scene starts there)

    @property
    def any(self) -> bool:
        return bool(self.fade_in or self.fade_out or self.key_in or self.key_out)


def edges(js: list[Join], scene: int) -> Edges:
    """Scene `scene`'s (1-based) two ends, from the joins before and after it."""
    before = js[scene - 2] if scene >= 2 else None
    after = js[scene - 1] if scene - 1 < len(js) else None
    return Edges(
        fade_in=before.frames if before and before.type == "fade" else 0,
        fade_out=after.frames if after and after.type == "fade" else 0,
        key_in=before.frames if before and before.type == "crossfade" else 0,
        key_out=after.frames if after and after.type == "crossfade" else 0,
    )


def floor_ms(js: list[Join], scene: int, fps: int) -> int:
    """The shortest an `auto` scene may come out so that its transitions keep one frame of its own
    (0 without transitions): its voice task pads the scene to this, so a voice that measures shorter
    than planned never fails the crossfade or the export mid-build."""
    e = edges(js, scene)
    used = e.fade_in + e.key_in + e.fade_out + e.key_out
    return used * 1000 // fps + 1 if used else 0


def min_frames(scene: Scene, fps: int, auto_ms: int) -> int:
    """Frames the scene has at least: its duration (the voice may only lengthen it); for `auto`,
    `auto_ms`, the planner's estimate of its speech plus the pause (measured only at run time)."""
    return frames_for_ms(auto_ms if scene.duration_seconds == "auto" else int(scene.duration_seconds * 1000), fps)


def check_transitions(video: LoadedVideo, scenes: list[Scene] | None, fps: int) -> list[Diagnostic]:
    """W_TRANSITION_FIRST: scene 1's transition (nothing comes before it). E_TRANSITION_LENGTH: a
    scene too short for the transitions at its two ends (they would overlap or leave it no frame).
    An `auto` scene is never judged: its voice pads it to what its transitions need (floor_ms)."""
    spec = video.spec
    out: list[Diagnostic] = []
    if not scenes:
        return out
    if scenes[0].transition is not None:
        out.append(
            video.diagnostic(
                ("script", "scenes", 0, "transition"),
                "W_TRANSITION_FIRST",
                "scene 1 has no scene before it: its transition is ignored",
                "a scene's `transition` is the one into it from the scene before; remove it",
                severity="warning",
            )
        )
    js = joins(spec, scenes, fps)
    for i, scene in enumerate(scenes, start=1):
        e = edges(js, i)
        used = e.fade_in + e.key_in + e.fade_out + e.key_out
        auto = scene.duration_seconds == "auto"
        if auto:
            continue
        have = min_frames(scene, fps, 0)
        if used == 0 or used < have:
            continue
        # blame the longer of the two transitions touching this scene (the later one on a tie)
        touching = [
            j
            for j in (js[i - 2] if i >= 2 else None, js[i - 1] if i - 1 < len(js) else None)
            if j is not None and j.frames
        ]
        j = max(touching, key=lambda j: (j.frames, j.after))
        other = used - j.frames
        most = (have - 1 - other) * 2 / fps  # seconds that would leave the scene one frame of its own
        fix = (
            f"make it at most {most:.2f} s" if most > 0 else "make the transitions at this scene shorter"
        ) + ", lengthen the scene, or use a cut"
        side = "before" if j.after == i else "after"
        out.append(
            video.diagnostic(
                j.path,
                "E_TRANSITION_LENGTH",
                f"the {j.type} into scene {j.into} takes {j.frames} frames ({j.seconds:g} s centred on the boundary) from "
                f"scene {i}, the scene {side} it, which has at least {have} frames at {fps} fps "
                f"and gives {used} to its transitions",
                fix,
            )
        )
    return out
