"""`vidc build`'s Ray options: the cluster's address, shipping the project's files, and the cap on each
node's caches under `$TMPDIR/vidc-ray/` (state/node_cache.py)."""

from __future__ import annotations

import os

from ..state.node_cache import CACHE_MAX_ENV, DEFAULT_MAX
from .common import EnvironmentFault, UsageError
from .gc import parse_size


def add_ray_args(p) -> None:
    p.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="with --executor ray: auto, HOST:PORT or ray://HOST:PORT (default: RAY_ADDRESS, else a "
        "Ray instance started for this build); without --hardware the plan is made for that cluster",
    )
    p.add_argument(
        "--ray-cache-max",
        metavar="SIZE",
        help=f"with --executor ray: the most each node keeps of received and made objects and project copies "
        f"under $TMPDIR/vidc-ray/, least recently used removed first, never one a running task holds "
        f"(default: {CACHE_MAX_ENV}, else {DEFAULT_MAX >> 30}G)",
    )


def check_ray_args(args) -> None:
    for flag, value in (("--ray-address", args.ray_address), ("--ray-cache-max", args.ray_cache_max)):
        if value and args.executor != "ray":
            raise UsageError(f"{flag} goes with --executor ray")
    if args.executor == "ray":
        cache_max(args)  # a bad size is reported before anything starts


def cache_max(args) -> int:
    """The nodes' cache cap in bytes: --ray-cache-max, else the environment variable, else the default."""
    if args.ray_cache_max:
        try:
            return parse_size(args.ray_cache_max)
        except UsageError:
            raise UsageError(f"--ray-cache-max {args.ray_cache_max!r}: expected a size like 500M, 20G or 1T") from None
    text = os.environ.get(CACHE_MAX_ENV, "").strip()
    if not text:
        return DEFAULT_MAX
    try:
        return parse_size(text)
    except UsageError:
        raise EnvironmentFault(
            f"{CACHE_MAX_ENV}={text!r} is not a size: set it to one like 500M, 20G or 1T (or unset it)"
        ) from None


def ray_options(args) -> dict:
    """The Ray executor's keyword arguments from the command line and the environment."""
    return {
        "address": args.ray_address,
        "ship_project": os.environ.get("VIDC_RAY_SHIP_PROJECT", "auto"),
        "cache_max": cache_max(args),
    }
