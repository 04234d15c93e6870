"""Build progress for people and machines: a live rich display per stage and lane on a terminal,
plain lines otherwise, or one JSON event per line with --json."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from typing import Any, TextIO

from vidc.compiler.textsafe import MAX_LINE, safe_text
from vidc.schemas.plan import STAGES


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
        self.emit("build_started", tasks=sum(tasks_by_stage.values()), cached=cached, lanes=lanes)
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
        self.emit("task_started", task=task, stage=stage, lane=lane, stolen_from=stolen_from)

    def task_done(self, task: str, stage: str, lane: str, ms: int) -> None:
        self.lanes[lane] = "idle"
        self.finished[stage] += 1
        self.emit("task_done", task=task, stage=stage, lane=lane, ms=ms)

    def task_failed(self, task: str, stage: str, lane: str, error: str) -> None:
        self.lanes[lane] = "idle"
        self.emit("task_failed", task=task, stage=stage, lane=lane, error=error)

    def task_skipped(self, task: str, stage: str, because: str) -> None:
        self.emit("task_skipped", task=task, stage=stage, because=because)

    def published(self, path: str) -> None:
        self.emit("published", path=path)

    def message(self, text: str) -> None:
        self.emit("message", text=text)

    def emit(self, event: str, **fields: Any) -> None:
        elapsed = round(time.monotonic() - self.t0, 3)
        if self.mode == "json":
            print(json.dumps({"event": event, "t": elapsed, **fields}, ensure_ascii=False), file=self.stream, flush=True)
        elif self.mode == "plain":
            line = _human(event, fields)
            if line:
                print(f"[{elapsed:7.1f}s] {line}", file=self.stream, flush=True)
        elif self._live is not None:
            if event in ("task_failed", "published", "message"):
                self._live.console.print(_human(event, fields), markup=False, highlight=False)
            self._live.update(self._render())
        else:
            line = _human(event, fields)
            if line:
                print(line, file=self.stream, flush=True)

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


def _human(event: str, f: dict[str, Any]) -> str:
    """A line for a person: text from specs and tools (a voiceover, an ffmpeg error) has its control
    characters escaped and its long lines cut, so nothing rewrites the terminal."""
    return safe_text(_plain(event, f), multiline=True, limit=MAX_LINE)


def _plain(event: str, f: dict[str, Any]) -> str:
    if event == "build_started":
        return f"build: {f['tasks']} tasks to run ({f['cached']} already done) on lanes {', '.join(f['lanes'])}"
    if event == "task_started":
        stolen = f" (taken from {f['stolen_from']})" if f.get("stolen_from") else ""
        return f"start  {f['task']} on {f['lane']}{stolen}"
    if event == "task_done":
        return f"done   {f['task']} in {f['ms'] / 1000:.2f}s"
    if event == "task_failed":
        return f"FAILED {f['task']}: {f['error']}"
    if event == "task_skipped":
        return f"skip   {f['task']} (needs {f['because']}, which failed)"
    if event == "published":
        return f"wrote  {f['path']}"
    if event == "message":
        return f["text"]
    return ""
