"""The Ray executor: the one scheduler (executor.py: same plan, same descriptors, same dispatch rule,
same journal and store on this machine), with lanes that are Ray actors on a cluster (RayLane, one
implementation of the lane interface of lanes.py).

What differs from the local lanes is only how a task reaches a lane and how its result comes back:

- each lane is one long-lived actor (ray_lane.LaneWorker) placed by the Ray resources of its device
  (host/ray_cluster.py), keeping its models loaded between tasks;
- a task's input objects travel to the lane's node through Ray's object store (only those that node
  lacks), its output comes back as bytes; this process verifies the output's hash, commits it to the
  store and journals it: it stays the single writer of journal and store, so a killed build resumes
  exactly as a local one does;
- a lane whose worker or node dies reports its task lost: the scheduler runs it again on a lane that
  can run it, a bounded number of times; a lane that no live node can hold any more reports itself
  gone, and the scheduler moves its planned work to the lanes that can run it, or fails it naming what
  could not run where;
- a plan whose lanes the cluster cannot hold fails before anything runs (Ray itself would wait forever).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import ray
from ray.exceptions import RayError, RayTaskError

from vidc.schemas.descriptor import TaskDescriptor
from vidc.schemas.hardware import Hardware
from vidc.schemas.journal import Claimed, Done, Failed, Lost as LostRecord
from vidc.schemas.plan import Lane as PlanLane

from ..host.ray_cluster import connect, lane_request, node_fits, request_totals
from ..state.journal import Journal
from ..state.store import file_sha256
from .executor import Executor
from .lanes import Ended, Gone, Lane, Lost, Note, Ready, Report, Returned, Run
from .ray_actors import first_line as _first_line, kill as _kill, ledger_gate
from .ray_lane import LaneWorker, pack, scratch_key, unpack
from .ray_placement import lanes_that_fit
from .ray_project import project_files

START_PATIENCE_S = 2.0  # an actor not started after this long is checked against the live nodes
ROOM_PATIENCE_S = 10.0  # ... and after this long its task goes to other lanes while it waits for room


@dataclass
class LaneActor:
    handle: object
    hello: object  # ObjectRef of hello(); None once answered
    created: float
    node: str | None = None
    host: str = "?"
    checked: float = 0.0
    shipped: bool = False


@dataclass
class Flight:
    tid: str
    desc: TaskDescriptor
    out_name: str


class RayExecutor(Executor):
    """The executor whose lanes are Ray actors: only its lane pool differs."""

    def __init__(
        self,
        plan,
        project_dir,
        out_dirs,
        work,
        reporter,
        *,
        address: str | None = None,
        ship_project: str = "auto",
        cache_max: int | None = None,
        **kwargs,
    ):
        pool = RayPool(
            plan,
            project_dir,
            out_dirs,
            work,
            address=address,
            ship_project=ship_project,
            cache_max=cache_max,
            ledger=getattr(kwargs.get("budget"), "ledger", None),
        )
        super().__init__(plan, project_dir, out_dirs, work, reporter, pool=pool, **kwargs)


class RayPool:
    """The connection to the cluster and what the Ray lanes of one build share: the nodes' cached
    objects, the project's files (for nodes that cannot see them), the journal and the store."""

    def __init__(
        self,
        plan,
        project_dir: Path,
        out_dirs: dict[str, Path],
        work,
        *,
        address: str | None,
        ship_project: str,
        cache_max: int | None = None,
        ledger=None,
    ):
        self.plan, self.hardware, self.project_dir, self.out_dirs = plan, plan.hardware, project_dir, out_dirs
        self.work, self.store, self.journal = work, work.store, Journal(work.journal)
        self.address, self.ship_project, self.cache_max = address, ship_project, cache_max
        self.lanes: dict[str, RayLane] = {}
        self.node_has: dict[str, set[str]] = {}  # node id -> objects its lanes hold
        self.gone: dict[str, str] = {}  # lane -> why it was dropped before anything ran
        self._connected = False
        self._project_ref = None
        self.ledger = ledger  # the build's spend ledger (backends.spend), when it has a ceiling
        self.gate = None  # its actor on this machine, through which the lanes journal paid requests
        spec = project_dir / plan.spec
        self.spec_sha = file_sha256(spec) if spec.is_file() else ""

    def open(self, lanes: dict[str, PlanLane], planned: dict[str, list[str]]) -> dict[str, Lane]:
        self._connected = connect(self.address, self.hardware)
        self.remote = ray.remote(LaneWorker)
        self.gate = ledger_gate(self.ledger)
        kept = self._check_cluster(lanes, planned)
        self.lanes = {lane_id: RayLane(self, lanes[lane_id]) for lane_id in kept}
        return dict(self.lanes)

    def close(self) -> None:
        for lane in self.lanes.values():
            lane.stop()
        if self.gate is not None:
            _kill(self.gate)
            self.gate = None
        if self._connected:
            ray.shutdown()
            self._connected = False

    # -- the cluster ---------------------------------------------------------------------------
    def nodes(self) -> list[dict]:
        return [n for n in ray.nodes() if n.get("Alive")]

    def need(self, lane: PlanLane) -> dict[str, float]:
        return request_totals(lane_request(lane, self.hardware))

    def describe(self, lane: PlanLane) -> str:
        if lane.kind != "device":
            return f"lane {lane.id}"
        dev = self.hardware.device(lane.device)
        vram = f", {dev.vram_gb:g} GB" if dev.vram_gb else ""
        return f"lane {lane.id} ({dev.name or dev.kind}{vram})"

    def placeable(self, lane: PlanLane) -> bool:
        need = self.need(lane)
        return any(node_fits(n.get("Resources", {}), need) for n in self.nodes())

    def _check_cluster(self, lanes: dict[str, PlanLane], planned: dict[str, list[str]]) -> list[str]:
        """The lanes to run (ray_placement.lanes_that_fit over the live nodes)."""
        return lanes_that_fit(lanes, planned, self.nodes(), self.need, self.describe, self.gone)

    # -- the project's files, for nodes that cannot see them ---------------------------------------
    def ship(self, actor: LaneActor) -> None:
        if not actor.shipped:
            actor.shipped = True
            actor.handle.receive_project.remote(self._project(), self.spec_sha)

    def _project(self):
        """The project's files (not its work or output folders), put once into the object store."""
        if self._project_ref is None:
            skip = {self.work.root.resolve(), *(d.resolve() for d in self.out_dirs.values())}
            self._project_ref = ray.put(project_files(self.project_dir, skip))
        return self._project_ref


