"""The journal of a task's remote jobs: one small JSON file per task in the work folder's `jobs/`,
rewritten atomically (temporary name, fsync, rename, folder fsync) at every step, so that a build
killed at any moment knows on resume which jobs it started and re-attaches to them.

A task's file lists its tries in order; each try is one job that may be paid for:

    {"task": T, "key": K, "tries": [
      {"n": 1, "idempotency_key": "...", "ledger_id": "...", "micro_usd": 40000,
       "state": "creating" | "running" | "completed" | "failed" | "timed_out" | "cancelled" | "bad_download",
       "id": "video_abc" (once the server answered), "started": <unix s>, "error": "..."}]}

A try is written `creating` (with its idempotency key and the ledger's record of its price) before
the create request leaves, and `running` with the job's id before the first poll. `key` is a digest
of the task's request: a changed request starts a new file and never re-attaches to an old job.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..state.atomic import write_text

OPEN = ("creating", "running")  # a try whose job may still be alive on the server
FOLDER = "jobs"


def request_key(task_id: str, request: dict[str, Any], reference_sha256: str | None) -> str:
    text = json.dumps({"task": task_id, "request": request, "ref": reference_sha256}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class JobBook:
    def __init__(self, folder: Path, task_id: str, key: str):
        self.folder = Path(folder)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", task_id).strip("._")[:120]
        self.path = self.folder / f"{safe}.{key[:12]}.json"
        self.task, self.key = task_id, key
        self.tries: list[dict[str, Any]] = []
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # none yet (a damaged file cannot exist: it is only ever replaced whole)
        if isinstance(data, dict) and data.get("key") == self.key and isinstance(data.get("tries"), list):
            self.tries = [t for t in data["tries"] if isinstance(t, dict)]

    def save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text(self.path, json.dumps({"task": self.task, "key": self.key, "tries": self.tries}, sort_keys=True))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Two workers never decide about one task's jobs at once (a killed build's stray worker)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            except ImportError:
                pass
            self._load()
            yield
        finally:
            os.close(fd)

    def open_try(self) -> dict[str, Any] | None:
        """The try whose job may still be running (to re-attach to), if any."""
        last = self.tries[-1] if self.tries else None
        return last if last is not None and last.get("state") in OPEN else None

    def completed(self) -> dict[str, Any] | None:
        last = self.tries[-1] if self.tries else None
        return last if last is not None and last.get("state") == "completed" else None

    def begin(self, idempotency_key: str, ledger_id: str | None, micro_usd: int, started: float) -> dict[str, Any]:
        entry = {
            "n": len(self.tries) + 1,
            "idempotency_key": idempotency_key,
            "ledger_id": ledger_id,
            "micro_usd": micro_usd,
            "state": "creating",
            "started": started,
        }
        self.tries.append(entry)
        self.save()
        return entry

    def mark(self, entry: dict[str, Any], state: str, **fields: Any) -> None:
        entry.update(state=state, **fields)
        self.save()
