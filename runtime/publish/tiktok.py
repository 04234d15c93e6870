"""TikTok through the Content Posting API (plain HTTPS + JSON; TikTok ships no Python SDK).

One post: `creator_info/query` (the privacy levels the account offers), `video/init` (direct post,
with the title, privacy, interaction switches and the AI-generated flag `is_aigc`) or
`inbox/video/init` (`--draft`: the video waits in the creator's inbox), the file `PUT` to the
upload URL in order in chunks (`Content-Range`; a file up to 64 MB is one chunk, else chunks of
10 MB with the remainder in the last), then `status/fetch` until the post is complete.

The API allows 6 requests a minute per user token: requests are paced to that (VIDC_TIKTOK_REQUESTS_PER_MINUTE
for a sandbox or proxy that allows more). The upload URL carries an upload token and is never
journaled: a killed TikTok upload asks the status of its journaled publish id, and starts a new post
only when that one never completed, so a post is never made twice.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from typing import Any

from .credentials import PublishFault
from .jobs import Job
from .youtube import QuotaStop, Stop, Transient, Unreachable

WHOLE = 64 * 1024 * 1024  # a file up to this size goes as one chunk (under 5 MB it must)
CHUNK = 10 * 1024 * 1024
DONE = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX")


def per_minute() -> int:
    raw = os.environ.get("VIDC_TIKTOK_REQUESTS_PER_MINUTE", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 6


def chunks(size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) as the API counts them: the last chunk takes the remainder."""
    if size <= WHOLE:
        return size, 1
    return CHUNK, size // CHUNK


class TikTok:
    def __init__(self, info: dict, root: str, poll_s: float = 2.0):
        self.info, self.root, self.poll_s = info, root, poll_s
        self.token: str | None = None
        self.sent: deque[float] = deque()
        self.creator: dict | None = None

    # -- the API -----------------------------------------------------------------------------------
    def post(self, job: Job, draft: bool, on_publish_id: Callable[[str], None]) -> str:
        """Upload and post one video; returns the publish id once TikTok has it."""
        if self.creator is None and not draft:
            self.creator = self._api("v2/post/publish/creator_info/query/", {})
        size, count = chunks(job.size)
        source = {"source": "FILE_UPLOAD", "video_size": job.size, "chunk_size": size, "total_chunk_count": count}
        if draft:
            data = self._api("v2/post/publish/inbox/video/init/", {"source_info": source})
        else:
            data = self._api("v2/post/publish/video/init/", {"post_info": self._post_info(job), "source_info": source})
        publish_id, upload_url = str(data["publish_id"]), str(data["upload_url"])
        on_publish_id(publish_id)
        self._upload(job, upload_url, size, count)
        return publish_id

    def status(self, publish_id: str, wait: bool = True) -> dict:
        """The post's status; with wait, until it is complete or failed."""
        for _ in range(150):
            data = self._api("v2/post/publish/status/fetch/", {"publish_id": publish_id})
            if not wait or data.get("status") in (*DONE, "FAILED"):
                return data
            time.sleep(self.poll_s)
        raise PublishFault(f"TikTok is still processing {publish_id}; run `vidc publish --platform tiktok` again later")

    def _post_info(self, job: Job) -> dict[str, Any]:
        tt = job.tiktok
        offered = (self.creator or {}).get("privacy_level_options") or ["SELF_ONLY"]
        privacy = tt.privacy if tt.audited else "SELF_ONLY"
        if privacy not in offered:
            raise PublishFault(
                f"the TikTok account offers the privacy levels {', '.join(offered)}, not {privacy}; "
                "change `publish.tiktok.privacy`"
            )
        return {
            "title": job.title,
            "privacy_level": privacy,
            "disable_comment": tt.disable_comment,
            "disable_duet": tt.disable_duet,
            "disable_stitch": tt.disable_stitch,
            "is_aigc": job.ai_generated,
        }

    def _upload(self, job: Job, url: str, size: int, count: int) -> None:
        with open(job.mp4, "rb") as fh:
            for i in range(count):
                first = i * size
                last = job.size - 1 if i == count - 1 else first + size - 1
                fh.seek(first)
                body = fh.read(last - first + 1)
                headers = {"Content-Type": "video/mp4", "Content-Range": f"bytes {first}-{last}/{job.size}"}
                self._send(url, body, headers, "PUT", "upload")

    # -- transport ---------------------------------------------------------------------------------
    def _api(self, path: str, body: dict) -> dict:
        self._pace()
        headers = {"Authorization": f"Bearer {self._token()}", "Content-Type": "application/json; charset=UTF-8"}
        answer = self._send(self.root + path, json.dumps(body).encode(), headers, "POST", path.split("/")[-2])
        return answer.get("data") or {}

    def _pace(self) -> None:
        limit, now = per_minute(), time.monotonic()
        while self.sent and now - self.sent[0] > 60:
            self.sent.popleft()
        if len(self.sent) >= limit:
            time.sleep(max(0.0, 60 - (now - self.sent[0])))
        self.sent.append(time.monotonic())

    def _token(self) -> str:
        if self.token is None:
            form = {
                "client_key": self.info["client_id"],
                "client_secret": self.info.get("client_secret", ""),
                "grant_type": "refresh_token",
                "refresh_token": self.info["refresh_token"],
            }
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            answer = self._send(self.info["token_uri"], urllib.parse.urlencode(form).encode(), headers, "POST", "token")
            token = answer.get("access_token")
            if not isinstance(token, str):
                raise PublishFault("the TikTok token endpoint gave no access token; run `vidc publish login tiktok`")
            self.token = token
        return self.token

    def _send(self, url: str, body: bytes, headers: dict[str, str], method: str, what: str) -> dict:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise _refusal(exc.code, _error(exc.read()), what) from None
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(
                f"cannot reach TikTok during the {what} ({type(exc).__name__}); what TikTok confirmed is kept: "
                "run `vidc publish --platform tiktok` again"
            ) from None
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        code = _error(raw)
        if code not in ("", "ok"):
            raise _refusal(200, code, what)
        return answer if isinstance(answer, dict) else {}


def _error(raw: bytes) -> str:
    try:
        answer = json.loads(raw)
        return str(answer.get("error", {}).get("code", "")) if isinstance(answer, dict) else ""
    except (ValueError, AttributeError):
        return ""


def _refusal(status: int, code: str, what: str) -> PublishFault:
    if status == 429 or code in (
        "rate_limit_exceeded",
        "spam_risk_too_many_posts",
        "spam_risk_user_banned_from_posting",
    ):
        return QuotaStop(
            f"TikTok is limiting this account ({status} {code or 'rate limit'}) at the {what}; everything confirmed "
            "so far is kept: run `vidc publish --platform tiktok` again in a minute (a daily post cap: tomorrow)"
        )
    if status == 401 or code.startswith("access_token") or code in ("invalid_grant", "scope_not_authorized"):
        return Stop(f"TikTok refused the credentials ({status} {code}) at the {what}; run `vidc publish login tiktok`")
    return (Transient if status >= 500 else PublishFault)(
        f"TikTok answered {status} {code} to the {what}; run `vidc publish --platform tiktok` again"
    )
