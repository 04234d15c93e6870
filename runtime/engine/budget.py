"""Money at run time: `vidc build --max-cost`, measured spend, and the manifest's cost section.

- Before anything is spent, the plan's estimate of what this build will still pay for (paid tasks
  not finished yet, LLM scripts not locked yet and the tasks they will create) is compared with the
  ceiling; over it, the build is refused (exit 2) before any request leaves the machine.
- While it runs, a paid task is dispatched only if the measured spend so far, plus the estimates of
  the paid tasks in flight, plus its own estimate stays within the ceiling. Measured spend comes from
  what the providers bill by: an LLM script's usage fields (input/output tokens, kept in its lock),
  the characters sent to ElevenLabs, and a GPU task's measured time (its journal record) at the
  device's rental rate.
- Each manifest gets a `cost` section: estimated and measured, per paid task.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from vidc.compiler.pricing import Prices, gpu_cost, llm_cost, load_prices, tts_cost, usd
from vidc.schemas.journal import Done, Record
from vidc.schemas.plan import Cost, Plan, Task

from ..state.journal import Journal


def parse_money(text: str) -> int:
    """'5.00', '$5', '0.0001' -> micro-dollars. Raises ValueError."""
    value = float(text.strip().lstrip("$").replace(",", ""))
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"--max-cost {text!r}: expected an amount of US dollars, like 5.00")
    return round(value * 1e6)


def project_prices(spec: Path) -> Prices:
    from ..host.sources import project_sources

    src, _ = project_sources(spec)
    return load_prices(src)[0]


# -- estimates of what a build will still pay -------------------------------------------------------
@dataclass
class Estimate:
    micro_usd: int = 0
    lines: list[tuple[str, Cost]] = field(default_factory=list)

    def describe(self, limit: int = 6) -> str:
        top = sorted(self.lines, key=lambda x: -x[1].micro_usd)[:limit]
        parts = [f"{tid} {c.provider} {c.item} {usd(c.micro_usd)}" for tid, c in top]
        more = len(self.lines) - len(top)
        return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def remaining_estimate(plan: Plan, finished_fps: set[str], only: set[str] | None) -> Estimate:
    est = Estimate()
    for t in plan.tasks:
        if t.cost is None or t.fingerprint in finished_fps or (only and t.video not in only):
            continue
        est.lines.append((t.id, t.cost))
    for v in plan.videos:
        if only and v.name not in only:
            continue
        est.lines += [(f"{v.name}/(after the script)", c) for c in v.cost_after_script]
    est.micro_usd = sum(c.micro_usd for _, c in est.lines)
    return est


def finished_fingerprints(journal_path: Path) -> set[str]:
    """Fingerprints with a `done` record (not verified: good enough to estimate what is left)."""
    if not journal_path.exists():
        return set()
    return {r.fp for r in Journal(journal_path).replay() if isinstance(r, Done)}


# -- measured spend ---------------------------------------------------------------------------------
def measured_task_cost(prices: Prices, plan: Plan, task: Task, record: Done | None, result: dict | None) -> Cost | None:
    """What a finished paid task cost, from what the provider bills by."""
    if task.backend == "elevenlabs":
        model = ((result or {}).get("engine") or {}).get("model") or task.params.get("model") or "eleven_turbo_v2_5"
        return tts_cost(prices, model, len(task.params.get("text", "")), "characters sent")
    if task.cost is not None and task.cost.provider == "gpu" and record is not None:
        lane = next((ln for ln in plan.lanes if ln.id == record.lane), None)
        dev = next((d for d in plan.hardware.devices if lane is not None and d.id == lane.device), None)
        if dev is not None and dev.kind != "cpu":
            return gpu_cost(prices, dev.name or dev.id, int(record.ms), f"measured on {dev.id}")
    return None


def script_spend(spec: Path, overrides: dict[str, str], videos: set[str] | None = None) -> dict[str, Cost]:
    """Each locked LLM script's measured cost, from the usage fields its provider returned."""
    from vidc.compiler.frontend import load_project, parse_set
    from vidc.compiler.script_lock import lock_path
    from vidc.compiler.script_prompt import read_lock

    from ..host.sources import project_sources

    src, root = project_sources(spec)
    prices = load_prices(src)[0]
    values, _ = parse_set([f"{k}={v}" for k, v in sorted(overrides.items())])
    loaded, _ = load_project(src, values)
    out: dict[str, Cost] = {}
    for video in loaded:
        if video.spec.script.brief is None or (videos is not None and video.spec.name not in videos):
            continue
        path = root / lock_path(src.spec_name, video)
        lock = read_lock(path.read_text(encoding="utf-8")) if path.is_file() else None
        if lock is None or isinstance(lock, str):
            continue
        out[video.spec.name] = llm_cost(prices, lock.provider, lock.model, lock.usage.input_tokens,
                                        lock.usage.output_tokens, "usage reported by the provider (script lock)")
    return out


