"""Local stand-ins for the Pexels and Pixabay APIs, with their own catalogue of tiny clips and photos.

FakePexels speaks `GET /videos/search` and `GET /v1/search` (header `Authorization: KEY`; query,
orientation, size, per_page, page) and answers Pexels' JSON (videos with `video_files` renditions,
`user`, `url`, `image`, `duration`; photos with `src`, `photographer`), with `X-Ratelimit-*` headers.
FakePixabay speaks `GET /api/?key=&q=&image_type=photo&orientation=` and `GET /api/videos/?key=&q=`
(hits with `videos: {large, medium, small, tiny}`, `pageURL`, `user`, `user_id`, `duration`); a bad
key is HTTP 400 with a plain-text body, as Pixabay does. Files are served from `/files/NAME` and made
the first time they are asked for (ffmpeg test patterns of the rendition's size, coloured per clip).

Switches: `fake.reshuffle(seed)` changes the order of every later answer; `fake.push({...})` scripts
the next requests' failures in order ({"status": 429, "retry_after": "1"}, {"status": 500},
{"bad_json": True}, {"truncate": True} or {"not_video": True} for a file); `fake.counts` counts
searches and downloads; `fake.seen_keys` holds the keys that arrived (the server never prints them).
Binds 127.0.0.1:0 only.
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

# (width, height) renditions of a landscape clip; a portrait clip has them turned.
RENDITIONS = [("tiny", 256, 144), ("small", 640, 360), ("medium", 1280, 720), ("large", 1920, 1080)]


@dataclass(frozen=True)
class Item:
    id: int
    tags: tuple[str, ...]
    orientation: str  # landscape | portrait
    seconds: int = 0  # 0: a photo
    user: str = "Ada Example"


def default_catalogue(base: int) -> list[Item]:
    """Videos and photos on a few subjects, in both orientations; ids start at `base`."""
    subjects = [("ocean", "waves", "sunrise", "sea"), ("city", "traffic", "street", "night"),
                ("forest", "trees", "nature", "green"), ("coffee", "cup", "morning", "cafe"),
                ("mountain", "snow", "peak", "sky")]  # fmt: skip
    items, n = [], base
    for tags in subjects:
        for orient in ("landscape", "portrait"):
            for seconds in (3, 8):
                items.append(Item(n, tags, orient, seconds, user=f"Author {n}"))
                n += 1
            items.append(Item(n, tags, orient, 0, user=f"Photographer {n}"))
            n += 1
    return items


class _Fake:
    provider = ""

    def __init__(self, api_key: str = "test-key", catalogue: list[Item] | None = None, base: int = 1000) -> None:
        self.api_key = api_key
        self.catalogue = catalogue if catalogue is not None else default_catalogue(base)
        self.seed: int | None = None
        self.script: list[dict[str, Any]] = []
        self.counts = {"search": 0, "download": 0}
        self.seen_keys: list[str] = []
        self.files = Path(tempfile.mkdtemp(prefix=f"fake-{self.provider}-"))
        self._lock = threading.Lock()

    # switches
    def reshuffle(self, seed: int) -> None:
        self.seed = seed

    def push(self, *failures: dict[str, Any]) -> None:
        self.script.extend(failures)

    def _next_failure(self) -> dict[str, Any] | None:
        with self._lock:
            return self.script.pop(0) if self.script else None

    # the catalogue
    def find(self, query: str, media: str, orientation: str | None) -> list[Item]:
        words = set(query.lower().split())
        found = [
            it
            for it in self.catalogue
            if (it.seconds > 0) == (media == "video")
            and words & set(it.tags)
            and (orientation is None or it.orientation == orientation)
        ]
        if self.seed is not None:
            random.Random(self.seed).shuffle(found)
        return found

    def file_url(self, name: str) -> str:
        return f"{self.url}/files/{name}"

    def rendition_size(self, item: Item, w: int, h: int) -> tuple[int, int]:
        return (w, h) if item.orientation == "landscape" else (h, w)

    def make_file(self, name: str) -> Path:
        """`v-ID-WxH.mp4` or `p-ID-WxH.jpg`, made with ffmpeg the first time."""
        path = self.files / name
        if path.exists():
            return path
        kind, ident, size = name.rsplit(".", 1)[0].split("-")
        item = next(it for it in self.catalogue if it.id == int(ident))
        colour = f"0x{(item.id * 2654435761) & 0xFFFFFF:06x}"
        w, h = size.split("x")
        src = f"testsrc2=s={w}x{h}:r=12:d={item.seconds or 1}"
        draw = f"drawbox=x=0:y=0:w=iw:h=ih/3:color={colour}:t=fill"
        tmp = path.with_suffix(".part" + path.suffix)
        args = ["-frames:v", "1"] if kind == "p" else ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                src,
                "-vf",
                draw,
                *args,
                str(tmp),
            ],
            check=True,
        )
        tmp.replace(path)
        return path

    # serving
    def __enter__(self) -> _Fake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:  # quiet, and never a key in a log
                pass

            def do_GET(self) -> None:
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        u = urlparse(h.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if u.path.startswith("/files/"):
            self._serve_file(h, u.path.removeprefix("/files/"))
            return
        with self._lock:
            self.counts["search"] += 1
        failure = self._next_failure()
        if failure and failure.get("status"):
            headers = {"Retry-After": failure["retry_after"]} if "retry_after" in failure else {}
            _send(h, failure["status"], b'{"error": "scripted"}', "application/json", headers)
            return
        status, body, ctype = self.answer(h, u.path, q)
        if failure and failure.get("bad_json"):
            body = b'{"videos": [ {"id": '
        _send(h, status, body, ctype, self.limit_headers())

    def _serve_file(self, h: BaseHTTPRequestHandler, name: str) -> None:
        with self._lock:
            self.counts["download"] += 1
        failure = self._next_failure()
        if failure and failure.get("status"):
            _send(h, failure["status"], b"error", "text/plain", {})
            return
        try:
            data = self.make_file(name).read_bytes()
        except (StopIteration, ValueError, subprocess.CalledProcessError):
            _send(h, 404, b"not found", "text/plain", {})
            return
        if failure and failure.get("not_video"):
            data = b"<html>this is not a video</html>"
        if failure and failure.get("truncate"):
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.close_connection = True
            return
        _send(h, 200, data, "video/mp4" if name.endswith(".mp4") else "image/jpeg", {})

    def limit_headers(self) -> dict[str, str]:
        return {}

    def answer(self, h: BaseHTTPRequestHandler, path: str, q: dict[str, str]) -> tuple[int, bytes, str]:
        raise NotImplementedError


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in headers.items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


class FakePexels(_Fake):
    provider = "pexels"

    def limit_headers(self) -> dict[str, str]:
        return {"X-Ratelimit-Limit": "20000", "X-Ratelimit-Remaining": "19999", "X-Ratelimit-Reset": "0"}

    def answer(self, h: BaseHTTPRequestHandler, path: str, q: dict[str, str]) -> tuple[int, bytes, str]:
        key = h.headers.get("Authorization", "")
        self.seen_keys.append(key)
        if key != self.api_key:
            return 401, b'{"error": "Unauthorized"}', "application/json"
        media = "video" if path == "/videos/search" else "photo" if path == "/v1/search" else ""
        if not media:
            return 404, b'{"error": "not found"}', "application/json"
        per_page = min(80, int(q.get("per_page", "15")))
        found = self.find(q.get("query", ""), media, q.get("orientation"))[:per_page]
        items = [self._video(it) if media == "video" else self._photo(it) for it in found]
        body = {"page": 1, "per_page": per_page, "total_results": len(found), "url": "https://www.pexels.com/"}
        body["videos" if media == "video" else "photos"] = items
        return 200, json.dumps(body).encode(), "application/json"

    def _video(self, it: Item) -> dict[str, Any]:
        files = []
        for k, (_quality, w, h) in enumerate(RENDITIONS):
            fw, fh = self.rendition_size(it, w, h)
            link = self.file_url(f"v-{it.id}-{fw}x{fh}.mp4")
            files.append({"id": it.id * 10 + k, "quality": "hd" if w >= 1280 else "sd", "file_type": "video/mp4",
                          "width": fw, "height": fh, "fps": 12, "link": link})  # fmt: skip
        w, h = self.rendition_size(it, 1920, 1080)
        return {
            "id": it.id, "width": w, "height": h, "duration": it.seconds,
            "url": f"https://www.pexels.com/video/{'-'.join(it.tags)}-{it.id}/",
            "image": self.file_url(f"p-{it.id}-{w // 4}x{h // 4}.jpg"),
            "user": {"id": it.id + 7, "name": it.user, "url": f"https://www.pexels.com/@author{it.id}"},
            "video_files": files,
            "video_pictures": [{"id": 1, "nr": 0, "picture": self.file_url(f"p-{it.id}-{w // 4}x{h // 4}.jpg")}],
        }  # fmt: skip

    def _photo(self, it: Item) -> dict[str, Any]:
        w, h = self.rendition_size(it, 1920, 1080)
        src = self.file_url(f"p-{it.id}-{w}x{h}.jpg")
        return {
            "id": it.id, "width": w, "height": h, "url": f"https://www.pexels.com/photo/{it.id}/",
            "photographer": it.user, "photographer_url": f"https://www.pexels.com/@p{it.id}", "alt": " ".join(it.tags),
            "src": {"original": src, "large2x": src, "large": src, "medium": src, "small": src, "tiny": src},
        }  # fmt: skip


class FakePixabay(_Fake):
    provider = "pixabay"

    def answer(self, h: BaseHTTPRequestHandler, path: str, q: dict[str, str]) -> tuple[int, bytes, str]:
        self.seen_keys.append(q.get("key", ""))
        if q.get("key") != self.api_key:
            return 400, b'[ERROR 400] "key" is invalid.', "text/plain"
        media = "video" if path.rstrip("/").endswith("/api/videos") else "photo" if path.rstrip("/") == "/api" else ""
        if not media:
            return 404, b"not found", "text/plain"
        orient = {"horizontal": "landscape", "vertical": "portrait"}.get(q.get("orientation", ""))
        found = self.find(q.get("q", ""), media, orient if media == "photo" else None)
        found = found[: max(3, min(200, int(q.get("per_page", "20"))))]
        hits = [self._video(it) if media == "video" else self._photo(it) for it in found]
        body = {"total": len(found), "totalHits": len(found), "hits": hits}
        return 200, json.dumps(body).encode(), "application/json"

    def _video(self, it: Item) -> dict[str, Any]:
        videos = {}
        for quality, w, h in reversed(RENDITIONS):
            fw, fh = self.rendition_size(it, w, h)
            videos[quality] = {"url": self.file_url(f"v-{it.id}-{fw}x{fh}.mp4"), "width": fw, "height": fh,
                               "size": 0, "thumbnail": self.file_url(f"p-{it.id}-{fw // 4}x{fh // 4}.jpg")}  # fmt: skip
        return {"id": it.id, "pageURL": f"https://pixabay.com/videos/id-{it.id}/", "type": "film",
                "tags": ", ".join(it.tags), "duration": it.seconds, "videos": videos,
                "user_id": it.id + 3, "user": it.user}  # fmt: skip

    def _photo(self, it: Item) -> dict[str, Any]:
        w, h = self.rendition_size(it, 1280, 720)
        url = self.file_url(f"p-{it.id}-{w}x{h}.jpg")
        return {"id": it.id, "pageURL": f"https://pixabay.com/photos/id-{it.id}/", "type": "photo",
                "tags": ", ".join(it.tags), "previewURL": url, "webformatURL": url, "largeImageURL": url,
                "imageWidth": w, "imageHeight": h, "user_id": it.id + 3, "user": it.user}  # fmt: skip
