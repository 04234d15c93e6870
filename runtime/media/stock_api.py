"""Searching Pexels and Pixabay for a scene's footage: their JSON read into candidates, each with
the smallest rendition that is at least the frame's size.

A good API citizen: every search response is cached in the work folder for 24 hours (Pixabay's
terms ask for it), a 429 is waited out for as long as `Retry-After` says (within a bound), Pexels'
`X-Ratelimit-Remaining`/`Reset` are honoured before the next request, a 5xx or a malformed answer
is retried a bounded number of times, and every request has a timeout. Keys come from the
environment and never appear in an error, a log line or a cached file (Pixabay's key is a query
parameter, so URLs are shown without their query)."""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vidc.schemas.stock import DEFAULT_URL, KEY_ENV, URL_ENV

from ..state.atomic import write_text
from .http_retry import retry_after_s

CACHE_TTL_S = 24 * 3600
TIMEOUT_S = 30.0
TRIES = 4  # a 5xx, a malformed answer or a timeout is asked again this many times in all
MAX_WAIT_S = 120.0  # the longest a 429 or an exhausted rate limit is waited out
PER_PAGE = 20


class StockError(Exception):
    """One line for the user (never a key, never a URL's query)."""


@dataclass(frozen=True)
class Candidate:
    provider: str
    id: str
    media: str  # video | photo
    url: str  # the chosen rendition's file
    ext: str
    width: int
    height: int
    duration_ms: int
    author: str
    author_url: str
    page: str
    preview: str = ""


def shown(url: str) -> str:
    """A URL as it may be shown: without its query (Pixabay's key travels there)."""
    return urllib.parse.urlsplit(url)._replace(query="", fragment="").geturl()


