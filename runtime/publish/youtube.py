"""YouTube through the Data API v3 and the official client (google-api-python-client, google-auth).

The service is built from the client's static discovery document with its `rootUrl` replaced by the
API root (VIDC_YOUTUBE_API_URL, default the official one): that moves media uploads too, which the
client's `api_endpoint` option alone does not. Uploads are resumable: the session URI is journaled
the moment the server hands it out, before any byte is sent, each confirmed offset after each chunk,
and a resumed publish asks the server where the session stands (`PUT`, empty body,
`Content-Range: bytes */SIZE` -> `308` + `Range`) and goes on from there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .credentials import PublishFault
from .jobs import Job
from .quota import resume_line

SCOPE = "https://www.googleapis.com/auth/youtube.upload"
CHUNK = 8 * 256 * 1024  # 2 MiB: a multiple of 256 KiB, as the protocol requires of every chunk but the last
RETRIES = 3


class Stop(PublishFault):
    """A fault that stops the whole publish (not just one video): a quota, a rate limit, no connection."""


class Transient(PublishFault):
    """A 5xx answer or a broken connection: an upload retries it (the session says where it stands)."""


class Unreachable(Stop, Transient):
    """The API cannot be reached: retried during an upload, then the publish stops."""


class QuotaStop(Stop):
    """The platform's quota or rate limit stopped the publish: what is confirmed is kept. daily: the
    day's quota is used up (nothing more is sent before the next quota day)."""

    def __init__(self, message: str, daily: bool = False):
        super().__init__(message)
        self.daily = daily


def require_client() -> None:
    try:
        import google.oauth2.credentials  # noqa: F401
        import googleapiclient.discovery  # noqa: F401
    except ImportError:
        raise PublishFault(
            "the YouTube client is not installed; install it with `pip install 'vidc[publish]'`"
        ) from None


def video_body(job: Job) -> dict[str, Any]:
    """The video resource sent with the upload: rendered title, description, tags, privacy (private
    unless the API project is audited), schedule, made-for-kids and the synthetic-media label."""
    yt = job.youtube
    status: dict[str, Any] = {
        "privacyStatus": yt.privacy if yt.audited else "private",
        "selfDeclaredMadeForKids": yt.made_for_kids,
        "containsSyntheticMedia": job.ai_generated,
    }
    if yt.publish_at:
        status["publishAt"] = yt.publish_at
    snippet: dict[str, Any] = {"title": job.title, "description": job.description, "categoryId": yt.category}
    if yt.tags:
        snippet["tags"] = list(yt.tags)
    return {"snippet": snippet, "status": status}


