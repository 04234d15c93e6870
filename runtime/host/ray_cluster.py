"""A Ray cluster as vidc sees it: which Ray resources stand for which plan devices, the hardware
profile read from the cluster (`--hardware ray:auto`), and connecting to it.

How nodes advertise their devices (custom resources given to `ray start --resources`):

  gpu_<model>[_<N>gb]: K   K CUDA GPUs of one model on that node, e.g. {"gpu_rtx_4090": 1} or
                           {"gpu_rtx_6000_48gb": 2}. <model> is the GPU's name in lower case without
                           the vendor ("NVIDIA GeForce RTX 4090" -> rtx_4090). VRAM is the `_<N>gb` part
                           of the name when there is one, else taken from a table of known GPUs.
                           The node's `GPU` count (Ray detects it) must cover them.
  cpu_device_<x>: 1        a CPU standing in for an accelerator (plan device `cpu:<x>`, kind cpu): a lane
                           that runs a model on the CPU, pinned to that node. Tests use these in place of GPUs.

A plan's device lane asks Ray for exactly that resource (plus `GPU: 1` for a CUDA device, so Ray sets
CUDA_VISIBLE_DEVICES for it), which places its actor on the node that holds the device. CPU lanes
(ffmpeg, voices, captions) ask only for `CPU: 1` and may run on any node.

Ray is imported only by the functions that talk to a cluster, never by the local executor.
"""

from __future__ import annotations

import logging
import re

from vidc.schemas.hardware import Device, Hardware

from .hardware import gpu_speed

GPU_PREFIX = "gpu_"
CPU_DEVICE_PREFIX = "cpu_device_"
VENDOR_WORDS = ("nvidia", "geforce", "tesla", "quadro")
# VRAM in GB of GPUs named without an `_<N>gb` suffix (the common memory size of that model).
GPU_VRAM = {
    "5090": 32,
    "4090": 24,
    "4080": 16,
    "3090": 24,
    "a100": 80,
    "h100": 80,
    "h200": 141,
    "l40s": 48,
    "l4": 24,
    "a10": 24,
    "t4": 16,
    "b200": 180,
    "a6000": 48,
    "6000_ada": 48,
}
DEADLINE_ENV = "VIDC_RAY_CONNECT_TIMEOUT_S"
DEFAULT_DEADLINE_S = 20.0
_VRAM_SUFFIX = re.compile(r"_(\d+(?:\.\d+)?)gb(?:_|$)")


class ClusterError(Exception):
    """The cluster cannot be reached or cannot run the plan: one clear line for the user."""


def gpu_slug(name: str) -> str:
    low = name.lower()
    for word in VENDOR_WORDS:
        low = low.replace(word, " ")
    return "_".join(re.findall(r"[a-z0-9]+", low)) or "gpu"


def device_resource(dev: Device) -> str:
    """The Ray custom resource that stands for one plan device."""
    if dev.kind == "cuda":
        return GPU_PREFIX + gpu_slug(dev.name or dev.id)
    name = dev.id.split(":", 1)[1] if dev.id.startswith("cpu:") else dev.id
    name = re.sub(r"\.\d+$", "", name)  # cpu:x.1 is the second unit of cpu_device_x
    return CPU_DEVICE_PREFIX + "_".join(re.findall(r"[a-z0-9]+", name.lower()))


def lane_request(lane, hw: Hardware) -> dict:
    """Ray actor options for one plan lane: the resources that place it."""
    if lane.kind != "device":
        return {"num_cpus": 1}
    dev = hw.device(lane.device)
    if dev.kind == "cuda":
        # No CPU: long-lived CPU-lane actors can never starve a device lane of its node's CPUs.
        return {"num_cpus": 0, "num_gpus": 1, "resources": {device_resource(dev): 1}}
    return {"num_cpus": 0, "resources": {device_resource(dev): 1}}


def request_totals(request: dict) -> dict[str, float]:
    """The same request in Ray's resource names (CPU, GPU, custom)."""
    need = {"CPU": float(request.get("num_cpus", 0)), "GPU": float(request.get("num_gpus", 0))}
    need.update({k: float(v) for k, v in request.get("resources", {}).items()})
    return {k: v for k, v in need.items() if v > 0}


def node_fits(node_resources: dict[str, float], need: dict[str, float]) -> bool:
    return all(node_resources.get(k, 0.0) >= v for k, v in need.items())


