"""Paid requests, journaled before they leave: the work folder's `spend.log`.

Every request that may be billed (an LLM script request, each of its repair rounds and retries; an
ElevenLabs request, each retry and an unreadable 200 included) is appended here, fsynced, before it
is sent, with what it may cost. A request that then reports what it used (an LLM's usage fields) gets
a `billed` record; one that reports nothing (an error, a timeout, a kill) stays at what was
committed. So a resumed build counts what a killed run sent, and the manifest can list every request.

    {"ev": "build", "build": B, "max_micro_usd": 1000000} a build starts (its --max-cost, or null)
    {"ev": "price", "build": B, "task": T, "provider": P, "item": M,  what one unit of a task's requests costs
     "per": {"characters": 3.0}}                          (written by the build before dispatching T)
    {"ev": "sent", "id": R, "build": B, "task": T, "provider": P, "item": M,
     "units": {...}, "micro_usd": N, "what": "..."}
    {"ev": "billed", "id": R, "units": {...}, "micro_usd": N, "basis": "..."}
    {"ev": "closed"}                                      a build finished: what came before is settled

Spent is the sum over the requests since the last `closed` (a build that failed or was killed is not
closed, so the next build counts what it sent). Before a request is recorded, spent plus its cost is
compared with the ceiling of the build that sends it: over it, SpendLimit and nothing is sent. Workers
of one build append at once: every read-check-append holds an exclusive lock on the file.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .base import BackendError

LEDGER_NAME = "spend.log"


def _micro(value: Any) -> int:
    """Micro-dollars from a ledger field: a whole number >= 0, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**15 else 0


