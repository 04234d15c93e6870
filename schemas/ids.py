"""Task ids and input roles: made by the compiler, read by the runtime, defined once here.

A task id reads like `video-name/voice/scene-03` (house rule 3 in docs/architecture.md). An input role names what an
input is to the task that takes it: a plain role (`voice`, `music`, `mix`, `captions`, `prev`) or
a numbered one (`voice-03`, `cues-03`, `segment-03`, `chunk-02`), numbered from 1. Nothing else
builds or parses these strings: the compiler calls the makers, backends call `numbered()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# Roles.
VOICE, CUES, SEGMENT, CHUNK = "voice", "cues", "segment", "chunk"  # numbered per scene (chunk: per chunk)
MUSIC, MIX, CAPTIONS, PREV = "music", "mix", "captions", "prev"  # plain
TRANSITION = "transition"  # numbered by the segment before it (the export's crossfades)
FROM, TO = "from", "to"  # plain: a crossfade's two segments


def _nn(i: int) -> str:
    return f"{i:02d}"


# Task ids.
def script(video: str) -> str:
    return f"{video}/script"


def voice(video: str, scene: int) -> str:
    return f"{video}/voice/scene-{_nn(scene)}"


def scene_captions(video: str, scene: int) -> str:
    return f"{video}/captions/scene-{_nn(scene)}"


def clip(video: str, scene: int) -> str:
    """A scene's clip made in one command (animatic, assets)."""
    return f"{video}/video/scene-{_nn(scene)}"


def stock(video: str, scene: int) -> str:
    """A stock scene's footage, fetched into the store (searched first when not locked yet)."""
    return f"{video}/stock/scene-{_nn(scene)}"


def intro(video: str) -> str:
    """The intro's segment (an asset or a title card), joined before scene 1 as segment-00."""
    return f"{video}/video/intro"


def outro(video: str) -> str:
    """The outro's segment, joined after the last scene (segment-N+1)."""
    return f"{video}/video/outro"


def chunk(video: str, scene: int, k: int) -> str:
    return f"{video}/video/scene-{_nn(scene)}/chunk-{_nn(k)}"


def assemble(video: str, scene: int) -> str:
    return f"{video}/assemble/scene-{_nn(scene)}"


def transition(video: str, after: int) -> str:
    """The crossfade between scene `after` and the next."""
    return f"{video}/transition/scene-{_nn(after)}-{_nn(after + 1)}"


def music(video: str) -> str:
    return f"{video}/music"


def mix(video: str) -> str:
    return f"{video}/mix"


def captions(video: str) -> str:
    return f"{video}/captions"


def export(video: str) -> str:
    return f"{video}/export"


def thumbnail(video: str) -> str:
    return f"{video}/thumbnail"


# Parsing.
PLAIN = ("script", "music", "mix", "captions", "export", "thumbnail")  # {video}/{step}
PER_SCENE = ("voice", "captions", "video", "assemble", "stock")  # {video}/{step}/scene-NN
BOOKENDS = ("intro", "outro")  # {video}/video/{end}
_SCENE = re.compile(
    r"^(?P<video>.+)/(?P<step>voice|captions|video|assemble|stock)/scene-(?P<scene>\d{2,})"
    r"(?:/chunk-(?P<chunk>\d{2,}))?$"
)
_TRANSITION = re.compile(r"^(?P<video>.+)/transition/scene-(?P<scene>\d{2,})-(?P<next>\d{2,})$")
_BOOKEND = re.compile(r"^(?P<video>.+)/video/(?P<end>intro|outro)$")
_PLAIN = re.compile(r"^(?P<video>.+)/(?P<step>script|music|mix|captions|export|thumbnail)$")


@dataclass(frozen=True)
class TaskId:
    """What a task id names. `step` is the id's second part (script, voice, captions, video, assemble,
    transition, music, mix, export, thumbnail); `scene` the scene it belongs to (for a transition: the
    scene before it); `chunk` a video chunk's number; `end` "intro" or "outro" for a bookend segment."""

    video: str
    step: str
    scene: int | None = None
    chunk: int | None = None
    end: str | None = None

    def __str__(self) -> str:
        if self.end is not None:
            return intro(self.video) if self.end == "intro" else outro(self.video)
        if self.step == "transition" and self.scene is not None:
            return transition(self.video, self.scene)
        if self.chunk is not None and self.scene is not None:
            return chunk(self.video, self.scene, self.chunk)
        if self.scene is not None:
            return f"{self.video}/{self.step}/scene-{_nn(self.scene)}"
        return f"{self.video}/{self.step}"


def parse(task_id: str) -> TaskId | None:
    """The parts of a task id the makers above build; None for any other text."""
    if m := _SCENE.match(task_id):
        k = m.group("chunk")
        if k is not None and m.group("step") != "video":
            return None
        return TaskId(m.group("video"), m.group("step"), int(m.group("scene")), int(k) if k is not None else None)
    if m := _TRANSITION.match(task_id):
        after = int(m.group("scene"))
        return TaskId(m.group("video"), "transition", after) if int(m.group("next")) == after + 1 else None
    if m := _BOOKEND.match(task_id):
        return TaskId(m.group("video"), "video", end=m.group("end"))
    if m := _PLAIN.match(task_id):
        return TaskId(m.group("video"), m.group("step"))
    return None


def video_of(task_id: str) -> str:
    """The video an id belongs to: parsed, or for an id vidc did not make, its first part."""
    parsed = parse(task_id)
    return parsed.video if parsed is not None else task_id.partition("/")[0]


def step_of(task_id: str) -> str:
    """The id's step (voice, video, ...), or "" when it is no task id."""
    parsed = parse(task_id)
    return parsed.step if parsed is not None else ""


@dataclass(frozen=True, order=True)
class Role:
    kind: str
    index: int | None = None

    def __str__(self) -> str:
        return self.kind if self.index is None else f"{self.kind}-{_nn(self.index)}"

    @classmethod
    def parse(cls, text: str) -> Role:
        kind, dash, num = text.rpartition("-")
        if dash and num.isdigit() and kind:
            return cls(kind, int(num))
        return cls(text)


def role(kind: str, index: int | None = None) -> str:
    """The role string of an input: role(VOICE, 3) == "voice-03"."""
    return str(Role(kind, index))


def numbered(inputs: Mapping[str, T] | Iterable[str], kind: str) -> list[tuple[int, str]]:
    """The (index, role) pairs of one numbered kind among a task's input roles, in index order."""
    found = [(r.index, name) for name in inputs for r in [Role.parse(name)] if r.kind == kind and r.index is not None]
    return sorted(found)
