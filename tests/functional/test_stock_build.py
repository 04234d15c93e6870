"""Stock footage built for real against local servers speaking Pexels' and Pixabay's APIs: a
landscape and a vertical video with the right orientation and size in every scene, no clip twice,
complete credits; a 429 waited out; a rebuild after the servers reshuffle their answers makes the
same bytes without a search; and no key in any file under the project."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from tests.cli import run_cli
from tests.fakes.stock_servers import FakePexels, FakePixabay
from vidc.schemas.stock import parse_lock

SPEC = """vidc: 1
name: NAME
script:
  scenes:
    - {visual_prompt: "ocean waves at sunrise", duration_seconds: 2}
    - {visual_prompt: "the sea again, more waves", duration_seconds: 2}
    - {stock_query: "city traffic", duration_seconds: 2}
video: {engine: stock}
music: {track: bed.wav}
captions: {mode: off}
export: {preset: PRESET}
"""
KEYS = {"PEXELS_API_KEY": "px-functional-key-1", "PIXABAY_API_KEY": "pb-functional-key-2"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _size(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    s = json.loads(out)["streams"][0]
    return s["width"], s["height"]


def test_stock_builds_landscape_and_vertical_and_rebuilds_the_same_without_searching(tmp_path, monkeypatch):
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=220:d=20", "-ar", "44100", str(tmp_path / "bed.wav")],
        check=True,
    )  # fmt: skip
    for name, preset in (("land", "draft"), ("vert", "draft-vertical")):
        (tmp_path / f"{name}.yaml").write_text(SPEC.replace("NAME", name).replace("PRESET", preset))
    with FakePexels(api_key=KEYS["PEXELS_API_KEY"]) as px, FakePixabay(api_key=KEYS["PIXABAY_API_KEY"]) as pb:
        for k, v in {**KEYS, "PEXELS_API_URL": px.url, "PIXABAY_API_URL": pb.url + "/api"}.items():
            monkeypatch.setenv(k, v)
        px.push({"status": 429, "retry_after": "1"})  # the first search is told to wait a second
        for name, size in (("land", (640, 360)), ("vert", (360, 640))):
            run_cli("build", tmp_path / f"{name}.yaml").ok()
            lock = parse_lock((tmp_path / f"{name}.stock.json").read_text())
            picks = list(lock.videos[name].values())
            assert len(picks) == 3 and not any(p.fallback for p in picks)
            assert all((p.width, p.height) == size for p in picks)  # the frame's orientation, never bigger
            assert len({(p.provider, p.id) for p in picks}) == 3  # no clip twice
            assert _size(tmp_path / "build" / f"{name}.mp4") == size
            credits = (tmp_path / "build" / f"{name}.credits.txt").read_text()
            manifest = json.loads((tmp_path / "build" / f"{name}.json").read_text())
            assert [c["scene"] for c in manifest["credits"]] == [1, 2, 3]
            for p in picks:
                assert p.author in credits and p.page in credits and p.licence in credits
        assert px.counts["search"] >= 3  # the 429 and the searches after it
        first = _sha(tmp_path / "build" / "land.mp4")
        searches = px.counts["search"] + pb.counts["search"]
        px.reshuffle(7)
        pb.reshuffle(7)
        for gone in ("build", ".vidc"):
            subprocess.run(["rm", "-rf", str(tmp_path / gone)], check=True)
        run_cli("build", tmp_path / "land.yaml").ok()
        assert _sha(tmp_path / "build" / "land.mp4") == first
        assert px.counts["search"] + pb.counts["search"] == searches  # the lock, not a search
    run_cli("review", tmp_path / "land.yaml", "-o", tmp_path / "site").ok()
    page = " ".join(p.read_text() for p in (tmp_path / "site").rglob("*.html"))
    for p in parse_lock((tmp_path / "land.stock.json").read_text()).videos["land"].values():
        assert f"{p.provider} {p.id}</a> by {p.author}" in page  # the credit beside the clip
    leaked = subprocess.run(
        ["grep", "-rlF", "-e", KEYS["PEXELS_API_KEY"], "-e", KEYS["PIXABAY_API_KEY"], str(tmp_path)], capture_output=True
    )  # fmt: skip
    assert leaked.stdout == b"", leaked.stdout
