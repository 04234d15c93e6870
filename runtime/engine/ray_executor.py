"""The Ray executor: the local executor's coordinator (same plan, same descriptors, same dispatch rule,
same journal and store on this machine), with lanes that are Ray actors on a cluster.

What differs from the local executor is only how a task reaches a lane and how its result comes back
(the `_prepare`, `_launch` and `_poll` hooks of Executor):

- each lane is one long-lived actor (ray_lane.LaneWorker) placed by the Ray resources of its device
  (host/ray_cluster.py), keeping its models loaded between tasks;
- a task's input objects travel to the lane's node through Ray's object store (only those that node
  lacks), its output comes back as bytes; this process verifies the output's hash, commits it to the
  store and journals it: it stays the single writer of journal and store, so a killed build resumes
  exactly as a local one does;
- a lane whose worker or node dies gives its task back: it runs again on a lane that can run it, at
  most MAX_ATTEMPTS times; a lane that no live node can hold any more is dropped and its planned work
  is taken by the lanes that can run it, or fails naming what could not run where;
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
from vidc.schemas.journal import Claimed, Done, Failed, Lost, Record

from ..host.ray_cluster import ClusterError, connect, lane_request, node_fits, request_totals
from ..state.store import file_sha256
from .dispatch import lane_can_run
from .executor import Executor
from .ray_lane import LaneWorker, pack, scratch_key, unpack

MAX_ATTEMPTS = 3  # runs of one task whose worker died before we give up on it
START_PATIENCE_S = 2.0  # an actor not started after this long is checked against the live nodes
ROOM_PATIENCE_S = 10.0  # ... and after this long its task goes to other lanes while it waits for room
WAITING = ""  # the running-slot of a lane whose actor waits for room on the cluster (it takes no task)
PROJECT_LIMIT = 2 << 30  # bytes of project files shipped to nodes that cannot see the project folder


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
    lane: str
    desc: TaskDescriptor
    out_name: str


class RayExecutor(Executor):
    def __init__(self, *args, address: str | None = None, ship_project: str = "auto", **kwargs):
        super().__init__(*args, **kwargs)
        self.address, self.ship_project = address, ship_project
        self.actors: dict[str, LaneActor] = {}
        self.flights: dict[object, Flight] = {}
        self.unsent: dict[str, Flight] = {}  # lane -> the task waiting for its actor to start
        self.node_has: dict[str, set[str]] = {}  # node id -> objects its lanes hold
        self.attempts: dict[str, list[str]] = {}  # task id -> where its worker died
        self.gone: dict[str, str] = {}  # lane -> why it was dropped
        self._planned: dict[str, list[str]] = {}
        self._connected = False
        self._project_ref = None
        spec = self.project_dir / plan_spec(self.plan)
        self._spec_sha = file_sha256(spec) if spec.is_file() else ""

    # -- hooks ---------------------------------------------------------------------------------
    def _prepare(self, planned: dict[str, list[str]]) -> None:
        self._planned = planned
        self._connected = connect(self.address, self.plan.hardware)
        self._remote = ray.remote(LaneWorker)
        self._check_cluster(planned)
        for lane_id in sorted(self.lanes):
            if planned.get(lane_id):
                self._actor(lane_id)  # start every busy lane now, in parallel

    def _launch(self, tid: str, lane_id: str, desc: TaskDescriptor, desc_rel: str, out_name: str) -> None:
        # Exactly the descriptor a local worker reads: the file just written (canonical, keys sorted).
        desc = TaskDescriptor.model_validate_json((self.work.root / desc_rel).read_text(encoding="utf-8"))
        self.journal.append(Claimed(task=tid, fp=desc.fingerprint, lane=lane_id, pid=os.getpid()))
        self._submit(Flight(tid, lane_id, desc, out_name))

    def _poll(self) -> list[Record]:
        self._check_actors()
        if not any(self._planned.values()):  # nothing left for lanes that wait for room: stop waiting for them
            for lane_id in [ln for ln, (tid, _) in self.running.items() if tid == WAITING]:
                del self.running[lane_id]
        if not self.flights:
            time.sleep(0.01)
            return []
        refs = list(self.flights)
        ready, _ = ray.wait(refs, num_returns=1, timeout=0.05)
        if ready and len(refs) > 1:
            ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        records = []
        for ref in ready:
            flight = self.flights.pop(ref, None)
            if flight is not None:
                rec = self._settle_flight(flight, ref)
                if rec is not None:
                    records.append(rec)
        return records

    def _stop_workers(self) -> None:
        for actor in self.actors.values():
            _kill(actor.handle)
        self.actors.clear()
        if self._connected:
            ray.shutdown()
            self._connected = False

    # -- the cluster ---------------------------------------------------------------------------
    def _nodes(self) -> list[dict]:
        return [n for n in ray.nodes() if n.get("Alive")]

    def _need(self, lane_id: str) -> dict[str, float]:
        return request_totals(lane_request(self.lanes[lane_id], self.plan.hardware))

    def _describe(self, lane_id: str) -> str:
        lane = self.lanes.get(lane_id)
        if lane is None or lane.kind != "device":
            return f"lane {lane_id}"
        dev = next(d for d in self.plan.hardware.devices if d.id == lane.device)
        vram = f", {dev.vram_gb:g} GB" if dev.vram_gb else ""
        return f"lane {lane_id} ({dev.name or dev.kind}{vram})"

    def _check_cluster(self, planned: dict[str, list[str]]) -> None:
        """Every lane with planned work must fit on some node, and all of them together in the cluster;
        otherwise say so now (Ray would leave the actors pending forever). A lane without planned
        work that does not fit is dropped: it only stole work."""
        nodes = self._nodes()
        free: dict[str, float] = {}
        for node in nodes:
            for k, v in node.get("Resources", {}).items():
                free[k] = free.get(k, 0.0) + v
        problems = []
        order = sorted(self.lanes, key=lambda ln: (not planned.get(ln), ln))
        for lane_id in order:
            need = self._need(lane_id)
            fits_node = any(node_fits(n.get("Resources", {}), need) for n in nodes)
            fits_total = all(free.get(k, 0.0) >= v for k, v in need.items())
            if fits_node and fits_total:
                for k, v in need.items():
                    free[k] -= v
                continue
            why = "no node has it" if not fits_node else "the cluster has no room left for it beside the other lanes"
            if planned.get(lane_id):
                problems.append(f"{self._describe(lane_id)} needs Ray resources {json.dumps(need, sort_keys=True)} "
                                f"and {why}")
            else:
                self.gone[lane_id] = why
                del self.lanes[lane_id]
        if problems:
            have = "; ".join(f"node {n.get('NodeManagerAddress', '?')}: " + ", ".join(
                f"{k} {v:g}" for k, v in sorted(n.get("Resources", {}).items())
                if not k.startswith(("node:", "memory", "object_store_memory"))) for n in nodes)
            raise ClusterError("the Ray cluster cannot run this plan: " + "; ".join(problems) + f". The cluster has: "
                               f"{have or 'no live node'}. Start a node with that resource (see README: Running on a "
                               f"Ray cluster) or plan for this cluster with --hardware ray:auto")

    def _placeable(self, lane_id: str) -> bool:
        need = self._need(lane_id)
        return any(node_fits(n.get("Resources", {}), need) for n in self._nodes())

    # -- actors --------------------------------------------------------------------------------
    def _actor(self, lane_id: str) -> LaneActor:
        actor = self.actors.get(lane_id)
        if actor is not None:
            return actor
        lane = self.lanes[lane_id]
        device, shared = "cpu", 0
        if lane.kind == "device":
            dev = next(d for d in self.plan.hardware.devices if d.id == lane.device)
            if dev.kind == "cuda":
                device = "cuda:0"  # Ray sets CUDA_VISIBLE_DEVICES to the GPU it gave the actor
            else:
                shared = sum(1 for d in self.plan.hardware.devices if d.kind == "cpu")
        handle = self._remote.options(**lane_request(lane, self.plan.hardware), max_restarts=0,
                                      name=None).remote(
            lane_id, device, os.environ.get("OMP_NUM_THREADS"), shared, str(self.project_dir),
            plan_spec(self.plan), self._spec_sha, scratch_key(self.work.root), self.ship_project == "always")
        actor = LaneActor(handle=handle, hello=handle.hello.remote(), created=time.monotonic())
        self.actors[lane_id] = actor
        return actor

    def _check_actors(self) -> None:
        """Actors that started: send them the task waiting for them. Actors not started: drop the lane
        when no live node can hold it any more; when it only waits for room (other builds hold the
        devices), let other lanes take its work meanwhile (two builds never wait on each other)."""
        now = time.monotonic()
        waiting = {a.hello: ln for ln, a in self.actors.items() if a.hello is not None}
        if waiting:
            ready, _ = ray.wait(list(waiting), num_returns=len(waiting), timeout=0)
            for ref in ready:
                lane_id = waiting.pop(ref)
                actor = self.actors[lane_id]
                actor.hello = None
                if self.running.get(lane_id, (None,))[0] == WAITING:
                    del self.running[lane_id]  # it has room now: the loop gives it work again
                flight = self.unsent.pop(lane_id, None)
                try:
                    info = ray.get(ref)
                except RayError as exc:  # the actor could not start (or died at once)
                    if flight is not None:
                        self._lost(flight, f"{lane_id} (starting)", _first_line(exc))
                    else:
                        self.actors.pop(lane_id, None)
                    continue
                actor.node, actor.host = info["node"], info["host"]
                if not info["sees_project"]:
                    self._ship(actor)
                if flight is not None:
                    self._submit(flight)
        for ref, lane_id in waiting.items():  # not started yet: waiting for room, or for a node that is gone?
            actor = self.actors[lane_id]
            age = now - actor.created
            if age > START_PATIENCE_S and now - actor.checked > 1.0:
                actor.checked = now
                if not self._placeable(lane_id):
                    self._drop_lane(lane_id, f"no live node of the cluster has its resources "
                                             f"{json.dumps(self._need(lane_id), sort_keys=True)} any more")
                elif age > ROOM_PATIENCE_S and lane_id in self.unsent:
                    self._give_back(self.unsent.pop(lane_id))
                    self.running[lane_id] = (WAITING, None)
                    self.reporter.message(f"{self._describe(lane_id)} waits for room on the cluster; other lanes "
                                          f"take its work meanwhile")

    def _ship(self, actor: LaneActor) -> None:
        if not actor.shipped:
            actor.shipped = True
            actor.handle.receive_project.remote(self._project(), self._spec_sha)

    def _project(self):
        """The project's files (not its work or output folders), put once into the object store."""
        if self._project_ref is None:
            skip = {self.work.root.resolve(), *(d.resolve() for d in self.out_dirs.values())}
            files, size = {}, 0
            for path in sorted(self.project_dir.rglob("*")):
                rel = path.relative_to(self.project_dir)
                if not path.is_file() or any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                    continue
                if any(path.resolve().is_relative_to(s) for s in skip):
                    continue
                size += path.stat().st_size
                if size > PROJECT_LIMIT:
                    raise ClusterError(f"the project folder {self.project_dir} is over {PROJECT_LIMIT >> 30} GB, too "
                                       f"much to send to every node; put it (or its large files, such as models) on a "
                                       f"path every node sees at the same place")
                files[rel.as_posix()] = path.read_bytes()
            self._project_ref = ray.put(files)
        return self._project_ref

    def _submit(self, flight: Flight, *, resend: bool = False) -> None:
        actor = self._actor(flight.lane)
        if actor.hello is not None:  # not started yet: sent when it says hello (never queued on a pending actor)
            self.unsent[flight.lane] = flight
            return
        has = self.node_has.get(actor.node, set()) if actor.node and not resend else set()
        needed = sorted({Path(rel).name for rel in flight.desc.inputs.values()})
        objects = [ray.put({"digest": d, "files": pack(self.store.object_dir(d))}) for d in needed if d not in has]
        if actor.node:
            self.node_has.setdefault(actor.node, set()).update(needed)
        ref = actor.handle.run.remote(flight.desc, flight.out_name, *objects)
        self.flights[ref] = flight

    # -- results -------------------------------------------------------------------------------
    def _settle_flight(self, flight: Flight, ref) -> Record | None:
        actor = self.actors.get(flight.lane)
        where = f"{flight.lane} on node {_node_name(actor)}"
        try:
            out = ray.get(ref)
        except RayTaskError as exc:  # a bug in the lane's own code (backend errors come back as results)
            return self._record_failed(flight, f"internal error in the Ray lane {where}: {_first_line(exc)}")
        except RayError as exc:  # the worker process or its node died, or the actor could not start
            self._lost(flight, where, _first_line(exc))
            return None
        status = out["status"]
        if status == "missing":  # that node's cache lost an object: send all inputs again
            if actor and actor.node:
                self.node_has.get(actor.node, set()).difference_update(out["missing"])
            self._submit(flight, resend=True)
            return None
        if status == "need_project":  # its node cannot see the project folder: send the files, then the task
            if actor is not None:
                self._ship(actor)
            self._submit(flight)
            return None
        if status == "failed":
            return self._record_failed(flight, out["error"])
        tmp = self.store.new_tmp(flight.out_name)
        unpack(out["files"], tmp)
        digest = self.store.commit(tmp)  # hashes what arrived; only a matching object is accepted
        if digest != out["digest"]:
            return self._record_failed(flight, f"the output from {where} arrived damaged: hash {digest}, "
                                               f"the lane reported {out['digest']}")
        if actor and actor.node:
            self.node_has.setdefault(actor.node, set()).add(digest)
        desc = flight.desc
        return self.journal.append(Done(task=flight.tid, fp=desc.fingerprint, lane=flight.lane,
                                        device=actor_device(self, flight.lane), object=digest, ms=out["ms"],
                                        backend=desc.backend, est_ms=desc.est_ms, scale=desc.scale,
                                        node=_node_name(actor)))

    def _record_failed(self, flight: Flight, error: str) -> Record:
        return self.journal.append(Failed(task=flight.tid, fp=flight.desc.fingerprint, lane=flight.lane, error=error))

    def _lost(self, flight: Flight, where: str, reason: str) -> None:
        """The lane's worker died under this task: retry it (bounded), on this lane if a node can still
        hold it, else on the lanes that can run it."""
        tid, lane_id = flight.tid, flight.lane
        actor = self.actors.pop(lane_id, None)
        if actor is not None:
            _kill(actor.handle)
        for ref, other in list(self.flights.items()):  # anything queued behind it on that actor
            if other.lane == lane_id:
                del self.flights[ref]
                self._give_back(other)
        if lane_id in self.unsent and self.unsent[lane_id] is not flight:
            self._give_back(self.unsent.pop(lane_id))
        self.unsent.pop(lane_id, None)
        tries = self.attempts.setdefault(tid, [])
        tries.append(f"{where}: {reason}")
        self.journal.append(Lost(task=tid, fp=flight.desc.fingerprint, lane=lane_id, error=reason))
        _, victim = self.running.pop(lane_id, (tid, None))
        if len(tries) >= MAX_ATTEMPTS:
            self._fail(tid, lane_id, f"its worker died {len(tries)} times:\n" + "\n".join(tries))
            self._skip_dependents(tid, self._planned)
        else:
            self.reporter.message(f"lost {tid} ({where}: {reason}); it runs again")
            self._planned[victim or lane_id].insert(0, tid)
        if lane_id in self.lanes and not self._placeable(lane_id):
            self._drop_lane(lane_id, f"its node is gone ({reason})")

    def _give_back(self, flight: Flight) -> None:
        """A task that never started (its actor is being dropped) goes back to the front of its queue."""
        _, victim = self.running.pop(flight.lane, (flight.tid, None))
        self._planned[victim or flight.lane].insert(0, flight.tid)

    def _drop_lane(self, lane_id: str, why: str) -> None:
        """No live node can hold this lane any more: its planned work goes to the lanes that can run it;
        what no lane can run fails, saying so."""
        what = self._describe(lane_id)
        self.gone[lane_id] = why
        for ref, flight in list(self.flights.items()):
            if flight.lane == lane_id:
                del self.flights[ref]
                self._give_back(flight)
        if lane_id in self.unsent:
            self._give_back(self.unsent.pop(lane_id))
        if self.running.get(lane_id, (None,))[0] == WAITING:
            del self.running[lane_id]
        actor = self.actors.pop(lane_id, None)
        if actor is not None:
            _kill(actor.handle)
        del self.lanes[lane_id]
        self.reporter.message(f"{what} is gone: {why}; its work moves to the lanes that can run it")
        live = list(self.lanes.values())
        for queue in self._planned.values():
            for tid in list(queue):
                if tid in queue and not any(lane_can_run(self.tasks[tid], ln, self.plan.hardware) for ln in live):
                    queue.remove(tid)
                    req = self.tasks[tid].requires
                    needs = f"a device with {req.vram_gb:g} GB" if req.kind != "cpu" else "a CPU lane"
                    self._fail(tid, lane_id, f"no lane left can run it (it needs {needs}): {what} is gone: {why}; "
                                             f"lanes left: {', '.join(sorted(self.lanes)) or 'none'}")
                    self._skip_dependents(tid, self._planned)


def plan_spec(plan) -> str:
    return plan.spec


def actor_device(ex: RayExecutor, lane_id: str) -> str:
    lane = ex.plan.lanes and next((ln for ln in ex.plan.lanes if ln.id == lane_id), None)
    if lane is not None and lane.kind == "device":
        dev = next(d for d in ex.plan.hardware.devices if d.id == lane.device)
        return "cuda:0" if dev.kind == "cuda" else "cpu"
    return "cpu"


def _node_name(actor: LaneActor | None) -> str:
    """host/node-id prefix: several simulated nodes share one host name."""
    if actor is None or actor.node is None:
        return "?"
    return f"{actor.host}/{actor.node[:8]}"


def _kill(handle) -> None:
    try:
        ray.kill(handle, no_restart=True)
    except Exception:  # already gone
        pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    for ln in lines:  # Ray's messages start with a generic header; keep the line that says what happened
        if "died" in ln or "lost" in ln or "exited" in ln or "unavailable" in ln.lower():
            return ln.strip()[:300]
    return (lines[0] if lines else type(exc).__name__).strip()[:300]
