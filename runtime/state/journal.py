"""The append-only journal: what was claimed, finished (with the output's hash) and failed.

One JSON object per line, written with a single O_APPEND write and fsynced, so lines from several
worker processes never interleave and a committed line survives power loss. A torn last line
(power lost mid-write) is ignored on replay.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_LINE = 3500  # keep each record well inside one write


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._offset = 0

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size:
                with open(self.path, "rb") as fh:
                    fh.seek(size - 1)
                    if fh.read(1) != b"\n":  # a torn line from a crash: close it off
                        os.write(fd, b"\n")
                        os.fsync(fd)
        finally:
            os.close(fd)

    def append(self, event: str, **fields: Any) -> None:
        record = {"ev": event, "t": round(time.time(), 3), **fields}
        if "error" in record and len(record["error"]) > MAX_LINE:
            record["error"] = "…" + record["error"][-MAX_LINE:]
        line = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_new(self) -> list[dict[str, Any]]:
        """Records appended since the last call (whole lines only)."""
        if not self.path.exists():
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        end = data.rfind(b"\n") + 1
        self._offset += end
        return _parse(data[:end])

    def replay(self) -> list[dict[str, Any]]:
        self._offset = 0
        return self.read_new()


def _parse(data: bytes) -> list[dict[str, Any]]:
    out = []
    for raw in data.splitlines():
        try:
            rec = json.loads(raw)
        except ValueError:
            continue  # a torn line
        if isinstance(rec, dict) and "ev" in rec:
            out.append(rec)
    return out


@dataclass
class Finished:
    """The latest good output per fingerprint, from a replay."""

    objects: dict[str, str] = field(default_factory=dict)  # fingerprint -> object hash

    @classmethod
    def from_records(cls, records: list[dict[str, Any]]) -> "Finished":
        f = cls()
        for rec in records:
            if rec["ev"] == "done":
                f.objects[rec["fp"]] = rec["object"]
        return f
