"""A folder of your own music tracks: index it, write its catalogue, read it back.

User libraries (`vidc music index FOLDER`): `index_folder(folder)` returns a catalogue dict that the
caller writes as `FOLDER/vidc-music.json`; `load_catalog(folder)` reads it back. For every audio
file (.wav .mp3 .flac .ogg .oga .opus .m4a .aac) in the folder and its sub-folders:

- duration: decoded with ffmpeg, samples counted (never the header);
- loudness: integrated LUFS measured by ffmpeg's `loudnorm` filter;
- BPM: librosa's beat tracker (`pip install 'vidc[music]'`), unless a sidecar gives it;
- moods, licence, title, BPM from sidecars, in this order (later ones win):
    1. `moods.yaml` (or `moods.yml`/`moods.json`) in the track's folder, keyed by file name:
           calm-piano.mp3: [calm, piano]                       # a list of moods, or
           intro.wav: {moods: [uplifting], licence: CC-BY-4.0, bpm: 120, title: Intro}
    2. `NAME.moods.txt` next to `NAME.ext` (or `NAME.tags`): moods separated by commas/newlines;
    3. `NAME.licence.txt` (or `NAME.license.txt`): the licence on its first line.
  With no sidecar a track has no moods and licence "unknown".

Everything is sorted and relative, so indexing the same folder twice gives the same JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..state.confine import Refused, is_inside, read_json
from .music_library import TrackInfo
from .tools import (
    BackendError as _BaseError,  # backends pass selection errors through unchanged
    run_captured,
)

CATALOG_FILE = "vidc-music.json"
CATALOG_VERSION = 1
AUDIO_EXTENSIONS = (".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac")
_BPM_HOP = 128


class MusicSelectionError(_BaseError, ValueError):
    """No track fits, or a music folder cannot be indexed/read (select_track raises it too; music_select
    re-exports it)."""


def norm_moods(moods: Iterable[str] | str | None) -> frozenset[str]:
    """Mood tags lower-cased and stripped; a string is split at commas and newlines."""
    if moods is None:
        return frozenset()
    if isinstance(moods, str):
        moods = re.split(r"[,\n]", moods)
    return frozenset(m.strip().lower() for m in moods if str(m).strip())


def _run(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return run_captured(argv, what=argv[0])
    except FileNotFoundError as exc:
        raise MusicSelectionError(f"{argv[0]} is not installed: `apt-get install ffmpeg`") from exc


def _audio_rate(path: Path) -> int:
    proc = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=sample_rate",
            "-of",
            "json",
            str(path),
        ]
    )
    if proc.returncode != 0:
        raise MusicSelectionError(
            f"{path}: not a readable audio file: {proc.stderr.decode(errors='replace').strip()[-300:]}"
        )
    streams = json.loads(proc.stdout.decode() or "{}").get("streams") or []
    if not streams:
        raise MusicSelectionError(f"{path}: has no audio stream")
    return int(streams[0].get("sample_rate") or 44100)


def _decode_mono(path: Path, rate: int) -> np.ndarray:
    proc = _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "f32le",
            "-",
        ]
    )
    if proc.returncode != 0:
        raise MusicSelectionError(
            f"{path}: ffmpeg could not decode it: {proc.stderr.decode(errors='replace').strip()[-300:]}"
        )
    return np.frombuffer(proc.stdout, dtype="<f4")


def measure_loudness(path: str | os.PathLike[str]) -> float | None:
    """Integrated loudness (LUFS) by ffmpeg's loudnorm analysis; None for silence."""
    proc = _run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json",
            "-f",
            "null",
            "-",
        ]
    )
    if proc.returncode != 0:
        raise MusicSelectionError(
            f"{path}: loudness analysis failed: {proc.stderr.decode(errors='replace').strip()[-300:]}"
        )
    text = proc.stderr.decode(errors="replace")
    start = text.rfind("{")
    end = text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        value = float(json.loads(text[start : end + 1])["input_i"])
    except (KeyError, ValueError):
        return None
    return None if not np.isfinite(value) or value < -70 else round(value, 2)


def _estimate_bpm(y: np.ndarray, sr: int, name: str) -> float:
    try:
        import librosa  # optional extra, imported only here
    except ImportError as exc:
        raise MusicSelectionError(
            f"{name}: measuring BPM needs librosa: pip install 'vidc[music]' (or give `bpm:` for it in moods.yaml)"
        ) from exc
    if y.size < sr:  # under a second: no tempo
        return 0.0
    tempo, _beats = librosa.beat.beat_track(
        y=np.ascontiguousarray(y, dtype=np.float32), sr=sr, hop_length=_BPM_HOP, units="time"
    )
    value = float(np.atleast_1d(tempo)[0])
    return round(value, 1)


