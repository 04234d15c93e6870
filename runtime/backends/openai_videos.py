"""`openai-videos`: one clip of a scene from any server speaking the OpenAI Videos API (SGLang's
diffusion server, vLLM-Omni, a LiteLLM or OpenRouter gateway), as a crash-safe remote job.

One task is one clip (`seconds` of footage). What it does, in order, each step journaled first:

1. price the job in the build's spend ledger (`spend.log`; refused there when it would pass
   `--max-cost`, counting the jobs other tasks already started), then write the try as `creating`
   in the task's job file (remote_jobs) with a fresh idempotency key, then `POST /videos`;
2. journal the job's id (`running`) before the first poll, then poll `GET /videos/{id}` with a
   bounded backoff (`poll_seconds`: first wait, 1.5x each time, up to the longest);
3. download `GET /videos/{id}/content` and verify it (ffprobe finds a video stream, ffmpeg decodes
   it to the end without an error); a truncated or non-video answer is downloaded again, then the
   job counts as failed;
4. decode it to the chunk contract the assembler joins: `frames.mkv` (FFV1) plus `last_frame.png`
   (the next job's `input_reference` with `input_reference: true`), and keep `clip.mp4`.

A build killed at any moment re-attaches on resume: a `running` try is polled again, a `creating`
try is created again with the same idempotency key (a server that honours it answers with the job it
made). A job that fails, or passes `timeout_s` (then it is cancelled), is tried again, up to
`max_tries` jobs in all, each priced in the ledger. Stopped by the user (Ctrl-C, or SIGTERM while
the build still runs), a job in flight is cancelled with `DELETE /videos/{id}`; a worker whose build
died (SIGKILL) leaves its job running for the next build to re-attach to.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from vidc.schemas.catalog import Facts, Needs, Problem

from .base import Backend, BackendError, TaskContext
from .remote_clip import clip_problem, decode_clip
from .remote_jobs import FOLDER, JobBook, request_key
from .spend import ledger_beside_store
from .videos_api import ApiError, VideosClient

DOWNLOAD_TRIES = 3


class OpenAIVideosParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1)
    prompt: str
    seconds: int = Field(ge=1, le=60)
    size: str = Field(pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$")
    seed: int
    server_params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    base_url: str
    api_key_env: str | None = None
    input_reference: bool = False
    timeout_s: float = Field(1800, gt=0)
    max_tries: int = Field(3, ge=1, le=10)
    poll_seconds: tuple[float, float] = (1.0, 15.0)
    price_per_second: float | None = Field(None, ge=0)
    scene: int = Field(ge=1)
    chunk: int = Field(ge=1)

    def request(self) -> dict[str, Any]:
        """What the create sends: the server's own fields first, the pinned ones over them."""
        pinned = {"model": self.model, "prompt": self.prompt, "seconds": str(self.seconds), "size": self.size}
        return {"seed": self.seed, **self.server_params, **pinned}


class _Retry(Exception):
    """This try's job is over without a clip: try another job (a new, paid one)."""


