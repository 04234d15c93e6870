"""Stock files in the work folder, content-addressed: `objects/<sha256>.<ext>`, committed only after
the download is complete (its length matches), decodes as a picture (ffprobe finds a video stream)
and hashes to its name. A second video, or a second build, that uses the same clip downloads nothing."""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..state.atomic import fsync_dir, write_text
from .stock_api import TIMEOUT_S, StockError, shown

TRIES = 3
MAX_BYTES = 2 * 1024**3  # no stock file is larger; a server that says otherwise is refused


def object_path(store: Path, sha256: str, ext: str) -> Path:
    return store / f"{sha256}.{ext}"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stored(store: Path, sha256: str, ext: str) -> Path | None:
    """The stored object if it is there and still hashes to its name (a damaged one is removed)."""
    path = object_path(store, sha256, ext)
    if not path.is_file():
        return None
    if file_sha256(path) == sha256:
        return path
    path.unlink(missing_ok=True)
    return None


def _by_url(store: Path, url: str) -> Path:
    """Where the store notes which object a URL gave (so the same clip is never downloaded twice)."""
    return store / "by-url" / hashlib.sha256(url.encode("utf-8")).hexdigest()


def download(url: str, store: Path, ext: str, sleep: Callable[[float], None] = time.sleep) -> tuple[Path, int]:
    """The file at `url` in the store, verified: the stored copy when this URL was downloaded before
    (and its object is still whole), else downloaded now; (its path, its size). StockError after
    TRIES bad tries."""
    store.mkdir(parents=True, exist_ok=True)
    try:
        known = stored(store, _by_url(store, url).read_text(encoding="utf-8").strip(), ext)
    except OSError:
        known = None
    if known is not None:
        return known, known.stat().st_size
    problem = ""
    for attempt in range(TRIES):
        try:
            path, size = _once(url, store, ext)
            write_text(_by_url(store, url), path.name.rsplit(".", 1)[0])
            return path, size
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
            if exc.code in (401, 403, 404, 410):
                break  # asking again will not bring it back
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
            problem = str(getattr(exc, "reason", exc)) or type(exc).__name__
        except _Bad as exc:
            problem = str(exc)
        sleep(0.5 * 2**attempt)
    raise StockError(f"cannot download {shown(url)}: {problem}")


class _Bad(Exception):
    pass


def _once(url: str, store: Path, ext: str) -> tuple[Path, int]:
    h, size = hashlib.sha256(), 0
    fd, name = tempfile.mkstemp(prefix=".incoming.", suffix=f".{ext}", dir=store)
    tmp = Path(name)
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "vidc"})
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp, os.fdopen(fd, "wb") as out:
            length = resp.headers.get("Content-Length")
            for block in iter(lambda: resp.read(1 << 20), b""):
                size += len(block)
                if size > MAX_BYTES:
                    raise _Bad("the file is larger than any stock file should be")
                h.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if length is not None and length.isdigit() and int(length) != size:
            raise _Bad(f"the download stopped at {size} of {length} bytes")
        if not _is_picture(tmp):
            raise _Bad("the file is not a video or an image ffmpeg can decode")
        final = object_path(store, h.hexdigest(), ext)
        os.chmod(tmp, 0o644)
        os.replace(tmp, final)  # committed under its content hash, whole and decodable
        fsync_dir(store)
        return final, size
    finally:
        tmp.unlink(missing_ok=True)


def _is_picture(path: Path) -> bool:
    from .wav import probe_media

    try:
        streams = probe_media(path).get("streams", [])
    except (OSError, ValueError):
        return False
    return any(s.get("codec_type") == "video" and s.get("width") for s in streams)
