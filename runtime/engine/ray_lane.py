"""One lane of the Ray executor: a long-lived actor pinned to its device, keeping its backends (and so
its loaded models) between tasks, like a local lane worker.

It holds no state the driver needs: inputs arrive as store objects (bytes through Ray's object store)
and are kept in a node-local cache store, outputs go back as bytes with their hash, and the driver
verifies, commits and journals them. The node-local store (under the system's temp folder) is a
cache only: losing it costs a transfer, never a result.

The actor is detached, so a killed driver does not take its task down with it: it finishes the task,
keeps what it made for the next build to collect, and ends itself when nobody calls it for a while
(ray_orphans.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import time
import traceback
from pathlib import Path

from vidc.schemas.descriptor import TaskDescriptor

from ..backends.base import BackendError
from ..backends.spend import RemoteLedger, use_remote
from ..state.node_cache import Holds, prune
from ..state.store import Store, file_sha256, tree_hash
from .ray_orphans import Idle
from .worker import Roots, run_task, warm


def pack(folder: Path) -> dict[str, bytes]:
    """A store object (or a project folder) as {relative path: bytes}."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def unpack(files: dict[str, bytes], folder: Path) -> None:
    for rel, data in files.items():
        path = folder / rel
        if path.resolve().is_relative_to(folder.resolve()) is False:
            raise ValueError(f"refusing a path outside the folder: {rel}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def commit(store: Store, tmp: Path) -> str:
    """Put a folder into this node's cache store under its hash. No fsync: the cache is rebuildable
    (the driver's store is the durable copy), and another actor of this node may commit the same
    object first."""
    digest = tree_hash(tmp)
    target = store.object_dir(digest)
    try:
        os.rename(tmp, target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    return digest


class LaneWorker:
    """Wrapped with `ray.remote(...)` by the driver (so this module imports no Ray)."""

    def __init__(
        self,
        lane: str,
        device: str,
        omp: str | None,
        shared: int,
        project: str,
        spec_rel: str,
        spec_sha: str,
        key: str,
        ship: bool = False,
        gate=None,
        cache_max: int | None = None,
        grace_s: float = 60.0,
    ):
        # The thread count the local executor's worker would have (a different one can change the low
        # bits of a model's output): the driver's OMP_NUM_THREADS, or for a CPU device lane one share of
        # this node's cores. Set before any backend imports torch.
        value = omp or (str(max(1, (os.cpu_count() or 1) // shared)) if shared else None)
        if value:
            os.environ["OMP_NUM_THREADS"] = value
            if "torch" in sys.modules:
                sys.modules["torch"].set_num_threads(int(value))
        else:
            os.environ.pop("OMP_NUM_THREADS", None)
        self.lane, self.device = lane, device
        self.root = Path(tempfile.gettempdir()) / "vidc-ray"  # every build's node caches, bounded together
        self.scratch = self.root / key
        self.cache_max = cache_max
        self.holding = Holds()  # the project copy this lane uses (state/node_cache.py)
        self.store = Store(self.scratch / "store")
        self.store.ensure()
        self.cache = self.scratch / "cache"
        self.cache.mkdir(parents=True, exist_ok=True)
        self.backends: dict = {}
        spec = Path(project) / spec_rel
        sees = not ship and spec.is_file() and file_sha256(spec) == spec_sha
        self.project = Path(project) if sees else None
        self.project_key = spec_sha
        self.gate = gate  # the driver's spend ledger (backends.spend.LedgerGate), when it has one
        self.kept: dict | None = None  # the last task it finished, for a driver that was killed meanwhile
        self.idle = Idle(grace_s)  # ends this actor when no driver calls it any more

    def hello(self) -> dict:
        import ray

        self.idle.touch()
        ctx = ray.get_runtime_context()
        return {
            "node": ctx.get_node_id(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "sees_project": self.project is not None,
        }

    def warm(self, specs: list[dict]) -> None:
        """Load the models of the lane's planned tasks before the first one (worker.warm)."""
        self.idle.busy(True)
        try:
            if self.project is not None:  # a node that is sent the project's files warms nothing
                warm(self.backends, specs, self.device, self.project)
        finally:
            self.idle.busy(False)

    def ping(self) -> None:
        """The driver is alive (it calls this while the lane has nothing to run)."""
        self.idle.touch()

    def collect(self) -> dict | None:
        """What the last task made, for the build after a killed one (queued behind a running task, so
        it answers once that task ends); None when there is nothing or its output left the cache."""
        self.idle.touch()
        kept, self.kept = self.kept, None
        if kept is None or not self.store.object_dir(kept["digest"]).is_dir():
            return None
        return {**kept, "files": pack(self.store.object_dir(kept["digest"]))}

    def receive_project(self, files: dict[str, bytes], digest: str) -> None:
        """The project's files, for a node that cannot see the driver's project folder."""
        folder = self.scratch / f"project-{digest[:16]}"
        if not (folder / ".vidc-complete").exists():
            tmp = Path(tempfile.mkdtemp(dir=self.scratch, prefix="project-tmp-"))
            unpack(files, tmp)
            (tmp / ".vidc-complete").write_text(digest)
            try:
                os.rename(tmp, folder)
            except OSError:  # another actor of this node unpacked it first
                shutil.rmtree(tmp, ignore_errors=True)
        self.holding.release()
        if not self.holding.take(folder):  # evicted at once by another lane: the driver sends it again
            self.project = None
            return
        self.project = folder

    def run(self, desc: TaskDescriptor, out_name: str, *objects: dict) -> dict:
        """Run one portable descriptor. `objects` are the inputs this node lacks:
        {"digest": ..., "files": {rel: bytes}}. Its inputs are held while it runs; afterwards the node's
        caches are brought under the cap."""
        holds = Holds()
        self.idle.busy(True)
        try:
            out = self._run(holds, desc, out_name, objects)
            self.kept = None
            if out["status"] == "done":
                self.kept = self._keep(desc, out)
            return out
        finally:
            holds.release()
            if self.cache_max is not None:
                prune(self.root, self.cache_max)
            self.idle.busy(False)

    def _keep(self, desc: TaskDescriptor, out: dict) -> dict:
        """What the next build needs to journal this task if this build's driver is gone."""
        import ray

        node = ray.get_runtime_context().get_node_id()
        return {
            "task": desc.id,
            "fp": desc.fingerprint,
            "digest": out["digest"],
            "ms": out["ms"],
            "backend": desc.backend,
            "est_ms": desc.est_ms,
            "scale": desc.scale,
            "lane": self.lane,
            "device": self.device,
            "node": f"{socket.gethostname()}/{node[:8]}",
        }

    def _run(self, holds: Holds, desc: TaskDescriptor, out_name: str, objects: tuple[dict, ...]) -> dict:
        for obj in objects:
            if not self.store.object_dir(obj["digest"]).is_dir():
                tmp = self.store.new_tmp(f"in-{obj['digest'][:16]}-{os.getpid()}")
                unpack(obj["files"], tmp)
                got = commit(self.store, tmp)
                if got != obj["digest"]:
                    return {"status": "failed", "error": f"input object {obj['digest']} arrived damaged (hash {got})"}
        needed = sorted({Path(rel).name for rel in desc.inputs.values()})
        missing = [d for d in needed if not holds.take(self.store.object_dir(d))]
        if missing:
            return {"status": "missing", "missing": missing}
        if self.project is None:
            return {"status": "need_project"}
        out = self.store.new_tmp(out_name)
        roots = Roots(store=self.store.root, cache=self.cache, project=self.project)
        started = time.monotonic()
        use_remote(RemoteLedger(self.gate) if self.gate is not None else None)  # paid requests journaled there
        try:
            result = run_task(self.backends, desc, out, self.device, lambda msg: None, roots=roots)
            (out / "result.json").write_text(json.dumps(result, sort_keys=True, ensure_ascii=False), encoding="utf-8")
            files = pack(out)  # before the commit: once in the cache, another lane's prune may take it
            digest = commit(self.store, out)
        except BackendError as exc:
            shutil.rmtree(out, ignore_errors=True)
            return {"status": "failed", "error": str(exc)}
        except Exception as exc:  # a bug in a backend: report it with its traceback, keep the lane alive
            shutil.rmtree(out, ignore_errors=True)
            tb = traceback.format_exc(limit=8)
            return {"status": "failed", "error": f"internal error in backend {desc.backend}: {exc!r}\n{tb}"}
        ms = int((time.monotonic() - started) * 1000)
        return {"status": "done", "digest": digest, "files": files, "ms": ms}


def scratch_key(work_root: Path) -> str:
    """One node-local cache per project work folder and driver machine."""
    return hashlib.sha256(f"{socket.gethostname()}\0{work_root.resolve()}".encode()).hexdigest()[:16]
