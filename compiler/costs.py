"""Estimated task times (ms at speed 1.0) and VRAM needs, from templates/cost_model.yaml.

A calibration profile (from `vidc calibrate`) may override any figure; it is passed in as data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .resources import cost_model, cost_profiles


@dataclass(frozen=True)
class WanInfo:
    model: str
    kind: str  # t2v | i2v | vace | ti2v
    experts: int
    heads: int
    chunk_ms: float  # reference chunk (1280x720x81, 8 steps) at speed 1.0
    load_ms: int
    vram_gb: dict[str, float]
    native: dict[str, Any] = field(default_factory=dict)  # resolution, fps, frames
    size_multiple: int = 16
    boundary_ratio: float | None = None
    source: str = "table"


def taylorseer_schedule(steps: int, interval: int, warmup_fraction: float) -> tuple[int, int]:
    """(cache_interval, disable_cache_before_step) vidc gives diffusers' TaylorSeer for `steps`."""
    return interval, max(2, round(steps * warmup_fraction))


def _same_architecture(entry: dict[str, Any], facts: dict[str, Any]) -> bool:
    keys = ("heads", "layers", "experts", "kind")
    return all(entry.get(k) is not None and entry.get(k) == facts.get(k) for k in keys) and int(
        entry.get("size_multiple", 16)
    ) == int(facts.get("size_multiple", 16))


