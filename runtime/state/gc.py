"""Garbage collection of the store (`vidc gc`): what is kept, what goes, and a crash-safe delete.

What is kept (never removed, whatever the caps say):

- the objects the current plan uses (each task's fingerprint -> its latest `done` in the journal);
- the objects every published video names (the manifests `<video>.json` in its output folders);
- the objects the last K builds rendered. A build is recognised in the journal by its workers: a
  lane that claims a task from a new process id starts a new build.

Everything else is a candidate. With no cap every candidate goes; `max_age_s` removes only the
candidates not used for that long; `max_size` removes candidates least recently used first until
the store is under the size. "Used" is the latest of: the last `done` naming the object, the time
the store received it, and the last read of its result.json (when the file system records reads).

Deleting one object is three steps, each safe to be killed after: rename objects/<h> into
store/tmp/gc-trash/ (one atomic rename: the object is gone from the store at once, so a build
renders it again rather than trust a half-deleted folder), remove its index record, remove the
trashed folder. A killed gc leaves at most some trash, which the next gc or the next build clears
(a build empties store/tmp/). Every removal goes through confine.remove (never through a link).
"""

from __future__ import annotations

import json
import os
import signal
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidc.schemas.journal import Claimed, Done, Record

from .atomic import fsync_dir
from .confine import Refused, read_text, real_folder, remove
from .journal import Finished, Journal
from .store import DIGEST, Store

TRASH = "gc-trash"
MANIFEST_LIMIT = 64 * 1024 * 1024
FAULT_ENV = "VIDC_FAULT_GC_KILL_AT"  # tests: SIGKILL this process at the N-th deletion step (1-based)


# -- what the journal says ------------------------------------------------------------------------
def builds(records: Iterable[Record]) -> list[set[str]]:
    """The objects each build rendered, oldest build first. A `claimed` from a lane that was seen in
    the current build with another process id starts a new build."""
    groups: list[set[str]] = []
    lane_pid: dict[str, Any] = {}
    for rec in records:
        if isinstance(rec, Claimed):
            lane, pid = rec.lane, rec.pid
            if not groups or (lane in lane_pid and lane_pid[lane] != pid):
                groups.append(set())
                lane_pid = {}
            lane_pid[lane] = pid
        elif isinstance(rec, Done):
            if not groups:
                groups.append(set())
            groups[-1].add(rec.object)
    return groups


def last_done(records: Iterable[Record]) -> dict[str, float]:
    """object -> the time of the last `done` naming it."""
    out: dict[str, float] = {}
    for rec in records:
        if isinstance(rec, Done):
            out[rec.object] = max(out.get(rec.object, 0.0), float(rec.t))
    return out


