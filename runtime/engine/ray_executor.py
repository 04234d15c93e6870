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
- a plan whose lanes the cluster cannot hold fails before anything runs (Ray itself would wait forever);
- a lane's actor is detached: when the driver is killed, it finishes its task and the next build keeps
  that work (ray_orphans.py, ray_adopt.py).
"""

from __future__ import annotations

from pathlib import Path

import ray

from vidc.schemas.plan import Lane as PlanLane

from ..host.ray_cluster import connect, lane_request, node_fits, request_totals
from ..state.journal import Journal
from ..state.store import file_sha256
from .executor import Executor
from .lanes import Lane
from .ray_actors import kill as _kill, ledger_gate
from .ray_adopt import adopt
from .ray_lane import LaneWorker, scratch_key
from .ray_lane_driver import LaneActor, RayLane
from .ray_placement import lanes_that_fit
from .ray_project import project_files


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
        self.key = scratch_key(work.root)
        self.serial = 0  # actors this driver made (their names: ray_orphans.actor_name)

    def _connect(self) -> None:
        if not self._connected:
            self._connected = connect(self.address, self.hardware)

    def adopt(self, say) -> None:
        """Keep what the lanes of a killed driver of this build finished (ray_adopt.py)."""
        self._connect()
        lanes = {lane.id: lane for lane in self.plan.lanes}
        adopt(self.key, self.store, self.journal, say, lambda ln: ln in lanes and self.placeable(lanes[ln]))

    def open(self, lanes: dict[str, PlanLane], planned: dict[str, list[str]]) -> dict[str, Lane]:
        self._connect()
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
