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
    cpu_cores: int = Field(2, ge=1, le=1024, description="Cores the CPU lanes share; each encode gets cores / workers threads")

    def encoder_threads(self) -> int:
        return max(1, self.cpu_cores // self.cpu_workers)

    def gpus(self) -> list[Device]:
        return [d for d in self.devices if d.kind == "cuda"]
