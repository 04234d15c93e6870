"""Money before spending: estimated cost of every paid task, per video and per plan. Pure.

Prices come from templates/prices.yaml (user-editable defaults), merged with a `prices.yaml` beside
the spec when there is one. What is priced:

- an LLM script not locked yet: input tokens from the rendered prompts (characters / chars_per_token
  plus the answer schema), output tokens from a stated assumption about the answer's length;
- an ElevenLabs voice: the characters of its text;
- a task on a GPU lane: its estimated time on that device (the cost model's GPU-seconds, model
  load included) at the device's rental rate, billed per second.

Before an LLM script exists, the tasks after it are not in the plan; their cost is estimated from
`scene_count` scenes of mid length narrated at the prompt's upper word target, lowered exactly as
real scenes would be (`VideoPlan.cost_after_script`). Money is integer micro-dollars.
"""

from __future__ import annotations

import math
import posixpath
from collections.abc import Iterable
from typing import Any

import yaml

from vidc.schemas.hardware import Hardware
from vidc.schemas.plan import Cost, Lane, Task, VideoPlan
from vidc.schemas.spec import Scene

from .costs import CostModel
from .diagnostics import Diagnostic
from .frontend import LoadedVideo, SourceFiles
from .price_table import check_price_table
from .remote_pricing import VIDEO_JOBS, video_job_cost
from .resources import template_yaml
from .script_prompt import TARGET_FILL, words_per_second

PRICES_FILE = "prices.yaml"


def usd(micro: int) -> str:
    """Micro-dollars as people read them: $0.0031, $0.1677, $1.25, $1,120.00."""
    dollars = micro / 1e6
    if micro == 0:
        return "$0.00"
    if dollars < 1:
        return f"${dollars:.4f}"
    return f"${dollars:,.2f}"


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_prices(src: SourceFiles) -> tuple[Prices, list[Diagnostic]]:
    """The shipped table, with the project's prices.yaml (beside the spec) merged over it."""
    name = posixpath.join(posixpath.dirname(src.spec_name), PRICES_FILE)
    table = template_yaml(PRICES_FILE)
    if not src.exists(name):
        return Prices(table), []
    try:
        text = src.read(name)
        extra = yaml.safe_load(text) or {}
        if not isinstance(extra, dict):
            raise ValueError("expected a mapping like templates/prices.yaml")
        problems = check_price_table(name, text)
        return Prices(table if problems else _merge(table, extra)), problems
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        return Prices(table), [
            Diagnostic(
                file=name,
                line=(mark.line + 1) if mark else 1,
                col=(mark.column + 1) if mark else 1,
                code="E_PRICES",
                message=f"cannot read the price table: {exc}".splitlines()[0],
                hint="see templates/prices.yaml for its shape",
            )
        ]


class Prices:
    def __init__(self, table: dict[str, Any]):
        self.t = table

    def llm(self, provider: str, model: str) -> tuple[float, float]:
        by_model = self.t.get("llm", {}).get(provider, {})
        row = by_model.get(model) or by_model.get("default") or {}
        return float(row.get("input_per_mtok", 0)), float(row.get("output_per_mtok", 0))

    def tts_per_1k(self, provider: str, model: str) -> float:
        by_model = self.t.get("tts", {}).get(provider, {})
        return float(by_model.get(model, by_model.get("default", 0)))

    def gpu_per_hour(self, device_name: str) -> float:
        """By the device's name: exactly, else the longest listed name inside it ("NVIDIA GeForce
        RTX 4090" is an RTX 4090), else `default`."""
        table = self.t.get("gpu", {})
        row = table.get(device_name)
        if row is None:
            inside = [k for k in table if k != "default" and k.lower() in device_name.lower()]
            row = table[max(inside, key=len)] if inside else table.get("default")
        return float((row or {}).get("usd_per_hour", 0))

    def per_image(self, model: str) -> float:
        """A server's price per picture: the model's row of the `image` section, else its `default`."""
        table = self.t.get("image", {})
        row = table.get(model) or table.get("default") or {}
        return float(row.get("usd_per_image", 0))

    def est(self, key: str) -> float:
        return float(self.t.get("llm_estimate", {})[key])