class CostModel:
    def __init__(
        self,
        overrides: dict[str, Any] | None = None,
        hardware: Any = None,
        profiles: tuple[dict[str, Any], ...] | None = None,
    ):
        base = cost_model()
        self.wan = dict(base["wan"])
        self.wan["models"] = dict(self.wan["models"])
        self._wan_seen: dict[str, dict[str, Any]] = {}
        self.profile = dict(base.get("profile", {}))
        self.measured_factors: dict[str, dict[str, float]] = {}
        self.measured_steps = 0
        if hardware is not None:
            self._use_measured(hardware, cost_profiles() if profiles is None else profiles)
        self.cpu = dict(base["cpu"])
        self.image = dict(base.get("image") or {})  # pictures of the image engine (compiler/lower_image.py)
        self.scales: dict[str, float] = {}
        for section, values in (overrides or {}).items():
            if section == "scale":  # measured/estimated per backend, from `vidc calibrate`
                self.scales.update(values)
            else:
                getattr(self, section).update(values)

    def _use_measured(self, hw: Any, profiles: tuple[dict[str, Any], ...]) -> None:
        """A measured profile replaces the guesses when every GPU of the plan's hardware is its device:
        its chunk times (at the device's `speed`, normalised to the reference chunk) and option factors."""
        gpus = hw.gpus()
        names = {d.name for d in gpus}
        if len(names) != 1:
            return
        (name,) = names
        match = next((p for p in profiles if str(p.get("device", "")).lower() == name.lower()), None)
        if match is None:
            return
        speed = gpus[0].speed
        ref, exp = self.wan["reference"], float(self.wan["pixel_exponent"])
        for model, row in (match.get("wan", {}).get("models") or {}).items():
            at = row["at"]
            work = (at["width"] * at["height"] * at["frames"]) / (ref["width"] * ref["height"] * ref["frames"])
            entry = dict(self.wan["models"].get(model) or self.wan_model(model))
            entry["chunk_ms"] = round(float(row["chunk_ms"]) * speed / (work**exp * at["steps"] / ref["steps"]))
            vram = dict(entry["vram_gb"])
            vram["none"] = round(float(row["peak_vram_gb"]) + float(self.wan.get("text_encoder_gb", 11.5)), 1)
            entry["vram_gb"] = vram
            self.wan["models"][model] = entry
        self.measured_factors = {k: dict(v) for k, v in (match.get("wan", {}).get("factors") or {}).items()}
        self.measured_steps = (
            int(next(iter(match["wan"]["models"].values()))["at"]["steps"]) if match.get("wan", {}).get("models") else 0
        )
        self.profile = {
            "name": match["file"],
            "measured": True,
            "device": match.get("device"),
            "measured_on": match.get("measured_on"),
            "versions": match.get("versions", {}),
        }

    def scale(self, backend: str) -> float:
        return float(self.scales.get(backend, 1.0))

    # -- wan -------------------------------------------------------------------------------
    def wan_model(self, model: str) -> dict[str, Any]:
        if model in self._wan_seen:  # figures made from the model folder's own configs this compile
            return self._wan_seen[model]
        known = self.wan["models"].get(model)
        if known is not None:
            return known
        return self.wan["unknown_small" if "1.3b" in model.lower() else "unknown_large"]

    def wan_info(self, model: str, facts: dict[str, Any] | None) -> WanInfo:
        """What the planner knows about a wan model: from the table by hub id; else, when the runtime
        read the folder's configs (`facts`), from the table entry with the same architecture or from
        the model's size; else a guess by name. Registered for wan_load_ms and the VRAM check."""
        table = self.wan["models"]
        entry, source = table.get(model), "table"
        if entry is None and facts:
            entry = next((e for e in table.values() if _same_architecture(e, facts)), None)
            source = "configs, matching a known model" if entry is not None else "configs"
            if entry is None:
                entry = self._wan_from_size(facts)
        if entry is None:
            entry, source = self.wan_model(model), "guess by name"
        entry = dict(entry)
        if facts:  # the folder's own pipeline decides what it can do
            for key in ("kind", "heads", "layers", "experts", "boundary_ratio", "size_multiple"):
                if facts.get(key) is not None:
                    entry[key] = facts[key]
            if facts.get("kind") == "ti2v" and "native" not in entry:
                entry["native"] = {"resolution": "720p", "fps": 24, "frames": 121}
        native = {**self.wan["native"], **entry.get("native", {})}
        info = WanInfo(
            model=model,
            kind=str(entry.get("kind", "t2v")),
            experts=int(entry.get("experts", 1)),
            heads=int(entry.get("heads", 40)),
            chunk_ms=float(entry["chunk_ms"]),
            load_ms=int(entry["load_ms"]),
            vram_gb={k: float(v) for k, v in entry["vram_gb"].items()},
            native=native,
            size_multiple=int(entry.get("size_multiple", 16)),
            boundary_ratio=entry.get("boundary_ratio"),
            source=source,
        )
        self._wan_seen[model] = {**entry, "chunk_ms": info.chunk_ms, "load_ms": info.load_ms}
        return info

    def _wan_from_size(self, facts: dict[str, Any]) -> dict[str, Any]:
        per = self.wan["per_billion"]
        b = float(facts.get("params_b", 0.0))  # one expert
        te = float(facts.get("text_encoder_params_b", 0.0))
        experts = int(facts.get("experts", 1))
        tokens = (8 / max(1, int(facts.get("vae_spatial", 8)))) ** 2  # a 16x VAE makes 4x fewer tokens
        chunk_ms = max(1.0, per["chunk_ms"] * b * tokens)
        weights = 2.0 * b  # GB in bf16
        return {
            "chunk_ms": chunk_ms,
            "load_ms": int(per["load_fixed_ms"] + per["load_ms"] * b * experts),
            "vram_gb": {
                "none": round(weights * experts + 2 * te + 2 + 0.5 * b, 1),
                "model": round(max(weights, 2 * te) + 1 + 0.5 * b, 1),
                "sequential": round(1 + 0.5 * b, 1),
            },
        }

    def wan_vram_gb(self, model: str, offload: str, precision: str = "bf16") -> float:
        need = float(self.wan_model(model)["vram_gb"][offload])
        return round(need * float(self.wan["precision"][precision]["vram"]), 1)

    def wan_load_ms(self, model: str) -> int:
        return int(self.wan_model(model)["load_ms"])

    def wan_chunk_ms(self, model: str, width: int, height: int, frames: int, steps: int, offload: str) -> int:
        ref = self.wan["reference"]
        work = (width * height * frames) / (ref["width"] * ref["height"] * ref["frames"])
        ms = self.wan_model(model)["chunk_ms"] * work ** self.wan["pixel_exponent"] * steps / ref["steps"]
        return max(1, round(ms * self.wan["offload_slowdown"][offload]))

    def wan_speed(
        self, steps: int, cache: str, threshold: float | None, interval: int | None, compile_: str, precision: str
    ) -> tuple[float, list[str]]:
        """The factor the speed options apply to a chunk's time, and one line per option saying why."""
        w = self.wan
        share = float(w["denoise_share"])
        kept = self.cache_kept_steps(steps, cache, threshold, interval)
        factor, notes = 1.0, []
        measured = self.measured_factors if steps == self.measured_steps else {}
        if cache != "none" and cache in measured.get("cache", {}):
            f = float(measured["cache"][cache])
            factor *= f
            notes.append(f"cache {cache}: x{f:.2f} (measured, {self.profile.get('device')})")
        elif cache != "none":
            f = 1 - share + share * kept / steps
            factor *= f
            notes.append(f"cache {cache}: {kept:g} of {steps} steps computed -> x{f:.2f}")
            if cache == "magcache":
                notes.append(
                    f"magcache: one calibration run per worker and model "
                    f"(~{w['cache']['magcache']['calibration_chunks']:g} chunk), cached in .vidc/cache"
                )
        if compile_ == "regional" and "regional" in measured.get("compile", {}):
            f = float(measured["compile"]["regional"])
            factor *= f
            notes.append(
                f"compile regional: x{f:.2f} (measured, {self.profile.get('device')}), "
                f"+{w['compile']['regional']['compile_ms'] / 1000:g}s once per worker"
            )
        elif compile_ == "regional":
            f = 1 - share + share * float(w["compile"]["regional"]["factor"])
            factor *= f
            notes.append(
                f"compile regional: x{f:.2f}, +{w['compile']['regional']['compile_ms'] / 1000:g}s once per "
                "worker (GPU only)"
            )
        p = w["precision"][precision]
        if precision != "bf16":
            factor *= float(p["time"])
            notes.append(f"precision {precision}: time x{float(p['time']):g}, VRAM x{float(p['vram']):g}")
        return factor, notes

    def cache_kept_steps(self, steps: int, cache: str, threshold: float | None, interval: int | None) -> float:
        """Denoising steps whose transformer work runs in full (a step skipped costs nothing here)."""
        c = self.wan["cache"]
        if cache == "first_block":
            skip = min(
                float(c[cache]["max_skip"]), (threshold or c[cache]["default_threshold"]) * c[cache]["per_threshold"]
            )
            return round(1 + (steps - 1) * (1 - skip), 2) if steps > 1 else float(steps)
        if cache == "magcache":
            m = c[cache]
            kept = math.ceil(steps * m["retention_ratio"])
            skip = min(float(m["max_skip"]), (threshold or m["default_threshold"]) * m["per_threshold"])
            return round(kept + (steps - kept) * (1 - skip), 2)
        if cache == "taylorseer":
            t = c[cache]
            every, warm = taylorseer_schedule(
                steps, interval or int(t["default_interval"]), float(t["warmup_fraction"])
            )
            full = sum(1 for s in range(steps) if s < warm or (s - warm - 1) % every == 0)
            return round(full + (steps - full) * float(t["predict_cost"]), 2)
        return float(steps)

    def cp_speedup(self, degree: int) -> float:
        eff = self.wan["parallel"]["efficiency"]
        return degree * float(eff.get(degree, eff.get(str(degree), 0.75)))

    def cp_degrees(self) -> list[int]:
        return [int(d) for d in self.wan["parallel"]["degrees"]]

    # -- cpu -------------------------------------------------------------------------------
    def voice_ms(self, engine: str, words: int) -> int:
        """The cost table's rows for this engine (`<engine>_ms_per_word`, `<engine>_fixed_ms`), by its
        name as data: an engine without rows is costed per word like piper, plus 300 ms."""
        per_word: Any = self.cpu.get(f"{engine}_ms_per_word", self.cpu["piper_ms_per_word"])
        fixed: Any = self.cpu.get(f"{engine}_fixed_ms", 300)
        return int(fixed + per_word * words)

    def encode_ms(self, seconds: float, width: int, height: int, x264_preset: str, fixed_key: str) -> int:
        """`fixed_key` names the kind of encode: "draw_fixed_ms" (a drawn or still picture, x264's
        still tuning: `draw_ms_per_s_per_mpx` when the model has it) or "assemble_fixed_ms" (moving
        pictures: `encode_ms_per_s_per_mpx`)."""
        table = self.cpu.get(fixed_key.replace("_fixed_ms", "_ms_per_s_per_mpx")) or self.cpu["encode_ms_per_s_per_mpx"]
        per = table.get(x264_preset, 400)
        return int(self.cpu[fixed_key] + per * seconds * width * height / 1e6)

    def get(self, key: str) -> int:
        return int(self.cpu[key])

    def per_second(self, key: str, seconds: float) -> int:
        return int(math.ceil(self.cpu[key] * seconds))
