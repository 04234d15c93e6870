"""Plan-time rules for the `publish:` block: what YouTube and TikTok would refuse, or do otherwise
than the spec says, is a diagnostic at its line before anything renders or uploads.

- YouTube: a title of 1-100 characters without `<` or `>`, a description of at most 5,000 bytes
  (UTF-8) without `<` or `>`, tags of at most 500 characters in all (a tag with a space counts its
  quotes, and the commas between tags count), a `publish_at` with a zone, in the future, on a private
  video; a vertical video longer than a Short may be (3 minutes).
- TikTok: a title of at most 2,200 characters; a frame rate of 23-60 and sides of 360-4096 pixels.
- Both: a public privacy with `audited: false` is a warning (the platform keeps the upload private).

The compiler is pure: the time a schedule is compared with is handed in (CompileOptions.now_ms);
without one the schedule's past/future check is skipped.
"""

from __future__ import annotations

from datetime import datetime

from vidc.schemas.spec import VideoSpec

from .diagnostics import Diagnostic
from .frontend import LoadedVideo
from .pacing import planned_scene_ms

YT_TITLE_MAX = 100
YT_DESCRIPTION_BYTES = 5000
YT_TAGS_MAX = 500
SHORTS_MAX_MS = 180_000
TIKTOK_TITLE_MAX = 2200
TIKTOK_FPS = (23, 60)
TIKTOK_SIDE = (360, 4096)
GENERATIVE_VIDEO = ("animatic", "assets")  # the engines that generate nothing; every other engine does


def ai_generated(spec: VideoSpec) -> bool:
    """Whether anything in the video was generated: an LLM script, a generative video engine, or a
    synthetic voice (every voice engine is one, Piper included) speaking any scene."""
    scenes = spec.script.scenes or []
    spoken = spec.script.scenes is None or any(s.voiceover_text.strip() for s in scenes)
    return spec.script.llm is not None or spec.video.engine not in GENERATIVE_VIDEO or spoken


def parse_time_ms(text: str) -> int | None:
    """An ISO 8601 time with a zone as epoch milliseconds; None when it is not one."""
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return int(t.timestamp() * 1000)


def tags_length(tags: list[str]) -> int:
    """How YouTube counts tags against its 500: each tag, its quotes if it has a space, and commas."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def video_ms(spec: VideoSpec) -> int | None:
    """The planned length of the video (None until an LLM script is locked)."""
    if spec.script.scenes is None:
        return None
    bookends = sum(int(b.seconds * 1000) for b in (spec.intro, spec.outro) if b is not None)
    return sum(planned_scene_ms(s, spec) for s in spec.script.scenes) + bookends


def check_publish(video: LoadedVideo, size: tuple[int, int, int], now_ms: int | None) -> list[Diagnostic]:
    """size: the preset's (width, height, fps)."""
    pub = video.spec.publish
    if pub is None:
        return []
    diags: list[Diagnostic] = []
    if pub.youtube is not None:
        diags += _youtube_text(video) + _youtube_schedule(video, now_ms) + _youtube_preset(video, size)
        diags += _audit(video, "youtube", pub.youtube.privacy != "private" and not pub.youtube.audited, "private")
    if pub.tiktok is not None:
        diags += _tiktok(video, size)
        diags += _audit(video, "tiktok", pub.tiktok.privacy != "SELF_ONLY" and not pub.tiktok.audited, "SELF_ONLY")
    return diags


def _text(video: LoadedVideo, key: tuple, message: str, hint: str) -> Diagnostic:
    return video.diagnostic(("publish", *key), "E_PUBLISH_TEXT", message, hint)


def _youtube_text(video: LoadedVideo) -> list[Diagnostic]:
    yt = video.spec.publish.youtube if video.spec.publish else None
    assert yt is not None
    out = []
    title = yt.title if yt.title is not None else video.spec.name
    if not title.strip() or len(title) > YT_TITLE_MAX:
        out.append(
            _text(
                video,
                ("youtube", "title"),
                f"the YouTube title of `{video.spec.name}` has {len(title)} characters; YouTube takes 1 to {YT_TITLE_MAX}",
                "shorten the title (or the values it is templated from)",
            )
        )
    for key, text in (("title", title), ("description", yt.description)):
        if "<" in text or ">" in text:
            out.append(
                _text(
                    video,
                    ("youtube", key),
                    f"the YouTube {key} of `{video.spec.name}` contains `<` or `>`, which YouTube rejects",
                    "remove the angle brackets (use a word or another character)",
                )
            )
    size = len(yt.description.encode("utf-8"))
    if size > YT_DESCRIPTION_BYTES:
        out.append(
            _text(
                video,
                ("youtube", "description"),
                f"the YouTube description of `{video.spec.name}` is {size} bytes; YouTube takes at most {YT_DESCRIPTION_BYTES}",
                "shorten the description (the credits are added at publish time and count too)",
            )
        )
    if tags_length(yt.tags) > YT_TAGS_MAX:
        out.append(
            _text(
                video,
                ("youtube", "tags"),
                f"the YouTube tags of `{video.spec.name}` are {tags_length(yt.tags)} characters in all; YouTube takes at most {YT_TAGS_MAX}",
                "drop or shorten tags (a tag with a space counts its quotes, and commas count)",
            )
        )
    return out