class OpenAIVideos(Backend):
    """A video server's jobs (OpenAI Videos API: SGLang, vLLM-Omni, gateways), crash-safe and priced."""

    name: ClassVar[str] = "openai-videos"
    stage: ClassVar[str] = "video"
    version: ClassVar[str] = "1"
    Params: ClassVar[type[BaseModel]] = OpenAIVideosParams
    selectable: ClassVar[bool] = True
    needs: ClassVar[Needs] = Needs()
    price_keys: ClassVar[tuple[str, ...]] = ("video.openai-videos",)  # per second of output

    @classmethod
    def check(cls, params: dict[str, Any], facts: Facts) -> list[Problem]:
        out: list[Problem] = []
        if not params.get("base_url"):
            out.append(
                Problem(
                    "base_url",
                    "E_MISSING",
                    "video.engine openai-videos needs the server's address",
                    "add `base_url: http://HOST:PORT/v1` under video",
                )
            )
        env = params.get("api_key_env")
        if env and facts.api_keys is not None and env not in facts.api_keys and params.get("chunk") == 1:
            out.append(
                Problem(
                    "api_key_env",
                    "W_API_KEY",
                    f"{env} is not set: the video server's key is read from it",
                    f"export {env} before `vidc build`",
                    severity="warning",
                )
            )
        return out

    def __init__(self) -> None:
        self.parent = os.getppid()
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.time

    def setup(self, device: str) -> None:
        self.parent = os.getppid()  # the build this worker serves: gone means killed, not stopped

    def run(self, ctx: TaskContext, params: BaseModel) -> dict[str, Any]:
        p = params if isinstance(params, OpenAIVideosParams) else OpenAIVideosParams.model_validate(params)
        where = f"scene {p.scene} job {p.chunk}"
        if not p.base_url.startswith(("http://", "https://")):
            raise BackendError(
                f"{where}: video.base_url is not set: give the server's address, e.g. http://HOST:PORT/v1"
            )
        key = os.environ.get(p.api_key_env, "").strip() if p.api_key_env else ""
        if p.api_key_env and not key:
            raise BackendError(
                f"{where}: {p.api_key_env} is not set: export the video server's key before `vidc build`"
            )
        reference = _reference(ctx, p)
        ref_sha = hashlib.sha256(reference).hexdigest() if reference is not None else None
        book = JobBook(_jobs_folder(ctx), ctx.task_id, request_key(ctx.task_id, p.request(), ref_sha))
        client = VideosClient(p.base_url, key or None)
        try:
            clip, entry = self._clip(ctx, p, book, client, reference, where)
        except BackendError as exc:
            if key and key in str(exc):
                exc.args = (_scrub(str(exc), key),)
            raise
        info = decode_clip(clip, ctx.out)
        return {
            **info,
            "overlap_frames": 1 if reference is not None else 0,  # an image-to-video clip starts on the reference
            "engine": {"model": p.model, "seed": p.seed, "prompt": p.prompt, "size": p.size, "seconds": p.seconds},
            "job_id": entry.get("id"),
            "jobs": [_job_row(t) for t in book.tries],
            "micro_usd": sum(int(t.get("micro_usd") or 0) for t in book.tries),
        }

    # -- the tries ---------------------------------------------------------------------------------
    def _clip(
        self,
        ctx: TaskContext,
        p: OpenAIVideosParams,
        book: JobBook,
        client: VideosClient,
        ref: bytes | None,
        where: str,
    ) -> tuple[Path, dict[str, Any]]:
        """The verified clip of this task's job, re-attaching to a journaled job or starting new ones."""
        while True:
            with book.locked():
                entry = book.completed() or book.open_try()
                if entry is None:
                    entry = self._begin(ctx, p, book, where)
            try:
                if entry.get("state") == "creating":
                    self._create(p, book, entry, client, ref)
                if entry.get("state") == "running":
                    self._wait(p, book, entry, client, where)
                return self._download(ctx, book, entry, client, where), entry
            except _Retry:
                continue
            except (KeyboardInterrupt, SystemExit):
                self._stopped(book, entry, client)
                raise

    def _begin(self, ctx: TaskContext, p: OpenAIVideosParams, book: JobBook, where: str) -> dict[str, Any]:
        """A new try, priced in the ledger (which refuses it over --max-cost) and journaled."""
        if len(book.tries) >= p.max_tries:
            last = book.tries[-1] if book.tries else {}
            raise BackendError(
                f"{where}: {len(book.tries)} jobs ended without a clip (the last: {last.get('state')}"
                f"{': ' + str(last.get('error')) if last.get('error') else ''}); every one was paid for. "
                "Check the server's log, or raise video.max_tries / video.timeout_s"
            )
        n = len(book.tries) + 1
        ledger = ledger_beside_store(ctx.store_root)
        rid = micro = None
        if ledger is not None:  # the money is committed before the job exists
            rid = ledger.send_priced(ctx.task_id, {"seconds": p.seconds}, f"{ctx.task_id} job {n}")
            micro = _committed(ledger, rid)
        return book.begin(uuid.uuid4().hex, rid, micro or 0, self.clock())

    def _create(
        self, p: OpenAIVideosParams, book: JobBook, entry: dict[str, Any], client: VideosClient, ref: bytes | None
    ) -> None:
        for attempt in range(1, 4):
            try:
                job = client.create(p.request(), ref, entry["idempotency_key"])
                break
            except ApiError as exc:
                if not exc.transient or attempt == 3:
                    book.mark(entry, "failed", error=f"create: {exc}")
                    raise _Retry() from None
                self.sleep(exc.retry_after if exc.retry_after is not None else min(8.0, 2.0**attempt))
        book.mark(entry, "running", id=job["id"])  # journaled before the first poll

    def _wait(self, p: OpenAIVideosParams, book: JobBook, entry: dict[str, Any], client: VideosClient, where: str):
        wait, longest = p.poll_seconds
        deadline = float(entry.get("started") or self.clock()) + p.timeout_s
        while True:
            try:
                job = client.retrieve(entry["id"])
            except ApiError as exc:
                if not exc.transient:  # the server lost the job (404): a new one
                    book.mark(entry, "failed", error=f"poll: {exc}")
                    raise _Retry() from None
                job = {"status": "unknown"}
            status = job.get("status")
            if status == "completed":
                return
            if status in ("failed", "cancelled", "expired"):
                book.mark(entry, "failed", error=_job_error(job))
                raise _Retry()
            if self.clock() > deadline:
                _cancel(client, entry["id"])
                book.mark(entry, "timed_out", error=f"not finished after {p.timeout_s:g} s (cancelled)")
                raise _Retry()
            self.sleep(wait)
            wait = min(longest, wait * 1.5)

    def _download(self, ctx: TaskContext, book: JobBook, entry: dict[str, Any], client: VideosClient, where: str):
        dest, problem = ctx.out / "clip.mp4", ""
        for attempt in range(1, DOWNLOAD_TRIES + 1):
            try:
                data = client.content(entry["id"])
            except ApiError as exc:
                problem = str(exc)
                if not exc.transient:
                    break
                self.sleep(min(8.0, 2.0**attempt))
                continue
            problem = clip_problem(data, dest)
            if not problem:
                if entry.get("state") != "completed":
                    book.mark(entry, "completed")
                return dest
            self.sleep(min(8.0, 2.0**attempt))
        book.mark(entry, "bad_download", error=problem)
        raise _Retry()

    def _stopped(self, book: JobBook, entry: dict[str, Any], client: VideosClient) -> None:
        """Stopped: cancel the job in flight when the build itself asked (Ctrl-C, or SIGTERM while the
        build runs); a worker whose build died keeps it for the next build to re-attach to."""
        if os.getppid() != self.parent or entry.get("state") != "running":
            return
        _cancel(client, entry["id"])
        book.mark(entry, "cancelled", error="stopped by the user (DELETE sent)")