@dataclass
class Searcher:
    """Searches with the keys and endpoints of the environment, a cache folder and a request counter."""

    cache: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.time
    requests: dict[str, int] = field(default_factory=dict)  # provider -> requests sent
    _resume_at: dict[str, float] = field(default_factory=dict)  # provider -> when its limit resets

    def root(self, provider: str) -> str:
        return (self.env.get(URL_ENV[provider]) or DEFAULT_URL[provider]).rstrip("/")

    def key(self, provider: str) -> str:
        value = self.env.get(KEY_ENV[provider], "").strip()
        if not value:
            raise StockError(f"{KEY_ENV[provider]} is not set: export it to search {provider} for stock footage")
        return value

    def search(self, provider: str, media: str, query: str, orientation: str) -> list[Candidate]:
        """The provider's answer for one query as candidates (every rendition kept for choosing)."""
        if provider == "pexels":
            path = "/videos/search" if media == "video" else "/v1/search"
            params = {"query": query, "orientation": orientation, "per_page": str(PER_PAGE)}
            body = self._get(provider, self.root(provider) + path, params, {"Authorization": self.key(provider)})
            return _pexels(body, media)
        path = "/videos/" if media == "video" else "/"
        params = {"q": query, "per_page": str(PER_PAGE), "safesearch": "true"}
        if media == "photo":
            params |= {"image_type": "photo", "orientation": "vertical" if orientation == "portrait" else "horizontal"}
        else:
            params |= {"video_type": "film"}
        secret = {"key": self.key(provider)}
        return _pixabay(self._get(provider, self.root(provider) + path, params, {}, secret), media)

    def _cache_file(self, provider: str, url: str, params: dict[str, str]) -> Path:
        name = hashlib.sha256(json.dumps([provider, url, sorted(params.items())]).encode()).hexdigest()
        return self.cache / f"{name}.json"

    def _get(
        self, provider: str, url: str, params: dict[str, str], headers: dict[str, str], secret: dict | None = None
    ) -> Any:
        cached = self._cache_file(provider, url, params)
        try:
            saved = json.loads(cached.read_text(encoding="utf-8"))
            if self.now() - float(saved["at"]) < CACHE_TTL_S:
                return saved["body"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        full = url + "?" + urllib.parse.urlencode({**params, **(secret or {})})
        body = self._ask(provider, full, headers, shown(url) + "?" + urllib.parse.urlencode(params))
        self.cache.mkdir(parents=True, exist_ok=True)
        write_text(cached, json.dumps({"at": self.now(), "body": body}, sort_keys=True))
        return body

    def _ask(self, provider: str, full: str, headers: dict[str, str], what: str) -> Any:
        problem = ""
        for attempt in range(TRIES):
            self._wait_for_limit(provider)
            self.requests[provider] = self.requests.get(provider, 0) + 1
            req = urllib.request.Request(full, headers={**headers, "User-Agent": "vidc"})
            try:
                with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                    self._note_limit(provider, resp.headers)
                    raw = resp.read()
                return json.loads(raw)
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
                if exc.code == 429:
                    wait = retry_after_s(exc.headers, self.now)
                    if wait is not None and wait > MAX_WAIT_S:
                        raise StockError(
                            f"{provider} is rate-limited for {int(wait)} s more; build again later"
                        ) from None
                    self.sleep(wait if wait is not None else 2.0 ** (attempt + 1))
                    continue
                if exc.code < 500:
                    hint = "check the key" if exc.code in (400, 401, 403) else "check the query"
                    raise StockError(f"{provider} answered HTTP {exc.code} to {what}: {hint}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
            except ValueError:
                problem = "an answer that is not JSON"
            self.sleep(min(MAX_WAIT_S, 0.5 * 2**attempt))
        raise StockError(f"{provider} failed {TRIES} times ({problem}) for {what}; try again later")

    def _note_limit(self, provider: str, headers: Any) -> None:
        """Pexels says how many requests are left and when the count resets (epoch seconds)."""
        left, reset = headers.get("X-Ratelimit-Remaining"), headers.get("X-Ratelimit-Reset")
        try:
            if left is not None and int(left) <= 0 and reset is not None:
                self._resume_at[provider] = float(reset)
        except ValueError:
            pass

    def _wait_for_limit(self, provider: str) -> None:
        wait = self._resume_at.pop(provider, 0.0) - self.now()
        if wait > MAX_WAIT_S:
            raise StockError(f"{provider}'s rate limit is used up for {int(wait)} s more; build again later")
        if wait > 0:
            self.sleep(wait)


def _pexels(body: Any, media: str) -> list[Candidate]:
    out = []
    for item in body.get("videos" if media == "video" else "photos", []) if isinstance(body, dict) else []:
        try:
            if media == "video":
                user = item.get("user") or {}
                for f in item.get("video_files", []):
                    if f.get("file_type", "video/mp4") == "video/mp4" and f.get("link"):
                        out.append(_cand("pexels", item, "video", f["link"], f, user.get("name"), user.get("url")))
            else:
                src = item.get("src") or {}
                url = src.get("original") or src.get("large2x")
                if url:
                    out.append(_cand("pexels", item, "photo", url, item, item.get("photographer"), None))
                    out[-1] = replace(out[-1], author_url=str(item.get("photographer_url") or ""))
        except (AttributeError, TypeError, ValueError, KeyError):
            continue  # one malformed item does not spoil the answer
    return out


def _pixabay(body: Any, media: str) -> list[Candidate]:
    out = []
    for item in body.get("hits", []) if isinstance(body, dict) else []:
        try:
            user_url = f"https://pixabay.com/users/{item.get('user')}-{item.get('user_id')}/"
            if media == "video":
                for r in (item.get("videos") or {}).values():
                    if r.get("url") and r.get("width"):
                        out.append(_cand("pixabay", item, "video", r["url"], r, item.get("user"), user_url))
            elif item.get("largeImageURL"):
                sized = {"width": item.get("imageWidth"), "height": item.get("imageHeight")}
                out.append(_cand("pixabay", item, "photo", item["largeImageURL"], sized, item.get("user"), user_url))
        except (AttributeError, TypeError, ValueError, KeyError):
            continue
    return out


def _cand(provider: str, item: dict, media: str, url: str, size: dict, author, author_url) -> Candidate:
    ext = shown(url).rsplit(".", 1)[-1].lower()
    ext = ext if ext.isalnum() and len(ext) <= 4 else ("mp4" if media == "video" else "jpg")
    given = item.get("src")
    src: dict[str, Any] = given if isinstance(given, dict) else {}
    preview = item.get("image") or size.get("thumbnail") or item.get("previewURL") or src.get("medium") or ""
    return Candidate(
        provider=provider,
        id=str(item["id"]),
        media=media,
        url=url,
        ext=ext,
        width=int(size.get("width") or 0),
        height=int(size.get("height") or 0),
        duration_ms=int(float(item.get("duration") or 0) * 1000),
        author=str(author or ""),
        author_url=str(author_url or ""),
        page=str(item.get("url") or item.get("pageURL") or ""),
        preview=str(preview),
    )
