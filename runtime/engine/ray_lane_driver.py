"""One lane of the Ray executor as the driver sees it: the lane interface of lanes.py over one Ray actor
(ray_lane.LaneWorker) that runs at most one task at a time. It sends a task's inputs its node lacks,
takes its output back (verified, committed and journaled here), reports a dead actor's task lost and a
lane no live node can hold any more gone, and keeps an idle actor from ending itself (ray_orphans.py)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError, RayTaskError

from vidc.schemas.descriptor import TaskDescriptor
from vidc.schemas.hardware import Hardware
from vidc.schemas.journal import Claimed, Done, Failed, Lost as LostRecord
from vidc.schemas.plan import Lane as PlanLane

from ..host.ray_cluster import lane_request
from .lanes import Ended, Gone, Lost, Note, Ready, Report, Returned, Run, Warm
from .ray_actors import first_line as _first_line, kill as _kill
from .ray_lane import pack, unpack
from .ray_orphans import NAMESPACE, PING_S, actor_name, grace_s

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
    pinged: float = 0.0


@dataclass
class Flight:
    tid: str
    desc: TaskDescriptor
    out_name: str


class RayLane:
    """One lane as a Ray actor: at most one task in flight (or waiting for the actor to start)."""

    def __init__(self, pool: Any, lane: PlanLane):  # pool: ray_executor.RayPool (which imports this)
        self.id, self.pool, self.lane = lane.id, pool, lane
        self.device = lane_device(lane, pool.hardware)
        self.actor: LaneActor | None = None
        self.flight: tuple[object, Flight] | None = None  # (ObjectRef of run(), the task)
        self.unsent: Flight | None = None  # the task waiting for the actor to start
        self.waiting = False  # it gave its task back while waiting for room

    def start(self, warm: list[Warm]) -> None:
        actor = self._actor()  # every busy lane's actor starts at once, in parallel
        specs = [{"backend": w.backend, "params": w.params} for w in warm]
        actor.handle.warm.remote(specs)  # runs before its first task (one caller's calls keep their order)

    def submit(self, run: Run) -> None:
        # Exactly the descriptor a local worker reads: the file just written (canonical, keys sorted).
        desc = TaskDescriptor.model_validate_json((self.pool.work.root / run.desc_rel).read_text(encoding="utf-8"))
        self.pool.journal.append(Claimed(task=run.task, fp=desc.fingerprint, lane=self.id, pid=os.getpid()))
        self._send(Flight(run.task, desc, run.out_name))

    def poll(self) -> list[Report]:
        out = self._check_start()
        self._ping()
        if self.flight is not None:
            ref, flight = self.flight
            ready, _ = ray.wait([ref], num_returns=1, timeout=0)
            if ready:
                self.flight = None
                out += self._settle(flight, ref)
        return out

    def _ping(self) -> None:
        """An idle lane whose driver says nothing ends itself (ray_orphans.py): say something."""
        actor = self.actor
        if (
            self.flight is None
            and actor is not None
            and actor.hello is None
            and time.monotonic() - actor.pinged > PING_S
        ):
            actor.pinged = time.monotonic()
            actor.handle.ping.remote()

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
            self.pool.serial += 1
            handle = self.pool.remote.options(
                **lane_request(self.lane, self.pool.hardware),
                max_restarts=0,
                name=actor_name(self.pool.key, self.id, self.pool.serial),
                namespace=NAMESPACE,
                lifetime="detached",  # a killed driver's lane finishes its task (ray_orphans.py)
            ).remote(
                self.id,
                self.device,
                os.environ.get("OMP_NUM_THREADS"),
                shared,
                str(self.pool.project_dir),
                self.pool.plan.spec,
                self.pool.spec_sha,
                self.pool.key,
                self.pool.ship_project == "always",
                self.pool.gate,
                self.pool.cache_max,
                grace_s(),
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