def _cancel(client: VideosClient, job_id: str) -> None:
    try:
        client.timeout_s = 10.0
        client.delete(job_id)
    except ApiError:
        pass  # a server that cannot cancel: the job runs out on its own


def _committed(ledger: Any, rid: str | None) -> int:
    """What the ledger committed for request `rid` (micro-dollars)."""
    if rid is None or not hasattr(ledger, "records"):
        return 0
    return next((int(r.get("micro_usd") or 0) for r in ledger.records() if r.get("id") == rid), 0)


def _reference(ctx: TaskContext, p: OpenAIVideosParams) -> bytes | None:
    if not p.input_reference or "prev" not in ctx.inputs:
        return None
    path = ctx.inputs["prev"] / "last_frame.png"
    if not path.is_file():
        raise BackendError(f"scene {p.scene} job {p.chunk}: the previous job left no last_frame.png")
    return path.read_bytes()


def _jobs_folder(ctx: TaskContext) -> Path:
    """The work folder's jobs/ (beside the store); a backend run on its own keeps them in its cache."""
    return (Path(ctx.store_root).parent if ctx.store_root is not None else ctx.cache_dir) / FOLDER


def _job_error(job: dict[str, Any]) -> str:
    err = job.get("error")
    msg = err.get("message") if isinstance(err, dict) else err
    return f"the server reports the job {job.get('status')}: {str(msg or 'no reason given')[:200]}"


def _job_row(t: dict[str, Any]) -> dict[str, Any]:
    row = {"try": t.get("n"), "id": t.get("id"), "state": t.get("state"), "micro_usd": int(t.get("micro_usd") or 0)}
    return {**row, **({"error": t["error"]} if t.get("error") else {})}


def _scrub(text: str, key: str) -> str:
    return text.replace(key, "***") if key else text