def gpu_vram(model: str) -> float | None:
    m = _VRAM_SUFFIX.search(model)
    if m:
        return float(m.group(1))
    for key in sorted(GPU_VRAM, key=len, reverse=True):
        if re.search(rf"(^|_){re.escape(key)}(_|$)", model):
            return float(GPU_VRAM[key])
    return None


def profile_from_nodes(nodes: list[dict]) -> Hardware:
    """A hardware profile from `ray.nodes()` (pure: tests feed it node lists).
    Devices are numbered in a stable order (resource name, node address), so the same cluster gives
    the same profile, and so the same plan, whichever node ids Ray picked this time."""
    alive = [n for n in nodes if n.get("Alive", n.get("alive", False))]
    if not alive:
        raise ClusterError("the Ray cluster has no live node")
    gpus: list[tuple[str, str, int]] = []
    cpu_devices: list[tuple[str, str, int]] = []
    problems: list[str] = []
    cpus_total, lanes = 0, 0
    for node in alive:
        res = node.get("Resources", {})
        addr = node.get("NodeManagerAddress", "?")
        cpus = int(res.get("CPU", 0))
        cpus_total += cpus
        lanes += min(cpus, 4)
        named = 0
        for key, count in res.items():
            if key.startswith(GPU_PREFIX) and count >= 1:
                gpus.append((key, addr, int(count)))
                named += int(count)
            elif key.startswith(CPU_DEVICE_PREFIX) and count >= 1:
                cpu_devices.append((key, addr, int(count)))
        if int(res.get("GPU", 0)) > named:
            problems.append(
                f"node {addr} has {int(res.get('GPU', 0))} GPU(s) but names {named} with a "
                f"`gpu_<model>` resource; start it with e.g. "
                f"`ray start ... --resources='{{\"gpu_rtx_4090\": 1}}'`"
            )
        if named > int(res.get("GPU", 0)):
            problems.append(
                f"node {addr} names {named} GPU(s) with `gpu_<model>` resources but Ray sees "
                f"{int(res.get('GPU', 0))}; pass `--num-gpus` to `ray start`"
            )
    devices = _gpu_devices(gpus, problems) + _cpu_devices(cpu_devices)
    if problems:
        raise ClusterError("; ".join(problems))
    return Hardware(
        name="ray", devices=devices, cpu_workers=max(1, min(lanes, 256)), cpu_cores=max(1, min(cpus_total, 1024))
    )


def _gpu_devices(gpus: list[tuple[str, str, int]], problems: list[str]) -> list[Device]:
    """The cuda devices for the `gpu_<model>` resources, numbered in order; an unknown VRAM is a problem."""
    devices: list[Device] = []
    for key, _addr, count in sorted(gpus):
        model = key[len(GPU_PREFIX) :]
        vram = gpu_vram(model)
        if vram is None:
            problems.append(f"cannot tell the VRAM of `{key}`: name the resource `{key}_<N>gb`, e.g. `{key}_24gb`")
            continue
        name = " ".join(
            w.upper() if any(c.isdigit() for c in w) or len(w) <= 3 else w.capitalize() for w in model.split("_")
        )
        for _ in range(count):
            devices.append(
                Device(
                    id=f"cuda:{len([d for d in devices if d.kind == 'cuda'])}",
                    kind="cuda",
                    name=name,
                    vram_gb=vram,
                    speed=gpu_speed(model.replace("_", "")),
                )
            )
    return devices


def _cpu_devices(cpu_devices: list[tuple[str, str, int]]) -> list[Device]:
    """The cpu devices for the `cpu_device_<name>` resources; repeats of a name get .1, .2, ..."""
    devices: list[Device] = []
    seen: dict[str, int] = {}
    for key, _addr, count in sorted(cpu_devices):
        base = "cpu:" + key[len(CPU_DEVICE_PREFIX) :].replace("_", "-")
        for _ in range(count):
            n = seen.get(base, 0)
            seen[base] = n + 1
            devices.append(
                Device(id=base if n == 0 else f"{base}.{n}", kind="cpu", name=f"CPU device ({key})", speed=1.0)
            )
    return devices


