"""The generated pictures of a scene on the review page (`video.engine: image`): each picture the
manifest lists, taken from the store, scaled to a small JPEG beside the scene's frame."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..state.atomic import atomic_path

PICTURE_W = 160


def picture_name(scene: int, k: int) -> str:
    return f"scene-{scene:02d}-picture-{k:02d}.jpg"


def picture_files(manifest: dict[str, Any] | None, folder: Path) -> list[Path]:
    """The picture JPEGs a video's page may show (what the review server may serve)."""
    out = []
    for s in (manifest or {}).get("scenes") or []:
        out += [folder / picture_name(s["index"], k) for k in range(1, len(s.get("pictures") or []) + 1)]
    return out


def render_pictures(manifest: dict[str, Any], folder: Path, stored: Callable[[str, str], Path | None]) -> None:
    """Each listed picture, from its task's stored `picture.png`, as a JPEG PICTURE_W wide."""
    from PIL import Image, UnidentifiedImageError

    fps = manifest.get("fingerprints") or {}
    for s in manifest.get("scenes") or []:
        for k, pic in enumerate(s.get("pictures") or [], 1):
            src = stored(fps.get(pic.get("task", ""), ""), "picture.png")
            if src is None:
                continue
            try:
                with Image.open(src) as im:
                    small = im.convert("RGB")
                    small.thumbnail((PICTURE_W, PICTURE_W * 4))
            except (OSError, UnidentifiedImageError):
                continue
            with atomic_path(folder / picture_name(s["index"], k)) as tmp:
                small.save(tmp, format="JPEG", quality=85)


def picture_links(scene: dict[str, Any], folder: Path, url: Callable[[Path], str]) -> list[dict[str, Any]]:
    """The scene's pictures for the page: each JPEG's url with its prompt, seed and model."""
    out = []
    for k, pic in enumerate(scene.get("pictures") or [], 1):
        path = folder / picture_name(scene["index"], k)
        if path.is_file():
            out.append({"src": url(path), **{key: pic.get(key) for key in ("model", "seed", "prompt")}})
    return out
