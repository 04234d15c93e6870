"""`vidc build --executor ray` on a multi-node Ray cluster simulated on this machine
(ray.cluster_utils.Cluster: a head with the CPU lanes' cores and two raylets whose custom resources
`cpu_device_a` / `cpu_device_b` stand in for two GPUs), running the tiny Wan pipeline on those two
CPU "GPU" lanes: the same plan as the local executor, the same MP4 byte for byte, a node removed
mid-build, the driver killed and resumed, and a device no node has failing fast.

One cluster serves the whole session (starting one costs ~15 s on two cores)."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.fixtures_models import TINY_WAN_SPEC as WAN_SPEC, TWO_CPU_DEVICES as HARDWARE
from vidc.runtime.state.journal import Journal

from .conftest import build, events, journal

pytest.importorskip("ray")
pytest.importorskip("diffusers")

MB = 2**20
MP4 = "tiny-wan.mp4"

# The wan build test's project, with its sampler and continuity fixed.
SPEC = WAN_SPEC.replace("SAMPLER", "euler").replace("CONTINUITY", "cut")


def make_project(tmp_path: Path) -> Path:
    """The tiny Wan project, its random model inside the project folder (so nodes that cannot see the
    folder get it with the project's files)."""
    from tests.fixtures_models import build_tiny_wan

    project = tmp_path / "wan"
    project.mkdir()
    (project / "project.yaml").write_text(SPEC)
    (project / "hardware.yaml").write_text(HARDWARE)
    build_tiny_wan(project / "models" / "tiny-wan")
    return project


@pytest.fixture(scope="session")
def ray_cluster():
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 2, "object_store_memory": 80 * MB, "include_dashboard": False}
    )
    try:
        nodes = {
            name: cluster.add_node(num_cpus=0, resources={f"cpu_device_{name}": 1}, object_store_memory=80 * MB)
            for name in ("a", "b")
        }
        cluster.wait_for_nodes()
        cluster.devices = nodes
        yield cluster
    finally:
        cluster.shutdown()


def hw(project: Path) -> tuple[str, str]:
    return "--hardware", str(project / "hardware.yaml")


@pytest.fixture(scope="session")
def local_reference(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("ray-ref"))
    build(project, *hw(project))
    return project


