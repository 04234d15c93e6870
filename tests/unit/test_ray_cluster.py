"""How a Ray cluster's resources become a hardware profile and how plan lanes ask Ray for their device
(pure functions: node lists in, profiles and requests out; no cluster needed)."""

import subprocess
import sys

import pytest

from vidc.runtime.host.ray_cluster import (
    ClusterError,
    device_resource,
    lane_request,
    local_resources,
    profile_from_nodes,
    request_totals,
)
from vidc.schemas.hardware import Device, Hardware
from vidc.schemas.plan import Lane


def node(addr, alive=True, **resources):
    return {
        "NodeManagerAddress": addr,
        "NodeID": addr.replace(".", "") * 4,
        "Alive": alive,
        "Resources": {f"node:{addr}": 1.0, "memory": 1e10, **resources},
    }


REFERENCE = [  # the reference design: a 4090 box (head) and a 5090 box
    node("10.0.0.2", CPU=24.0, GPU=1.0, gpu_rtx_5090=1.0),
    node("10.0.0.1", CPU=16.0, GPU=1.0, gpu_rtx_4090=1.0),
]


def test_the_two_node_reference_cluster_becomes_a_profile():
    hw = profile_from_nodes(REFERENCE)
    assert [(d.id, d.kind, d.name, d.vram_gb) for d in hw.devices] == [
        ("cuda:0", "cuda", "RTX 4090", 24.0),
        ("cuda:1", "cuda", "RTX 5090", 32.0),
    ]
    assert hw.devices[1].speed > hw.devices[0].speed  # the 5090 is the faster one
    assert hw.cpu_workers == 8 and hw.cpu_cores == 40
    assert profile_from_nodes(list(reversed(REFERENCE))) == hw  # node order does not matter


def test_each_profile_device_asks_ray_for_the_resource_that_named_it():
    hw = profile_from_nodes(
        [
            *REFERENCE,
            node("10.0.0.3", CPU=2.0, cpu_device_a=1.0),
            node("10.0.0.4", CPU=8.0, GPU=2.0, gpu_rtx_6000_48gb=2.0),
        ]
    )
    names = {device_resource(d) for d in hw.devices}
    assert names == {"gpu_rtx_4090", "gpu_rtx_5090", "gpu_rtx_6000_48gb", "cpu_device_a"}
    assert [d.vram_gb for d in hw.devices if "6000" in d.name] == [48.0, 48.0]
    cpu_dev = next(d for d in hw.devices if d.kind == "cpu")
    assert cpu_dev.id == "cpu:a"
    lane = Lane(id="cuda:1", kind="device", device="cuda:1", speed=1.35)
    assert request_totals(lane_request(lane, hw)) == {"GPU": 1.0, "gpu_rtx_5090": 1.0}
    assert request_totals(lane_request(Lane(id="cpu:a", kind="device", device="cpu:a", speed=1), hw)) == {
        "cpu_device_a": 1.0
    }
    assert request_totals(lane_request(Lane(id="cpu-0", kind="cpu", device="cpu", speed=1), hw)) == {"CPU": 1.0}


def test_a_detected_gpu_name_maps_to_the_same_resource():
    dev = Device(id="cuda:0", kind="cuda", name="NVIDIA GeForce RTX 4090", vram_gb=24)
    assert device_resource(dev) == "gpu_rtx_4090"
    assert (
        device_resource(Device(id="cuda:0", kind="cuda", name="NVIDIA H100 80GB HBM3", vram_gb=80))
        == "gpu_h100_80gb_hbm3"
    )
    hw = Hardware(devices=[dev, dev.model_copy(update={"id": "cuda:1"}), Device(id="cpu:x", kind="cpu")])
    assert local_resources(hw) == {"gpu_rtx_4090": 2.0, "cpu_device_x": 1.0}


