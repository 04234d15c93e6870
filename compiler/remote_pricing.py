"""What a video server's job costs: seconds of output at the spec's `video.price_per_second`, else
the price table's `video` section (provider -> model -> usd_per_second, `default` for a model not
listed). One job per task is estimated; a job tried again is priced again when it is sent. Pure."""

from __future__ import annotations

from typing import Any

from vidc.schemas.plan import Cost

VIDEO_JOBS = "openai-videos"


def usd_per_second(table: dict[str, Any], provider: str, model: str, override: float | None) -> tuple[float, str]:
    """(the rate, where it comes from)."""
    if override is not None:
        return float(override), "video.price_per_second"
    by_model = table.get("video", {}).get(provider, {})
    row = by_model.get(model)
    if row is not None:
        return float(row.get("usd_per_second", 0)), f"the price table's {provider} {model}"
    return float((by_model.get("default") or {}).get("usd_per_second", 0)), f"the price table's {provider} default"


def video_job_cost(prices: Any, params: dict[str, Any]) -> Cost:
    model, seconds = str(params.get("model", "")), int(params.get("seconds", 0))
    rate, source = usd_per_second(prices.t, VIDEO_JOBS, model, params.get("price_per_second"))
    return Cost(
        provider=VIDEO_JOBS,
        item=model,
        units={"seconds": seconds},
        micro_usd=round(seconds * rate * 1e6),
        basis=f"one job of {seconds} s at ${rate:g}/s ({source}); a job tried again costs as much again",
    )
