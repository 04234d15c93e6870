"""Capacity planning: the pure arithmetic (compiler/capacity.py) and `vidc plan --capacity` on the
reference design's profiles (one RTX 4090; a 4090 + 5090)."""

from __future__ import annotations

import re

import pytest

from vidc.compiler.capacity import capacity, capacity_text, parse_duration_ms
from vidc.runtime.cli import main

from ..conftest import PROJECTS

BEATSYNC = PROJECTS / "beatsync-promo"


@pytest.mark.parametrize(
    "text,ms",
    [
        ("8h", 8 * 3_600_000),
        ("90m", 5_400_000),
        ("1d12h", 36 * 3_600_000),
        ("45s", 45_000),
        ("2w", 14 * 86_400_000),
        ("1.5h", 5_400_000),
        ("24 hours", 86_400_000),
        ("1 day", 86_400_000),
        ("30min", 1_800_000),
        ("250ms", 250),
    ],
)
def test_durations_parse(text, ms):
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "8", "h", "8x", "0h", "8h tonight", "-1h", "8hx"])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration_ms(text)


def test_the_busiest_lane_sets_the_pace_after_the_first_run():
    # one run: 2 videos in 100 s; the gpu is busy 80 s of it, the cpu 30 s
    c = capacity(1_000_000, 2, 100_000, {"cpu-0": 30_000, "gpu": 80_000}, {"gpu": "RTX 4090"}, [60_000, 100_000])
    # time(n) = (100 - 80) + n / 2 * 80  <= 1000  ->  n <= 24.5
    assert c.videos == 24
    assert c.bottleneck.lane == "gpu" and c.bottleneck.device == "RTX 4090"
    assert c.bottleneck.utilisation == pytest.approx(12 * 80_000 / 1_000_000)
    assert c.videos_per_hour == pytest.approx(3_600_000 * 2 / 80_000)
    text = capacity_text(c, spec="p.yaml", hardware="box", calibrated=False)
    assert "~24 videos" in text and "bottleneck: gpu (RTX 4090)" in text and "estimate" in text


def test_a_window_shorter_than_one_run_counts_the_videos_that_finish_in_it():
    c = capacity(70_000, 2, 100_000, {"gpu": 80_000}, {}, [60_000, 100_000])
    assert c.videos == 1
    assert capacity(50_000, 2, 100_000, {"gpu": 80_000}, {}, [60_000, 100_000]).videos == 0


def _answer(capsys, profile: str) -> tuple[int, str, float]:
    assert main(["plan", str(BEATSYNC), "--hardware", str(BEATSYNC / profile), "--capacity", "24h"]) == 0
    out = capsys.readouterr().out
    n = int(re.search(r"in 24h00m: ~(\d+) videos", out).group(1))
    lane, util = re.search(r"bottleneck: (\S+) \(.*?\).*?, (\d+)% utilised", out).groups()
    return n, lane, float(util)


def test_plan_capacity_answers_fifty_a_day_for_the_reference_profiles(capsys):
    one, lane_one, util_one = _answer(capsys, "hardware-4090.yaml")
    two, lane_two, util_two = _answer(capsys, "hardware.yaml")
    assert lane_one == "cuda:0" and lane_two.startswith("cuda:")  # the GPU is the bottleneck, not the CPU
    assert one >= 1 and two > one * 1.5  # a second, faster GPU nearly doubles the day
    assert 50 <= util_one <= 100 and 50 <= util_two <= 100


def test_plan_capacity_refuses_a_bad_duration(capsys):
    assert main(["plan", str(BEATSYNC), "--hardware", str(BEATSYNC / "hardware.yaml"), "--capacity", "tonight"]) == 2
    assert "--capacity 'tonight'" in capsys.readouterr().err


def test_capacity_uses_the_calibration(tmp_path, capsys):
    import shutil

    project = tmp_path / "beatsync"
    shutil.copytree(BEATSYNC, project, ignore=shutil.ignore_patterns(".vidc", "build"))
    plain, _, _ = _answer(capsys, "hardware-4090.yaml")
    (project / ".vidc").mkdir()
    (project / ".vidc" / "calibration.json").write_text('{"scale": {"wan": 0.5}}')  # measured: twice as fast
    assert main(["plan", str(project), "--hardware", str(BEATSYNC / "hardware-4090.yaml"), "--capacity", "24h"]) == 0
    out = capsys.readouterr().out
    assert "(calibrated by `vidc calibrate`)" in out and "not calibrated" not in out
    assert int(re.search(r"~(\d+) videos", out).group(1)) > plain * 1.5


def test_capacity_of_a_matrix_counts_every_row(capsys):
    hw = PROJECTS.parent / "tests" / "golden" / "hardware-cpu.yaml"
    assert main(["plan", str(PROJECTS / "catalog"), "--hardware", str(hw), "--capacity", "2h"]) == 0
    out = capsys.readouterr().out
    assert "per run of 6 videos" in out and "one run of the plan (6 videos)" in out
    assert re.search(r"bottleneck: cpu-\d \(CPU worker\)", out)  # no GPU in this profile: a CPU lane limits
