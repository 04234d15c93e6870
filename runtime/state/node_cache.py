"""The bound on a Ray node's caches (the folders under `$TMPDIR/vidc-ray/`): a size cap, least recently
used first, never removing what a running task holds.

A Ray lane keeps the store objects it received or made, and a copy of the project's files when its
node cannot see the project folder, under `$TMPDIR/vidc-ray/<build key>/`. Those folders are caches
(the driver's store is the durable copy, and a node that lacks an object is sent it again), so they
may be removed at any time, except while a task reads them. What counts against the cap, and what may
be removed: every `*/store/objects/<hash>/` and every `*/project-<hash>/` folder under that root, for
every project and build that used the node. Scratch a killed lane left in `*/store/tmp/` goes once it
is STALE_TMP_S old.

Holding: a lane takes a shared flock on each folder it uses (its inputs for the length of a task, its
project copy for its life) and touches the folder's time, which is the "last used" that eviction
sorts by. Eviction takes an exclusive flock without waiting: a folder someone holds is skipped. Under
that lock it renames the folder out of the cache (one atomic step, so a lane never sees half of it)
and then deletes it. A holder checks, once its lock is granted, that the path still names the folder
it locked; if not, the object counts as missing and the driver sends it again.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .confine import Refused, remove

CACHE_MAX_ENV = "VIDC_RAY_CACHE_MAX"
DEFAULT_MAX = 20 << 30  # bytes: 20 GiB per node
STALE_TMP_S = 6 * 3600
TRASH = ".evicting"


def _flock(path: Path, mode: int) -> int | None:
    """An fd on the folder `path`, locked with `mode`; None when it is gone or (LOCK_NB) taken."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, mode)
    except OSError:
        os.close(fd)
        return None
    return fd


class Holds:
    """The folders one lane holds: a shared lock on each, released together."""

    def __init__(self) -> None:
        self.fds: list[int] = []

    def take(self, path: Path) -> bool:
        """Hold folder `path` (and mark it used now); False when it is not there (any more)."""
        fd = _flock(path, fcntl.LOCK_SH)
        if fd is None:
            return False
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if not same:  # evicted between our open and our lock
            os.close(fd)
            return False
        self.fds.append(fd)
        try:
            os.utime(path)
        except OSError:
            pass
        return True

    def release(self) -> None:
        for fd in self.fds:
            os.close(fd)  # closing the last fd on it drops the flock
        self.fds.clear()


@dataclass(frozen=True)
class Entry:
    path: Path
    used: float
    size: int


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def entries(root: Path) -> list[Entry]:
    """Every removable folder of the node's caches under root, least recently used first."""
    found: list[Entry] = []
    for key in _dirs(root):
        for folder in [*_dirs(key / "store" / "objects"), *(p for p in _dirs(key) if p.name.startswith("project-"))]:
            try:
                used = os.stat(folder, follow_symlinks=False).st_mtime
            except OSError:
                continue
            found.append(Entry(folder, used, _size(folder)))
    return sorted(found, key=lambda e: (e.used, e.path.as_posix()))


def _dirs(folder: Path) -> Iterable[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and p.name != TRASH)
    except OSError:
        return []


def evict(entry: Entry, root: Path) -> bool:
    """Remove one folder unless someone holds it: rename it out under the lock, then delete it."""
    fd = _flock(entry.path, fcntl.LOCK_EX | fcntl.LOCK_NB)
    if fd is None:
        return False
    trash = root / TRASH / f"{entry.path.name}-{os.getpid()}-{time.monotonic_ns()}"
    try:
        trash.parent.mkdir(exist_ok=True)
        os.rename(entry.path, trash)
    except OSError:
        return False
    finally:
        os.close(fd)
    _forget(root, trash)
    return True


def _forget(root: Path, path: Path) -> None:
    """Delete inside root, never through a link (confine.remove); what cannot go now goes next time."""
    try:
        remove(root, path)
    except (OSError, Refused):
        pass


def prune(root: Path, cap: int) -> tuple[int, int]:
    """Bring the caches under root to at most `cap` bytes, least recently used first, skipping what is
    held; (folders removed, bytes freed). Also clears trash and stale scratch that killed lanes left."""
    if not _busy_trash(root):
        _forget(root, root / TRASH)
    _clear_stale_tmp(root)
    found = entries(root)
    total = sum(e.size for e in found)
    removed = freed = 0
    for entry in found:
        if total <= cap:
            break
        if evict(entry, root):
            total -= entry.size
            removed, freed = removed + 1, freed + entry.size
    return removed, freed


def _busy_trash(root: Path) -> bool:
    """Another process may be deleting in the trash now: leave it to them when it is fresh."""
    try:
        return time.time() - os.stat(root / TRASH).st_mtime < 60
    except OSError:
        return True  # no trash: nothing to clear


def _clear_stale_tmp(root: Path) -> None:
    now = time.time()
    for key in _dirs(root):
        for scratch in _dirs(key / "store" / "tmp"):
            try:
                if now - os.stat(scratch, follow_symlinks=False).st_mtime > STALE_TMP_S:
                    _forget(root, scratch)
            except OSError:
                pass