def _units(value: Any) -> dict[str, int]:
    return {str(k): _micro(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value[:500] if isinstance(value, str) else ""


class SpendLimit(BackendError):
    """A request not sent: it would take the spend past --max-cost (never transient)."""


def usd(micro: int | float) -> str:
    dollars = micro / 1e6
    return "$0.00" if micro == 0 else f"${dollars:.4f}" if dollars < 1 else f"${dollars:,.2f}"


_REMOTE: RemoteLedger | None = None  # a Ray lane's way to the driver's ledger (set by the lane)


def use_remote(ledger: RemoteLedger | None) -> None:
    global _REMOTE
    _REMOTE = ledger


def ledger_beside_store(store_root: Path | None) -> Ledger | RemoteLedger | None:
    """The build's ledger, seen from a worker: the work folder holds the store and the ledger; on a
    Ray lane, the driver's ledger through its gate; None for a backend run on its own."""
    if store_root is not None:
        path = Path(store_root).parent / LEDGER_NAME
        if path.is_file() and not path.is_symlink():
            return Ledger(path)
    return _REMOTE


class LedgerGate:
    """The ledger for the lanes of a Ray cluster: an actor on the driver's machine, where the work
    folder is (wrapped with `ray.remote` by the executor, so this module imports no Ray)."""

    def __init__(self, path: str):
        self.ledger = Ledger(Path(path))

    def send_priced(self, task: str, units: dict[str, int], what: str) -> dict[str, Any]:
        try:
            return {"id": self.ledger.send_priced(task, units, what)}
        except SpendLimit as exc:
            return {"refused": str(exc)}


class RemoteLedger:
    """A LedgerGate as a worker sees it: `send_priced` waits for the driver's ledger to record it."""

    def __init__(self, handle: Any):
        self.handle = handle

    def send_priced(self, task: str, units: dict[str, int], what: str) -> str | None:
        import ray

        answer = ray.get(self.handle.send_priced.remote(task, units, what))
        if "refused" in answer:
            raise SpendLimit(answer["refused"])
        return answer["id"]


class Ledger:
    def __init__(self, path: Path, build: str | None = None):
        self.path = Path(path)
        self.build = build  # this build's id (from `start`): its requests are checked against its ceiling
        self._seen: list[dict[str, Any]] = []  # records read so far, and the offset after the last whole line
        self._offset = 0
        self._inode: tuple[int, int] | None = None

    # -- the file -----------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[int]:
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.path, flags, 0o644)
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            except ImportError:  # no flock (Windows): one build's lanes still append whole lines
                pass
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def _read(self, fd: int) -> list[dict[str, Any]]:
        """Every record, reading only what was appended since the last call (a long matrix build reads
        its ledger before every request)."""
        st = os.fstat(fd)
        if self._inode != (st.st_dev, st.st_ino) or st.st_size < self._offset:  # a new or replaced file
            self._seen, self._offset, self._inode = [], 0, (st.st_dev, st.st_ino)
        chunks, offset = [], self._offset
        while True:
            chunk = os.pread(fd, 1 << 20, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        data = b"".join(chunks)
        whole = data.rfind(b"\n") + 1  # a half line (a writer killed mid-line) waits for its end
        for line in data[:whole].decode("utf-8", "replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a torn line of a killed build
            if isinstance(rec, dict) and isinstance(rec.get("ev"), str):
                self._seen.append(rec)
        self._offset += whole
        return list(self._seen)

    @staticmethod
    def _append(fd: int, rec: dict[str, Any]) -> None:
        size = os.fstat(fd).st_size
        torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"  # a killed build's half line stays apart
        line = ("\n" if torn else "") + json.dumps(rec, sort_keys=True, ensure_ascii=False) + "\n"
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)

    def _write(self, rec: dict[str, Any]) -> None:
        with self._locked() as fd:
            self._append(fd, rec)

    def records(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        with self._locked() as fd:
            return self._read(fd)

    # -- what was spent -------------------------------------------------------------------------
    @staticmethod
    def open_part(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        last = max((i for i, r in enumerate(records) if r["ev"] == "closed"), default=-1)
        return records[last + 1 :]

    @staticmethod
    def requests_of(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The `sent` records, each with what it was billed when that is known (`micro_usd` then is
        the billed amount and `committed` what was reserved before sending). Fields are checked, not
        trusted: a damaged or planted line counts what it can, never raises."""
        billed = {r.get("id"): r for r in records if r["ev"] == "billed" and isinstance(r.get("id"), str)}
        out = []
        for r in records:
            if r["ev"] != "sent":
                continue
            row: dict[str, Any] = {k: _text(r.get(k)) for k in ("id", "task", "provider", "item", "what")}
            row.update(
                units=_units(r.get("units")),
                micro_usd=_micro(r.get("micro_usd")),
                committed=_micro(r.get("micro_usd")),
                basis="committed before sending (no usage came back)",
            )
            b = billed.get(r.get("id"))
            if b is not None:
                row.update(
                    micro_usd=_micro(b.get("micro_usd")),
                    units=_units(b.get("units")) or row["units"],
                    basis=_text(b.get("basis")),
                )
            out.append(row)
        return out

    @classmethod
    def _spent(cls, records: list[dict[str, Any]]) -> int:
        return sum(r["micro_usd"] for r in cls.requests_of(cls.open_part(records)))

    def spent(self) -> int:
        return self._spent(self.records())

    def requests(self) -> list[dict[str, Any]]:
        """The requests since the last finished build."""
        return self.requests_of(self.open_part(self.records()))

    # -- a build ------------------------------------------------------------------------------
    def start(self, ceiling: int | None) -> None:
        """A build begins (under its --max-cost, or None): requests it sends are checked against it."""
        self.build = uuid.uuid4().hex
        self._write({"ev": "build", "build": self.build, "max_micro_usd": ceiling})

    def close(self) -> None:
        self._write({"ev": "closed"})

    def price(self, task: str, provider: str, item: str, per: dict[str, float]) -> None:
        self._write({"ev": "price", "build": self.build, "task": task, "provider": provider, "item": item, "per": per})

    # -- a request ----------------------------------------------------------------------------
    def send(
        self,
        *,
        task: str,
        provider: str,
        item: str,
        units: dict[str, int],
        micro_usd: int,
        what: str,
        build: str | None = None,
    ) -> str:
        """Record a request before it leaves, or raise SpendLimit when it would pass the ceiling of the
        build that sends it."""
        build = build or self.build
        with self._locked() as fd:
            records = self._read(fd)
            ceiling = next(
                (r.get("max_micro_usd") for r in reversed(records) if r["ev"] == "build" and r.get("build") == build),
                None,
            )
            spent = self._spent(records)
            if isinstance(ceiling, int) and spent + micro_usd > ceiling:
                raise SpendLimit(
                    f"not sent: {what} may cost {usd(micro_usd)}, and requests that reached paid APIs "
                    f"since the last finished build cost {usd(spent)}: together more than --max-cost "
                    f"{usd(ceiling)}"
                )
            rid = uuid.uuid4().hex
            self._append(
                fd,
                {
                    "ev": "sent",
                    "id": rid,
                    "build": build,
                    "task": task,
                    "provider": provider,
                    "item": item,
                    "units": dict(units),
                    "micro_usd": int(micro_usd),
                    "what": what,
                },
            )
            return rid

    def send_priced(self, task: str, units: dict[str, int], what: str) -> str | None:
        """`send`, priced by the task's `price` record; None when the build left no price for it."""
        price = next((r for r in reversed(self.records()) if r["ev"] == "price" and r.get("task") == task), None)
        if price is None:
            return None
        per = price.get("per")
        rates = [per.get(k) for k in units] if isinstance(per, dict) else [None]
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x < 1e9 for x in rates):
            raise SpendLimit(f"not sent: {what}: the ledger's price for {task} is damaged ({per!r:.100})")
        micro = round(sum(float(per[k]) * n for k, n in units.items()))
        return self.send(
            task=task,
            provider=str(price.get("provider")),
            item=str(price.get("item")),
            units=units,
            micro_usd=micro,
            what=what,
            build=price.get("build"),
        )

    def bill(self, rid: str, micro_usd: int, units: dict[str, int], basis: str) -> None:
        self._write({"ev": "billed", "id": rid, "micro_usd": int(micro_usd), "units": dict(units), "basis": basis})