def local_resources(hw: Hardware) -> dict[str, float]:
    """The custom resources a Ray instance started on this machine advertises for its devices."""
    out: dict[str, float] = {}
    for dev in hw.devices:
        key = device_resource(dev)
        out[key] = out.get(key, 0.0) + 1
    return out


def connect(address: str | None, hardware: Hardware | None = None) -> bool:
    """Connect this process to a Ray cluster: `auto` (the one on this machine), HOST:PORT or
    ray://HOST:PORT; with no address, the one RAY_ADDRESS names, else a new Ray instance on this
    machine whose resources are the devices of `hardware`. Returns True when this call connected (and
    so the caller disconnects)."""
    import os

    import ray

    if ray.is_initialized():
        return False
    kwargs: dict = {"log_to_driver": False, "logging_level": logging.WARNING}
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is None:
        address = "local"
        kwargs.update(include_dashboard=False, resources=local_resources(hardware) if hardware else None)
        if hardware is not None:
            kwargs["num_gpus"] = len(hardware.gpus())
    target = _auto_address() if address == "auto" else None if address == "local" else address
    if target is not None:
        probe(target, connect_deadline_s(), address if address == target else f"{target} (what `auto` found)")
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(
            f"cannot connect to the Ray cluster at {address}: {first.rstrip('.')}. Start one with "
            f"`ray start --head` (see README: Running on a Ray cluster)"
        ) from exc
    return True


def _auto_address() -> str | None:
    """The address `auto` stands for (the cluster this machine last started, which may be gone), or
    None when Ray finds none (then ray.init says so at once)."""
    try:
        from ray._private.services import canonicalize_bootstrap_address

        return canonicalize_bootstrap_address("auto")
    except Exception:
        return None


def connect_deadline_s() -> float:
    """How long connecting may take: VIDC_RAY_CONNECT_TIMEOUT_S (seconds, default 20)."""
    import math
    import os

    text = os.environ.get(DEADLINE_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_DEADLINE_S
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and 0 < value <= 3600):
        raise ClusterError(f"{DEADLINE_ENV}={text!r}: expected a number of seconds between 0 and 3600, like 20")
    return value


def split_address(address: str) -> tuple[str, int] | None:
    """HOST:PORT (or ray://HOST:PORT, [v6]:PORT) -> (host, port); None when it has no port to probe."""
    rest = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = rest.rstrip("/").rpartition(":")
    if not sep or not port.isdigit():
        return None
    return host.strip("[]") or "127.0.0.1", int(port)


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])  # + an empty SETTINGS frame


def probe(address: str, deadline_s: float, shown: str | None = None) -> None:
    """Within the deadline, open a TCP connection to the cluster's port and check that a gRPC server
    (Ray's GCS, or its client server for ray://) answers there: it opens HTTP/2 with a SETTINGS frame.
    Nothing listening, no answer, or something else listening is one clear error instead of Ray's
    retries, which go on for many minutes."""
    import socket
    import time

    target = split_address(address)
    if target is None:
        return
    host, port = target
    if not 0 < port < 65536:
        raise ClusterError(f"cannot connect to the Ray cluster at {shown or address}: port {port} is out of range")
    end = time.monotonic() + deadline_s
    try:
        with socket.create_connection((host, port), timeout=deadline_s) as sock:
            sock.settimeout(max(0.1, end - time.monotonic()))
            sock.sendall(H2_PREFACE)
            head = _read(sock, 9, end)
        if len(head) == 9 and head[3] == 4:  # a SETTINGS frame: a gRPC server
            return
        why = "what listens there is not a Ray head node (no gRPC answer)"
    except TimeoutError:
        why = f"no answer within {deadline_s:g} s"
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
    raise ClusterError(
        f"cannot connect to the Ray cluster at {shown or address}: {why}. Is `ray start --head` "
        f"running there? (the deadline is {DEADLINE_ENV}, {deadline_s:g} s)"
    )


def _read(sock, n: int, end: float) -> bytes:
    import time

    data = b""
    while len(data) < n:
        sock.settimeout(max(0.05, end - time.monotonic()))
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def cluster_hardware(address: str | None) -> Hardware:
    """`--hardware ray:ADDRESS`: the profile of the cluster at ADDRESS (`ray:auto` finds a local one)."""
    import ray

    mine = connect(address)
    try:
        return profile_from_nodes(ray.nodes())
    finally:
        if mine:
            ray.shutdown()