class YouTube:
    def __init__(self, info: dict, root: str, chunk: int = CHUNK):
        import google_auth_httplib2
        from google.oauth2.credentials import Credentials
        from googleapiclient.discovery import build_from_document
        from googleapiclient.discovery_cache import get_static_doc
        from googleapiclient.http import build_http

        doc = json.loads(get_static_doc("youtube", "v3") or "{}")
        doc["rootUrl"] = doc["mtlsRootUrl"] = root
        # Built directly: from_authorized_user_info always replaces the file's token_uri with Google's.
        creds = Credentials(
            token=None,
            refresh_token=info["refresh_token"],
            token_uri=info["token_uri"],
            client_id=info["client_id"],
            client_secret=info.get("client_secret") or None,
            scopes=[SCOPE],
        )
        base = build_http()  # httplib2 with 308 not followed as a redirect: it is the resumable protocol's answer
        base.timeout = 120
        self.http = google_auth_httplib2.AuthorizedHttp(creds, http=base)
        self.service = build_from_document(doc, http=self.http)
        self.root, self.chunk = root, chunk

    def upload(
        self, job: Job, session: str | None, on_session: Callable[[str], None], on_progress: Callable[[int], None]
    ) -> dict:
        """Upload the MP4 (resuming `session` when given); returns the video resource."""
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(job.mp4), mimetype="video/mp4", chunksize=self.chunk, resumable=True)
        request = self.service.videos().insert(
            part="snippet,status", body=video_body(job), media_body=media, notifySubscribers=False
        )
        if session:
            request.resumable_uri = session
            request._in_error_state = True  # the client's own way to ask the server where a session stands
        http = _Journaling(self.http, on_session)
        response, failures = None, 0
        while response is None:
            try:  # the client's own retries would resend a chunk from a spent stream: retried here instead
                status, response = self.call(lambda: request.next_chunk(http=http), "upload")
            except Transient:
                failures += 1
                if failures > RETRIES:
                    raise
                time.sleep(min(8.0, 0.5 * 2**failures))  # then the client asks the session where it stands
                continue
            failures = 0
            if status is not None:
                on_progress(status.resumable_progress)
        return response

    def thumbnail(self, video_id: str, job: Job) -> None:
        from googleapiclient.http import MediaFileUpload

        assert job.thumbnail is not None
        media = MediaFileUpload(str(job.thumbnail), mimetype="image/jpeg")
        self.call(lambda: self.service.thumbnails().set(videoId=video_id, media_body=media).execute(), "thumbnail")

    def captions(self, video_id: str, job: Job) -> None:
        from googleapiclient.http import MediaFileUpload

        assert job.captions is not None
        media = MediaFileUpload(str(job.captions), mimetype="application/octet-stream")
        body = {"snippet": {"videoId": video_id, "language": job.language, "name": "", "isDraft": False}}
        self.call(
            lambda: self.service.captions().insert(part="snippet", body=body, media_body=media).execute(), "captions"
        )

    def playlist(self, video_id: str, job: Job) -> None:
        body = {
            "snippet": {
                "playlistId": job.youtube.playlist,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
            }
        }
        self.call(lambda: self.service.playlistItems().insert(part="snippet", body=body).execute(), "playlist")

    def call(self, fn: Callable[[], Any], what: str) -> Any:
        """One API call; the platform's refusals become one line (a quota stop, an auth fault)."""
        import httplib2
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        try:
            return fn()
        except HttpError as exc:
            raise _refusal(exc, what) from None
        except RefreshError as exc:
            raise PublishFault(
                f"the token endpoint refused the YouTube credentials ({_first(exc)}); run `vidc publish login youtube`"
            ) from None
        except (httplib2.HttpLib2Error, TransportError, OSError) as exc:
            raise Unreachable(
                f"cannot reach YouTube at {self.root} during the {what} ({type(exc).__name__}); what the server "
                "confirmed is kept: run `vidc publish` again to resume"
            ) from None


class _Journaling:
    """The authorised http object, noting the upload session URI the moment the server hands it out
    (before the first byte of the file is sent)."""

    def __init__(self, http: Any, on_session: Callable[[str], None]):
        self.http, self.on_session = http, on_session

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **kw: Any) -> Any:
        resp, content = self.http.request(uri, method=method, body=body, headers=headers, **kw)
        if method == "POST" and resp.status == 200 and "location" in resp and "uploadType=resumable" in uri:
            self.on_session(resp["location"])
        return resp, content


def _reason(exc: Any) -> str:
    try:
        return str(json.loads(exc.content)["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _first(exc: Exception) -> str:
    return str(exc.args[0]).split(":")[0][:80] if exc.args else type(exc).__name__


def _refusal(exc: Any, what: str) -> PublishFault:
    status, reason = exc.resp.status, _reason(exc)
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return QuotaStop(
            f"YouTube's daily quota is used up (403 {reason}) at the {what}; everything confirmed so far is kept: "
            + resume_line("youtube"),
            daily=True,
        )
    if status == 429 or reason in ("rateLimitExceeded", "userRateLimitExceeded", "uploadLimitExceeded"):
        return QuotaStop(
            f"YouTube is rate-limiting this account ({status} {reason or 'rate limit'}) at the {what}; everything "
            "confirmed so far is kept: run `vidc publish` again in a few minutes (or after midnight Pacific time "
            "for uploadLimitExceeded)"
        )
    if status in (404, 410) and what == "upload":
        fault = PublishFault(f"the upload session is gone ({status}); it starts again")
        fault.status = status  # type: ignore[attr-defined]
        return fault
    if status in (401, 403):
        return PublishFault(
            f"YouTube refused the {what} ({status} {reason or 'forbidden'}); check the account's permissions, or "
            "run `vidc publish login youtube`"
        )
    return (Transient if status >= 500 else PublishFault)(
        f"YouTube answered {status} {reason} to the {what}; what the server confirmed is kept: run `vidc publish` "
        "again to resume"
    )
