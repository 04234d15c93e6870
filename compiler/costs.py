"""Estimated task times (ms at speed 1.0) and VRAM needs, from templates/cost_model.yaml.

A calibration profile (from `vidc calibrate`) may override any figure; it is passed in as data.
"""
from __future__ import annotations

import math
from typing import Any

from .resources import cost_model


class CostModel:
    def __init__(self, overrides: dict[str, Any] | None = None):
        base = cost_model()
        self.wan = dict(base["wan"])
        self.cpu = dict(base["cpu"])
        self.scales: dict[str, float] = {}
        for section, values in (overrides or {}).items():
            if section == "scale":  # measured/estimated per backend, from `vidc calibrate`
                self.scales.update(values)
            else:
                getattr(self, section).update(values)

    def scale(self, backend: str) -> float:
        return float(self.scales.get(backend, 1.0))

    # -- wan -------------------------------------------------------------------------------
    def wan_model(self, model: str) -> dict[str, Any]:
        known = self.wan["models"].get(model)
        if known is not None:
            return known
        return self.wan["unknown_small" if "1.3b" in model.lower() else "unknown_large"]

    def wan_vram_gb(self, model: str, offload: str) -> float:
        return float(self.wan_model(model)["vram_gb"][offload])

    def wan_load_ms(self, model: str) -> int:
        return int(self.wan_model(model)["load_ms"])

    def wan_chunk_ms(self, model: str, width: int, height: int, frames: int, steps: int, offload: str) -> int:
        ref = self.wan["reference"]
        work = (width * height * frames) / (ref["width"] * ref["height"] * ref["frames"])
        ms = self.wan_model(model)["chunk_ms"] * work ** self.wan["pixel_exponent"] * steps / ref["steps"]
        return max(1, round(ms * self.wan["offload_slowdown"][offload]))

    # -- cpu -------------------------------------------------------------------------------
    def voice_ms(self, engine: str, words: int) -> int:
        per_word = self.cpu.get(f"{engine}_ms_per_word", self.cpu["piper_ms_per_word"])
        fixed = self.cpu["piper_fixed_ms"] if engine == "piper" else 300
        return int(fixed + per_word * words)

    def encode_ms(self, seconds: float, width: int, height: int, x264_preset: str, fixed_key: str) -> int:
        per = self.cpu["encode_ms_per_s_per_mpx"].get(x264_preset, 400)
        return int(self.cpu[fixed_key] + per * seconds * width * height / 1e6)

    def get(self, key: str) -> int:
        return int(self.cpu[key])

    def per_second(self, key: str, seconds: float) -> int:
        return int(math.ceil(self.cpu[key] * seconds))
