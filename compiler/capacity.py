"""Capacity: how many videos of a plan finish in a given time on its hardware, and what limits it.

Pure arithmetic over one run of the plan (its makespan and each lane's busy time, from the plan's
cost model, calibrated when `vidc calibrate` has run, and the executor's simulator). A long run
repeats the plan: after the first run, every further run's worth of videos costs the busiest lane
its busy time again while the other lanes keep up, so

    time(n videos) ~ (makespan - bottleneck busy) + n / videos_per_run * bottleneck busy

and n is the largest count that fits. Below one run's makespan, the videos whose own estimated
finish falls inside the window are counted. It is an estimate: model loads are counted once per
run of the plan (a conservative figure), and task times are the plan's, not measured ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|ms|m|seconds?|secs?|s)")
_UNIT_MS = {"w": 7 * 86_400_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


def _unit_ms(unit: str) -> int:
    return _UNIT_MS["ms" if unit == "ms" else unit[0]]


def parse_duration_ms(text: str) -> int:
    """'8h', '90m', '1d12h', '45s', '2w', '24 hours' -> milliseconds. ValueError on anything else."""
    s = (text or "").strip().lower().replace(" ", "")
    parts = _DURATION.findall(s)
    if not s or "".join(f"{n}{u}" for n, u in parts) != s:
        raise ValueError("expected a duration like 8h, 90m, 1d12h or 45s")
    ms = sum(float(n) * _unit_ms(u) for n, u in parts)
    if ms <= 0:
        raise ValueError("the duration must be more than zero")
    return int(ms)


@dataclass(frozen=True)
class LaneLoad:
    lane: str
    device: str  # what runs it, in words ("RTX 4090 (cuda:0)", "CPU worker")
    busy_ms: int  # busy time in one run of the plan
    utilisation: float  # share of the capacity window it is busy


@dataclass(frozen=True)
class Capacity:
    window_ms: int
    videos: int  # videos that finish inside the window
    videos_per_run: int
    run_makespan_ms: int
    bottleneck: LaneLoad
    lanes: list[LaneLoad]

    @property
    def videos_per_hour(self) -> float:
        """Steady state: the bottleneck lane busy all the time."""
        b = self.bottleneck.busy_ms
        return 3_600_000 * self.videos_per_run / b if b else 0.0


def capacity(
    window_ms: int,
    videos_per_run: int,
    makespan_ms: int,
    busy_ms: dict[str, int],
    devices: dict[str, str],
    video_finish_ms: list[int],
) -> Capacity:
    """How many videos finish in `window_ms`, from one run of the plan: its videos, makespan, each
    lane's busy time (lane -> ms), what each lane is (lane -> words) and each video's finish."""
    if window_ms <= 0 or videos_per_run <= 0 or not busy_ms:
        raise ValueError("capacity needs a window, at least one video and one lane")
    lane = max(sorted(busy_ms), key=lambda ln: busy_ms[ln])
    peak = max(busy_ms[lane], 1)
    if window_ms < makespan_ms:
        n = sum(1 for f in video_finish_ms if f <= window_ms)
        runs = n / videos_per_run
    else:
        runs = (window_ms - (makespan_ms - peak)) / peak
        n = math.floor(runs * videos_per_run + 1e-9)
        runs = n / videos_per_run
    loads = [
        LaneLoad(ln, devices.get(ln, ln), busy_ms[ln], min(1.0, runs * busy_ms[ln] / window_ms))
        for ln in sorted(busy_ms)
    ]
    top = next(x for x in loads if x.lane == lane)
    return Capacity(window_ms, n, videos_per_run, makespan_ms, top, loads)


def _span(ms: int) -> str:
    s = round(ms / 1000)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def capacity_text(c: Capacity, *, spec: str, hardware: str, calibrated: bool) -> str:
    """The answer and the assumptions it rests on, for a terminal."""
    per = f"{c.videos_per_run} video{'s' * (c.videos_per_run != 1)}"
    out = [
        f"capacity of {spec} on {hardware} in {_span(c.window_ms)}: ~{c.videos} videos "
        f"(estimate; ~{c.videos_per_hour:.1f} videos/hour at steady state)",
        f"  bottleneck: {c.bottleneck.lane} ({c.bottleneck.device}), busy {_span(c.bottleneck.busy_ms)} per run "
        f"of {per}, {c.bottleneck.utilisation:.0%} utilised over the window",
        f"  one run of the plan ({per}) takes ~{_span(c.run_makespan_ms)}",
        "  lanes:",
    ]
    out += [
        f"    {x.lane:<10} {x.device:<24} busy {_span(x.busy_ms):>8} per run   {x.utilisation:4.0%}" for x in c.lanes
    ]
    out += [
        "  assumptions: task times from the plan's cost model "
        + ("(calibrated by `vidc calibrate`)" if calibrated else "(not calibrated: run `vidc calibrate`)")
        + " and the executor's simulator without jitter; the plan repeated back to back with the bottleneck "
        "lane kept busy; model loads counted once per run; no failures or retries."
    ]
    return "\n".join(out) + "\n"