class Budget:
    """The ceiling while the executor runs; `spent` starts at what was paid before (scripts)."""

    def __init__(self, max_micro: int, prices: Prices, plan: Plan, spent_micro: int = 0):
        self.max, self.prices, self.plan = max_micro, prices, plan
        self.spent = spent_micro
        self.reserved: dict[str, int] = {}
        self.stopped: list[str] = []

    def allows(self, task: Task) -> bool:
        if task.cost is None:
            return True
        if self.spent + sum(self.reserved.values()) + task.cost.micro_usd > self.max:
            self.stopped.append(task.id)
            return False
        self.reserved[task.id] = task.cost.micro_usd
        return True

    def reason(self, task: Task) -> str:
        assert task.cost is not None
        return (f"not dispatched: measured spend {usd(self.spent)} + in flight {usd(sum(self.reserved.values()))} "
                f"+ this task's estimate {usd(task.cost.micro_usd)} would pass --max-cost {usd(self.max)}")

    def finished(self, task: Task, record: Done | None, result: dict | None) -> None:
        self.reserved.pop(task.id, None)
        measured = measured_task_cost(self.prices, self.plan, task, record, result)
        if measured is not None:
            self.spent += measured.micro_usd

    def failed(self, task: Task) -> None:
        self.reserved.pop(task.id, None)


# -- the manifest's cost section --------------------------------------------------------------------
@dataclass
class CostBook:
    """What the manifest needs to price a video: the prices, the done records by object, and the
    measured cost of each video's LLM script."""

    prices: Prices
    records: dict[tuple[str, str], Done] = field(default_factory=dict)  # (fingerprint, object) -> done record
    scripts: dict[str, Cost] = field(default_factory=dict)

    def add(self, record: Record) -> None:
        if isinstance(record, Done):
            self.records.setdefault((record.fp, record.object), record)

    @classmethod
    def from_journal(cls, prices: Prices, journal_path: Path, scripts: dict[str, Cost] | None = None) -> "CostBook":
        book = cls(prices, scripts=dict(scripts or {}))
        if journal_path.exists():
            for rec in Journal(journal_path).replay():
                book.add(rec)
        return book


def cost_section(book: CostBook, plan: Plan, video: str, objects: dict[str, str],
                 result: Callable[[str], dict]) -> dict[str, Any]:
    tasks = []
    est_total = meas_total = 0
    for t in plan.tasks:
        if t.video != video:
            continue
        measured = None
        if t.backend == "llm-script":
            measured = book.scripts.get(video)
        elif t.id in objects:
            measured = measured_task_cost(book.prices, plan, t, book.records.get((t.fingerprint, objects[t.id])),
                                          result(t.id))
        if t.cost is None and measured is None:
            continue
        row: dict[str, Any] = {"task": t.id}
        if t.cost is not None:
            row["estimated"] = _cost_json(t.cost)
            est_total += t.cost.micro_usd
        if measured is not None:
            row["measured"] = _cost_json(measured)
            meas_total += measured.micro_usd
        tasks.append(row)
    return {"currency": "USD", "estimated_micro_usd": est_total, "measured_micro_usd": meas_total,
            "estimated_usd": round(est_total / 1e6, 6), "measured_usd": round(meas_total / 1e6, 6), "tasks": tasks}


def _cost_json(c: Cost) -> dict[str, Any]:
    return {"provider": c.provider, "item": c.item, "units": dict(sorted(c.units.items())),
            "micro_usd": c.micro_usd, "basis": c.basis}


# -- the checks `vidc build --max-cost` makes -------------------------------------------------------
def refusal(max_micro: int, plan: Plan, work_journal: Path, only: set[str] | None, force: bool,
            spent_micro: int = 0, spent_what: str = "") -> str | None:
    """A clear error when what is left to pay (plus what was already paid) passes the ceiling."""
    done = set() if force else finished_fingerprints(work_journal)
    est = remaining_estimate(plan, done, only)
    if spent_micro + est.micro_usd <= max_micro:
        return None
    paid = f"{spent_what} cost {usd(spent_micro)} (measured) and the rest is" if spent_micro else "this build is"
    nothing = "nothing more was spent" if spent_micro else "nothing was spent"
    return (f"vidc: error: {paid} estimated at {usd(est.micro_usd)}, more than --max-cost {usd(max_micro)}; "
            f"{nothing}. Largest: {est.describe()}. Raise --max-cost, build fewer videos (--only), or put your own "
            f"prices in prices.yaml beside the spec (`vidc plan` shows every estimate)")


class ScriptGuard:
    """Before each LLM script of `vidc build`: would its estimate pass the ceiling? After: its usage."""

    def __init__(self, max_micro: int, prices: Prices):
        self.max, self.prices, self.spent = max_micro, prices, 0
        self.generated: list[str] = []

    def before(self, video) -> str | None:
        from vidc.compiler.pricing import script_estimate

        est = script_estimate(self.prices, video).micro_usd
        if self.spent + est > self.max:
            return (f"not generated: scripts so far cost {usd(self.spent)} and this one is estimated at {usd(est)}, "
                    f"which would pass --max-cost {usd(self.max)}")
        return None

    def after(self, video, lock_file: Path) -> None:
        from vidc.compiler.script_prompt import read_lock

        lock = read_lock(lock_file.read_text(encoding="utf-8"))
        if not isinstance(lock, str):
            self.spent += llm_cost(self.prices, lock.provider, lock.model, lock.usage.input_tokens,
                                   lock.usage.output_tokens, "").micro_usd
            self.generated.append(video.spec.name)
