"""Where a build keeps its state: the project's work folder (default `<project>/.vidc`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .store import Store


@dataclass(frozen=True)
class WorkFolder:
    root: Path

    @property
    def journal(self) -> Path:
        return self.root / "journal.log"

    @property
    def queues(self) -> Path:
        return self.root / "queues"

    @property
    def tasks(self) -> Path:
        return self.root / "tasks"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def lock(self) -> Path:
        return self.root / "lock"

    @property
    def store(self) -> Store:
        return Store(self.root / "store")

    def queue(self, lane: str) -> Path:
        return self.queues / f"{lane.replace(':', '_')}.queue"
