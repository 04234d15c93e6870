"""Which lane may run which task: the one rule placement (compiler/place.py) and dispatch (the
executor and the simulator) share.

A CPU task runs on any CPU lane. A device task runs on a device lane whose device is a CPU declared
as a device, or a GPU with at least the VRAM the task needs."""

from __future__ import annotations

from .hardware import Hardware
from .plan import Lane


def lane_fits(lane: Lane, hw: Hardware, kind: str, vram_gb: float = 0.0) -> bool:
    """Whether `lane` may run a task that requires `kind` ("cpu" or "device") and `vram_gb`."""
    if kind == "cpu":
        return lane.kind == "cpu"
    if lane.kind != "device":
        return False
    dev = hw.device(lane.device)
    return dev.kind == "cpu" or dev.vram_gb >= vram_gb
