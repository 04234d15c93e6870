"""Lane queues (house rule 7 in docs/architecture.md): one append-only file per lane, one task per line,
`task_id|input_path|output_path` (the input is the task's descriptor, paths relative to the work
folder). The coordinator appends; the lane's worker reads from where it left off."""

from __future__ import annotations

import os
from pathlib import Path

from .faults import StateFault

STOP = "STOP"
RELEASE = "RELEASE"  # free the lane's loaded models: its device is about to join a context-parallel group


class QueueFault(StateFault):
    pass


def _check(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise QueueFault(f"the queue {path} is not a file; move it away and build again (queues are rebuilt)")


def append(path: Path, task_id: str, descriptor: str, output: str) -> None:
    line = f"{task_id}|{descriptor}|{output}\n".encode()
    _check(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def append_stop(path: Path, word: str = STOP) -> None:
    _check(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (word + "\n").encode())
    finally:
        os.close(fd)


class QueueReader:
    def __init__(self, path: Path, offset: int = 0):
        self.path = path
        self.offset = offset

    def next_lines(self) -> list[str]:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1
        self.offset += end
        return [ln for ln in data[:end].decode("utf-8").splitlines() if ln]
