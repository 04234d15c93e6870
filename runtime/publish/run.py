"""One `vidc publish` on one platform: every built video not yet published on that account, once.

For each video: an upload that finished (the ledger has its platform id) is never sent again; an
upload that was cut off resumes its session from the offset the server confirms; a video whose MP4
changed since it was published is a new video only with `--republish`. After the upload, the
thumbnail, the captions and the playlist entry are separate steps: one that failed is retried
alone next time. The day's quota is checked before each call that spends it; a quota or rate-limit
answer stops the publish with one line naming when to resume, everything confirmed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import quota
from .credentials import PublishFault
from .jobs import Job
from .ledger import PublishLedger, Replay, VideoState
from .youtube import QuotaStop, Stop, video_body

Emit = Callable[[dict[str, Any]], None]


@dataclass
class Outcome:
    published: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def video_state(job: Job, rep: Replay) -> str:
    """How a video stands on the platform, for `vidc plan`, `vidc review` and --dry-run."""
    state = rep.videos.get((job.platform, job.account, job.video, job.sha256))
    if job.problem:
        return "not built" if job.problem.startswith("not built") else "cannot publish"
    if state and state.id:
        steps = _steps(job) - state.steps
        return f"published {state.url}" + (f" ({', '.join(sorted(steps))} to retry)" if steps else "")
    if state and state.session:
        return f"uploading ({state.confirmed} of {state.size} bytes confirmed)"
    if rep.published(job.platform, job.account, job.video):
        return "changed since published (a new video with --republish)"
    return "not published"


def _steps(job: Job) -> set[str]:
    if job.platform != "youtube":  # TikTok takes no thumbnail file or caption track through the API
        return set()
    steps = {"thumbnail"} if job.thumbnail else set()
    steps |= {"captions"} if job.captions else set()
    return steps | ({"playlist"} if job.platform == "youtube" and job.youtube.playlist else set())


def dry_run(jobs: list[Job], ledger: PublishLedger, emit: Emit) -> int:
    rep = ledger.replay()
    units = 0
    for job in jobs:
        state = video_state(job, rep)
        cost = _cost(job, rep)
        units += cost
        body = video_body(job) if job.platform == "youtube" else {"title": job.title}
        emit(
            {
                "event": "would_publish",
                "video": job.video,
                "platform": job.platform,
                "state": state,
                "bytes": job.size,
                "thumbnail": bool(job.thumbnail),
                "captions": bool(job.captions),
                "units": cost,
                "resource": body,
                **({"problem": job.problem} if job.problem else {}),
            }
        )
    if jobs and jobs[0].platform == "tiktok":  # creator_info once, then init and status per post
        todo = sum(1 for j in jobs if not j.problem and not video_state(j, rep).startswith("published"))
        emit(
            {
                "event": "quota",
                "platform": "tiktok",
                "requests": 1 + 2 * todo if todo else 0,
                "per_minute": quota.TIKTOK_PER_MINUTE,
            }
        )
        return 0
    account = jobs[0].account if jobs else "default"
    used = rep.units.get(("youtube", account, quota.day()), 0)
    emit(
        {
            "event": "quota",
            "platform": "youtube",
            "day": quota.day(),
            "units": units,
            "used": used,
            "limit": quota.daily_limit(),
        }
    )
    return 0


def units_to_spend(jobs: list[Job], rep: Replay) -> int:
    """The YouTube quota units publishing these jobs would spend now."""
    return sum(_cost(job, rep) for job in jobs)


def _cost(job: Job, rep: Replay) -> int:
    if job.problem or job.platform != "youtube":
        return 0
    state = rep.videos.get((job.platform, job.account, job.video, job.sha256)) or VideoState()
    cost = 0 if (state.id or state.session) else quota.COSTS["upload"]
    return cost + sum(quota.COSTS[s] for s in _steps(job) - state.steps)


def publish_youtube(
    jobs: list[Job], ledger: PublishLedger, client: Callable[[], Any], republish: bool, emit: Emit
) -> Outcome:
    """Publish each job; a QuotaStop propagates (after what was confirmed is in the ledger)."""
    out = Outcome()
    yt = None
    for job in jobs:
        if job.problem:
            out.errors.append(f"{job.video}: {job.problem}")
            emit({"event": "skipped", "video": job.video, "platform": job.platform, "reason": job.problem})
            continue
        rep = ledger.replay()
        state = rep.videos.get(_key(job)) or VideoState()
        if not state.id and rep.published(job.platform, job.account, job.video) and not republish:
            reason = "its MP4 changed since it was published; `--republish` uploads it as a new video"
            emit({"event": "skipped", "video": job.video, "platform": job.platform, "reason": reason})
            continue
        if state.id and not (_steps(job) - state.steps):
            emit(
                {
                    "event": "published",
                    "video": job.video,
                    "platform": job.platform,
                    "id": state.id,
                    "url": state.url,
                    "new": False,
                }
            )
            continue
        yt = yt or client()
        try:
            _one(yt, job, ledger, state, emit)
            out.published.append(job.video)
        except QuotaStop as stop:
            if stop.daily:
                ledger.append("exhausted", platform=job.platform, account=job.account, day=quota.day())
            raise
        except Stop:
            raise
        except PublishFault as exc:
            out.errors.append(f"{job.video}: {exc}")
            emit({"event": "failed", "video": job.video, "platform": job.platform, "error": str(exc)})
    return out


def _key(job: Job) -> tuple[str, str, str, str]:
    return (job.platform, job.account, job.video, job.sha256)


def _spend(job: Job, ledger: PublishLedger, what: str) -> None:
    """Check the day's quota before a call that spends it, and note the units."""
    rep, today = ledger.replay(), quota.day()
    day_key = (job.platform, job.account, today)
    if day_key in rep.exhausted or rep.units.get(day_key, 0) + quota.COSTS[what] > quota.daily_limit():
        raise QuotaStop(
            f"YouTube's daily quota for account `{job.account}` is used up for {today} "
            f"({rep.units.get(day_key, 0)} of {quota.daily_limit()} units noted); everything confirmed so far is kept: "
            + quota.resume_line(job.platform)
        )
    ledger.append("quota", platform=job.platform, account=job.account, day=today, units=quota.COSTS[what], what=what)


