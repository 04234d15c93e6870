"""Platform quotas as facts: what a publish will spend, what is left today, and when to resume.

YouTube counts units per API project per day, and the day turns at midnight Pacific time: an upload
(videos.insert) costs about 100 units, thumbnails.set and playlistItems.insert 50, captions.insert 400,
out of 10,000 a day by default (`VIDC_YOUTUBE_DAILY_QUOTA` sets a project's granted quota). TikTok
allows 6 requests a minute per user token. The units spent are in the publish ledger, per day.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COSTS = {"upload": 100, "thumbnail": 50, "playlist": 50, "captions": 400}
DAILY_DEFAULT = 10_000
TIKTOK_PER_MINUTE = 6


def now() -> float:
    """The clock (tests move it to another day)."""
    return time.time()


def _pacific() -> timezone | ZoneInfo:
    try:
        return ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no time zone data on this machine: Pacific standard time
        return timezone(timedelta(hours=-8))


def day(at: float | None = None) -> str:
    """The quota day (Pacific time) of a moment, as YYYY-MM-DD."""
    return datetime.fromtimestamp(now() if at is None else at, _pacific()).strftime("%Y-%m-%d")


def next_reset(at: float | None = None) -> datetime:
    """When the quota day after `at` begins (midnight Pacific time), in UTC."""
    local = datetime.fromtimestamp(now() if at is None else at, _pacific())
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def daily_limit() -> int:
    raw = os.environ.get("VIDC_YOUTUBE_DAILY_QUOTA", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DAILY_DEFAULT


def resume_line(platform: str) -> str:
    """When to run again, for the stop message."""
    at = next_reset()
    return f"run `vidc publish --platform {platform}` again after {at:%Y-%m-%d %H:%M} UTC (midnight Pacific time)"
