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

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidc.compiler.pricing import Prices, gpu_cost, image_cost, llm_cost, load_prices, tts_cost, usd
from vidc.schemas import ids
from vidc.schemas.journal import Done, Record
from vidc.schemas.plan import Cost, Plan, Task

from ..backends.spend import LEDGER_NAME, Ledger
from ..state.journal import Journal
from .job_money import committed_by_task, left_to_pay, measured_jobs, price_jobs


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


def remaining_estimate(
    plan: Plan, finished_fps: set[str], only: set[str] | None, committed: dict[str, int] | None = None
) -> Estimate:
    est = Estimate()
    for t in plan.tasks:
        if t.cost is None or t.fingerprint in finished_fps or (only and t.video not in only):
            continue
        est.lines.append((t.id, left_to_pay(t, t.cost, committed)))
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
    if (jobs := measured_jobs(task, result)) is not None:
        return jobs
    if task.cost is not None and task.cost.provider == "image":  # a server's picture: one billed picture
        return image_cost(prices, task.params, 1, "a picture received")
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
        out[video.spec.name] = llm_cost(
            prices,
            lock.provider,
            lock.model,
            lock.usage.input_tokens,
            lock.usage.output_tokens,
            "usage reported by the provider (script lock)",
        )
    return out


class Budget:
    """The ceiling while the executor runs. With a ledger (a build's spend.log), spent is what the
    requests recorded there cost (scripts and earlier unfinished builds included) plus the measured
    GPU time of this run; without one, the measured cost of the tasks that finished. A ceiling of
    None checks nothing but still prices the requests (the manifest lists them)."""

    def __init__(
        self, max_micro: int | None, prices: Prices, plan: Plan, spent_micro: int = 0, ledger: Ledger | None = None
    ):
        self.max, self.prices, self.plan, self.ledger = max_micro, prices, plan, ledger
        self.measured = spent_micro  # without a ledger: everything; with one: GPU time only
        self.reserved: dict[str, int] = {}
        self.base: dict[str, int] = {}  # task -> what its requests had cost when it was dispatched
        self.stopped: list[str] = []

    @property
    def spent(self) -> int:
        return self.measured + (self.ledger.spent() if self.ledger is not None else 0)

    def _by_task(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.ledger.requests() if self.ledger is not None else []:
            out[r["task"]] = out.get(r["task"], 0) + r["micro_usd"]
        return out

    def _outstanding(self, by_task: dict[str, int]) -> int:
        """What the tasks in flight may still send: their estimate less what they already recorded."""
        return sum(max(0, est - (by_task.get(tid, 0) - self.base.get(tid, 0))) for tid, est in self.reserved.items())

    def allows(self, task: Task) -> bool:
        if task.cost is None:
            return True
        by_task = self._by_task()
        est = left_to_pay(task, task.cost, by_task).micro_usd  # a started job is paid already
        if self.max is not None:
            spent = self.measured + sum(by_task.values())
            if spent + self._outstanding(by_task) + est > self.max:
                self.stopped.append(task.id)
                return False
        self.reserved[task.id] = est
        self.base[task.id] = by_task.get(task.id, 0)
        price_jobs(self.ledger, task)
        if self.ledger is not None and task.backend == "elevenlabs":  # what the worker's requests cost
            rate = self.prices.tts_per_1k("elevenlabs", task.cost.item) * 1000  # micro-dollars per character
            self.ledger.price(task.id, task.cost.provider, task.cost.item, {"characters": rate})
        if self.ledger is not None and task.backend == "image" and task.cost.provider == "image":  # per request
            self.ledger.price(task.id, "image", task.cost.item, {"images": float(task.cost.micro_usd)})
        return True

    def reason(self, task: Task) -> str:
        assert task.cost is not None and self.max is not None
        return (
            f"not dispatched: spent {usd(self.spent)} + in flight {usd(self._outstanding(self._by_task()))} "
            f"+ this task's estimate {usd(task.cost.micro_usd)} would pass --max-cost {usd(self.max)}"
        )

    def finished(self, task: Task, record: Done | None, result: dict | None) -> None:
        self.reserved.pop(task.id, None)
        measured = measured_task_cost(self.prices, self.plan, task, record, result)
        if measured is not None and (self.ledger is None or measured.provider == "gpu"):
            self.measured += measured.micro_usd

    def failed(self, task: Task) -> None:
        self.reserved.pop(task.id, None)


def ledger_of(work_root: Path) -> Ledger:
    return Ledger(work_root / LEDGER_NAME)


class ScriptMeter:
    """Each request of one video's LLM script, journaled before it leaves: committed at the prompt's
    estimated input tokens and the whole `max_tokens` of output (the most it can bill), then billed
    at the usage the provider reports."""

    def __init__(self, ledger: Ledger, prices: Prices, video_name: str, llm: Any):
        self.ledger, self.prices, self.task, self.llm = ledger, prices, ids.script(video_name), llm

    def sending(self, chars: int, label: str) -> str:
        import math

        tokens_in = math.ceil(chars / self.prices.est("chars_per_token")) + int(self.prices.est("schema_tokens"))
        cost = llm_cost(self.prices, self.llm.provider, self.llm.model, tokens_in, int(self.llm.max_tokens), "")
        return self.ledger.send(
            task=self.task,
            provider=self.llm.provider,
            item=self.llm.model,
            units=cost.units,
            micro_usd=cost.micro_usd,
            what=f"{self.task} {label}",
        )

    def answered(self, rid: str, tokens_in: int, tokens_out: int) -> None:
        if tokens_in or tokens_out:
            cost = llm_cost(self.prices, self.llm.provider, self.llm.model, tokens_in, tokens_out, "")
            self.ledger.bill(rid, cost.micro_usd, cost.units, "usage reported by the provider")


# -- the manifest's cost section --------------------------------------------------------------------
@dataclass
class CostBook:
    """What the manifest needs to price a video: the prices, the done records by object, and the
    measured cost of each video's LLM script."""

    prices: Prices
    records: dict[tuple[str, str], Done] = field(default_factory=dict)  # (fingerprint, object) -> done record
    scripts: dict[str, Cost] = field(default_factory=dict)
    ledger: Ledger | None = None  # every request that reached a paid API, failed ones included

    def add(self, record: Record) -> None:
        if isinstance(record, Done):
            self.records.setdefault((record.fp, record.object), record)

    @classmethod
    def from_journal(
        cls, prices: Prices, journal_path: Path, scripts: dict[str, Cost] | None = None, ledger: Ledger | None = None
    ) -> CostBook:
        book = cls(prices, scripts=dict(scripts or {}), ledger=ledger)
        if journal_path.exists():
            for rec in Journal(journal_path).replay():
                book.add(rec)
        return book


def cost_section(
    book: CostBook, plan: Plan, video: str, objects: dict[str, str], result: Callable[[str], dict]
) -> dict[str, Any]:
    tasks = []
    est_total = meas_total = 0
    for t in plan.tasks:
        if t.video != video:
            continue
        measured = None
        if t.backend == "llm-script":
            measured = book.scripts.get(video)
        elif t.id in objects:
            measured = measured_task_cost(
                book.prices, plan, t, book.records.get((t.fingerprint, objects[t.id])), result(t.id)
            )
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
    out = {
        "currency": "USD",
        "estimated_micro_usd": est_total,
        "measured_micro_usd": meas_total,
        "estimated_usd": round(est_total / 1e6, 6),
        "measured_usd": round(meas_total / 1e6, 6),
        "tasks": tasks,
    }
    if book.ledger is not None:  # a free video's manifest stays as it was
        spent = _requests_section(book.ledger, video)
        if tasks or spent["requests"]:
            out.update(spent)
    return out


def _requests_section(ledger: Ledger, video: str) -> dict[str, Any]:
    """Every request of this video that reached a paid API since the last finished build, failed
    attempts and repair rounds included, and their sum."""
    rows = [
        {
            "task": r["task"],
            "provider": r["provider"],
            "item": r["item"],
            "what": r["what"],
            "units": dict(sorted(r["units"].items())),
            "micro_usd": r["micro_usd"],
            "committed_micro_usd": r["committed"],
            "basis": r["basis"],
        }
        for r in ledger.requests()
        if r["task"].startswith(video + "/")
    ]
    spent = sum(r["micro_usd"] for r in rows)
    return {"spent_micro_usd": spent, "spent_usd": round(spent / 1e6, 6), "requests": rows}


def _cost_json(c: Cost) -> dict[str, Any]:
    return {
        "provider": c.provider,
        "item": c.item,
        "units": dict(sorted(c.units.items())),
        "micro_usd": c.micro_usd,
        "basis": c.basis,
    }


# -- the checks `vidc build --max-cost` makes -------------------------------------------------------
def refusal(
    max_micro: int,
    plan: Plan,
    work_journal: Path,
    only: set[str] | None,
    force: bool,
    spent_micro: int = 0,
    spent_what: str = "",
    ledger: Ledger | None = None,
) -> str | None:
    """A clear error when what is left to pay (plus what was already paid) passes the ceiling."""
    done = set() if force else finished_fingerprints(work_journal)
    est = remaining_estimate(plan, done, only, committed_by_task(ledger) if ledger is not None else None)
    if spent_micro + est.micro_usd <= max_micro or est.micro_usd == 0:  # nothing more to pay: nothing to refuse
        return None
    paid = f"{spent_what} cost {usd(spent_micro)} (measured) and the rest is" if spent_micro else "this build is"
    nothing = "nothing more was spent" if spent_micro else "nothing was spent"
    return (
        f"vidc: error: {paid} estimated at {usd(est.micro_usd)}, more than --max-cost {usd(max_micro)}; "
        f"{nothing}. Largest: {est.describe()}. Raise --max-cost, build fewer videos (--only), or put your own "
        f"prices in prices.yaml beside the spec (`vidc plan` shows every estimate)"
    )


class ScriptGuard:
    """Before each LLM script of `vidc build`: would its estimate pass the ceiling? While it runs: each
    request and repair round is journaled in the ledger and checked there (ScriptMeter)."""

    def __init__(self, max_micro: int | None, prices: Prices, ledger: Ledger | None = None):
        self.max, self.prices, self.ledger = max_micro, prices, ledger
        self.measured = 0  # without a ledger: the locks' usage
        self.generated: list[str] = []

    @property
    def spent(self) -> int:
        return self.ledger.spent() if self.ledger is not None else self.measured

    def before(self, video) -> str | None:
        from vidc.compiler.pricing import script_estimate

        if self.max is None:
            return None
        est = script_estimate(self.prices, video).micro_usd
        if self.spent + est > self.max:
            return (
                f"not generated: spent {usd(self.spent)} so far and this script is estimated at {usd(est)}, "
                f"which would pass --max-cost {usd(self.max)}"
            )
        return None

    def meter(self, video) -> ScriptMeter | None:
        if self.ledger is None:
            return None
        return ScriptMeter(self.ledger, self.prices, video.spec.name, video.spec.script.llm)

    def after(self, video, lock_file: Path) -> None:
        from vidc.compiler.script_prompt import read_lock

        lock = read_lock(lock_file.read_text(encoding="utf-8"))
        if not isinstance(lock, str):
            if self.ledger is None:
                self.measured += llm_cost(
                    self.prices, lock.provider, lock.model, lock.usage.input_tokens, lock.usage.output_tokens, ""
                ).micro_usd
            self.generated.append(video.spec.name)