class RayLane:
    """One lane as a Ray actor: at most one task in flight (or waiting for the actor to start)."""

    def __init__(self, pool: RayPool, lane: PlanLane):
        self.id, self.pool, self.lane = lane.id, pool, lane
        self.device = lane_device(lane, pool.hardware)
        self.actor: LaneActor | None = None
        self.flight: tuple[object, Flight] | None = None  # (ObjectRef of run(), the task)
        self.unsent: Flight | None = None  # the task waiting for the actor to start
        self.waiting = False  # it gave its task back while waiting for room

    def start(self) -> None:
        self._actor()  # every busy lane's actor starts at once, in parallel

    def submit(self, run: Run) -> None:
        # Exactly the descriptor a local worker reads: the file just written (canonical, keys sorted).
        desc = TaskDescriptor.model_validate_json((self.pool.work.root / run.desc_rel).read_text(encoding="utf-8"))
        self.pool.journal.append(Claimed(task=run.task, fp=desc.fingerprint, lane=self.id, pid=os.getpid()))
        self._send(Flight(run.task, desc, run.out_name))

    def poll(self) -> list[Report]:
        out = self._check_start()
        if self.flight is not None:
            ref, flight = self.flight
            ready, _ = ray.wait([ref], num_returns=1, timeout=0)
            if ready:
                self.flight = None
                out += self._settle(flight, ref)
        return out

    def release(self) -> None:
        """Nothing: a Ray actor keeps its models loaded."""

    def stop(self) -> None:
        if self.actor is not None:
            _kill(self.actor.handle)
            self.actor = None

    # -- the actor -------------------------------------------------------------------------------
    def _actor(self) -> LaneActor:
        if self.actor is None:
            shared = 0
            if self.lane.kind == "device" and self.device == "cpu":
                shared = sum(1 for d in self.pool.hardware.devices if d.kind == "cpu")
            handle = self.pool.remote.options(
                **lane_request(self.lane, self.pool.hardware), max_restarts=0, name=None
            ).remote(
                self.id,
                self.device,
                os.environ.get("OMP_NUM_THREADS"),
                shared,
                str(self.pool.project_dir),
                self.pool.plan.spec,
                self.pool.spec_sha,
                scratch_key(self.pool.work.root),
                self.pool.ship_project == "always",
                self.pool.gate,
                self.pool.cache_max,
            )
            self.actor = LaneActor(handle=handle, hello=handle.hello.remote(), created=time.monotonic())
        return self.actor

    def _check_start(self) -> list[Report]:
        """An actor that started gets the task waiting for it. One not started is dropped when no live
        node can hold it any more; when it only waits for room (other builds hold the devices), its
        task goes back so that other lanes take it meanwhile (two builds never wait on each other)."""
        actor = self.actor
        if actor is None or actor.hello is None:
            return []
        ready, _ = ray.wait([actor.hello], num_returns=1, timeout=0)
        if ready:
            return self._started(actor)
        now = time.monotonic()
        age = now - actor.created
        if age > START_PATIENCE_S and now - actor.checked > 1.0:
            actor.checked = now
            if not self.pool.placeable(self.lane):
                return self._drop(
                    f"no live node of the cluster has its resources "
                    f"{json.dumps(self.pool.need(self.lane), sort_keys=True)} any more"
                )
            if age > ROOM_PATIENCE_S and self.unsent is not None:
                flight, self.unsent, self.waiting = self.unsent, None, True
                return [
                    Returned(flight.tid, wait=True),
                    Note(
                        f"{self.pool.describe(self.lane)} waits for room on "
                        f"the cluster; other lanes take its work meanwhile"
                    ),
                ]
        return []

    def _started(self, actor: LaneActor) -> list[Report]:
        ref, actor.hello = actor.hello, None
        out: list[Report] = [Ready()] if self.waiting else []  # it has room now: the scheduler gives it work again
        self.waiting = False
        flight, self.unsent = self.unsent, None
        try:
            info = ray.get(ref)
        except RayError as exc:  # the actor could not start (or died at once)
            if flight is not None:
                return out + self._lost(flight, f"{self.id} (starting)", _first_line(exc))
            self.actor = None
            return out
        actor.node, actor.host = info["node"], info["host"]
        if not info["sees_project"]:
            self.pool.ship(actor)
        if flight is not None:
            self._send(flight)
        return out

    def _send(self, flight: Flight, *, resend: bool = False) -> None:
        actor = self._actor()
        if actor.hello is not None:  # not started yet: sent when it says hello (never queued on a pending actor)
            self.unsent = flight
            return
        has = self.pool.node_has.get(actor.node, set()) if actor.node and not resend else set()
        needed = sorted({Path(rel).name for rel in flight.desc.inputs.values()})
        store = self.pool.store
        objects = [ray.put({"digest": d, "files": pack(store.object_dir(d))}) for d in needed if d not in has]
        if actor.node:
            self.pool.node_has.setdefault(actor.node, set()).update(needed)
        self.flight = (actor.handle.run.remote(flight.desc, flight.out_name, *objects), flight)

    # -- results -------------------------------------------------------------------------------
    def _settle(self, flight: Flight, ref) -> list[Report]:
        actor = self.actor
        where = f"{self.id} on node {_node_name(actor)}"
        try:
            out = ray.get(ref)
        except RayTaskError as exc:  # a bug in the lane's own code (backend errors come back as results)
            return [self._failed(flight, f"internal error in the Ray lane {where}: {_first_line(exc)}")]
        except RayError as exc:  # the worker process or its node died, or the actor could not start
            return self._lost(flight, where, _first_line(exc))
        status = out["status"]
        if status == "missing":  # that node's cache lost an object: send all inputs again
            if actor and actor.node:
                self.pool.node_has.get(actor.node, set()).difference_update(out["missing"])
            self._send(flight, resend=True)
            return []
        if status == "need_project":  # its node cannot see the project folder: send the files, then the task
            if actor is not None:
                self.pool.ship(actor)
            self._send(flight)
            return []
        if status == "failed":
            return [self._failed(flight, out["error"])]
        return [self._done(flight, out, actor, where)]

    def _done(self, flight: Flight, out: dict, actor: LaneActor | None, where: str) -> Ended:
        tmp = self.pool.store.new_tmp(flight.out_name)
        unpack(out["files"], tmp)
        digest = self.pool.store.commit(tmp)  # hashes what arrived; only a matching object is accepted
        if digest != out["digest"]:
            return self._failed(
                flight, f"the output from {where} arrived damaged: hash {digest}, the lane reported {out['digest']}"
            )
        if actor and actor.node:
            self.pool.node_has.setdefault(actor.node, set()).add(digest)
        desc = flight.desc
        return Ended(
            self.pool.journal.append(
                Done(
                    task=flight.tid,
                    fp=desc.fingerprint,
                    lane=self.id,
                    device=self.device,
                    object=digest,
                    ms=out["ms"],
                    backend=desc.backend,
                    est_ms=desc.est_ms,
                    scale=desc.scale,
                    node=_node_name(actor),
                )
            )
        )

    def _failed(self, flight: Flight, error: str) -> Ended:
        return Ended(
            self.pool.journal.append(Failed(task=flight.tid, fp=flight.desc.fingerprint, lane=self.id, error=error))
        )

    def _lost(self, flight: Flight, where: str, reason: str) -> list[Report]:
        """The actor died under this task: it is reported lost (the scheduler retries it, bounded), and
        the lane is dropped when no live node can hold it any more."""
        self.stop()
        out: list[Report] = []
        if self.unsent is not None and self.unsent is not flight:
            out.append(Returned(self.unsent.tid))
        self.unsent = None
        self.pool.journal.append(LostRecord(task=flight.tid, fp=flight.desc.fingerprint, lane=self.id, error=reason))
        out.append(Lost(flight.tid, f"{where}: {reason}", retry=True))
        if not self.pool.placeable(self.lane):
            out += self._drop(f"its node is gone ({reason})")
        return out

    def _drop(self, why: str) -> list[Report]:
        """No live node can hold this lane any more: its task goes back, and the lane is gone."""
        out: list[Report] = []
        for flight in [self.flight[1] if self.flight else None, self.unsent]:
            if flight is not None:
                out.append(Returned(flight.tid))
        self.flight, self.unsent, self.waiting = None, None, False
        self.stop()
        self.pool.gone[self.id] = why
        return out + [Gone(self.pool.describe(self.lane), why)]


def lane_device(lane: PlanLane, hw: Hardware) -> str:
    """The device a lane's actor runs on: Ray sets CUDA_VISIBLE_DEVICES to the GPU it gave the actor."""
    if lane.kind == "device":
        dev = hw.device(lane.device)
        return "cuda:0" if dev.kind == "cuda" else "cpu"
    return "cpu"


def _node_name(actor: LaneActor | None) -> str:
    """host/node-id prefix: several simulated nodes share one host name."""
    if actor is None or actor.node is None:
        return "?"
    return f"{actor.host}/{actor.node[:8]}"
