"""Build progress for people and machines: a live rich display per stage and lane on a terminal,
plain lines otherwise, or one JSON event per line with --json (the models of vidc.schemas.events)."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import TextIO

from vidc.compiler.textsafe import MAX_LINE, safe_text
from vidc.schemas.events import (
    BuildFinished,
    BuildStarted,
    Event,
    Message,
    Published,
    TaskDone,
    TaskFailed,
    TaskSkipped,
    TaskStarted,
)
from vidc.schemas.plan import STAGES

from ..state.secrets import scrub, scrub_data


class Reporter:
    def __init__(self, mode: str = "auto", stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        if mode == "auto":
            mode = "rich" if self.stream.isatty() else "plain"
        self.mode = mode
        self.t0 = time.monotonic()
        self.totals: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.lanes: dict[str, str] = {}
        self._live = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, tasks_by_stage: dict[str, int], cached: int, lanes: list[str]) -> None:
        self.totals.update(tasks_by_stage)
        self.lanes = {ln: "idle" for ln in lanes}
        self.emit(BuildStarted(tasks=sum(tasks_by_stage.values()), cached=cached, lanes=list(lanes)))
        if self.mode == "rich":
            from rich.live import Live

            self._live = Live(self._render(), refresh_per_second=8, transient=False)
            self._live.start()

    def stop(self) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.stop()
            self._live = None

    # -- events ------------------------------------------------------------------------------
    def task_started(self, task: str, stage: str, lane: str, stolen_from: str | None) -> None:
        self.lanes[lane] = task
        self.emit(TaskStarted(task=task, stage=stage, lane=lane, stolen_from=stolen_from))

    def task_done(self, task: str, stage: str, lane: str, ms: int | float) -> None:
        self.lanes[lane] = "idle"
        self.finished[stage] += 1
        self.emit(TaskDone(task=task, stage=stage, lane=lane, ms=ms))

    def task_failed(self, task: str, stage: str, lane: str, error: str) -> None:
        self.lanes[lane] = "idle"
        self.emit(TaskFailed(task=task, stage=stage, lane=lane, error=error))

    def task_skipped(self, task: str, stage: str, because: str) -> None:
        self.emit(TaskSkipped(task=task, stage=stage, because=because))

    def published(self, path: str) -> None:
        self.emit(Published(path=path))

    def message(self, text: str) -> None:
        self.emit(Message(text=text))

    def build_finished(
        self,
        *,
        ok: bool,
        exit: int,
        ran: int = 0,
        cached: int = 0,
        failed: dict[str, str] | None = None,
        skipped: list[str] | None = None,
        published: list[str] | None = None,
        unpublished: list[str] | None = None,
    ) -> None:
        """The last event of every build (for machines: people read the summary `vidc build` prints)."""
        self.emit(
            BuildFinished(
                ok=ok,
                exit=exit,
                ran=ran,
                cached=cached,
                failed=dict(failed or {}),
                skipped=list(skipped or []),
                published=list(published or []),
                unpublished=list(unpublished or []),
            )
        )

    def emit(self, event: Event) -> None:
        elapsed = round(time.monotonic() - self.t0, 3)
        event = event.model_copy(update={"t": elapsed})
        if self.mode == "json":
            line = scrub_data({"event": event.event, **event.model_dump(mode="json")})  # never a key
            print(json.dumps(line, ensure_ascii=False), file=self.stream, flush=True)
        elif self.mode == "plain":
            text = scrub(_human(event))
            if text:
                print(f"[{elapsed:7.1f}s] {text}", file=self.stream, flush=True)
        elif self._live is not None:
            if isinstance(event, (TaskFailed, Published, Message)):
                self._live.console.print(scrub(_human(event)), markup=False, highlight=False)
            self._live.update(self._render())
        else:
            text = scrub(_human(event))
            if text:
                print(text, file=self.stream, flush=True)

    def _render(self):
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_column(justify="right", style="bold")
        table.add_column(width=32)
        table.add_column()
        for stage in STAGES:
            total = self.totals.get(stage, 0)
            if total:
                done = self.finished.get(stage, 0)
                table.add_row(stage, ProgressBar(total=total, completed=done, width=30), f"{done}/{total}")
        for lane, what in self.lanes.items():
            table.add_row(lane, safe_text(what, limit=80), "")
        table.add_row("elapsed", f"{time.monotonic() - self.t0:.1f}s", "")
        return table


def _human(event: Event) -> str:
    """A line for a person: text from specs and tools (a voiceover, an ffmpeg error) has its control
    characters escaped and its long lines cut, so nothing rewrites the terminal."""
    return safe_text(_plain(event), multiline=True, limit=MAX_LINE)


def _plain(e: Event) -> str:
    if isinstance(e, BuildStarted):
        return f"build: {e.tasks} tasks to run ({e.cached} already done) on lanes {', '.join(e.lanes)}"
    if isinstance(e, TaskStarted):
        stolen = f" (taken from {e.stolen_from})" if e.stolen_from else ""
        return f"start  {e.task} on {e.lane}{stolen}"
    if isinstance(e, TaskDone):
        return f"done   {e.task} in {e.ms / 1000:.2f}s"
    if isinstance(e, TaskFailed):
        return f"FAILED {e.task}: {e.error}"
    if isinstance(e, TaskSkipped):
        return f"skip   {e.task} (needs {e.because}, which failed)"
    if isinstance(e, Published):
        return f"wrote  {e.path}"
    if isinstance(e, Message):
        return e.text
    return ""  # build_finished: people read the summary `vidc build` prints
