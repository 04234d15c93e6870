"""Where a model is on this machine: a folder the spec names, or Hugging Face's download cache,
read without downloading anything. The one model finder of the model backends (kokoro, wan), the
plan-time facts and `vidc doctor`."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def is_hub_id(ref: str) -> bool:
    """`owner/name` as the hub spells repository ids (never a relative path such as ./x/y)."""
    return bool(_HUB_ID.match(ref)) and not ref.startswith(".")


@dataclass(frozen=True)
class FoundModel:
    folder: Path | None  # where the model is; None when it is not on this machine
    named: Path  # the folder the reference names: absolute, or relative to the project
    hub_id: str | None = None  # the reference, read as a hub id (no folder of that name exists)


def find_model(ref: str, project_dir: Path, marker: str) -> FoundModel:
    """A model reference as a spec writes it: a folder (absolute, or relative to the project), else
    a hub id whose cached snapshot holds `marker` (model_index.json, config.json)."""
    given = Path(ref).expanduser()
    named = given if given.is_absolute() else Path(project_dir) / given
    if named.is_dir():
        return FoundModel(named, named)
    if is_hub_id(ref):
        return FoundModel(cached_snapshot(ref, marker), named, ref)
    return FoundModel(None, named)


def hf_hub_cache() -> Path:
    """The hub cache folder, read from the environment at call time."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(home).expanduser() / "hub"


def cached_snapshot(repo_id: str, marker: str, cache: Path | None = None) -> Path | None:
    """The snapshot folder of `repo_id` that holds `marker` (refs/main first, else the newest)."""
    root = (cache or hf_hub_cache()) / ("models--" + repo_id.replace("/", "--"))
    snaps = root / "snapshots"
    if not snaps.is_dir():
        return None
    ref = root / "refs" / "main"
    if ref.is_file():
        name = ref.read_text(encoding="utf-8", errors="replace").strip()
        cand = snaps / name
        if _COMMIT.match(name) and blob_ok(cand / marker):
            return cand
    found = sorted((p for p in snaps.iterdir() if blob_ok(p / marker)), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


_COMMIT = re.compile(r"^[0-9A-Za-z._-]{1,128}$")  # a commit hash or a revision name: never a path
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHECK_BYTES = 64 << 20  # blobs up to this size are re-hashed on every lookup; larger ones are size-checked


def blob_ok(path: Path) -> bool:
    """A hub file is usable: it resolves to a non-empty regular file, and a blob named by its sha256
    (the hub's content address for LFS files) of up to 64 MB still hashes to its name."""
    try:
        real = path.resolve(strict=True)
        st = real.stat()
    except (OSError, RuntimeError):
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        return False
    if _SHA256.match(real.name) and st.st_size <= _CHECK_BYTES:
        h = hashlib.sha256()
        with open(real, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        return h.hexdigest() == real.name
    return True
