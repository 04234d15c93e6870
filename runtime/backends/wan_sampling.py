"""Sampling settings of a loaded Wan pipeline: its scheduler (sampler, flow shift) and the diffusers step
caches (first block, TaylorSeer, MagCache) on its transformers, swapped per chunk without reloading."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from typing import TYPE_CHECKING, Any

from .base import BackendError

if TYPE_CHECKING:
    from .wan_pipeline import LoadedPipeline


def apply_step_cache(
    loaded: LoadedPipeline,
    cache: str,
    threshold: float | None,
    interval: int | None,
    warmup: int | None,
    steps: int,
    mag: list[tuple[int, list[float]]] | None = None,
) -> None:
    """Put the asked step cache on every transformer (both experts of A14B), replacing another one.
    `mag`: MagCache's (steps, ratios) per transformer (an A14B expert runs only its share of the steps;
    an expert with no step gets no cache)."""
    key = (cache, threshold, interval, warmup, steps, tuple((n, tuple(r)) for n, r in mag or ()))
    if loaded.cache_key == key:
        return
    for tr in loaded.transformers:
        if getattr(tr, "is_cache_enabled", False):
            tr.disable_cache()
    loaded.cache_key = None
    if cache != "none":
        for i, tr in enumerate(loaded.transformers):
            if cache == "magcache":
                n, ratios = (mag or [])[i]
                if n:
                    tr.enable_cache(cache_config(cache, threshold, interval, warmup, n, ratios))
            else:
                tr.enable_cache(cache_config(cache, threshold, interval, warmup, steps))
    loaded.cache_key = key


def cache_config(
    cache: str,
    threshold: float | None,
    interval: int | None,
    warmup: int | None,
    steps: int,
    mag_ratios: list[float] | None = None,
    calibrate: bool = False,
) -> Any:
    import torch
    from diffusers import FirstBlockCacheConfig, MagCacheConfig, TaylorSeerCacheConfig

    if cache == "first_block":
        return FirstBlockCacheConfig(threshold=float(threshold or 0.05))
    if cache == "taylorseer":
        # Lite mode: on predicted steps the blocks are skipped and proj_out is extrapolated. (The
        # default patterns match no Wan module: Wan's attention modules are attn1/attn2.)
        return TaylorSeerCacheConfig(
            cache_interval=int(interval or 2),
            disable_cache_before_step=int(warmup or 2),
            use_lite_mode=True,
            taylor_factors_dtype=torch.float32,
        )
    if cache == "magcache":
        if calibrate:
            return MagCacheConfig(calibrate=True, num_inference_steps=steps)
        return MagCacheConfig(threshold=float(threshold or 0.06), num_inference_steps=steps, mag_ratios=mag_ratios)
    raise BackendError(f"unknown step cache {cache!r}: use none, first_block, taylorseer or magcache")


@contextlib.contextmanager
def captured_magcache_ratios():
    """Collect the ratios diffusers' MagCache logs at the end of a calibration run (one list per
    guidance branch, the conditional one first)."""
    found: list[list[float]] = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            if "MagCache Calibration Results:" in text:
                found.append([float(x) for x in re.findall(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text.split(":", 1)[1])])

    logger = logging.getLogger("diffusers.hooks.mag_cache")
    handler, level = Grab(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with contextlib.redirect_stdout(open(os.devnull, "w")):  # it also prints them
            yield found
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def make_scheduler(loaded: LoadedPipeline, sampler: str, flow_shift: float) -> Any:
    from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler

    if sampler == "euler":
        # from_config keeps what the two schedulers share (num_train_timesteps ...) and drops the rest,
        # so this works whether the model folder ships a flow-match Euler or a UniPC scheduler config.
        return FlowMatchEulerDiscreteScheduler.from_config(loaded.base_scheduler_config, shift=float(flow_shift))
    if sampler == "unipc":
        return UniPCMultistepScheduler(
            prediction_type="flow_prediction",
            use_flow_sigmas=True,
            num_train_timesteps=1000,
            flow_shift=float(flow_shift),
        )
    raise BackendError(f"unknown sampler {sampler!r}: use euler or unipc")
