"""The stock lock: the footage picked for each scene of a spec's videos, written beside the spec
(`SPECNAME.stock.json`) on the first build and read by the compiler on every later one, so a rebuild
makes the same video even when the providers' search results change.

One file for all the spec's videos: `videos` maps a video's name to its scenes (the scene number as a
string) and each scene to its pick, or to a fallback when nothing fitted. Key names only: a lock never
holds an API key (Pixabay's goes in the query string, so a file URL is kept without its query)."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PROVIDERS = ("pexels", "pixabay")
# The environment variable that holds each provider's key (the name only).
KEY_ENV = {"pexels": "PEXELS_API_KEY", "pixabay": "PIXABAY_API_KEY"}
# The variable that points a provider elsewhere (a proxy, a local test server), and its default.
URL_ENV = {"pexels": "PEXELS_API_URL", "pixabay": "PIXABAY_API_URL"}
DEFAULT_URL = {"pexels": "https://api.pexels.com", "pixabay": "https://pixabay.com/api"}
LICENCE = {
    "pexels": "Pexels License (https://www.pexels.com/license/)",
    "pixabay": "Pixabay Content License (https://pixabay.com/service/license-summary/)",
}
# Requests each provider allows by default: (requests, per seconds).
RATE_LIMIT = {"pexels": (200, 3600), "pixabay": (100, 60)}


class StockPick(BaseModel):
    """One scene's footage: where it came from, the exact file (size and sha256), and its credit."""

    model_config = ConfigDict(extra="forbid")
    query: str
    orientation: Literal["landscape", "portrait", "square"]
    fallback: bool = Field(False, description="Nothing fitted: the scene shows the storyboard card")
    provider: str = ""
    id: str = ""
    media: Literal["video", "photo"] = "video"
    url: str = ""
    ext: str = "mp4"
    width: int = 0
    height: int = 0
    duration_ms: int = 0
    size: int = 0
    sha256: str = ""
    author: str = ""
    author_url: str = ""
    page: str = ""
    licence: str = ""
    score: float | None = None


class StockLock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vidc_stock_lock: Literal[1] = 1
    videos: dict[str, dict[str, StockPick]] = Field(default_factory=dict)

    def pick(self, video: str, scene: int) -> StockPick | None:
        return self.videos.get(video, {}).get(str(scene))


def lock_text(lock: StockLock) -> str:
    """Canonical: sorted keys, two-space indent, a final newline (diffs well when committed)."""
    data = lock.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def parse_lock(text: str) -> StockLock:
    """The lock from its text; ValueError (a sentence) when it is not one."""
    try:
        return StockLock.model_validate(json.loads(text))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a vidc stock lock ({str(exc).splitlines()[0]})") from exc