def ray_build(cmd, project: Path, cluster, *extra, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """A Ray build in a process of its own (a Ray driver would outlive the call in this one)."""
    kw.setdefault("timeout", 600)  # a hung build fails the test instead of the session
    proc = subprocess.run(
        [
            *cmd,
            "build",
            str(project),
            "--json",
            *hw(project),
            "--executor",
            "ray",
            "--ray-address",
            cluster.address,
            *extra,
        ],
        capture_output=True,
        text=True,
        **kw,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"vidc build failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def descriptors(project: Path) -> dict[str, dict]:
    """The task descriptors a build wrote, with its own output folder name (fingerprint-pid) normalised."""
    out = {}
    for path in (project / ".vidc" / "tasks").glob("*.json"):
        text = re.sub(r"tmp/([0-9a-f]{16}-[0-9a-f]{8})-\d+", r"tmp/\1-PID", path.read_text())
        # Input objects by name only: a Wan chunk's result.json records its wall time, so its object hash
        # differs between any two runs (two local runs too); the files themselves are compared below.
        out[path.name] = json.loads(re.sub(r"objects/[0-9a-f]{64}", "objects/H", text))
    return out


def outputs(project: Path) -> dict[str, dict[str, str]]:
    """task -> {file: sha256} of what it made, result.json aside (see above)."""
    from vidc.runtime.state.store import file_sha256

    objects = project / ".vidc" / "store" / "objects"
    return {
        r.task: {p.name: file_sha256(p) for p in (objects / r.object).iterdir() if p.name != "result.json"}
        for r in journal(project)
        if r.ev == "done"
    }


def test_ray_build_is_byte_identical_to_the_local_executor(tmp_path, vidc_session_cmd, local_reference, ray_cluster):
    project = make_project(tmp_path)
    env = {**os.environ, "VIDC_RAY_SHIP_PROJECT": "always"}  # the nodes get the project's files (and model) as bytes
    final = events(ray_build(vidc_session_cmd, project, ray_cluster, env=env).stdout)[-1]
    assert final["ok"] and final["ran"] == 15
    assert (project / "build" / MP4).read_bytes() == (local_reference / "build" / MP4).read_bytes()
    assert (project / "build" / "tiny-wan.srt").read_bytes() == (
        local_reference / "build" / "tiny-wan.srt"
    ).read_bytes()
    # The same plan ran: the same descriptors and fingerprints, and outputs with the same hashes.
    assert descriptors(project) == descriptors(local_reference)
    local_done = {r.task: r.fp for r in journal(local_reference) if r.ev == "done"}
    records = journal(project)
    done = [r for r in records if r.ev == "done"]
    assert {r.task: r.fp for r in done} == local_done
    assert outputs(project) == outputs(local_reference)
    # The driver wrote the journal; each device lane ran on the node holding its device resource.
    assert len({r.pid for r in records if r.ev == "claimed"}) == 1  # one writer: the driver
    chunk_nodes = {r.lane: set() for r in done if "/chunk-" in r.task}
    for r in done:
        if "/chunk-" in r.task:
            chunk_nodes[r.lane].add(r.node)
    assert set(chunk_nodes) <= {"cpu:a", "cpu:b"} and chunk_nodes
    assert all(len(nodes) == 1 for nodes in chunk_nodes.values())
    if len(chunk_nodes) == 2:
        assert chunk_nodes["cpu:a"] != chunk_nodes["cpu:b"]
    assert {r.lane for r in done if "/chunk-" not in r.task} <= {"cpu-0", "cpu-1"}
    # Every object the driver committed hashes to its name.
    from vidc.runtime.state.store import Store

    store = Store(project / ".vidc" / "store")
    assert all(store.verify(r.object) for r in done)
    # Rerun: nothing to do, and Ray is not even contacted.
    again = ray_build(vidc_session_cmd, project, ray_cluster)
    assert events(again.stdout)[-1]["ran"] == 0


def test_the_cluster_gives_the_hardware_profile(tmp_path, vidc_session_cmd, ray_cluster):
    project = make_project(tmp_path)
    proc = subprocess.run(
        [*vidc_session_cmd, "plan", str(project), "--hardware", f"ray:{ray_cluster.address}", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert [(d["id"], d["kind"]) for d in plan["hardware"]["devices"]] == [("cpu:a", "cpu"), ("cpu:b", "cpu")]
    assert plan["hardware"]["cpu_workers"] == 2
    chunk_lanes = {t["lane"] for t in plan["tasks"] if t["kind"] == "chunk"}
    assert chunk_lanes == {"cpu:a", "cpu:b"}


def test_a_device_no_node_has_fails_fast(tmp_path, vidc_session_cmd, ray_cluster):
    project = make_project(tmp_path)
    (project / "gpu.yaml").write_text(
        "name: one-h200\ncpu_workers: 2\ndevices:\n  - {id: 'cuda:0', kind: cuda, name: NVIDIA H200, vram_gb: 141}\n"
    )
    started = time.monotonic()
    proc = subprocess.run(
        [
            *vidc_session_cmd,
            "build",
            str(project),
            "--hardware",
            str(project / "gpu.yaml"),
            "--executor",
            "ray",
            "--ray-address",
            ray_cluster.address,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "gpu_h200" in proc.stderr and "no node has it" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert time.monotonic() - started < 60
    assert not (project / "build" / MP4).exists()


def _wait_for(project: Path, pred, proc, timeout: float = 240) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        path = project / ".vidc" / "journal.log"
        if path.exists():
            recs = Journal(path).replay()
            if pred(recs):
                return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_node_removed_mid_build(tmp_path, vidc_session_cmd, local_reference, ray_cluster):
    """The node holding lane cpu:a dies while it runs a Wan chunk: the chunk runs again on cpu:b, nothing
    finished is lost, and the MP4 is the same."""
    project = make_project(tmp_path)
    cmd = [
        *vidc_session_cmd,
        "build",
        str(project),
        "--json",
        *hw(project),
        "--executor",
        "ray",
        "--ray-address",
        ray_cluster.address,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        on_a = _wait_for(project, lambda recs: any(r.ev == "claimed" and r.lane == "cpu:a" for r in recs), proc)
        assert on_a, "no task was started on lane cpu:a"
        time.sleep(1.0)  # let it get going
        ray_cluster.remove_node(ray_cluster.devices.pop("a"))
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        ray_cluster.devices["a"] = ray_cluster.add_node(
            num_cpus=0, resources={"cpu_device_a": 1}, object_store_memory=80 * MB
        )
    assert proc.returncode == 0, err[-3000:]
    assert events(out)[-1]["ok"]
    records = journal(project)
    lost = [r for r in records if r.ev == "lost"]
    assert lost and all(r.lane == "cpu:a" for r in lost)
    done = {r.task: r for r in records if r.ev == "done"}
    for r in lost:
        assert done[r.task].lane != "cpu:a"  # it ran again elsewhere
    runs = [r.task for r in records if r.ev == "done"]
    assert len(runs) == len(set(runs)) == 15
    assert (project / "build" / MP4).read_bytes() == (local_reference / "build" / MP4).read_bytes()
    assert "lane cpu:a" in out and "is gone" in out


@pytest.mark.slow
def test_the_driver_killed_then_resumed(tmp_path, vidc_session_cmd, local_reference, ray_cluster):
    project = make_project(tmp_path)
    cmd = [
        *vidc_session_cmd,
        "build",
        str(project),
        "--json",
        *hw(project),
        "--executor",
        "ray",
        "--ray-address",
        ray_cluster.address,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait_for(project, lambda recs: sum(r.ev == "done" for r in recs) >= 5, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and anything it started; the cluster lives on
        proc.wait()
    before = [r.task for r in journal(project) if r.ev == "done"]
    assert 5 <= len(before) < 15
    final = events(ray_build(vidc_session_cmd, project, ray_cluster).stdout)[-1]
    assert final["ok"] and final["cached"] >= len(before) and final["ran"] == 15 - final["cached"]
    runs = [r.task for r in journal(project) if r.ev == "done"]
    assert len(runs) == len(set(runs)) == 15, "a finished task ran twice"
    assert (project / "build" / MP4).read_bytes() == (local_reference / "build" / MP4).read_bytes()


@pytest.mark.slow
def test_the_lanes_of_a_killed_driver_finish_their_task_and_the_next_build_keeps_it(
    tmp_path, vidc_session_cmd, local_reference, ray_cluster
):
    """SIGKILL of the driver while Wan chunks run: their lanes (detached actors) finish them, the build
    started right after collects and journals them instead of running them again, ends those lanes, and
    the MP4 is the same."""
    import tempfile

    import ray

    from vidc.runtime.engine.ray_lane import scratch_key
    from vidc.runtime.engine.ray_orphans import NAMESPACE, prefix

    project = make_project(tmp_path)
    cmd = [*vidc_session_cmd, "build", str(project), "--json", *hw(project)]
    cmd += ["--executor", "ray", "--ray-address", ray_cluster.address]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    scratch = Path(tempfile.gettempdir()) / "vidc-ray" / scratch_key(project / ".vidc") / "store" / "tmp"

    def chunks_in_flight(recs) -> set[str]:
        claimed = {r.task for r in recs if r.ev == "claimed" and "/chunk-" in r.task}
        return claimed - {r.task for r in recs if r.ev == "done"}

    def running(recs) -> set[str]:  # chunks whose lane made their output folder (Claimed comes before)
        made = {p.name[:16] for p in scratch.iterdir()} if scratch.is_dir() else set()
        return {r.task for r in recs if r.ev == "claimed" and r.task in chunks_in_flight(recs) and r.fp[:16] in made}

    try:
        assert _wait_for(project, running, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its process group; the lanes are the cluster's
        proc.wait()
    cut_short = running(journal(project))
    assert cut_short
    out = ray_build(vidc_session_cmd, project, ray_cluster).stdout
    assert "waiting for the Ray lanes of a build that was killed" in out
    assert events(out)[-1]["ok"]
    records = journal(project)
    for task in cut_short:
        assert sum(r.ev == "claimed" and r.task == task for r in records) == 1, task  # not run again
        assert sum(r.ev == "done" and r.task == task for r in records) == 1, task
    runs = [r.task for r in records if r.ev == "done"]
    assert len(runs) == len(set(runs)) == 15, "a finished task ran twice"
    assert (project / "build" / MP4).read_bytes() == (local_reference / "build" / MP4).read_bytes()
    ray.init(address=ray_cluster.address, log_to_driver=False)
    try:  # the build ended every lane it made or adopted
        names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if a["namespace"] == NAMESPACE]
        assert [n for n in names if n.startswith(prefix(scratch_key(project / ".vidc")))] == []
    finally:
        ray.shutdown()


@pytest.mark.slow
def test_a_lane_whose_device_is_taken_waits_while_other_lanes_take_its_work(
    tmp_path, vidc_session_cmd, local_reference, ray_cluster
):
    """Another job holds cpu_device_a (as another build would hold a GPU): the build does not wait on it,
    lane cpu:b runs every chunk, and the MP4 is the same."""
    import ray

    ray.init(address=ray_cluster.address, log_to_driver=False)
    try:

        @ray.remote(num_cpus=0, resources={"cpu_device_a": 1})
        class Holder:
            def ping(self):
                return 1

        holder = Holder.remote()
        assert ray.get(holder.ping.remote(), timeout=120) == 1
        project = make_project(tmp_path)
        proc = ray_build(vidc_session_cmd, project, ray_cluster, timeout=600)
        ray.kill(holder)
    finally:
        ray.shutdown()
    evs = events(proc.stdout)
    assert evs[-1]["ok"]
    assert any(e["event"] == "message" and "waits for room" in e["text"] for e in evs)
    done = [r for r in journal(project) if r.ev == "done"]
    assert {r.lane for r in done if "/chunk-" in r.task} == {"cpu:b"}
    assert (project / "build" / MP4).read_bytes() == (local_reference / "build" / MP4).read_bytes()


@pytest.mark.slow
def test_a_node_cache_cap_keeps_the_nodes_caches_small_and_the_build_right(
    tmp_path, vidc_session_cmd, local_reference, ray_cluster
):
    """--ray-cache-max 1 (byte): after every task a node keeps nothing but what running tasks hold, so
    each task's inputs are sent again (the node says they are missing); the MP4 is the same."""
    import tempfile

    from vidc.runtime.engine.ray_lane import scratch_key

    project = make_project(tmp_path)
    final = events(ray_build(vidc_session_cmd, project, ray_cluster, "--ray-cache-max", "1").stdout)[-1]
    assert final["ok"] and final["ran"] == 15
    assert (project / "build" / MP4).read_bytes() == (local_reference / "build" / MP4).read_bytes()
    cache = Path(tempfile.gettempdir()) / "vidc-ray" / scratch_key(project / ".vidc")
    assert (cache / "store").is_dir()  # the lanes used it
    assert list((cache / "store" / "objects").iterdir()) == []
