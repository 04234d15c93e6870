"""One `vidc publish --platform tiktok [--draft]`: each built video posted once.

The ledger keys a post on (tiktok, account, video, MP4 sha256): `session` holds the publish id
(the upload URL carries a token and is never written), `progress` the bytes TikTok confirmed, and
`uploaded` the post. A post whose upload completed is only waited on again; one whose upload was
cut off can never complete (its upload URL died with the process), so it is posted anew.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .credentials import PublishFault
from .jobs import Job
from .ledger import PublishLedger, VideoState
from .run import Emit, Outcome
from .youtube import Stop


def publish_tiktok(
    jobs: list[Job], ledger: PublishLedger, client: Callable[[], Any], republish: bool, draft: bool, emit: Emit
) -> Outcome:
    out = Outcome()
    tt = None
    for job in jobs:
        if job.problem:
            out.errors.append(f"{job.video}: {job.problem}")
            emit({"event": "skipped", "video": job.video, "platform": job.platform, "reason": job.problem})
            continue
        rep = ledger.replay()
        state = rep.videos.get((job.platform, job.account, job.video, job.sha256)) or VideoState()
        if state.id:
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
        if rep.published(job.platform, job.account, job.video) and not republish:
            reason = "its MP4 changed since it was posted; `--republish` posts it as a new video"
            emit({"event": "skipped", "video": job.video, "platform": job.platform, "reason": reason})
            continue
        tt = tt or client()
        try:
            _one(tt, job, ledger, state, draft, emit)
            out.published.append(job.video)
        except Stop:
            raise
        except PublishFault as exc:
            out.errors.append(f"{job.video}: {exc}")
            emit({"event": "failed", "video": job.video, "platform": job.platform, "error": str(exc)})
    return out


def _one(tt: Any, job: Job, ledger: PublishLedger, state: VideoState, draft: bool, emit: Emit) -> None:
    fields = {"platform": job.platform, "account": job.account, "video": job.video, "sha256": job.sha256}
    publish_id = state.session if state.session and state.confirmed >= job.size else None
    if publish_id is None:
        if state.session:
            emit(
                {
                    "event": "restarting",
                    "video": job.video,
                    "platform": job.platform,
                    "reason": "the upload was cut off",
                }
            )
        publish_id = tt.post(job, draft, lambda pid: ledger.append("session", uri=pid, size=job.size, **fields))
        ledger.append("progress", bytes=job.size, **fields)
    status = tt.status(publish_id)
    if status.get("status") not in ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"):
        raise PublishFault(
            f"TikTok did not post it ({status.get('status')}: {status.get('fail_reason') or 'no reason given'})"
        )
    posts = status.get("publicaly_available_post_id") or []
    user = (tt.creator or {}).get("creator_username", "")
    url = (
        f"https://www.tiktok.com/@{user}/video/{posts[0]}"
        if posts and user
        else f"tiktok:{'inbox' if draft else 'post'}:{publish_id}"
    )
    ledger.append("uploaded", id=publish_id, url=url, **fields)
    emit(
        {"event": "published", "video": job.video, "platform": job.platform, "id": publish_id, "url": url, "new": True}
    )
