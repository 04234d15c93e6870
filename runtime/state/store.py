"""A content-addressed store of task outputs under the work folder.

Each finished task's output folder is named by the hash of its contents (sorted relative paths
and file hashes), so identical outputs are stored once. Content addressing is checked, not
assumed (house rule 6 in docs/architecture.md):

- a task writes into store/tmp/<name>/ and commits with one rename into store/objects/<hash>/;
  if a folder of that name already exists it is kept only if it still hashes to its name, else
  the damaged folder is replaced by the fresh output;
- at commit the size and hash of every file are recorded in store/index/<hash>.json, so a task's
  inputs can be checked cheaply before use (`verify(full=False)`: the same files, the same
  sizes); recovery and `vidc verify` re-hash in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from .atomic import fsync_dir, write_text
from .confine import Refused, confined, read_json, read_text, remove

DIGEST = re.compile(r"^[0-9a-f]{64}$")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def manifest(folder: Path) -> dict[str, list]:
    """{relative path: [size, sha256]} of every file under folder (a symlink is never content)."""
    out: dict[str, list] = {}
    for path in _files(folder):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() or not path.is_file():
            out[rel] = [-1, "symlink"]
        else:
            out[rel] = [path.stat().st_size, file_sha256(path)]
    return out


def digest_of(files: dict[str, list]) -> str:
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(f"{rel}\0{files[rel][1]}\n".encode())
    return h.hexdigest()


def tree_hash(folder: Path) -> str:
    return digest_of(manifest(folder))


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"
        self.index = root / "index"

    def ensure(self) -> None:
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.index.mkdir(parents=True, exist_ok=True)

    def object_dir(self, digest: str) -> Path:
        return self.objects / digest

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def new_tmp(self, name: str) -> Path:
        path = self.tmp / name
        remove(self.root, path)
        path.mkdir(parents=True)
        return path

    # -- commit -------------------------------------------------------------------------------
    def commit(self, tmp_dir: Path) -> str:
        """Fsync every file, hash the folder, rename it into place; return its hash.

        An existing object of that name is kept only if it verifies in full; a damaged one is
        replaced by the fresh output (never the other way round)."""
        for path in tmp_dir.rglob("*"):
            if path.is_file() and not path.is_symlink():
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        files = manifest(tmp_dir)
        digest = digest_of(files)
        target = self.object_dir(digest)
        for _ in range(3):
            if target.exists() or target.is_symlink():
                if self._matches(target, files):
                    remove(self.root, tmp_dir)
                    break
                self._discard(target)
            try:
                os.rename(tmp_dir, target)
            except OSError:
                if target.exists():  # another worker committed the same object just now: check it
                    continue
                raise
            fsync_dir(self.objects)
            break
        else:
            raise OSError(f"cannot commit {tmp_dir} to {target}")
        self._write_index(digest, files)
        return digest

    def _matches(self, target: Path, files: dict[str, list]) -> bool:
        if target.is_symlink() or not target.is_dir():
            return False
        try:
            return manifest(target) == files
        except OSError:
            return False

    def _discard(self, target: Path) -> None:
        """Move a damaged object out of the way (a rename: atomic), then delete it; never through a
        link out of the store (a symlinked objects/ or tmp/ is refused, nothing moved)."""
        aside = self.tmp / f"damaged-{target.name[:16]}-{os.getpid()}"
        confined(self.root, target.parent, "store folder")
        confined(self.root, aside.parent, "store folder")
        self._forget(aside)
        self.tmp.mkdir(parents=True, exist_ok=True)
        os.rename(target, aside)
        self._forget(aside)

    def _forget(self, path: Path) -> None:
        """Remove scratch of the store's own (never through a link out of it); what cannot be removed
        now stays in store/tmp, which the next build clears."""
        try:
            remove(self.root, path)
        except OSError:
            pass

    def _write_index(self, digest: str, files: dict[str, list]) -> None:
        self.index.mkdir(parents=True, exist_ok=True)
        path = self.index / f"{digest}.json"
        text = json.dumps({"files": files}, sort_keys=True)
        try:
            if read_text(path, 1 << 24, "store index") == text:
                return
        except (OSError, Refused):  # missing, damaged, or planted as a FIFO: written again by name
            pass
        write_text(path, text)

    # -- verification -------------------------------------------------------------------------
    def recorded(self, digest: str) -> dict[str, list] | None:
        """The sizes and hashes recorded at commit, or None (missing, unreadable or not matching
        the object's name)."""
        try:
            data = read_json(self.index / f"{digest}.json", 1 << 24, "store index")  # never a FIFO, never deep
            files = data["files"]
            if not isinstance(files, dict) or digest_of(files) != digest:
                return None
            if not all(
                isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and isinstance(v[1], str)
                for v in files.values()
            ):
                return None
            return files
        except (OSError, ValueError, KeyError, TypeError, AttributeError, Refused):
            return None

    def verify(self, digest: str, *, full: bool = True) -> bool:
        """Does object `digest` hold exactly what its name says? `full=False` compares the file
        list and sizes with the record made at commit (falls back to a full hash without one)."""
        if not DIGEST.match(digest):
            return False
        target = self.object_dir(digest)
        if target.is_symlink() or not target.is_dir():
            return False
        try:
            files = self.recorded(digest)
            if full or files is None:
                found = manifest(target)
                ok = digest_of(found) == digest
                if ok and files is None:
                    self._write_index(digest, found)
                return ok
            present = {p.relative_to(target).as_posix(): p for p in _files(target)}
            if set(present) != set(files):
                return False
            return all(not p.is_symlink() and p.stat().st_size == files[rel][0] for rel, p in present.items())
        except OSError:
            return False

    def file_hash(self, digest: str, rel: str) -> str | None:
        """The hash recorded at commit for one file of an object."""
        files = self.recorded(digest)
        if files is None or rel not in files:
            return None
        return files[rel][1]

    def all_objects(self) -> list[str]:
        if not self.objects.is_dir():
            return []
        return sorted(p.name for p in self.objects.iterdir())

    def remove(self, name: str) -> None:
        target = self.objects / name
        if target.exists() or target.is_symlink():
            self._discard(target)
        remove(self.root, self.index / f"{name}.json")

    def clear_tmp(self) -> None:
        remove(self.root, self.tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
