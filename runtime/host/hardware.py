"""The hardware profile: read from --hardware FILE, or detected on this machine and handed to the
compiler as data."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml
from pydantic import ValidationError

from vidc.schemas.hardware import Device, Hardware

from ..state.confine import Refused, read_text

# Relative speeds against an RTX 4090 for Wan-style diffusion (bf16); an estimate until calibrated.
GPU_SPEEDS = {
    "5090": 1.35,
    "4090": 1.0,
    "4080": 0.75,
    "3090": 0.55,
    "a100": 0.95,
    "h100": 1.7,
    "h200": 1.8,
    "l40s": 0.9,
    "l4": 0.35,
    "a10": 0.4,
    "t4": 0.15,
    "b200": 2.4,
    "a6000": 0.6,
}


class HardwareError(Exception):
    pass


def load_hardware(path: str | Path) -> Hardware:
    p = Path(path)
    if p.exists() and not p.is_file():  # a FIFO or a device is never opened (it would hang or never end)
        raise HardwareError(f"{p}: not a regular file")
    try:  # a regular file, capped, opened without blocking
        data = yaml.safe_load(read_text(p, 1 << 20, "hardware profile"))
    except (OSError, Refused, yaml.YAMLError) as exc:
        raise HardwareError(f"{p}: cannot read the hardware profile: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise HardwareError(f"{p}: cannot read the hardware profile: nested too deep") from None
    try:
        return Hardware.model_validate(data or {})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise HardwareError(f"{p}: invalid hardware profile: {problems}") from exc


def gpu_speed(name: str) -> float:
    low = name.lower().replace(" ", "")
    for key, speed in GPU_SPEEDS.items():
        if key in low:
            return speed
    return 0.7


def detect() -> Hardware:
    cpus = os.cpu_count() or 1
    devices: list[Device] = []
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(
                ["nvidia-smi", "--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.strip().splitlines():
            index, name, mem = (x.strip() for x in line.split(","))
            devices.append(
                Device(
                    id=f"cuda:{index}",
                    kind="cuda",
                    name=name,
                    vram_gb=round(float(mem) / 1024, 1),
                    speed=gpu_speed(name),
                )
            )
    return Hardware(name="detected", devices=devices, cpu_workers=max(1, min(cpus, 4)), cpu_cores=cpus)
