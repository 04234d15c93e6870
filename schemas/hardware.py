"""A hardware profile: the devices a plan may place tasks on. Kept apart from the spec."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Device(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9:_.-]*$")
    kind: Literal["cuda", "cpu"]
    name: str = ""
    vram_gb: float = Field(0.0, ge=0)
    speed: float = Field(1.0, gt=0, description="Relative speed; 1.0 is the cost model's reference device of this kind")


class Hardware(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "local"
    devices: list[Device] = Field(default_factory=list)
    cpu_workers: int = Field(2, ge=1, le=256)
    cpu_cores: int = Field(2, ge=1, le=1024, description="Cores the CPU lanes share (sets x264's threads per encode)")

    def encoder_threads(self) -> int:
        """Twice a lane's share of the cores: parallel encodes keep every core busy, and a lone
        encode (an incremental rebuild) still uses more than its share."""
        return max(1, min(self.cpu_cores, 2 * self.cpu_cores // self.cpu_workers))

    def gpus(self) -> list[Device]:
        return [d for d in self.devices if d.kind == "cuda"]

    def device(self, device_id: str) -> Device:
        """The device of this id (a lane's `device`); KeyError when the profile has none."""
        for d in self.devices:
            if d.id == device_id:
                return d
        raise KeyError(f"the hardware profile `{self.name}` has no device `{device_id}`")