def _youtube_schedule(video: LoadedVideo, now_ms: int | None) -> list[Diagnostic]:
    yt = video.spec.publish.youtube if video.spec.publish else None
    assert yt is not None
    if yt.publish_at is None:
        return []
    path = ("publish", "youtube", "publish_at")
    at = parse_time_ms(yt.publish_at)
    if at is None:
        return [
            video.diagnostic(
                path,
                "E_PUBLISH_SCHEDULE",
                f"`{yt.publish_at}` is not an ISO 8601 time with a zone",
                "write it like 2027-01-05T09:00:00Z or 2027-01-05T10:00:00+01:00",
            )
        ]
    out = []
    if yt.privacy != "private":
        out.append(
            video.diagnostic(
                ("publish", "youtube", "privacy"),
                "E_PUBLISH_SCHEDULE",
                f"a scheduled video (publish_at) must be uploaded private, not {yt.privacy}; YouTube makes it public at that time",
                "set `privacy: private` or remove `publish_at`",
            )
        )
    if now_ms is not None and at <= now_ms:
        out.append(
            video.diagnostic(
                path,
                "E_PUBLISH_SCHEDULE",
                f"`{video.spec.name}` is scheduled for {yt.publish_at}, which is in the past",
                "set a later time, or remove `publish_at` to publish at once",
            )
        )
    return out


def _youtube_preset(video: LoadedVideo, size: tuple[int, int, int]) -> list[Diagnostic]:
    width, height, _ = size
    ms = video_ms(video.spec)
    if height <= width or ms is None or ms <= SHORTS_MAX_MS:
        return []
    return [
        video.diagnostic(
            ("export", "preset"),
            "E_PUBLISH_PRESET",
            f"`{video.spec.name}` is vertical ({video.spec.export.preset}) and about {ms / 1000:.0f} s long; "
            f"YouTube takes a vertical Short of at most {SHORTS_MAX_MS // 1000} s",
            "shorten the video, or publish it at a horizontal preset (youtube-1080p)",
        )
    ]


def _tiktok(video: LoadedVideo, size: tuple[int, int, int]) -> list[Diagnostic]:
    tt = video.spec.publish.tiktok if video.spec.publish else None
    assert tt is not None
    width, height, fps = size
    out = []
    title = tt.title if tt.title is not None else video.spec.name
    if len(title) > TIKTOK_TITLE_MAX:
        out.append(
            _text(
                video,
                ("tiktok", "title"),
                f"the TikTok title of `{video.spec.name}` has {len(title)} characters; TikTok takes at most {TIKTOK_TITLE_MAX}",
                "shorten the title",
            )
        )
    if not TIKTOK_FPS[0] <= fps <= TIKTOK_FPS[1] or not all(TIKTOK_SIDE[0] <= s <= TIKTOK_SIDE[1] for s in size[:2]):
        out.append(
            video.diagnostic(
                ("export", "preset"),
                "E_PUBLISH_PRESET",
                f"`{video.spec.export.preset}` renders {width}x{height} at {fps} fps; TikTok takes {TIKTOK_FPS[0]}-"
                f"{TIKTOK_FPS[1]} fps and sides of {TIKTOK_SIDE[0]}-{TIKTOK_SIDE[1]} pixels",
                "publish the tiktok preset (1080x1920, 30 fps)",
            )
        )
    return out


def _audit(video: LoadedVideo, platform: str, unaudited: bool, private: str) -> list[Diagnostic]:
    if not unaudited:
        return []
    return [
        video.diagnostic(
            ("publish", platform, "privacy"),
            "W_PUBLISH_PRIVATE",
            f"`{video.spec.name}` will be uploaded {private} on {platform}: uploads by an API project that has not "
            "passed the platform's audit are locked private, whatever privacy is asked",
            f"once the project is audited, set `publish.{platform}.audited: true`",
            severity="warning",
        )
    ]