# -- per task ----------------------------------------------------------------------------------
def llm_cost(prices: Prices, provider: str, model: str, tokens_in: int, tokens_out: int, basis: str) -> Cost:
    p_in, p_out = prices.llm(provider, model)
    return Cost(
        provider=provider,
        item=model,
        units={"input_tokens": tokens_in, "output_tokens": tokens_out},
        micro_usd=round(tokens_in * p_in + tokens_out * p_out),
        basis=basis,
    )


def tts_cost(prices: Prices, model: str, characters: int, basis: str) -> Cost:
    return Cost(
        provider="elevenlabs",
        item=model,
        units={"characters": characters},
        micro_usd=round(characters * prices.tts_per_1k("elevenlabs", model) * 1000),
        basis=basis,
    )


def gpu_cost(prices: Prices, device: str, gpu_ms: int, basis: str) -> Cost:
    return Cost(
        provider="gpu",
        item=device,
        units={"gpu_ms": gpu_ms},
        micro_usd=round(gpu_ms * prices.gpu_per_hour(device) / 3.6),
        basis=basis,
    )


def image_cost(prices: Prices, params: dict[str, Any], pictures: int = 1, basis: str = "") -> Cost:
    """Pictures from an image server: the spec's `price_per_image`, else the price table's."""
    model = str(params.get("model", ""))
    each = params.get("price_per_image")
    each = prices.per_image(model) if each is None else float(each)
    return Cost(
        provider="image",
        item=model,
        units={"images": pictures},
        micro_usd=round(pictures * each * 1e6),
        basis=basis or ("video.image.price_per_image" if params.get("price_per_image") is not None else "price table"),
    )


def script_estimate(prices: Prices, video: LoadedVideo) -> Cost:
    """An LLM script not locked yet: the prompt's tokens in, an assumed answer out."""
    from .script_lock import prompt_for

    s = video.spec.script
    assert s.llm is not None and s.scene_count is not None
    prompt = prompt_for(video)
    chars = len(prompt.system) + len(prompt.user)
    tokens_in = math.ceil(chars / prices.est("chars_per_token")) + int(prices.est("schema_tokens"))
    words = _words_per_scene(video)
    per_scene = math.ceil(words * prices.est("tokens_per_word") + prices.est("tokens_per_scene_extra"))
    tokens_out = min(s.scene_count * per_scene, s.llm.max_tokens)
    basis = (
        f"prompt {chars} chars / {prices.est('chars_per_token'):g} + schema; answer assumed {s.scene_count} scenes x "
        f"{per_scene} tokens ({words} words x {prices.est('tokens_per_word'):g} + "
        f"{prices.est('tokens_per_scene_extra'):g}); no repair round"
    )
    return llm_cost(prices, s.llm.provider, s.llm.model, tokens_in, tokens_out, basis)


def _words_per_scene(video: LoadedVideo) -> int:
    s, vo = video.spec.script, video.spec.voice
    mid = (s.scene_seconds[0] + s.scene_seconds[1]) / 2
    return max(1, round(mid * words_per_second(vo.wpm, vo.speed) * TARGET_FILL[1]))


def task_cost(prices: Prices, task: Task, lanes: dict[str, Lane], hardware: Hardware) -> Cost | None:
    if task.backend == VIDEO_JOBS:
        return video_job_cost(prices, task.params)
    if task.backend == "elevenlabs":
        model = task.params.get("model") or "eleven_turbo_v2_5"
        return tts_cost(prices, model, len(task.params.get("text", "")), "characters of the scene's text")
    if task.backend == "image" and task.params.get("base_url"):
        return image_cost(prices, task.params)
    lane = lanes.get(task.lane)
    if task.requires.kind == "device" and lane is not None and lane.kind == "device":
        dev = next((d for d in hardware.devices if d.id == lane.device), None)
        if dev is not None and dev.kind != "cpu":
            if len(task.group) > 1:  # a context-parallel group rents every GPU it holds for the chunk's time
                return gpu_cost(
                    prices,
                    dev.name or dev.id,
                    task.est_ms * len(task.group),
                    f"the cost model's time on a group of {len(task.group)} GPUs, model loads included",
                )
            return gpu_cost(
                prices, dev.name or dev.id, task.est_ms, "the cost model's time on its device, model load included"
            )
    return None


