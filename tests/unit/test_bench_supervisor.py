"""bench/_supervisor.py's arithmetic: work redone after faults, from a journal, and memory growth."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("psutil")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sup():
    spec = importlib.util.spec_from_file_location("bench_supervisor", REPO / "bench" / "_supervisor.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _journal(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "journal.log"
    path.write_text("".join(json.dumps({"v": 1, **r}) + "\n" for r in records))
    return path


def claimed(t, task, lane="cpu-0"):
    return {"ev": "claimed", "t": t, "task": task, "fp": f"fp-{task}", "lane": lane, "pid": 1}


def done(t, task, ms, lane="cpu-0"):
    return {"ev": "done", "t": t, "task": task, "fp": f"fp-{task}", "lane": lane, "object": "o" * 64, "ms": ms}


def test_redone_counts_attempts_cut_short_and_finished_work_run_again(sup, tmp_path):
    path = _journal(
        tmp_path,
        [
            claimed(100.0, "a"),
            done(102.0, "a", 2000),  # 2 s of useful work
            claimed(102.0, "b"),  # killed at 105: 3 s lost
            claimed(102.5, "c", lane="cpu-1"),  # killed at 105 too: 2.5 s lost
            claimed(110.0, "b"),
            done(114.0, "b", 4000),
            claimed(114.0, "a"),
            done(115.0, "a", 1000),  # a finished task run again: 1 s redone
            claimed(115.0, "c", lane="cpu-1"),
            {"ev": "lost", "t": 116.5, "task": "c", "fp": "fp-c", "lane": "cpu-1", "error": "node died"},
            claimed(117.0, "c", lane="cpu-0"),
            done(118.0, "c", 1000),
        ],
    )
    wasted, total = sup.redone(path, [105.0])
    assert wasted == pytest.approx(3.0 + 2.5 + 1.0 + 1.5)
    assert total == pytest.approx(2 + 4 + 1 + wasted)


def test_an_attempt_still_open_at_the_end_runs_until_the_fault(sup, tmp_path):
    path = _journal(tmp_path, [claimed(10.0, "a"), done(11.0, "a", 1000), claimed(11.0, "b")])
    assert sup.redone(path, [5.0, 14.0]) == pytest.approx((3.0, 4.0))
    assert sup.redone(path, []) == pytest.approx((0.0, 1.0))  # no fault after it: nothing counted as lost


def test_growth_per_video_is_the_slope(sup):
    assert sup.growth_per_video([(0, 100), (1, 110), (2, 120), (2, 120)]) == pytest.approx(10.0)
    assert sup.growth_per_video([(3, 100), (3, 500)]) == 0.0


def test_two_tasks_of_one_fingerprint_are_not_redone_work(sup, tmp_path):
    same = [claimed(1.0, "v1/voice/scene-02"), claimed(1.0, "v2/voice/scene-02", lane="cpu-1")]
    ends = [done(3.0, "v1/voice/scene-02", 2000), done(3.0, "v2/voice/scene-02", 2000, lane="cpu-1")]
    records = [{**r, "fp": "fp-same"} for r in same + ends]  # the same line spoken in two videos
    assert sup.redone(_journal(tmp_path, records), []) == pytest.approx((0.0, 4.0))
