"""Where a build keeps its state: the project's work folder (default `<project>/.vidc`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .confine import Refused, confined, remove
from .faults import StateFault
from .store import Store


def sweep_parts(folder: Path, names: set[str] | None = None) -> list[Path]:
    """Remove the temporary `.NAME.XXXXXXXX.part` files an interrupted atomic write left in folder
    (only those of `names`, when given). Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return removed
    for path in entries:
        m = _PART.match(path.name)
        if not m or (names is not None and m.group(1) not in names):
            continue
        try:
            if (path.is_file() or path.is_symlink()) and remove(folder, path):
                removed.append(path)
        except (OSError, StateFault):
            pass
    return removed


_PART = re.compile(r"^\.(.+)\.[A-Za-z0-9_]{8}\.part$")


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

    def check(self) -> None:
        """Every path vidc keeps is what it should be (a folder, or a file); else one clear line."""
        store = self.root / "store"
        for folder in (
            self.root,
            self.queues,
            self.tasks,
            self.cache,
            store,
            self.root / "logs",
            store / "objects",
            store / "index",
            store / "tmp",
            self.cache / "music",
            self.cache / "music.index",
        ):
            if folder.is_symlink() and folder != self.root or (folder.exists() and not folder.is_dir()):
                raise StateFault(f"{folder} should be a folder vidc keeps; move it away and build again")
        for path in (self.journal, self.lock, self.root / "calibration.json"):
            if path.is_symlink() or (path.exists() and not path.is_file()):
                raise StateFault(f"{path} should be a file vidc keeps; move it away and build again")
        for folder, suffix, what in ((self.queues, ".queue", "queue"), (self.root / "logs", ".log", "worker log")):
            if folder.is_dir() and not folder.is_symlink():  # a lane's queue and log are opened for appending
                for q in folder.iterdir():
                    if q.suffix == suffix and (q.is_symlink() or not q.is_file()):
                        raise StateFault(
                            f"the {what} {q} is not a file (a link or a special file would be written "
                            f"through); move it away and build again ({what}s are rebuilt)"
                        )

    def sweep(self) -> None:
        """Temporary files of an interrupted build (never a final name) are removed."""
        for folder in (self.root, self.tasks, self.cache, self.root / "store" / "index"):
            sweep_parts(folder)


def project_work_folder(project: Path) -> WorkFolder:
    """The project's work folder, checked as every command that reads, writes or deletes in it must:
    it resolves inside the project (a `.vidc` symlink out of it is refused, whatever it points at)
    and every folder and file vidc keeps there is what it should be (no symlinks, no FIFOs).
    StateFault (one line, exit 1) otherwise; nothing is touched."""
    root = Path(project).resolve()
    work = WorkFolder(root / ".vidc")
    try:
        confined(root, work.root, "work folder")
    except Refused as exc:
        raise Refused(f"{exc}; remove the link (vidc keeps its work folder inside the project)") from None
    work.check()
    return work
