"""`video.engine: openai-videos` end to end against a local /v1/videos server (tests/fakes): a
3-scene build SIGKILLed at random moments and resumed creates each job exactly once and makes a
correct MP4; a failing job is tried again and both tries are costed; --max-cost stops before a job
that would pass it."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.fakes.videos_server import FakeVideos

from .conftest import vidc_session_cmd  # noqa: F401 - a fixture

SPEC = """vidc: 1
name: kites
script:
  scenes:
    - voiceover_text: "Kites fly."
      visual_prompt: "a red kite over a beach"
      duration_seconds: 2
    - voiceover_text: "Wind helps."
      visual_prompt: "a blue kite in a storm"
      duration_seconds: 2
    - voiceover_text: "They land."
      visual_prompt: "a green kite on the sand"
      duration_seconds: 2
voice: {engine: piper}
video:
  engine: openai-videos
  model: wan2.2-ti2v
  base_url: BASE
  api_key_env: VIDC_TEST_VIDEOS_KEY
  seconds: 2
  size: 320x180
  server_params: {num_inference_steps: 4}
  poll_seconds: [0.1, 0.5]
  max_tries: 2
music: {mood: [calm]}
captions: {mode: off}
export: {preset: draft}
"""
ENV = {"VIDC_TEST_VIDEOS_KEY": "sk-videos-test"}


def _project(tmp: Path, fake: FakeVideos) -> Path:
    (tmp / "project.yaml").write_text(SPEC.replace("BASE", fake.base_url))
    (tmp / "prices.yaml").write_text("video:\n  openai-videos:\n    wan2.2-ti2v: {usd_per_second: 0.05}\n")
    return tmp


def _sent(project: Path) -> list[dict]:
    path = project / ".vidc" / "spend.log"
    return [r for r in map(json.loads, path.read_text().splitlines()) if r["ev"] == "sent"]


def _duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout)


def _build(cmd: list[str], project: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*cmd, "build", str(project), *extra], capture_output=True, text=True, env={**os.environ, **ENV}, timeout=600
    )


@pytest.mark.slow
def test_sigkilled_builds_resume_and_create_each_job_exactly_once(tmp_path, vidc_session_cmd):  # noqa: F811
    rng = random.Random(21)
    with FakeVideos(api_key=ENV["VIDC_TEST_VIDEOS_KEY"], queued_s=0.5, run_s=2.0) as fake:
        project = _project(tmp_path, fake)
        for k in range(5):
            proc = subprocess.Popen(
                [*vidc_session_cmd, "build", str(project)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **ENV},
                start_new_session=True,
            )  # fmt: skip
            time.sleep(rng.uniform(1.0, 7.0))
            if k % 2:
                os.killpg(proc.pid, signal.SIGKILL)  # a power cut: the build and its workers at once
            else:
                proc.send_signal(signal.SIGKILL)  # the build alone: its workers see it die, and keep their jobs
            proc.wait()
        assert fake.creates <= 3
        done = _build(vidc_session_cmd, project)
        assert done.returncode == 0, done.stderr
        assert fake.creates == 3 and fake.deletes == []
        prompts = sorted(j["fields"]["prompt"] for j in fake.jobs.values())
        assert prompts == ["a blue kite in a storm", "a green kite on the sand", "a red kite over a beach"]
        assert 5.5 < _duration(project / "build" / "kites.mp4") < 8.0
        assert len(_sent(project)) >= 3  # each job priced once it was sent (a kill between the two may add one)
        manifest = json.loads((project / "build" / "kites.json").read_text())
        assert "sk-videos-test" not in json.dumps(manifest)


def test_a_failing_job_is_tried_again_and_costed_and_max_cost_stops_before_a_job(tmp_path, vidc_session_cmd):  # noqa: F811
    with FakeVideos(api_key=ENV["VIDC_TEST_VIDEOS_KEY"], queued_s=0.1, run_s=0.3) as fake:
        project = _project(tmp_path / "a", fake) if (tmp_path / "a").mkdir() is None else None
        fake.fail_jobs(1)
        done = _build(vidc_session_cmd, project)
        assert done.returncode == 0, done.stderr
        assert fake.creates == 4
        sent = _sent(project)
        assert len(sent) == 4 and all(r["micro_usd"] == 100_000 for r in sent)  # 2 s at $0.05/s, each try
        manifest = json.loads((project / "build" / "kites.json").read_text())
        assert manifest["cost"]["spent_micro_usd"] == 400_000
        (clip,) = manifest["scenes"][0]["jobs"]  # model, seed, prompt and every job's id and cost
        assert clip["model"] == "wan2.2-ti2v" and clip["prompt"] == "a red kite over a beach"
        assert clip["seed"] == list(fake.jobs.values())[0]["fields"]["seed"]
        assert [j["id"] for j in clip["jobs"]] == list(fake.jobs)[:2] and clip["job_id"] == list(fake.jobs)[1]
        assert [(j["state"], j["micro_usd"]) for j in clip["jobs"]] == [("failed", 100_000), ("completed", 100_000)]
        plan = subprocess.run([*vidc_session_cmd, "plan", str(project)], capture_output=True, text=True, timeout=300)
        assert "video: openai-videos wan2.2-ti2v  1 job of 2 s at 320x180  ~1m10s  ~$0.1000" in plan.stdout
        site = tmp_path / "site"
        review = subprocess.run([*vidc_session_cmd, "review", str(project), "-o", str(site)], capture_output=True,
                                text=True, timeout=300)  # fmt: skip
        assert review.returncode == 0, review.stderr
        page = "".join(p.read_text() for p in site.rglob("*.html"))
        assert all(f"job {j}" in page for j in fake.jobs) and "· $0.1000" in page
    with FakeVideos(api_key=ENV["VIDC_TEST_VIDEOS_KEY"], queued_s=0.1, run_s=0.3) as fake:
        project = _project(tmp_path / "b", fake) if (tmp_path / "b").mkdir() is None else None
        refused = _build(vidc_session_cmd, project, "--max-cost", "0.25")  # three jobs are $0.30
        assert refused.returncode == 2 and "more than --max-cost $0.2500" in refused.stderr, refused.stderr
        assert fake.creates == 0
        fake.fail_jobs(1)  # within the ceiling at the start; the retry of a failed job would pass it
        stopped = _build(vidc_session_cmd, project, "--max-cost", "0.35")
        assert stopped.returncode == 1, stopped.stderr
        assert "stopped at --max-cost $0.3500: spent $0.3000" in stopped.stderr  # the job that would pass it
        assert fake.creates == 3 and sum(r["micro_usd"] for r in _sent(project)) == 300_000
