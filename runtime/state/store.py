"""A content-addressed store of task outputs under the work folder.

Each finished task's output folder is named by the hash of its contents (sorted relative paths
and file hashes), so identical outputs are stored once and a damaged object is detected on resume.
A task writes into store/tmp/<name>/ and commits with one rename into store/objects/<hash>/.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from .atomic import fsync_dir


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        h.update(f"{rel}\0{file_sha256(path)}\n".encode("utf-8"))
    return h.hexdigest()


class Store:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"

    def ensure(self) -> None:
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def object_dir(self, digest: str) -> Path:
        return self.objects / digest

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def new_tmp(self, name: str) -> Path:
        path = self.tmp / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def commit(self, tmp_dir: Path) -> str:
        """Fsync every file, hash the folder, rename it into place; return its hash."""
        for path in tmp_dir.rglob("*"):
            if path.is_file():
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        digest = tree_hash(tmp_dir)
        target = self.object_dir(digest)
        if target.exists():
            shutil.rmtree(tmp_dir)
        else:
            os.rename(tmp_dir, target)
            fsync_dir(self.objects)
        return digest

    def verify(self, digest: str) -> bool:
        target = self.object_dir(digest)
        return target.is_dir() and tree_hash(target) == digest

    def clear_tmp(self) -> None:
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
