"""The publish ledger: what was sent to each platform, journaled before and after it leaves.

`<work folder>/publish.log`, one JSON object per line, each written with one O_APPEND write and
fsynced (like the build journal), so a killed publish keeps every line it wrote and a torn last line
is ignored. A video is keyed on (platform, account, video name, MP4 sha256):

- `session`: an upload session was opened (its URI, the file's size), written before any byte is sent;
- `progress`: the bytes the server confirmed;
- `uploaded`: the platform's id and URL: the video is never uploaded again;
- `step`: a later step (thumbnail, captions, playlist) done; a failed one is retried alone next time;
- `quota`: units spent on a platform's day; `exhausted`: the platform said the day's quota is used up.

No credential or token is ever written here.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..state.faults import StateFault

KINDS = ("session", "progress", "uploaded", "step", "quota", "exhausted")


@dataclass
class VideoState:
    """What the ledger knows of one (platform, account, video, sha256)."""

    session: str | None = None
    size: int = 0
    confirmed: int = 0
    id: str | None = None
    url: str | None = None
    steps: set[str] = field(default_factory=set)


@dataclass
class Replay:
    videos: dict[tuple[str, str, str, str], VideoState] = field(default_factory=dict)
    units: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (platform, account, day) -> units
    exhausted: set[tuple[str, str, str]] = field(default_factory=set)

    def published(self, platform: str, account: str, video: str) -> list[tuple[str, VideoState]]:
        """(sha256, state) of every upload of this video name that finished, oldest first."""
        return [(k[3], s) for k, s in self.videos.items() if k[:3] == (platform, account, video) and s.id]


class PublishLedger:
    def __init__(self, path: Path):
        self.path = path

    def append(self, kind: str, **fields: object) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise StateFault(f"{self.path} is not a file; move it away (it is not vidc's publish ledger)")
        record = {"kind": kind, "t": round(time.time(), 3), **fields}
        line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and not _ends_with_newline(self.path, size):
                line = b"\n" + line  # a torn line from a crash: close it off
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def replay(self) -> Replay:
        out = Replay()
        if not self.path.is_file():
            return out
        for raw in self.path.read_bytes().splitlines():
            try:
                rec = json.loads(raw)
            except (ValueError, RecursionError):
                continue  # a torn line
            if isinstance(rec, dict):
                try:
                    _apply(out, rec)
                except (KeyError, TypeError, ValueError):
                    continue  # a malformed record is not trusted
        return out


def _ends_with_newline(path: Path, size: int) -> bool:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"


def _apply(out: Replay, rec: dict) -> None:
    kind = rec["kind"]
    if kind in ("quota", "exhausted"):
        day = (str(rec["platform"]), str(rec["account"]), str(rec["day"]))
        if kind == "quota":
            out.units[day] = out.units.get(day, 0) + int(rec["units"])
        else:
            out.exhausted.add(day)
        return
    key = (str(rec["platform"]), str(rec["account"]), str(rec["video"]), str(rec["sha256"]))
    state = out.videos.setdefault(key, VideoState())
    if kind == "session":
        state.session, state.size, state.confirmed = str(rec["uri"]), int(rec["size"]), 0
    elif kind == "progress":
        state.confirmed = int(rec["bytes"])
    elif kind == "uploaded":
        state.id, state.url, state.confirmed = str(rec["id"]), str(rec["url"]), state.size
    elif kind == "step":
        state.steps.add(str(rec["step"]))