def published_fingerprints(folders: Iterable[Path]) -> set[str]:
    """Every task fingerprint named by a vidc manifest in these output folders (and the folders
    just below them, where `--preset` builds publish). Unreadable or foreign JSON is skipped."""
    fps: set[str] = set()
    for folder in folders:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*/*.json")):
            try:
                data = json.loads(read_text(path, MANIFEST_LIMIT, "manifest"))
            except (OSError, ValueError, RecursionError, Refused):
                continue
            if isinstance(data, dict) and "vidc_manifest" in data and isinstance(data.get("fingerprints"), dict):
                fps.update(v for v in data["fingerprints"].values() if isinstance(v, str))
    return fps


# -- the decision ----------------------------------------------------------------------------------
@dataclass
class Entry:
    name: str
    size: int
    used: float  # seconds since the epoch


@dataclass
class Decision:
    entries: dict[str, Entry]
    kept: dict[str, str]  # object -> why it is kept
    doomed: list[str] = field(default_factory=list)  # least recently used first

    @property
    def total(self) -> int:
        return sum(e.size for e in self.entries.values())

    @property
    def freed(self) -> int:
        return sum(self.entries[n].size for n in self.doomed)


def keep_reasons(records: list[Record], plan_fps: set[str], published_fps: set[str], keep_last: int) -> dict[str, str]:
    """object -> why it is kept: the current plan, a published video, or one of the last K builds."""
    latest = Finished.from_records(records).objects
    kept: dict[str, str] = {}
    for group in builds(records)[-keep_last:] if keep_last > 0 else []:
        kept.update({obj: "a recent build" for obj in group})
    kept.update({latest[fp]: "a published video" for fp in published_fps if fp in latest})
    kept.update({latest[fp]: "the current plan" for fp in plan_fps if fp in latest})
    return kept


def decide(
    entries: dict[str, Entry],
    kept: dict[str, str],
    *,
    now: float,
    max_age_s: float | None = None,
    max_size: int | None = None,
) -> Decision:
    """Which candidates (objects nothing keeps) go, least recently used first."""
    candidates = sorted((e for n, e in entries.items() if n not in kept), key=lambda e: (e.used, e.name))
    if max_age_s is None and max_size is None:
        return Decision(entries, kept, [e.name for e in candidates])
    doomed: list[str] = []
    if max_age_s is not None:
        doomed = [e.name for e in candidates if now - e.used > max_age_s]
    if max_size is not None:
        size = sum(e.size for e in entries.values()) - sum(entries[n].size for n in doomed)
        for e in candidates:
            if size <= max_size:
                break
            if e.name not in doomed:
                doomed.append(e.name)
                size -= e.size
    order = {e.name: i for i, e in enumerate(candidates)}
    return Decision(entries, kept, sorted(doomed, key=order.__getitem__))


# -- the store's side --------------------------------------------------------------------------------
def _size_of(folder: Path) -> int:
    total = 0
    for base, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            try:
                st = os.lstat(os.path.join(base, name))
            except OSError:
                continue
            if not stat.S_ISDIR(st.st_mode):
                total += st.st_size
    return total


def scan(store: Store, done_at: dict[str, float]) -> dict[str, Entry]:
    """Every object in the store (names that are digests; anything else is not vidc's and stays)."""
    out: dict[str, Entry] = {}
    if not store.objects.is_dir():
        return out
    for path in sorted(store.objects.iterdir()):
        if not DIGEST.match(path.name):
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        used = max(done_at.get(path.name, 0.0), st.st_mtime)
        if stat.S_ISDIR(st.st_mode):
            try:
                used = max(used, os.lstat(path / "result.json").st_atime)
            except OSError:
                pass
        out[path.name] = Entry(path.name, _size_of(path) if stat.S_ISDIR(st.st_mode) else st.st_size, used)
    return out


class Collector:
    """Deletes objects from one work folder's store, crash-safely (see the module's docstring)."""

    def __init__(self, work_root: Path, store: Store):
        self.root, self.store = work_root, store
        self.trash = store.tmp / TRASH
        self._steps = 0
        self._kill_at = int(os.environ.get(FAULT_ENV, "0") or 0)
        for folder in (store.root, store.objects, store.index, store.tmp, self.trash):
            real_folder(work_root, folder, "store folder")  # a symlink out of the work folder: Refused

    def empty_trash(self) -> None:
        """What a killed gc left half-deleted in the trash (never trusted: it is out of the store)."""
        remove(self.root, self.trash)

    def delete(self, name: str) -> None:
        if not DIGEST.match(name):
            raise Refused(f"refusing to delete {name!r}: not the name of a store object")
        self.trash.mkdir(parents=True, exist_ok=True)
        real_folder(self.root, self.trash, "store folder")
        aside = self.trash / name
        remove(self.root, aside)
        os.rename(self.store.objects / name, aside)  # gone from the store in one step
        fsync_dir(self.store.objects)
        self._step()
        remove(self.root, self.store.index / f"{name}.json")
        self._step()
        remove(self.root, aside)
        self._step()

    def orphan_records(self) -> list[Path]:
        """Index records whose object is gone (a build never trusts one without its object)."""
        if not self.store.index.is_dir():
            return []
        return [
            p
            for p in sorted(self.store.index.glob("*.json"))
            if DIGEST.match(p.stem) and not os.path.lexists(self.store.objects / p.stem)
        ]

    def _step(self) -> None:
        self._steps += 1
        if self._kill_at and self._steps >= self._kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def journal_records(path: Path) -> list[Record]:
    return Journal(path).replay() if path.is_file() else []


def run_gc(
    work_root: Path,
    store: Store,
    kept: dict[str, str],
    records: list[Record],
    *,
    dry_run: bool,
    max_age_s: float | None = None,
    max_size: int | None = None,
    now: float | None = None,
) -> Decision:
    """Decide, and unless dry_run delete (oldest first). The caller holds the work folder's lock."""
    entries = scan(store, last_done(records))
    decision = decide(entries, kept, now=time.time() if now is None else now, max_age_s=max_age_s, max_size=max_size)
    if dry_run:
        return decision
    collector = Collector(work_root, store)
    collector.empty_trash()
    for name in decision.doomed:
        collector.delete(name)
    for record in collector.orphan_records():
        remove(work_root, record)
    collector.empty_trash()
    return decision
