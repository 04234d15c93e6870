"""Where Hugging Face keeps downloaded models, read without downloading anything. Shared by the
model backends (kokoro, wan) and `vidc doctor`."""
from __future__ import annotations

import os
from pathlib import Path


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
        cand = snaps / ref.read_text(encoding="utf-8").strip()
        if (cand / marker).exists():
            return cand
    found = sorted((p for p in snaps.iterdir() if (p / marker).exists()), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None