@pytest.mark.parametrize(
    "nodes,message",
    [
        ([node("10.0.0.1", CPU=4.0, GPU=1.0)], "has 1 GPU(s) but names 0"),
        ([node("10.0.0.1", CPU=4.0, GPU=1.0, gpu_mystery=1.0)], "name the resource `gpu_mystery_<N>gb`"),
        ([node("10.0.0.1", CPU=4.0, gpu_rtx_4090=1.0)], "Ray sees 0"),
        ([node("10.0.0.1", alive=False, CPU=4.0)], "no live node"),
    ],
)
def test_a_cluster_that_cannot_be_read_says_why(nodes, message):
    with pytest.raises(ClusterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        profile_from_nodes(nodes)


def test_dead_nodes_are_not_in_the_profile():
    hw = profile_from_nodes([*REFERENCE[1:], node("10.0.0.9", alive=False, CPU=8.0, GPU=1.0, gpu_rtx_5090=1.0)])
    assert [d.name for d in hw.devices] == ["RTX 4090"]


def test_the_local_executor_never_imports_ray():
    code = (
        "import sys, vidc.runtime.cli as c; c.build_parser(); import vidc.runtime.cli.build, "
        "vidc.runtime.engine.executor, vidc.runtime.engine.worker, vidc.runtime.host.ray_cluster; "
        "print('ray' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# -- the connection deadline ------------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_fails_at_once_with_one_line(monkeypatch):
    import time

    from vidc.runtime.host.ray_cluster import connect

    pytest.importorskip("ray")
    port = _free_port()
    started = time.monotonic()
    with pytest.raises(ClusterError) as err:
        connect(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 5
    assert f"cannot connect to the Ray cluster at 127.0.0.1:{port}: Connection refused" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_port_that_never_answers_fails_within_the_deadline(monkeypatch):
    """Something accepts the connection but never speaks gRPC: the probe gives up at the deadline."""
    import socket
    import time

    from vidc.runtime.host.ray_cluster import DEADLINE_ENV, connect

    pytest.importorskip("ray")
    monkeypatch.setenv(DEADLINE_ENV, "1.5")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        address = f"ray://127.0.0.1:{server.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ClusterError, match=r"no answer within 1.5 s"):
            connect(address)
        assert 1.0 < time.monotonic() - started < 6


def test_a_port_that_answers_something_else_is_no_ray_head():
    import socket
    import threading

    from vidc.runtime.host.ray_cluster import probe

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)

        def answer():
            conn, _ = server.accept()
            with conn:
                conn.recv(64)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

        t = threading.Thread(target=answer, daemon=True)
        t.start()
        with pytest.raises(ClusterError, match="not a Ray head node"):
            probe(f"127.0.0.1:{server.getsockname()[1]}", 5.0)
        t.join(5)


def test_the_deadline_setting_is_checked(monkeypatch):
    from vidc.runtime.host.ray_cluster import DEADLINE_ENV, connect_deadline_s, split_address

    monkeypatch.setenv(DEADLINE_ENV, "7")
    assert connect_deadline_s() == 7.0
    for bad in ("nan", "-1", "0", "soon", "1e9"):
        monkeypatch.setenv(DEADLINE_ENV, bad)
        with pytest.raises(ClusterError, match=DEADLINE_ENV):
            connect_deadline_s()
    monkeypatch.delenv(DEADLINE_ENV)
    assert connect_deadline_s() == 20.0
    assert split_address("ray://head:10001") == ("head", 10001)
    assert split_address("[::1]:6379") == ("::1", 6379)
    assert split_address("auto") is None


def test_auto_is_probed_at_the_address_it_stands_for(monkeypatch):
    """`auto` finds the cluster this machine last started; when that one is gone, the probe says so
    instead of Ray retrying for minutes."""
    ray = pytest.importorskip("ray")
    import ray._private.services as services

    from vidc.runtime.host.ray_cluster import connect

    port = _free_port()
    monkeypatch.setattr(services, "canonicalize_bootstrap_address", lambda addr, temp_dir=None: f"127.0.0.1:{port}")
    assert not ray.is_initialized()
    with pytest.raises(ClusterError, match=rf"at 127.0.0.1:{port} \(what `auto` found\): Connection refused"):
        connect("auto")
