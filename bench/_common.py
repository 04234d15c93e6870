"""Shared helpers for the benchmarks: a private copy of an example project, timed commands."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from vidc.runtime.state.journal import Journal
from vidc.schemas.journal import Record

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".bench"
VIDC = str(Path(sys.executable).parent / "vidc")


def machine() -> str:
    cpu = ""
    try:
        cpu = next(
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return f"{platform.machine()} {cpu} ({os.cpu_count()} cores), python {platform.python_version()}"


def fresh_project(name: str, tag: str) -> Path:
    dest = WORK / tag
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(ROOT / "projects" / name, dest, ignore=shutil.ignore_patterns(".vidc", "build"))
    return dest


def timed(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def journal(project: Path) -> list[Record]:
    return Journal(project / ".vidc" / "journal.log").replay()
