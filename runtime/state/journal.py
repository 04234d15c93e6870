"""The append-only journal: what was claimed, finished (with the output's hash) and failed.

Its records are the models of vidc.schemas.journal; this module writes and reads them.

Each `done` record is sealed when written (a digest over its task id, fingerprint and object) and
checked when read: records that were swapped or edited to point at another task's output are not
used, so those tasks run again.

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

from vidc.schemas.journal import Done, Failed, Lost, Record, parse_record, record_json

from .faults import StateFault
from .secrets import scrub

MAX_LINE = 3500  # keep each record well inside one write


class Journal:
    def __init__(self, path: Path):
        self.path = path
        self._offset = 0
        self.skipped = 0  # malformed records seen (not trusted, never a KeyError)
        self._sealed = False  # a sealed `done` record was read: from here on every one must be

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise JournalFault(f"{self.path} is not a file; move it away (it is not vidc's journal) and build again")
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

    def append(self, record: Record) -> Record:
        """Write one record, stamped with the time; returns the record as written."""
        record = record.model_copy(update={"t": round(time.time(), 3)})
        if isinstance(record, Done):
            record = record.sealed()
        if isinstance(record, (Failed, Lost)) and len(record.error) > MAX_LINE:
            record = record.model_copy(update={"error": "…" + record.error[-MAX_LINE:]})
        line = (scrub(json.dumps(record_json(record), sort_keys=True, ensure_ascii=False)) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return record

    def read_new(self) -> list[Record]:
        """Records appended since the last call (whole lines only); malformed ones are skipped
        and counted in `self.skipped`."""
        if not self.path.exists():
            return []
        if not self.path.is_file():
            raise JournalFault(f"{self.path} is not a file; move it away (it is not vidc's journal) and build again")
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        end = data.rfind(b"\n") + 1
        self._offset += end
        out, bad = _parse(data[:end])
        out, unsealed = self._check_seals(out)
        self.skipped += bad + unsealed
        return out

    def replay(self) -> list[Record]:
        self._offset = 0
        self.skipped = 0
        self._sealed = False
        return self.read_new()

    def _check_seals(self, records: list[Record]) -> tuple[list[Record], int]:
        """Drop `done` records whose seal does not bind them to their task (swapped or edited), so
        that their tasks run again. Records of a journal from before seals, up to the first sealed
        one, are kept as they were trusted then."""
        kept: list[Record] = []
        for rec in records:
            if isinstance(rec, Done):
                if rec.seal:
                    self._sealed = True
                    if not rec.seal_matches:
                        continue
                elif self._sealed:
                    continue
            kept.append(rec)
        return kept, len(records) - len(kept)


class JournalFault(StateFault):
    pass


def _parse(data: bytes) -> tuple[list[Record], int]:
    out: list[Record] = []
    bad = 0
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except (ValueError, RecursionError):
            continue  # a torn line (power lost mid-write; open() closed it off): expected, not a warning
        record = parse_record(rec)
        if record is not None:
            out.append(record)
        else:
            bad += 1
    return out, bad


@dataclass
class Finished:
    """The latest good output per fingerprint, from a replay."""

    objects: dict[str, str] = field(default_factory=dict)  # fingerprint -> object hash

    @classmethod
    def from_records(cls, records: list[Record]) -> Finished:
        f = cls()
        for rec in records:
            if isinstance(rec, Done):  # the store refuses an object name that is not a digest
                f.objects[rec.fp] = rec.object
        return f