def _load_folder_sidecar(folder: Path) -> dict[str, Any]:
    for name in ("moods.yaml", "moods.yml", "moods.json"):
        p = folder / name
        if p.is_file() and is_inside(p.resolve(), folder.resolve()):
            text = p.read_text(encoding="utf-8")
            try:
                if name.endswith(".json"):
                    data = json.loads(text)
                else:
                    import yaml

                    data = yaml.safe_load(text)
            except Exception as exc:
                raise MusicSelectionError(f"{p}: cannot be read: {exc}") from exc
            if data is None:
                return {}
            if not isinstance(data, dict):
                raise MusicSelectionError(f"{p}: expected a mapping of file name -> moods")
            return {str(k): v for k, v in data.items()}
    return {}


def _read_first_line(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            return line.strip()
    return None


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "track"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _own(root: Path, path: Path) -> bool:
    """A file of the library itself: it resolves inside the folder (a link out of it is skipped)."""
    return is_inside(path.resolve(), root.resolve())


def _audio_files(root: Path) -> list[Path]:
    """The library's audio files, sorted by relative path: hidden folders and links out of it skipped."""
    return sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix.lower() in AUDIO_EXTENSIONS
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
            and _own(root, p)
        ),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def _sidecar_meta(root: Path, path: Path, folder_meta: dict[str, Any]) -> tuple[dict[str, Any], list[str], str]:
    """A track's sidecar entry, moods and licence: the folder's moods file, then NAME.moods.txt/NAME.tags,
    then NAME.licence.txt/NAME.license.txt (later ones win)."""
    meta = folder_meta.get(path.name)
    if meta is None:
        meta = folder_meta.get(path.stem)
    entry: dict[str, Any] = {}
    if isinstance(meta, (list, tuple, str)):
        entry["moods"] = meta
    elif isinstance(meta, dict):
        entry = dict(meta)
    moods = list(norm_moods(entry.get("moods") or entry.get("tags") or ()))
    for side in (path.with_name(path.stem + ".moods.txt"), path.with_name(path.stem + ".tags")):
        if side.is_file() and _own(root, side):
            moods = list(norm_moods(side.read_text(encoding="utf-8")))
    licence = entry.get("licence") or entry.get("license") or "unknown"
    for side in (path.with_name(path.stem + ".licence.txt"), path.with_name(path.stem + ".license.txt")):
        if side.is_file() and _own(root, side):
            licence = _read_first_line(side) or licence
    return entry, moods, licence


def _unique_id(rel: str, used_ids: set[str]) -> str:
    """The track id: a slug of its path without the suffix, -2, -3... when taken; recorded in `used_ids`."""
    tid = _slug(Path(rel).with_suffix("").as_posix())
    base, k = tid, 2
    while tid in used_ids:
        tid = f"{base}-{k}"
        k += 1
    used_ids.add(tid)
    return tid


def index_folder(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Measure every audio file under `folder`: {"vidc_music": 1, "tracks": [track dicts sorted by path]}."""
    root = Path(folder)
    if not root.is_dir():
        raise MusicSelectionError(f"{root}: not a folder")
    sidecars: dict[Path, dict[str, Any]] = {}
    tracks: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    for path in _audio_files(root):
        rel = path.relative_to(root).as_posix()
        if path.parent not in sidecars:
            sidecars[path.parent] = _load_folder_sidecar(path.parent)
        entry, moods, licence = _sidecar_meta(root, path, sidecars[path.parent])
        rate = _audio_rate(path)
        y = _decode_mono(path, rate)
        duration_s = round(len(y) / rate, 3)
        bpm = entry.get("bpm")
        bpm = float(bpm) if bpm is not None else _estimate_bpm(y, rate, rel)
        info = TrackInfo(
            id=_unique_id(rel, used_ids),
            title=str(entry.get("title") or path.stem),
            moods=tuple(sorted(moods)),
            bpm=bpm,
            duration_s=duration_s,
            key=(str(entry["key"]) if entry.get("key") else None),
            licence=str(licence),
            source=str(entry.get("source") or "user library"),
            path=rel,
            loudness_lufs=measure_loudness(path),
            sha256=_sha256(path),
        )
        tracks.append(info.to_dict())
    return {"vidc_music": CATALOG_VERSION, "tracks": tracks}


def write_catalog(folder: str | os.PathLike[str], catalog: dict[str, Any]) -> Path:
    """Write `catalog` as FOLDER/vidc-music.json, canonical and atomic."""
    from .wav import atomic_path

    path = Path(folder) / CATALOG_FILE
    text = json.dumps(catalog, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def load_catalog(folder: str | os.PathLike[str]) -> list[TrackInfo]:
    """The tracks of an indexed folder (FOLDER/vidc-music.json)."""
    path = Path(folder) / CATALOG_FILE
    if not path.is_file():
        raise MusicSelectionError(f"{folder}: no {CATALOG_FILE}: run `vidc music index {folder}` first")
    try:  # a regular file, capped, never blocking; damaged or absurdly nested JSON is one line
        data = read_json(path, what="music catalogue")
    except Refused as exc:
        raise MusicSelectionError(f"{exc}: run `vidc music index {folder}` again") from None
    if not isinstance(data, dict) or not isinstance(data.get("tracks"), list):
        raise MusicSelectionError(f"{path}: not a vidc music catalogue: run `vidc music index {folder}` again")
    return [TrackInfo.from_dict(t) for t in data["tracks"]]