# -- per plan ----------------------------------------------------------------------------------
def price_plan(
    prices: Prices,
    tasks: list[Task],
    video_plans: list[VideoPlan],
    videos: list[LoadedVideo],
    lanes: list[Lane],
    hardware: Hardware,
    costs: CostModel,
    threads: int,
) -> int:
    """Fill Task.cost, VideoPlan.cost_micro_usd and .cost_after_script; return the plan's total."""
    by_lane = {ln.id: ln for ln in lanes}
    per_video: dict[str, int] = {}
    specs = {v.spec.name: v for v in videos}
    for task in tasks:
        if task.backend == "llm-script":
            if task.params.get("locked"):
                continue
            task.cost = script_estimate(prices, specs[task.video])
        else:
            task.cost = task_cost(prices, task, by_lane, hardware)
        if task.cost is not None:
            per_video[task.video] = per_video.get(task.video, 0) + task.cost.micro_usd
    for vp in video_plans:
        if not vp.script_known:
            vp.cost_after_script = _after_script(prices, specs[vp.name], lanes, hardware, costs, threads)
        vp.cost_micro_usd = per_video.get(vp.name, 0) + sum(c.micro_usd for c in vp.cost_after_script)
    return sum(vp.cost_micro_usd for vp in video_plans)


def _after_script(
    prices: Prices, video: LoadedVideo, lanes: list[Lane], hardware: Hardware, costs: CostModel, threads: int
) -> list[Cost]:
    """The paid tasks an unwritten script will create, priced on placeholder scenes."""
    from .lower import lower_video

    spec, s = video.spec, video.spec.script
    n = s.scene_count or 0
    words = _words_per_scene(video)
    mid = (s.scene_seconds[0] + s.scene_seconds[1]) / 2
    placeholder = [
        Scene(scene_index=i, voiceover_text=" ".join(["words"] * words), visual_prompt="", duration_seconds=mid)
        for i in range(1, n + 1)
    ]
    drafts = lower_video(spec, placeholder, costs, threads)
    out: list[Cost] = []
    if spec.voice.engine == "elevenlabs":
        model = spec.voice.model or "eleven_turbo_v2_5"
        chars = n * words * int(prices.t.get("chars_per_word", 6))
        out.append(
            tts_cost(
                prices,
                model,
                chars,
                f"assumed before the script: {n} scenes x {words} words x "
                f"{prices.t.get('chars_per_word', 6)} characters",
            )
        )
    served = [d for d in drafts if d.backend == "image" and d.params.get("base_url")]
    if served:
        out.append(image_cost(prices, served[0].params, len(served), f"assumed before the script: {n} scenes"))
    gpu_work = [d for d in drafts if d.requires.get("kind") == "device"]
    if gpu_work:
        need = max(float(d.requires.get("vram_gb", 0)) for d in gpu_work)
        device = _pick_device(lanes, hardware, need)
        if device is not None:
            lane_speed = device[1]
            ms = sum(max(1, round(d.est_ms * costs.scale(d.backend) / lane_speed)) for d in gpu_work)
            out.append(
                gpu_cost(
                    prices,
                    device[0],
                    ms,
                    f"assumed before the script: {len(gpu_work)} GPU tasks for "
                    f"{n} scenes of {mid:g} s, model loads not included",
                )
            )
    return out


def _pick_device(lanes: Iterable[Lane], hardware: Hardware, need_gb: float) -> tuple[str, float] | None:
    """The first rented device (by lane id) with room for the model."""
    for lane in sorted(lanes, key=lambda ln: ln.id):
        if lane.kind != "device":
            continue
        dev = next((d for d in hardware.devices if d.id == lane.device), None)
        if dev is None or dev.kind == "cpu" or (dev.vram_gb and dev.vram_gb < need_gb):
            continue
        return dev.name or dev.id, lane.speed
    return None