def _one(yt: Any, job: Job, ledger: PublishLedger, state: VideoState, emit: Emit) -> None:
    fields = {"platform": job.platform, "account": job.account, "video": job.video, "sha256": job.sha256}
    if not state.id:
        if state.session:
            emit({"event": "resuming", "video": job.video, "platform": job.platform, "confirmed": state.confirmed})
        else:
            _spend(job, ledger, "upload")

        def on_session(uri: str) -> None:
            ledger.append("session", uri=uri, size=job.size, **fields)

        def on_progress(done: int) -> None:
            ledger.append("progress", bytes=done, **fields)

        try:
            resource = yt.upload(job, state.session, on_session, on_progress)
        except PublishFault as exc:
            if not state.session or getattr(exc, "status", None) not in (404, 410):
                raise
            emit({"event": "session_expired", "video": job.video, "platform": job.platform, "reason": str(exc)})
            _spend(job, ledger, "upload")  # the old session expired (a week passed): a new upload
            resource = yt.upload(job, None, on_session, on_progress)
        state.id = str(resource["id"])
        state.url = f"https://www.youtube.com/watch?v={state.id}"
        ledger.append("uploaded", id=state.id, url=state.url, **fields)
        emit(
            {
                "event": "published",
                "video": job.video,
                "platform": job.platform,
                "id": state.id,
                "url": state.url,
                "new": True,
            }
        )
    for step in sorted(_steps(job) - state.steps):
        _spend(job, ledger, step)
        getattr(yt, step)(state.id, job)
        ledger.append("step", step=step, **fields)
        emit({"event": "step", "video": job.video, "platform": job.platform, "step": step})
