"""What `vidc publish` would send for each video of a compiled spec, on one platform: the built MP4
(checked against the hash its build manifest recorded: a wrong file is never published), its
rendered title and description (the build's NAME.credits.txt in place of `{credits}`), the
thumbnail and captions the build made, and the AI-content label."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vidc.compiler.frontend import LoadedVideo
from vidc.compiler.publish_check import ai_generated
from vidc.schemas.plan import Plan
from vidc.schemas.publish import CREDITS_PLACEHOLDER, TikTokPublish, YouTubePublish

from ..state.store import file_sha256


@dataclass
class Job:
    video: str
    platform: str
    account: str
    mp4: Path
    sha256: str
    size: int
    title: str
    description: str
    language: str
    thumbnail: Path | None
    captions: Path | None
    ai_generated: bool
    block: YouTubePublish | TikTokPublish
    problem: str | None = None  # why it cannot be published now (not built, damaged)

    @property
    def youtube(self) -> YouTubePublish:
        assert isinstance(self.block, YouTubePublish)
        return self.block

    @property
    def tiktok(self) -> TikTokPublish:
        assert isinstance(self.block, TikTokPublish)
        return self.block


def make_jobs(videos: list[LoadedVideo], plan: Plan, spec_dir: Path, platform: str, verify: bool = True) -> list[Job]:
    """One job per video whose spec has a `publish.PLATFORM` block, in the plan's order. verify: hash
    each MP4 (a publish); else take the hash its manifest recorded (a state shown by plan or review)."""
    loaded = {v.spec.name: v for v in videos}
    out = []
    for vp in plan.videos:
        video = loaded.get(vp.name)
        block = getattr(video.spec.publish, platform, None) if video and video.spec.publish else None
        if video is None or block is None:
            continue
        out.append(_job(video, block, spec_dir / vp.output, platform, verify))
    return out


def _job(video: LoadedVideo, block: YouTubePublish | TikTokPublish, folder: Path, platform: str, verify: bool) -> Job:
    name = video.spec.name
    mp4 = folder / f"{name}.mp4"
    thumb, srt = folder / f"{name}.thumbnail.jpg", folder / f"{name}.srt"
    credits = folder / f"{name}.credits.txt"
    text = credits.read_text(encoding="utf-8").strip() if credits.is_file() else ""
    job = Job(
        video=name,
        platform=platform,
        account=block.account,
        mp4=mp4,
        sha256="",
        size=0,
        title=block.title if block.title is not None else name,
        description=block.description.replace(CREDITS_PLACEHOLDER, text).strip(),
        language=video.spec.voice.language.split("-")[0] or "en",
        thumbnail=thumb if block.thumbnail is not False and thumb.is_file() else None,
        captions=srt if block.captions is not False and srt.is_file() else None,
        ai_generated=block.ai_generated if block.ai_generated is not None else ai_generated(video.spec),
        block=block,
    )
    job.problem = _check_built(job, folder / f"{name}.json", verify)
    if job.problem is None and len(job.description.encode("utf-8")) > 5000 and platform == "youtube":
        job.problem = "its description with the credits is over YouTube's 5,000 bytes; shorten `description`"
    return job


def _check_built(job: Job, manifest: Path, verify: bool) -> str | None:
    if not job.mp4.is_file():
        return f"not built ({job.mp4} is missing): run `vidc build` first"
    try:
        want = json.loads(manifest.read_text(encoding="utf-8")).get("video_sha256")
    except (OSError, ValueError, AttributeError):
        want = None
    job.size = job.mp4.stat().st_size
    job.sha256 = file_sha256(job.mp4) if verify or not isinstance(want, str) else want
    if want is None:
        return f"its build manifest {manifest} is missing or unreadable: run `vidc build` again"
    if want != job.sha256:
        return f"{job.mp4} differs from what its build recorded (edited or damaged): run `vidc build` again"
    return None
