"""Bind the compiler's injected I/O to a project folder on disk (the compiler itself stays pure)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from vidc.compiler.frontend import SourceFiles
from vidc.compiler.lower import is_still
from vidc.compiler.undecodable import NotUTF8

from ..state import confine
from ..state.confine import is_inside
from ..state.store import file_sha256

MUSIC_CATALOG = "vidc-music.json"  # what `vidc music index` writes in a library folder
SPEC_NAMES = ("project.yaml", "project.yml", "project.json", "vidc.yaml", "vidc.yml", "vidc.json")


class SpecNotFound(Exception):
    pass


def find_spec(target: str | Path) -> Path:
    path = Path(target)
    if path.is_dir():
        for name in SPEC_NAMES:
            if (path / name).is_file():
                return path / name
        raise SpecNotFound(f"{path}: no project spec here (looked for {', '.join(SPEC_NAMES)}); try `vidc init {path}`")
    if not path.is_file():
        if path.exists():
            raise SpecNotFound(f"{path}: not a regular file (a FIFO or a device is never read)")
        raise SpecNotFound(f"{path}: no such file")
    return path


class Unreadable(OSError, ValueError):
    """A project file that exists but is not read: a folder, FIFO or device, or over the size limit
    (text that is not UTF-8 raises NotUTF8, which says where). An OSError and a ValueError, so every reader of project files reports it as a bad
    file (a diagnostic), never a traceback."""


class NotARegularFile(OSError):
    """A FIFO, a device or a socket where a project file should be: never opened (a FIFO would hang)."""


def regular_file(path: Path) -> Path:
    """path if it is a regular file (after symlinks); refuses special files without opening them."""
    st = os.stat(path)  # FileNotFoundError when missing
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "a special file"
        raise NotARegularFile(f"{path} is {kind}, not a regular file")
    return path


def project_sources(spec_path: Path) -> tuple[SourceFiles, Path]:
    """The compiler's reader for one project: paths resolved (symlinks followed) and confined to
    the project folder, special files (FIFOs, devices) refused without being opened."""
    root = spec_path.resolve().parent

    def inside(rel: str) -> Path:
        target = (root / rel).resolve()
        if not is_inside(target, root):
            raise FileNotFoundError(rel)  # the compiler reports escapes itself; never read outside
        return target

    def read(rel: str) -> str:
        path = inside(rel)
        try:
            data = confine.read_bytes(path, what="file")
        except confine.Refused as exc:
            if not os.path.lexists(path):
                raise FileNotFoundError(rel) from None
            raise Unreadable(str(exc).replace(str(path), rel).replace("the file ", "", 1)) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:  # carries the bytes: the compiler reports the line and column
            raise NotUTF8.of(exc) from None

    def exists(rel: str) -> bool:
        try:
            target = inside(rel)
            st = os.stat(target)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return False
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)

    return SourceFiles(spec_name=spec_path.name, read=read, exists=exists), root


def project_digest(root: Path):
    """The content digest of a project file (confined to the project, a regular file; else
    "missing"), or of a music library folder (its catalog and every track it names)."""

    def digest(rel: str) -> str:
        try:
            path = confine.confined(root, rel)
            if path.is_dir():
                return library_digest(root, rel)
            return file_sha256(confine.regular(path))
        except (confine.Refused, OSError):
            return "missing"

    return digest


def library_digest(root: Path, rel: str) -> str:
    """One digest of a music library folder as a build uses it: its catalog (vidc-music.json) and
    the content of every track the catalog names, so a changed track invalidates the music task.
    A track path leaving the folder, or a track that is not a regular file, digests as missing."""
    import hashlib
    import json

    folder = confine.confined(root, rel, "music library")
    h = hashlib.sha256(b"vidc-music-library\0")
    try:
        text = confine.read_text(confine.confined_file(folder, MUSIC_CATALOG, "music catalog"), what="music catalog")
        h.update(text.encode("utf-8"))
        tracks = sorted({t["path"] for t in json.loads(text)["tracks"] if isinstance(t.get("path"), str)})
    except (confine.Refused, OSError, ValueError, TypeError, AttributeError, KeyError, RecursionError):
        return h.hexdigest() + "-no-catalog"
    for track in tracks:
        try:
            sha = file_sha256(confine.confined_file(folder, track, "music track"))
        except (confine.Refused, OSError):
            sha = "missing"
        h.update(f"{track}\0{sha}\n".encode())
    return h.hexdigest()


def project_asset_size(root: Path):
    """An asset of the project as the compiler needs it before rendering: its (width, height) for the
    crop warning, read from an image's header (Pillow reads no pixels) or a clip's first video stream
    (one ffprobe per file, remembered); a sentence saying why it cannot be read when Pillow or
    ffprobe cannot read it, so a corrupt file is a plan diagnostic and not a failed build; None
    when it is missing (the spec checks say so), outside the project, or ffprobe is not installed."""
    seen: dict[str, tuple[int, int] | str | None] = {}

    def size(rel: str) -> tuple[int, int] | str | None:
        if rel not in seen:
            seen[rel] = _probe(root, rel)
        return seen[rel]

    return size


def _probe(root: Path, rel: str) -> tuple[int, int] | str | None:
    import json
    import shutil
    import subprocess

    try:
        path = confine.confined(root, rel)
        mode = os.stat(path).st_mode
    except (confine.Refused, OSError):
        return None  # outside the project or missing: the spec checks say so
    if not stat.S_ISREG(mode):
        return f"{confine.kind_of(mode)}, not a file"  # a folder, FIFO or device is never opened
    if is_still(rel):  # the compiler shows these as stills: Pillow reads their header
        try:
            import warnings

            from PIL import Image

            with warnings.catch_warnings(), Image.open(path) as im:  # a header only: a huge image is not decoded
                warnings.simplefilter("ignore")
                return int(im.size[0]), int(im.size[1])
        except Exception as e:  # any reason Pillow gives is the reason to report
            return f"not an image that can be read ({str(e).replace(str(path), rel)[:160]})"
    probe = shutil.which("ffprobe")
    if probe is None:
        return None
    try:
        proc = subprocess.run(
            [
                probe,
                "-v",
                "error",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height",
                "-of",
                "json",
                str(path),
            ],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    streams = (json.loads(proc.stdout or b"{}").get("streams") or []) if proc.returncode == 0 else []
    if not streams or not streams[0].get("width"):
        why = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["it has no video stream"]
        return f"not a video ffmpeg can decode ({why[0].replace(str(path), rel)[:160]})"
    return int(streams[0]["width"]), int(streams[0]["height"])
